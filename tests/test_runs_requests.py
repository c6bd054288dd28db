"""``runs show RUN --requests``: exactly what was sent, as the run record keeps it (masked when masking was on)."""

from __future__ import annotations

import json
from pathlib import Path

from speechwriter import load_facts
from speechwriter.masking import MASK_KINDS, Masker
from speechwriter.testing.fakeserver import FakeLLMServer

from .conftest import REFERENCE_FACTS, SECRET_KEY
from .test_masking import INSTRUCTIONS, placeholder_brain


def _config(folder: Path, server: FakeLLMServer) -> None:
    (folder / "speechwriter.toml").write_text(
        f'[profiles.cloud]\nbase_url = "{server.base_url}"\nmodel = "fake-model"\napi_key = "{SECRET_KEY}"\n'
        f"backoff_base = 0.01\n", encoding="utf-8")


def _draft(cli, tmp_path: Path, monkeypatch, *mask: str) -> tuple[dict, list[dict], str]:
    monkeypatch.chdir(tmp_path)
    with FakeLLMServer(placeholder_brain()) as server:
        _config(tmp_path, server)
        done = cli("draft", REFERENCE_FACTS, "--profile", "cloud", *mask, "-o", "out", "-q", "--no-cache")
        assert done.exit_code in (0, 1), done.stderr
        bodies = list(server.requests)
    run_id = json.loads(cli("runs", "list", "--json").stdout)[0]["run_id"]
    shown = cli("runs", "show", run_id, "--requests", "--json")
    assert shown.exit_code == 0, shown.stderr
    text = cli("runs", "show", run_id, "--requests")
    assert text.exit_code == 0, text.stderr
    return json.loads(shown.stdout), bodies, text.stdout


def test_masked_run_shows_exactly_the_bodies_the_server_received(cli, tmp_path, monkeypatch):
    data, bodies, text = _draft(cli, tmp_path, monkeypatch, "--mask", "all")
    sent = [c for c in data["calls"] if c["sent"]]
    assert len(sent) == len(bodies) >= 4
    # what the record shows is what came over the wire, message for message (order of arrival aside)
    received = sorted(json.dumps(b["messages"], ensure_ascii=False) for b in bodies)
    assert sorted(json.dumps(c["messages"], ensure_ascii=False) for c in sent) == received
    assert data["masked"] == sorted(MASK_KINDS) and data["leaks"] == []
    assert all(c["masked"] == sorted(MASK_KINDS) for c in sent)
    masker = Masker.from_facts(load_facts(REFERENCE_FACTS), MASK_KINDS)
    messages = [m for c in sent for m in c["messages"]]
    assert masker.data_leaks(messages) == [] and "〔数1〕" in text
    # what is left outside the data blocks is the instructions' own wording (只说一次), listed apart
    assert data["in_instructions"] == masker.exposed(messages)
    assert all(v in INSTRUCTIONS for v in data["in_instructions"])
    assert "已脱敏" in text and "没有出现事实文件声明" in text
    assert SECRET_KEY not in text and SECRET_KEY not in json.dumps(data)


def test_unmasked_run_says_so_and_shows_the_real_figures(cli, tmp_path, monkeypatch):
    data, bodies, text = _draft(cli, tmp_path, monkeypatch, "--mask", "none")
    assert data["masked"] == [] and data["leaks"] is None
    assert "未脱敏" in text and "1500余万元" in text
    assert len([c for c in data["calls"] if c["sent"]]) == len(bodies)


def test_a_leak_is_named_and_a_damaged_call_record_is_shown_as_such(cli, tmp_path, monkeypatch):
    data, _, _ = _draft(cli, tmp_path, monkeypatch, "--mask", "all")
    calls = sorted((tmp_path / ".speechwriter" / "runs" / data["id"] / "calls").glob("*.json"))
    first = json.loads(calls[0].read_text(encoding="utf-8"))
    # as if a value had gone out unmasked, inside the facts block
    masker = Masker.from_facts(load_facts(REFERENCE_FACTS), MASK_KINDS)
    content = first["messages"][-1]["content"]
    placeholder = next(p for p in masker.backward if f'"{p}"' in content)
    first["messages"][-1]["content"] = content.replace(f'"{placeholder}"', f'"{masker.backward[placeholder]}"', 1)
    calls[0].write_text(json.dumps(first, ensure_ascii=False), encoding="utf-8")
    second = json.loads(calls[1].read_text(encoding="utf-8"))
    second["messages"] = "not a list"
    calls[1].write_text(json.dumps(second, ensure_ascii=False), encoding="utf-8")
    shown = cli("runs", "show", data["id"], "--requests")
    assert shown.exit_code == 0, shown.stderr
    assert f"请求中出现了事实文件声明的值：{masker.backward[placeholder]}" in shown.stdout
    assert "这条记录已损坏" in shown.stdout

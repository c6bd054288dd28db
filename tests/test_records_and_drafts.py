"""Readers of run records and drafts survive what a crash, a disk or a hand edit leaves (issue 26 items 12, 13)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from .conftest import REFERENCE_FACTS

BROKEN = {
    "truncated": '{"status": "runn',
    "a list": "[1, 2]",
    "wrong types": '{"run_id": 3, "usage": [1], "engine": "x", "status": 5, "cost": "free"}',
    "not utf-8": b"\xff\xfe{}",
    "empty": "",
}


@pytest.fixture
def run_id(tmp_path: Path, monkeypatch, cli) -> str:
    monkeypatch.chdir(tmp_path)
    assert cli("draft", REFERENCE_FACTS, "-o", tmp_path / "稿", "-q").exit_code in (0, 1)
    return next((tmp_path / ".speechwriter" / "runs").iterdir()).name


@pytest.mark.parametrize("kind", sorted(BROKEN))
def test_a_broken_run_json_is_one_line_in_runs_show_list_and_resume(tmp_path: Path, cli, run_id: str,
                                                                     kind: str) -> None:
    record = tmp_path / ".speechwriter" / "runs" / run_id / "run.json"
    data = BROKEN[kind]
    record.write_bytes(data if isinstance(data, bytes) else data.encode())
    listed = cli("runs", "list")
    shown = cli("runs", "show", run_id)
    resumed = cli("draft", REFERENCE_FACTS, "-o", tmp_path / "续", "--resume", run_id)
    assert listed.exit_code == 0, listed.output
    for result in (shown, resumed):
        assert "Traceback" not in result.output
    if kind == "wrong types":  # an object: shown with what it has
        assert shown.exit_code == 0, shown.output
    else:
        assert shown.exit_code == 2 and "已损坏" in shown.stderr, shown.output
        assert resumed.exit_code == 2 and "已损坏" in resumed.stderr, resumed.output


def test_broken_call_section_and_report_records_are_left_out(tmp_path: Path, cli, run_id: str) -> None:
    folder = tmp_path / ".speechwriter" / "runs" / run_id
    for name in ("calls", "sections"):
        (folder / name).mkdir(exist_ok=True)
        (folder / name / "zz-broken.json").write_text('{"sect', encoding="utf-8")
        (folder / name / "zz-list.json").write_text('[]', encoding="utf-8")
    (folder / "sections" / "zz-typed.json").write_text('{"body": 5}', encoding="utf-8")
    (folder / "report.json").write_text('{"findings": 3}', encoding="utf-8")
    shown = cli("runs", "show", run_id)
    as_json = cli("runs", "show", run_id, "--json")
    assert shown.exit_code == 0 and as_json.exit_code == 0, shown.output
    assert "zz-" not in json.dumps(json.loads(as_json.stdout)["sections"])


@pytest.mark.parametrize("given", ["/etc", "../..", "*", "2026[", ".hidden"])
def test_runs_show_of_a_path_or_pattern_is_refused_in_chinese(tmp_path: Path, cli, monkeypatch, given: str) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / ".speechwriter" / "runs").mkdir(parents=True)
    result = cli("runs", "show", given)
    assert result.exit_code == 2 and ("无效" in result.stderr or "找不到" in result.stderr), result.output
    assert "Traceback" not in result.output and "NotImplementedError" not in result.output


def _draft_json(tmp_path: Path, cli, change) -> Path:
    assert cli("draft", REFERENCE_FACTS, "-o", tmp_path / "稿", "-q").exit_code in (0, 1)
    path = tmp_path / "稿.json"
    data = json.loads(path.read_text(encoding="utf-8"))
    change(data)
    path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    return path


@pytest.mark.parametrize("char", ["\x00", "\x1b[31m", "\x07", "\u202e"])
def test_exporting_a_draft_with_control_characters_is_one_line(tmp_path: Path, cli, monkeypatch, char: str) -> None:
    monkeypatch.chdir(tmp_path)
    path = _draft_json(tmp_path, cli, lambda d: d["sections"][0].update(body=d["sections"][0]["body"] + char))
    result = cli("export", path, "--format", "docx", "-o", tmp_path / "出.docx")
    assert result.exit_code == 2 and "控制字符" in result.stderr and "sections[0].body" in result.stderr, result.output
    assert not (tmp_path / "出.docx").exists()


def test_refine_on_a_draft_without_sections_and_on_a_broken_draft(tmp_path: Path, cli, monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)
    empty = _draft_json(tmp_path, cli, lambda d: d.update(sections=[]))
    result = cli("refine", empty, input="")
    assert result.exit_code == 2 and "没有任何章节" in result.stderr, result.output
    assert not (tmp_path / ".speechwriter" / "sessions").exists() or not list(
        (tmp_path / ".speechwriter" / "sessions").iterdir())
    broken = _draft_json(tmp_path, cli, lambda d: d.update(title=1))
    result = cli("refine", broken, input="")
    assert result.exit_code == 2 and "不是 speechwriter 稿件" in result.stderr and "事实文件" not in result.stderr

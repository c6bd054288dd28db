"""The OpenAI-compatible path against a real HTTP server on 127.0.0.1 with scripted faults."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from speechwriter.config import Profile, mask_key
from speechwriter.engines.base import EngineError
from speechwriter.engines.openai import OpenAIEngine
from speechwriter.facts import load_facts
from speechwriter.pipeline import DraftOptions, clean_reply
from speechwriter.testing.fakeserver import FakeLLMServer, Step
from speechwriter.workspace import Workspace

from .conftest import REFERENCE_FACTS, SECRET_KEY, closed_port, composer_brain, is_continuation, is_repair, section_of

MESSAGES = [{"role": "user", "content": "你好"}]


def engine_for(server: FakeLLMServer, sleeps: list[float] | None = None, **profile) -> OpenAIEngine:
    prof = Profile(name="test", base_url=server.base_url, model="fake-model", api_key=SECRET_KEY,
                   backoff_base=0.01, **profile)
    return OpenAIEngine(prof, sleep=(sleeps.append if sleeps is not None else None))


# --- engine: replies, streaming, retries -----------------------------------------------------

def test_complete_and_stream_against_a_real_socket() -> None:
    with FakeLLMServer([Step(reply="第一段回复"), Step(reply="流式的第二段回复内容")]) as server:
        engine = engine_for(server)
        result = engine.complete(MESSAGES)
        assert (result.text, result.finish_reason) == ("第一段回复", "stop")
        assert result.usage["completion_tokens"] == len("第一段回复")
        assert "".join(engine.stream(MESSAGES)) == "流式的第二段回复内容"
        assert server.headers_seen[0]["authorization"] == f"Bearer {SECRET_KEY}"


def test_429_with_retry_after_is_honoured() -> None:
    sleeps: list[float] = []
    with FakeLLMServer([Step(status=429, headers={"Retry-After": "7"}), Step(reply="好")]) as server:
        assert engine_for(server, sleeps).complete(MESSAGES).text == "好"
        assert sleeps == [7.0] and server.calls == 2


@pytest.mark.parametrize("status", [429, 500, 502, 503, 504])
def test_transient_statuses_back_off_and_retry(status: int) -> None:
    sleeps: list[float] = []
    with FakeLLMServer([Step(status=status), Step(status=status), Step(reply="好")]) as server:
        assert engine_for(server, sleeps).complete(MESSAGES).text == "好"
        assert server.calls == 3 and len(sleeps) == 2 and all(s >= 0 for s in sleeps)


@pytest.mark.parametrize(("status", "words"), [(400, "400"), (401, "OPENAI_API_KEY"), (403, "403")])
def test_client_errors_are_never_retried(status: int, words: str) -> None:
    with FakeLLMServer([Step(status=status), Step(reply="不应到达")]) as server:
        with pytest.raises(EngineError) as err:
            engine_for(server, []).complete(MESSAGES)
        assert server.calls == 1
        assert words in str(err.value) and SECRET_KEY not in str(err.value)


def test_unknown_model_is_404_and_not_retried() -> None:
    with FakeLLMServer([]) as server:
        prof = Profile(base_url=server.base_url, model="no-such-model", api_key=SECRET_KEY)
        with pytest.raises(EngineError) as err:
            OpenAIEngine(prof, sleep=[].append).complete(MESSAGES)
        assert "模型「no-such-model」不存在" in str(err.value)


def test_gives_up_after_the_configured_attempts() -> None:
    sleeps: list[float] = []
    with FakeLLMServer(default=Step(status=503)) as server:
        with pytest.raises(EngineError) as err:
            engine_for(server, sleeps, max_attempts=3).complete(MESSAGES)
        assert server.calls == 3 and len(sleeps) == 2
        assert "重试 3 次后仍然失败" in str(err.value) and "503" in str(err.value)


def test_connection_dropped_mid_stream_is_retried() -> None:
    with FakeLLMServer([Step(reply="一段会被中途掐断的很长很长的回复内容", drop_mid_stream=True),
                        Step(reply="完整的回复")]) as server:
        assert engine_for(server, []).complete(MESSAGES).text == "完整的回复"
        assert server.calls == 2


def test_timeout_is_retried() -> None:
    with FakeLLMServer([Step(reply="太慢了", delay=1.5), Step(reply="及时")]) as server:
        engine = engine_for(server, [], timeout=0.5)
        completion = engine.complete(MESSAGES)
        assert completion.text == "及时"
        assert [a.status for a in completion.attempts] == ["error", "ok"]


def test_connection_refused_and_tls_errors_are_clear() -> None:
    port = closed_port()
    refused = OpenAIEngine(Profile(base_url=f"http://127.0.0.1:{port}/v1", model="m", api_key=SECRET_KEY,
                                   max_attempts=2, backoff_base=0.01), sleep=[].append)
    with pytest.raises(EngineError) as err:
        refused.complete(MESSAGES)
    assert "连接被拒绝" in str(err.value)
    with FakeLLMServer([Step(reply="x")]) as server:
        tls = OpenAIEngine(Profile(base_url=f"https://127.0.0.1:{server.port}/v1", model="fake-model",
                                   api_key=SECRET_KEY, max_attempts=1), sleep=[].append)
        with pytest.raises(EngineError) as err:
            tls.complete(MESSAGES)
        assert "TLS" in str(err.value)


def test_requests_beyond_loopback_are_impossible_in_tests() -> None:
    with pytest.raises(EngineError) as err:
        OpenAIEngine(Profile(base_url="https://api.deepseek.com/v1", model="deepseek-chat", api_key="k"))
    assert "禁止访问非本机地址" in str(err.value)
    with pytest.raises(EngineError):
        OpenAIEngine(Profile(model="gpt-4o", api_key="k"))  # the official endpoint


# --- reply parsing -----------------------------------------------------------------------------

def test_clean_reply_strips_chatter_fences_and_echoed_heading() -> None:
    raw = ("好的，以下是根据您提供的事实撰写的内容：\n```markdown\n## 二、今后的工作思路和打算\n\n"
           "**（一）发挥聚合作用。**要把工作放到大局中谋划。\n\n（二）发挥纽带作用。要多办实事。\n```\n"
           "希望对您有帮助！")
    assert clean_reply(raw, "二、今后的工作思路和打算") == (
        "（一）发挥聚合作用。要把工作放到大局中谋划。\n\n（二）发挥纽带作用。要多办实事。")


# --- the pipeline over HTTP --------------------------------------------------------------------

@pytest.fixture
def workdir(tmp_path: Path, monkeypatch) -> Path:
    monkeypatch.chdir(tmp_path)
    return tmp_path


def _run(server: FakeLLMServer, workdir: Path, **kwargs):
    facts = load_facts(REFERENCE_FACTS)
    return Workspace(workdir).draft(facts, engine=engine_for(server, []), **kwargs)


def test_parallel_draft_over_http_passes_validation(workdir: Path) -> None:
    with FakeLLMServer(composer_brain()) as server:
        result = _run(server, workdir)
        assert result.ok, [f.message for f in result.report.errors]
        assert server.calls == 5  # one per section; the salutation needs no call
        assert result.draft.engine.name == "openai" and result.draft.engine.model == "fake-model"
        assert result.prompt_tokens > 0 and result.completion_tokens > 0


def test_repair_fixes_an_invented_figure(workdir: Path) -> None:
    brain = composer_brain()

    def respond(request):
        step = brain(request)
        if section_of(request) == "achievements" and not is_repair(request):
            step.reply = step.reply.replace("预计今年竣工", "预计今年竣工，新增投入386万元")
        return step

    with FakeLLMServer(respond) as server:
        result = _run(server, workdir)
        assert result.ok, [f.message for f in result.report.errors]
        assert result.repaired == {"achievements": [1, 0]}
        repairs = [r for r in server.requests if is_repair(r)]
        assert len(repairs) == 1 and "386万元" in repairs[0]["messages"][-1]["content"]
        assert "386万元" not in result.draft.to_text()


def test_repair_keeps_the_best_attempt_and_reports_what_still_fails(workdir: Path) -> None:
    brain = composer_brain()

    def respond(request):
        step = brain(request)
        if section_of(request) == "plans":
            step.reply = step.reply.replace("建党90周年", "建党90周年，投入5000万元")
            if is_repair(request):
                step.reply += "另投入8000万元。"  # the "fix" is worse
        return step

    with FakeLLMServer(respond) as server:
        result = _run(server, workdir, options=DraftOptions(repair_rounds=2))
        assert not result.ok
        assert result.repaired["plans"][0] == 1
        assert "8000万元" not in result.draft.to_text() and "5000万元" in result.draft.to_text()
        assert [f.code for f in result.report.errors] == ["F204"]


def test_chatter_and_truncation_are_handled(workdir: Path) -> None:
    brain = composer_brain()
    closing: list[str] = []

    def respond(request):
        step = brain(request)
        sid = section_of(request)
        if sid == "opening":
            step.reply = "好的，以下是开场部分：\n```\n" + step.reply + "\n```\n希望对您有帮助。"
        if sid == "closing" and not is_continuation(request):
            full = step.reply
            closing.append(full)
            step.reply, step.finish_reason = full[:10], "length"
        elif sid == "closing":
            text = brain({"messages": request["messages"][:2]}).reply
            step.reply = text[10:]
        return step

    with FakeLLMServer(respond) as server:
        result = _run(server, workdir)
        assert result.ok, [f.message for f in result.report.errors]
        assert not result.draft.section("opening").body.startswith("好的")
        assert "```" not in result.draft.to_text()
        assert sum(1 for r in server.requests if is_continuation(r)) == 1
        assert result.draft.section("closing").body == clean_reply(closing[0])  # cut, continued, whole again


def test_empty_reply_is_retried_and_content_filter_fails_the_section(workdir: Path) -> None:
    brain = composer_brain()
    seen: dict[str, int] = {}

    def respond(request):
        sid = section_of(request)
        seen[sid] = seen.get(sid, 0) + 1
        if sid == "opening" and seen[sid] == 1:
            return Step(reply="")
        if sid == "closing":
            return Step(reply="", finish_reason="content_filter")
        return brain(request)

    with FakeLLMServer(respond) as server:
        result = _run(server, workdir, options=DraftOptions(repair_rounds=0))
        assert seen["opening"] == 2 and result.draft.section("opening").body
        assert "内容安全策略" in result.failed["closing"]
        assert not result.ok


def test_candidates_keep_the_best_version(workdir: Path) -> None:
    brain = composer_brain()
    count = {"n": 0}

    def respond(request):
        step = brain(request)
        if section_of(request) == "achievements":
            count["n"] += 1
            if count["n"] == 1:
                step.reply = step.reply.replace("1500余万元", "1570万元")
        return step

    with FakeLLMServer(respond) as server:
        result = _run(server, workdir, options=DraftOptions(candidates=2, repair_rounds=0))
        assert count["n"] == 2
        assert result.ok and "1500余万元" in result.draft.to_text()


def test_cache_makes_a_second_run_free(workdir: Path) -> None:
    with FakeLLMServer(composer_brain()) as server:
        first = _run(server, workdir)
        calls = server.calls
        second = _run(server, workdir)
        assert server.calls == calls  # zero calls the second time
        assert second.cache_hits == 5 and second.calls == 0
        assert second.draft.to_markdown() == first.draft.to_markdown()
        third = _run(server, workdir, use_cache=False)
        assert server.calls == calls + 5 and third.cache_hits == 0


def test_resume_finishes_only_what_is_missing(workdir: Path) -> None:
    brain = composer_brain()

    def flaky(request):
        return Step(status=503) if section_of(request) == "plans" else brain(request)

    with FakeLLMServer(flaky) as server:
        first = _run(server, workdir, options=DraftOptions(repair_rounds=0))
        assert "plans" in first.failed
    with FakeLLMServer(composer_brain()) as server:
        second = _run(server, workdir, resume=first.run_id)
        assert {section_of(r) for r in server.requests} == {"plans"}
        assert second.ok and second.run_id == first.run_id


def test_no_api_key_anywhere_on_disk_or_in_output(workdir: Path, cli, monkeypatch) -> None:
    monkeypatch.setenv("OPENAI_API_KEY", SECRET_KEY)
    brain = composer_brain()

    def respond(request):
        step = brain(request)
        if section_of(request) == "achievements" and not is_repair(request):
            step.reply += "新增投入386万元。"
        return step

    with FakeLLMServer(respond) as server:
        result = cli("draft", REFERENCE_FACTS, "--engine", "openai", "--base-url", server.base_url,
                     "--model", "fake-model", "-o", workdir / "out")
        assert result.exit_code == 0, result.output
        shown = cli("config", "show")
        bad = FakeLLMServer([Step(status=401)])
        with bad:
            failed = cli("config", "check", "--base-url", bad.base_url, "--model", "fake-model")
        runs = cli("runs", "list")
        run_id = json.loads(next((workdir / ".speechwriter" / "runs").glob("*/run.json")).read_text())["run_id"]
        show = cli("runs", "show", run_id)
    outputs = result.output + shown.output + failed.output + runs.output + show.output
    assert SECRET_KEY not in outputs and mask_key(SECRET_KEY) in shown.output
    assert "401" in failed.stderr and failed.exit_code == 1
    files = [p for p in workdir.rglob("*") if p.is_file()]
    assert any(p.name == "cache.sqlite" for p in files) and any(p.parent.name == "calls" for p in files)
    for path in files:
        assert SECRET_KEY.encode() not in path.read_bytes(), path
        assert SECRET_KEY[8:20].encode() not in path.read_bytes(), path
        assert mask_key(SECRET_KEY).encode() not in path.read_bytes(), path  # not even masked


def test_draft_cli_over_http_reports_usage_and_cost(workdir: Path, cli, monkeypatch) -> None:
    monkeypatch.setenv("OPENAI_API_KEY", SECRET_KEY)
    with FakeLLMServer(composer_brain()) as server:
        (workdir / "speechwriter.toml").write_text(
            f'default_profile = "local"\n[profiles.local]\nbase_url = "{server.base_url}"\nmodel = "fake-model"\n'
            f'[prices."fake-model"]\ninput = 0.002\noutput = 0.008\n', encoding="utf-8")
        result = cli("draft", REFERENCE_FACTS, "-o", workdir / "out", "-q")
        assert result.exit_code == 0, result.output
        assert "使用模型 fake-model" in result.stderr and "估算费用" in result.stderr
        assert "调用 5 次" in result.stderr
        again = cli("draft", REFERENCE_FACTS, "-o", workdir / "out", "-q")
        assert "缓存命中 5 次" in again.stderr


def test_missing_key_names_the_variable(cli, workdir: Path) -> None:
    # A remote endpoint needs a key: the error comes before any connection is tried.
    result = cli("draft", REFERENCE_FACTS, "--engine", "openai", "--base-url", "https://llm.example.invalid/v1",
                 "--model", "m", "-o", workdir / "x")
    assert result.exit_code == 2 and "OPENAI_API_KEY" in result.stderr


def test_ctrl_c_then_resume_in_a_real_process(workdir: Path) -> None:
    """A run interrupted by SIGINT exits 130, says where the work is, and --resume finishes it."""
    brain = composer_brain()

    def slow(request):
        step = brain(request)
        if section_of(request) == "plans":
            step.delay = 30  # never finishes before the interrupt
        return step

    env = {**os.environ, "OPENAI_API_KEY": SECRET_KEY, "PYTHONUNBUFFERED": "1"}
    exe = str(Path(sys.executable).with_name("speechwriter"))
    with FakeLLMServer(slow) as server:
        proc = subprocess.Popen([exe, "draft", str(REFERENCE_FACTS), "--engine", "openai", "--base-url",
                                 server.base_url, "--model", "fake-model", "-o", "out", "-q"],
                                cwd=workdir, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        sections = workdir / ".speechwriter" / "runs"
        for _ in range(300):  # wait until four sections are checkpointed (bounded)
            if len(list(sections.glob("*/sections/*.json"))) >= 4:
                break
            time.sleep(0.05)
        proc.send_signal(signal.SIGINT)
        _out, err = proc.communicate(timeout=60)
    assert proc.returncode == 130, err
    assert "--resume" in err
    run_id = err.split("--resume ")[1].split()[0]
    with FakeLLMServer(composer_brain()) as server:
        done = subprocess.run([exe, "draft", "--resume", run_id, "--engine", "openai", "--base-url",
                               server.base_url, "--model", "fake-model", "-o", "out", "-q"],
                              cwd=workdir, env=env, capture_output=True, text=True, timeout=120)
        assert done.returncode == 0, done.stderr
        assert {section_of(r) for r in server.requests} == {"plans"}
    assert (workdir / "out.json").is_file()


def test_clean_reply_keeps_masked_place_names() -> None:
    text = "**市两次在**召开现场经验交流会。\n\n**市妇联引进资金1500余万元。"
    assert clean_reply(text) == text


def test_draft_exits_1_when_errors_remain_but_still_writes(workdir: Path, cli, monkeypatch) -> None:
    monkeypatch.setenv("OPENAI_API_KEY", SECRET_KEY)
    brain = composer_brain()

    def stubborn(request):
        step = brain(request)
        if section_of(request) == "plans":
            step.reply += "另投入5000万元。"
        return step

    with FakeLLMServer(stubborn) as server:
        result = cli("draft", REFERENCE_FACTS, "--base-url", server.base_url, "--model", "fake-model",
                     "-o", workdir / "out", "-q", "--repair-rounds", "1")
    assert result.exit_code == 1
    assert "5000万元" in result.stdout and "F204" in result.stdout
    assert "5000万元" in (workdir / "out.md").read_text(encoding="utf-8")


def test_models_endpoint_and_sdk_compatibility() -> None:
    import openai

    with FakeLLMServer([Step(reply="好")], models=("fake-model", "other")) as server:
        client = openai.OpenAI(base_url=server.base_url, api_key=SECRET_KEY, max_retries=0)
        assert [m.id for m in client.models.list()] == ["fake-model", "other"]
        reply = client.chat.completions.create(model="fake-model", messages=MESSAGES)
        assert reply.choices[0].message.content == "好"

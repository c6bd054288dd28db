"""Never hang, and name each misbehaviour of an endpoint for what it is (issue 26 items 5 and 13).

The servers misbehave at the socket level (``speechwriter.testing.rawserver``). Deadlines in the
test profiles are short; the only time-related assertion is that a request returned with the
deadline error, never how long it took.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from speechwriter.config import Profile
from speechwriter.engines.base import EngineError
from speechwriter.engines.openai import OpenAIEngine
from speechwriter.testing.fakeserver import FakeLLMServer, Step
from speechwriter.testing.rawserver import MisbehavingServer

from .conftest import REFERENCE_FACTS

MESSAGES = [{"role": "user", "content": "你好"}]


def engine(base_url: str, **settings) -> OpenAIEngine:
    profile = {"deadline": 1.0, "timeout": 60.0, "max_attempts": 3, "backoff_base": 0.01, **settings}
    return OpenAIEngine(Profile(name="t", base_url=base_url, model="fake-model", api_key="k-test-key", **profile))


@pytest.mark.parametrize("mode", ["endless", "keepalive", "slowloris", "slow_headers", "silent"])
def test_a_request_that_never_finishes_stops_at_the_deadline(mode: str) -> None:
    # The per-read timeout (60 s) never fires for these: only the total deadline stops them.
    with MisbehavingServer(mode) as server, pytest.raises(EngineError, match="总时限 1 秒内未完成"):
        engine(server.base_url).complete(MESSAGES)


def test_a_chain_of_retry_after_waits_stops_at_the_deadline() -> None:
    with FakeLLMServer(default=Step(status=429, headers={"Retry-After": "0.4"})) as server:
        with pytest.raises(EngineError, match="总时限"):
            engine(server.base_url, max_attempts=20, max_retry_seconds=600).complete(MESSAGES)
        assert server.calls >= 2  # it did retry, within the deadline


def test_the_deadline_grows_with_max_tokens() -> None:
    profile = Profile(deadline=100.0)
    assert profile.deadline_for(None) == 100.0 and profile.deadline_for(8000) == 200.0
    assert Profile(deadline=100.0, max_tokens=12000).deadline_for(None) == 300.0


def test_a_reply_beyond_the_size_cap_is_cut_off_with_the_reason() -> None:
    with MisbehavingServer("huge", reply_chars=300_000) as server:
        with pytest.raises(EngineError, match="回复超过 20000 字符的上限"):
            engine(server.base_url, max_reply_chars=20_000, deadline=60).complete(MESSAGES)
        assert server.connections == 1  # not retried: it would be as long again


@pytest.mark.parametrize(("mode", "said"), [
    ("html", "接口返回了网页（HTML）"),
    ("empty", "空回复"),
    ("no_choices", "没有 choices"),
    ("truncated", "回复不完整"),
    ("redirect", "接口返回了重定向（302，指向 http://127.0.0.1:9/elsewhere）"),
])
def test_each_bad_reply_is_named_for_what_it_is(mode: str, said: str) -> None:
    with MisbehavingServer(mode) as server, pytest.raises(EngineError) as err:
        engine(server.base_url, deadline=60).complete(MESSAGES)
    assert said in str(err.value) and "连接在回复途中断开" not in str(err.value).replace(
        "没有结束标记（连接在回复途中断开）", "")


@pytest.mark.parametrize(("url", "said"), [
    ("http://[::1", "方括号不成对"),
    ("http://127.0.0.1:99999/v1", "端口超出"),
    ("ftp://127.0.0.1/v1", "只支持 http:// 或 https://"),
    ("http:///v1", "缺少主机名"),
])
def test_an_unusable_base_url_is_refused_at_once(url: str, said: str, cli, tmp_path: Path, monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)
    result = cli("draft", REFERENCE_FACTS, "--engine", "openai", "--base-url", url, "--model", "m",
                 "-o", tmp_path / "out")
    assert result.exit_code != 0 and said in result.stderr, result.output
    assert "Traceback" not in result.output and "Error" not in result.stderr and "重试" not in result.stderr
    assert len([line for line in result.stderr.splitlines() if line.startswith("错误")]) == 1


def test_draft_against_an_endless_stream_exits_with_the_deadline_error(cli, tmp_path: Path, monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)
    with MisbehavingServer("endless") as server:
        (tmp_path / "speechwriter.toml").write_text(
            f'[profiles.slow]\nbase_url = "{server.base_url}"\nmodel = "fake-model"\ndeadline = 1.0\n'
            f"max_attempts = 1\n", encoding="utf-8")
        result = cli("draft", REFERENCE_FACTS, "--profile", "slow", "-o", tmp_path / "out")
    assert result.exit_code != 0 and "总时限" in result.stderr, result.output
    assert "Traceback" not in result.output


@pytest.mark.parametrize("mode", ["huge", "endless"])
def test_a_stream_abandoned_mid_reply_leaves_nothing_on_stderr(mode: str) -> None:
    """A stream cut off (too long, past the deadline) is closed in its own loop: no asyncio noise at exit."""
    import subprocess
    import sys

    deadline = 120 if mode == "huge" else 1  # the size cap, not the deadline, ends the huge reply
    code = (
        "from speechwriter.testing.rawserver import MisbehavingServer\n"
        "from speechwriter.config import Profile\n"
        "from speechwriter.engines.openai import OpenAIEngine\n"
        "from speechwriter.engines.base import EngineError\n"
        f"with MisbehavingServer({mode!r}, reply_chars=10_000_000) as s:\n"
        f"    e = OpenAIEngine(Profile(base_url=s.base_url, model='m', api_key='k-test-key', deadline={deadline},"
        " max_attempts=1))\n"
        "    try:\n"
        "        e.complete([{'role': 'user', 'content': 'x'}])\n"
        "    except EngineError as exc:\n"
        "        print(exc)\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0 and ("上限" in done.stdout or "总时限" in done.stdout), done.stdout + done.stderr
    assert done.stderr == "", done.stderr

"""No endless waits: capped Retry-After shown in the live view, clear bad streams, fast failing checks.

Sleeps are injected (recorded, not slept), so nothing here depends on the clock.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from speechwriter.config import LOOPBACK_PLACEHOLDER_KEY, Profile, is_loopback_url
from speechwriter.engines.base import EngineError
from speechwriter.engines.openai import OpenAIEngine
from speechwriter.facts import load_facts
from speechwriter.testing.fakeserver import FakeLLMServer, Step
from speechwriter.workspace import Workspace

from .conftest import REFERENCE_FACTS, closed_port, composer_brain, kind_of, section_of

MESSAGES = [{"role": "user", "content": "你好"}]


def engine_for(base_url: str, sleeps: list[float], **profile) -> OpenAIEngine:
    prof = Profile(name="test", base_url=base_url, model="fake-model", api_key="k-test", backoff_base=0.01,
                   **profile)
    return OpenAIEngine(prof, sleep=sleeps.append)


# --- Retry-After ------------------------------------------------------------------------------

def test_retry_after_beyond_the_cap_gives_up_at_once_saying_why() -> None:
    sleeps: list[float] = []
    with FakeLLMServer([Step(status=429, headers={"Retry-After": "600"}), Step(reply="好")]) as server:
        with pytest.raises(EngineError) as caught:
            engine_for(server.base_url, sleeps).complete(MESSAGES)
        assert server.calls == 1
    message = str(caught.value)
    assert sleeps == [] and "600 秒" in message and "上限 60 秒" in message and "max_retry_after" in message


def test_retry_after_within_the_cap_is_honoured_and_announced() -> None:
    sleeps: list[float] = []
    waits: list[tuple[float, str]] = []
    with FakeLLMServer([Step(status=429, headers={"Retry-After": "45"}), Step(reply="好")]) as server:
        reply = engine_for(server.base_url, sleeps).complete(MESSAGES, on_wait=lambda s, why: waits.append((s, why)))
    assert reply.text == "好" and sleeps == [45.0]
    assert waits == [(45.0, waits[0][1])] and "429" in waits[0][1]


def test_the_cap_is_a_profile_setting() -> None:
    sleeps: list[float] = []
    with FakeLLMServer([Step(status=503, headers={"Retry-After": "600"}), Step(reply="好")]) as server:
        assert engine_for(server.base_url, sleeps, max_retry_after=900).complete(MESSAGES).text == "好"
    assert sleeps == [600.0]


def test_the_live_view_shows_the_wait(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)
    brain = composer_brain()
    throttled: set[str] = set()

    def respond(request: dict) -> Step:
        if kind_of(request) == "generate" and section_of(request) == "opening" and "opening" not in throttled:
            throttled.add("opening")
            return Step(status=429, headers={"Retry-After": "30"})
        return brain(request)

    seen: list[tuple[str, float | None, str]] = []
    sleeps: list[float] = []
    with FakeLLMServer(respond) as server:
        result = Workspace(tmp_path).draft(load_facts(REFERENCE_FACTS), engine=engine_for(server.base_url, sleeps),
                                           progress=lambda st: seen.append((st.id, st.waiting, st.note)))
    assert result.ok and sleeps == [30.0]
    waiting = [(sid, w, note) for sid, w, note in seen if w is not None]
    assert waiting == [("opening", 30.0, waiting[0][2])] and "30 秒后重试" in waiting[0][2]
    assert "429" in waiting[0][2]
    assert [s for s in seen if s[0] == "opening"][-1][1] is None  # cleared once text arrives


def test_draft_without_a_terminal_prints_the_wait(tmp_path: Path, cli, monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)
    brain = composer_brain()
    state = {"done": False}

    def respond(request: dict) -> Step:
        if not state["done"] and kind_of(request) == "generate":
            state["done"] = True
            return Step(status=429, headers={"Retry-After": "0.01"})
        return brain(request)

    with FakeLLMServer(respond) as server:
        result = cli("draft", REFERENCE_FACTS, "--engine", "openai", "--base-url", server.base_url, "--model",
                     "fake-model", "-o", tmp_path / "out", "-q")
    assert result.exit_code == 0, result.output
    assert "秒后重试" in result.stderr and "429" in result.stderr


# --- invalid JSON in a stream -----------------------------------------------------------------

def test_invalid_json_in_a_stream_is_named_and_retried_once() -> None:
    sleeps: list[float] = []
    with FakeLLMServer([Step(reply="第一段回复内容比较长一些" * 3, bad_json_at=3), Step(reply="好")]) as server:
        assert engine_for(server.base_url, sleeps).complete(MESSAGES).text == "好"
        assert server.calls == 2
    with FakeLLMServer([Step(reply="回复内容" * 10, bad_json_at=2)] * 3) as server:
        with pytest.raises(EngineError) as caught:
            engine_for(server.base_url, sleeps).complete(MESSAGES)
        assert server.calls == 2  # retried once, not five times
    message = str(caught.value)
    assert "无效的 JSON" in message and "第 2 个数据块" in message and "ValueError" not in message
    assert [a.status for a in caught.value.attempts] == ["error", "error"]


# --- config check and loopback keys -----------------------------------------------------------

def test_a_check_against_a_refused_port_fails_at_once_with_the_address() -> None:
    sleeps: list[float] = []
    url = f"http://127.0.0.1:{closed_port()}/v1"
    with pytest.raises(EngineError) as caught:
        engine_for(url, sleeps).ping(MESSAGES)
    assert sleeps == [] and url in str(caught.value) and "连接被拒绝" in str(caught.value)
    assert len(caught.value.attempts) == 1


def test_config_check_cli_refused(cli) -> None:
    url = f"http://127.0.0.1:{closed_port()}/v1"
    result = cli("config", "check", "--base-url", url, "--model", "m")
    assert result.exit_code == 1 and url in result.stderr and "重试" not in result.stderr
    assert result.stderr.count("\n") == 1


@pytest.mark.parametrize("url, loopback", [
    ("http://127.0.0.1:11434/v1", True), ("http://localhost:8000/v1", True), ("http://[::1]:8080/v1", True),
    ("http://127.8.9.10/v1", True), ("https://api.deepseek.com/v1", False), ("http://10.0.0.5/v1", False),
    (None, False), ("http://u:p@localhost/v1", True),
])
def test_loopback_detection(url: str | None, loopback: bool) -> None:
    assert is_loopback_url(url) is loopback


def test_a_loopback_endpoint_needs_no_key(cli) -> None:
    with FakeLLMServer([Step(reply="在")]) as server:
        result = cli("config", "check", "--base-url", server.base_url, "--model", "fake-model")
        assert result.exit_code == 0, result.output
        assert server.headers_seen[0]["authorization"] == f"Bearer {LOOPBACK_PLACEHOLDER_KEY}"
    remote = cli("config", "check", "--base-url", "https://llm.example.invalid/v1", "--model", "m")
    assert remote.exit_code == 2 and "OPENAI_API_KEY" in remote.stderr

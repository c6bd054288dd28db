"""The LangChain engine: any chat model by import path, through the same pipeline as every engine."""

from __future__ import annotations

import json

import pytest

from speechwriter.config import Profile, Settings
from speechwriter.engines.base import EngineError, Request
from speechwriter.engines.langchain import LangChainEngine, load_chat_model_class
from speechwriter.errors import InputError
from speechwriter.facts import load_facts
from speechwriter.testing.fakeserver import FakeLLMServer, Step
from speechwriter.workspace import Workspace

from .conftest import REFERENCE_FACTS, SECRET_KEY, composer_brain

MESSAGES = [{"role": "system", "content": "你是秘书"}, {"role": "user", "content": "写一句话"}]


def _profile(server: FakeLLMServer, **extra) -> Profile:
    return Profile(name="lc", chat_model="langchain_openai:ChatOpenAI", model="fake-model",
                   base_url=server.base_url, api_key=SECRET_KEY, backoff_base=0.01, **extra)


def test_chat_openai_by_import_path_against_a_real_socket():
    with FakeLLMServer([Step(reply="一句回复")]) as server:
        engine = LangChainEngine.from_profile(_profile(server))
        result = engine.complete(MESSAGES, Request(temperature=0.1))
        assert result.text == "一句回复"
        sent = server.requests[0]
        assert [m["role"] for m in sent["messages"]] == ["system", "user"]
        assert sent["model"] == "fake-model" and sent["temperature"] == 0.1
        assert server.headers_seen[0]["authorization"] == f"Bearer {SECRET_KEY}"


def test_transient_errors_retry_through_tenacity_once_not_twice():
    sleeps: list[float] = []
    with FakeLLMServer([Step(status=503), Step(reply="好")]) as server:
        engine = LangChainEngine.from_profile(_profile(server))
        engine._sleep = sleeps.append
        result = engine.complete(MESSAGES)
        # the SDK's own retries are off: exactly two requests, one wait between them
        assert result.text == "好" and server.calls == 2 and len(sleeps) == 1
        assert [a.status for a in result.attempts] == ["error", "ok"]


def test_a_client_error_is_not_retried_and_reads_in_chinese_without_the_key():
    with FakeLLMServer([Step(status=401, error_message=f"bad key {SECRET_KEY}")]) as server:
        engine = LangChainEngine.from_profile(_profile(server))
        with pytest.raises(EngineError) as caught:
            engine.complete(MESSAGES)
        assert server.calls == 1
        assert "调用失败" in str(caught.value) and SECRET_KEY not in str(caught.value)


def test_structured_output_returns_the_json_the_schema_asks_for():
    schema = {"title": "Verdict", "type": "object", "properties": {"score": {"type": "integer"}},
              "required": ["score"]}
    with FakeLLMServer([Step(reply='{"score": 4}')]) as server:
        engine = LangChainEngine.from_profile(_profile(server))
        result = engine.complete(MESSAGES, Request(kind="judge", json_schema=schema))
        assert json.loads(result.text) == {"score": 4}
        assert server.requests[0]["response_format"]["type"] == "json_schema"


def test_structured_output_falls_back_when_the_provider_refuses_json_schema():
    schema = {"title": "Verdict", "type": "object", "properties": {"score": {"type": "integer"}},
              "required": ["score"]}

    def respond(request):
        if request.get("response_format", {}).get("type") == "json_schema":
            return Step(status=400, error_message="response_format json_schema not supported")
        return Step(reply='{"score": 3}')

    with FakeLLMServer(respond) as server:
        engine = LangChainEngine.from_profile(_profile(server))
        result = engine.complete(MESSAGES, Request(kind="extract", json_schema=schema))
        assert server.calls >= 2  # the json_schema request, then a fallback method
        assert "score" in result.text


def test_a_non_openai_chat_model_drafts_a_whole_speech_offline():
    # Any BaseChatModel works: here LangChain's own fake model, answering from a list.
    from langchain_core.language_models.fake_chat_models import FakeListChatModel

    facts = load_facts(REFERENCE_FACTS)
    engine = LangChainEngine(FakeListChatModel(responses=["本节正文。"] * 40), label="FakeListChatModel")
    result = Workspace().draft(facts, engine=engine, record=False, use_cache=False)
    bodies = [s.body for s in result.draft.sections if s.role != "salutation"]
    assert bodies and all("本节正文" in b for b in bodies)
    assert result.draft.engine.name == "langchain"


def test_workspace_builds_it_from_a_profile_with_chat_model(tmp_path):
    brain = composer_brain()
    with FakeLLMServer(brain) as server:
        settings = Settings(profiles={"lc": _profile(server)}, default_profile="lc")
        ws = Workspace(tmp_path, settings=settings)
        engine = ws.engine()
        assert isinstance(engine, LangChainEngine)
        result = ws.draft(load_facts(REFERENCE_FACTS), engine=engine, record=False, use_cache=False)
        assert result.report.errors == [], [f.message for f in result.report.errors]
        assert server.calls >= len(result.draft.sections) - 1


@pytest.mark.parametrize("path, message", [
    ("no_such_pkg_xyz:Model", "未安装"),
    ("langchain_openai:NoSuchClass", "没有类"),
    ("json:JSONDecoder", "不是 LangChain 聊天模型"),
    ("justaword", "导入路径"),
])
def test_a_wrong_import_path_is_one_chinese_line(path, message):
    with pytest.raises(InputError, match=message):
        load_chat_model_class(path)


def test_langchain_engine_without_chat_model_says_what_to_set(tmp_path):
    ws = Workspace(tmp_path, settings=Settings(profiles={"p": Profile(name="p", model="m")}, default_profile="p"))
    with pytest.raises(InputError, match="chat_model"):
        ws.engine("langchain")

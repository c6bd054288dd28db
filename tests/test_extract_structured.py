"""facts extract through LangChain's with_structured_output: the three methods, re-asks, the cache, masking.

Every test runs the real openai SDK / langchain client against scripted HTTP servers on 127.0.0.1.
"""

from __future__ import annotations

import json
import re
import sqlite3
from pathlib import Path

from speechwriter.config import Profile
from speechwriter.engines.langchain import LangChainEngine
from speechwriter.engines.openai import OpenAIEngine
from speechwriter.extract import check_provenance, extract_facts, read_sources
from speechwriter.extract.llm import LLMOptions, parse_reply, source_masker
from speechwriter.extract.organisations import parse_org_specs
from speechwriter.testing import FakeLLMServer, Step
from speechwriter.workspace import Workspace

from .conftest import SECRET_KEY
from .test_extract_llm import ORGS, SOURCES, UNION, good_reply, is_reask, run, source_of

PLACEHOLDER = re.compile(r"〔数\d+〕")


def cached_replies(tmp_path: Path) -> list[str]:
    db = sqlite3.connect(tmp_path / ".speechwriter" / "cache.sqlite")
    try:
        return [row[0] for row in db.execute("SELECT text FROM replies")]
    finally:
        db.close()


def calls_of(result, tmp_path: Path) -> list[dict]:
    folder = tmp_path / ".speechwriter" / "runs" / result.run_id / "calls"
    return [json.loads(p.read_text(encoding="utf-8")) for p in sorted(folder.glob("*.json"))]


def body_of(request: dict) -> str:
    return json.dumps(request, ensure_ascii=False)


# --- the three structured-output methods ------------------------------------------------------------

def test_an_endpoint_that_takes_json_schema_gets_the_pydantic_schema_non_strict(tmp_path: Path) -> None:
    with FakeLLMServer(lambda req: Step(reply=json.dumps(good_reply(req), ensure_ascii=False))) as server:
        result = run(server, tmp_path)
        fmt = server.requests[0]["response_format"]
        assert fmt["type"] == "json_schema" and fmt["json_schema"]["name"] == "ExtractionReply"
        assert fmt["json_schema"]["strict"] is False  # optional fields: strict mode would refuse the schema
        assert "tools" not in server.requests[0]
        assert server.requests[0]["speechwriter"] == {"kind": "extract", "section": "chunk1"}
    [call] = calls_of(result, tmp_path)
    assert call["structured_output"] == "json_schema" and call["status"] == "ok"
    assert {"12场", "186万元"} <= {f.figure.raw for f in result.facts.figure_refs()}


def test_a_refused_json_schema_falls_back_to_function_calling_and_stays_there(tmp_path: Path) -> None:
    def respond(request: dict) -> Step:
        if "response_format" in request:
            return Step(status=400, error_message="response_format is not supported by this model")
        assert request["tool_choice"]["function"]["name"] == "ExtractionReply"
        return Step(reply=json.dumps(good_reply(request), ensure_ascii=False), tool_call="ExtractionReply",
                    finish_reason="tool_calls")

    sources = (UNION, SOURCES / "团市委.md")
    with FakeLLMServer(respond) as server:
        result = run(server, tmp_path, sources=sources, concurrency=1)
        kinds = ["response_format" if "response_format" in r else "tools" for r in server.requests]
        assert kinds == ["response_format", "tools", "tools"]  # the refusal is remembered for the next chunk
    calls = calls_of(result, tmp_path)
    assert [c["structured_output"] for c in calls] == ["function_calling", "function_calling"]
    assert [a["status"] for a in calls[0]["attempts"]] == ["refused", "ok"]
    assert "json_schema" in calls[0]["attempts"][0]["error"]
    assert check_provenance(result.facts, result.sources) == []


def test_an_endpoint_with_json_mode_only(tmp_path: Path) -> None:
    def respond(request: dict) -> Step:
        if "tools" in request or request.get("response_format", {}).get("type") == "json_schema":
            return Step(status=400, error_message="unsupported parameter")
        assert request["response_format"] == {"type": "json_object"}
        return Step(reply=json.dumps(good_reply(request), ensure_ascii=False))

    with FakeLLMServer(respond) as server:
        result = run(server, tmp_path)
        assert server.calls == 3
    [call] = calls_of(result, tmp_path)
    assert call["structured_output"] == "json_mode"
    assert [a["status"] for a in call["attempts"]] == ["refused", "refused", "ok"]
    assert result.figures >= 10


def test_an_endpoint_that_refuses_every_method_fails_in_one_chinese_line(tmp_path: Path) -> None:
    import pytest

    from speechwriter.engines.base import EngineError

    with FakeLLMServer(lambda req: Step(status=400, error_message=f"nope {SECRET_KEY}")) as server:
        with pytest.raises(EngineError) as caught:
            run(server, tmp_path)
        assert server.calls == 3
    message = str(caught.value)
    assert "结构化输出" in message and SECRET_KEY not in message and "\n" not in message
    assert cached_replies(tmp_path) == []


# --- re-asks and the cache ---------------------------------------------------------------------------

def test_invalid_json_then_valid_caches_only_the_valid_reply(tmp_path: Path) -> None:
    def respond(request: dict) -> Step:
        text = json.dumps(good_reply(request), ensure_ascii=False)
        return Step(reply=text if is_reask(request) else text[: len(text) // 2])

    with FakeLLMServer(respond) as server:
        first = run(server, tmp_path)
        assert server.calls == 2 and "不是合法的 JSON" in server.requests[1]["messages"][-1]["content"]
        [kept] = cached_replies(tmp_path)
        reply, errors = parse_reply(kept)
        assert reply is not None and errors == []
        again = run(server, tmp_path)  # the first request misses (its reply was never cached), the re-ask hits
        assert server.calls == 3
    assert again.figures == first.figures
    assert len(cached_replies(tmp_path)) == 1


def test_a_reply_that_fails_the_facts_checks_is_re_asked_and_never_cached(tmp_path: Path) -> None:
    def respond(request: dict) -> Step:
        reply = good_reply(request)
        if not is_reask(request):
            item = reply["highlights"][0]["items"][0]
            item["figures"] = [*item["figures"], "99个"]  # a figure the statement does not hold
        return Step(reply=json.dumps(reply, ensure_ascii=False))

    with FakeLLMServer(respond) as server:
        result = run(server, tmp_path)
        assert server.calls == 2
        problems = server.requests[1]["messages"][-1]["content"]
        assert "99个" in problems and "没有原样出现" in problems
    [kept] = cached_replies(tmp_path)
    assert "99个" not in kept
    assert "99个" not in {f.figure.raw for f in result.facts.figure_refs()}
    statuses = [c["status"] for c in calls_of(result, tmp_path)]
    assert statuses == ["ok", "rejected", "ok"]


def test_a_cached_reply_that_the_checks_now_refuse_is_asked_again(tmp_path: Path) -> None:
    with FakeLLMServer(lambda req: Step(reply=json.dumps(good_reply(req), ensure_ascii=False))) as server:
        run(server, tmp_path)
        # Someone (an older version) cached a reply that does not pass: it must not be used.
        db = sqlite3.connect(tmp_path / ".speechwriter" / "cache.sqlite")
        db.execute("UPDATE replies SET text = ?", ('{"highlights": [{"theme": "x", "items": [{"org": "nobody", '
                                                   '"statement": "y", "sentences": ["S1"]}]}]}',))
        db.commit()
        db.close()
        result = run(server, tmp_path)
        assert server.calls == 2
    assert result.figures >= 10


# --- a LangChain chat model by import path -----------------------------------------------------------

def test_extraction_through_the_langchain_engine(tmp_path: Path) -> None:
    with FakeLLMServer(lambda req: Step(reply=json.dumps(good_reply(req), ensure_ascii=False))) as server:
        engine = LangChainEngine.from_profile(Profile(name="lc", chat_model="langchain_openai:ChatOpenAI",
                                                      model="fake-model", base_url=server.base_url,
                                                      api_key=SECRET_KEY, backoff_base=0.01))
        result = extract_facts([UNION], orgs=ORGS, engine=engine, workspace=Workspace(tmp_path),
                               output_name=str(tmp_path / "facts.yaml"))
        assert server.requests[0]["response_format"]["json_schema"]["name"] == "ExtractionReply"
    assert result.engine.startswith("langchain:")
    assert check_provenance(result.facts, result.sources) == []


# --- masking (脱敏) ----------------------------------------------------------------------------------

def masked_reply(request: dict, *, invent: bool = False) -> dict:
    """A careful model on masked sources: each placeholder is a figure, copied as it is."""
    highlights: dict[str, dict] = {}
    for s in source_of(request)["sentences"]:
        figures = PLACEHOLDER.findall(s["text"])
        if not figures or "下一步" in s["heading"] or "不足" in s["heading"]:
            continue
        theme = s["heading"].split(" / ")[-1] or "主要工作"
        statement = s["text"].rstrip("。")
        if invent and not highlights:
            statement, figures = statement + "，新增〔数999〕", [*figures, "〔数999〕"]
        highlights.setdefault(theme, {"theme": theme, "items": []})["items"].append(
            {"org": "union", "statement": statement, "figures": figures, "sentences": [s["id"]]})
    return {"highlights": list(highlights.values())}


def union_masker():
    return source_masker(read_sources([UNION]), parse_org_specs(ORGS),
                         ("figures", "organisations", "places", "people"))


def test_masked_extraction_sends_no_figure_or_organisation_and_unmasks_before_the_checks(tmp_path: Path) -> None:
    masker = union_masker()
    values = list(masker.forward)
    assert {"12场", "186万元", "市总工会"} <= set(values)
    with FakeLLMServer(lambda req: Step(reply=json.dumps(masked_reply(req), ensure_ascii=False))) as server:
        result = run(server, tmp_path, mask=("figures", "organisations", "places", "people"))
        bodies = [body_of(r) for r in server.requests]
    assert sum(v in body for body in bodies for v in values) == 0
    assert all(PLACEHOLDER.search(body) for body in bodies)
    assert "占位符" in server.requests[0]["messages"][0]["content"]  # the prompt tells the model what they are
    raws = {f.figure.raw for f in result.facts.figure_refs()}
    assert {"12场", "3600余人次", "186万元", "92%"} <= raws and not any("〔" in r for r in raws)
    assert check_provenance(result.facts, result.sources) == []
    # What the record and the cache keep is what was sent: masked.
    record = "".join(json.dumps(c, ensure_ascii=False) for c in calls_of(result, tmp_path))
    assert [v for v in values if v in record] == [] and "masked" in record
    assert [v for v in values if any(v in text for text in cached_replies(tmp_path))] == []


def test_an_invented_placeholder_is_re_asked(tmp_path: Path) -> None:
    def respond(request: dict) -> Step:
        return Step(reply=json.dumps(masked_reply(request, invent=not is_reask(request)), ensure_ascii=False))

    with FakeLLMServer(respond) as server:
        result = run(server, tmp_path, mask=("figures",))
        assert server.calls == 2
        assert "〔数999〕" in server.requests[1]["messages"][-1]["content"]
    assert not any("〔" in f.figure.raw for f in result.facts.figure_refs())


def test_the_profile_mask_applies_and_mask_none_turns_it_off(tmp_path: Path) -> None:
    values = list(union_masker().forward)
    respond = lambda req: Step(reply=json.dumps(  # noqa: E731
        masked_reply(req) if PLACEHOLDER.search(json.dumps(source_of(req), ensure_ascii=False)) else good_reply(req),
        ensure_ascii=False))  # masked or not is told by the sources: the instructions are the same either way
    with FakeLLMServer(respond) as server:
        engine = OpenAIEngine(Profile(name="cloud", base_url=server.base_url, model="fake-model", api_key=SECRET_KEY,
                                      mask=["figures", "organisations"]))
        extract_facts([UNION], orgs=ORGS, engine=engine, workspace=Workspace(tmp_path / "a"),
                      output_name=str(tmp_path / "facts.yaml"))
        assert not any(v in body_of(server.requests[0]) for v in ("12场", "186万元", "市总工会"))
        extract_facts([UNION], orgs=ORGS, engine=engine, workspace=Workspace(tmp_path / "b"),
                      output_name=str(tmp_path / "facts.yaml"), llm_options=LLMOptions(mask=()))
        assert sum(v in body_of(server.requests[-1]) for v in values) > 0  # off: the real text goes out
        assert server.calls == 2


def test_facts_extract_mask_on_the_command_line(cli, tmp_path: Path, monkeypatch) -> None:
    values = list(union_masker().forward)
    with FakeLLMServer(lambda req: Step(reply=json.dumps(masked_reply(req), ensure_ascii=False))) as server:
        config = tmp_path / "config-home"
        config.mkdir()
        (config / "config.toml").write_text(
            f'[profiles.fake]\nbase_url = "{server.base_url}"\nmodel = "fake-model"\napi_key_env = "FAKE_KEY"\n',
            encoding="utf-8")
        monkeypatch.setenv("SPEECHWRITER_CONFIG_HOME", str(config))
        monkeypatch.setenv("FAKE_KEY", SECRET_KEY)
        monkeypatch.chdir(tmp_path)
        out = tmp_path / "facts.yaml"
        args = ("facts", "extract", UNION, *[f"--org={o}" for o in ORGS], "--engine", "openai", "--profile", "fake")
        bad = cli(*args, "--mask", "figures,secrets", "-o", out)
        assert bad.exit_code == 2 and "--mask 不认识「secrets」" in bad.stderr and "Traceback" not in bad.stderr
        assert server.calls == 0 and not out.exists()
        done = cli(*args, "--mask", "all", "-o", out)
        assert done.exit_code == 0, done.stderr
        assert server.calls >= 1 and sum(v in body_of(r) for r in server.requests for v in values) == 0
    text = out.read_text(encoding="utf-8")
    assert "186万元" in text and "〔数" not in text

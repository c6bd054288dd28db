"""facts extract --engine openai against the scripted HTTP server on 127.0.0.1 (real sockets, no mocks)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from speechwriter.config import Profile
from speechwriter.engines.base import EngineError
from speechwriter.engines.openai import OpenAIEngine
from speechwriter.extract import check_provenance, extract_facts
from speechwriter.extract.llm import LLMOptions, parse_reply
from speechwriter.figures import find_quantities
from speechwriter.prompts import parse_data_block
from speechwriter.testing import FakeLLMServer, Step
from speechwriter.workspace import Workspace

from .conftest import ROOT, SECRET_KEY

SOURCES = ROOT / "fixtures" / "sources"
UNION = SOURCES / "市总工会.txt"
ORGS = ["union=市总工会,工会", "youth=团市委,团委", "women=市妇联,妇联"]


def engine_for(server: FakeLLMServer) -> OpenAIEngine:
    return OpenAIEngine(Profile(name="test", base_url=server.base_url, model="fake-model", api_key=SECRET_KEY,
                                backoff_base=0.01), sleep=lambda _s: None)


def source_of(request: dict) -> dict:
    """The <source> data block the extractor sent."""
    user = next(m["content"] for m in request["messages"] if m["role"] == "user" and "<source>" in m["content"])
    return parse_data_block(user, "source")


def good_reply(request: dict, org: str | None = "union") -> dict:
    """What a careful model answers: one item per sentence with figures, figures copied as written."""
    sentences = source_of(request)["sentences"]
    highlights: dict[str, dict] = {}
    plans, shortcomings = [], []
    for s in sentences:
        text = s["text"].rstrip("。")
        figures = [m.text for m in find_quantities(text) if not m.weak]
        if "下一步" in s["heading"] or "打算" in s["heading"]:
            if figures:
                plans.append({"theme": s["heading"].split(" / ")[-1], "measures": [text], "figures": figures,
                              "sentences": [s["id"]]})
        elif "不足" in s["heading"] or "问题" in s["heading"]:
            shortcomings.append({"text": text, "sentences": [s["id"]]})
        elif figures:
            theme = s["heading"].split(" / ")[-1] or "主要工作"
            highlights.setdefault(theme, {"theme": theme, "items": []})["items"].append(
                {"org": org, "statement": text, "figures": figures, "sentences": [s["id"]]})
    return {"highlights": list(highlights.values()), "shortcomings": shortcomings, "plans": plans,
            "names": ["职工驿站"] if any("职工驿站" in s["text"] for s in sentences) else []}


def is_reask(request: dict) -> bool:
    return "没有通过校验" in request["messages"][-1]["content"]


def run(server: FakeLLMServer, tmp_path: Path, sources=(UNION,), **options):
    return extract_facts(list(sources), orgs=ORGS, engine=engine_for(server), workspace=Workspace(tmp_path),
                         llm_options=LLMOptions(**options), output_name=str(tmp_path / "facts.yaml"))


def run_report(reply, src, tmp_path: Path):
    """Extract ``src`` as a government report through a local server answering with ``reply``:
    the extraction, the system prompt and the reply schema's properties the server saw, and the server."""
    with FakeLLMServer(reply) as server:
        result = extract_facts([src], genre="government_report", engine=engine_for(server),
                               workspace=Workspace(tmp_path), output_name=str(tmp_path / "facts.yaml"))
    first = server.requests[0]
    schema = first["response_format"]["json_schema"]["schema"]["properties"]
    return result, first["messages"][0]["content"], schema, server


# --- replies -----------------------------------------------------------------------------------------

def test_a_good_structured_reply_becomes_facts_with_provenance(tmp_path: Path) -> None:
    with FakeLLMServer(lambda req: Step(reply=json.dumps(good_reply(req), ensure_ascii=False))) as server:
        result = run(server, tmp_path)
        assert server.calls == 1
        again = run(server, tmp_path)  # the same sources again come from the cache
        assert server.calls == 1 and again.text.split("notes:")[0] == result.text.split("notes:")[0]
        request = server.requests[0]
        assert request["response_format"]["type"] == "json_schema"
        assert "highlights" in request["response_format"]["json_schema"]["schema"]["properties"]
        assert "<source>" in request["messages"][1]["content"]
    facts = result.facts
    figures = {f.raw for hl in facts.highlights for i in hl.items for f in i.figures}
    assert {"12场", "3600余人次", "186万元", "92%"} <= figures
    lines = UNION.read_text(encoding="utf-8").splitlines()
    for hl in facts.highlights:
        for item in hl.items:
            prov = item.provenance[0]
            assert prov.sentence in lines[prov.line - 1]
    assert facts.shortcomings and facts.plans[0].figures[0].raw == "1500名"
    assert check_provenance(facts, result.sources) == []
    record = tmp_path / ".speechwriter" / "runs" / result.run_id
    meta = json.loads((record / "run.json").read_text(encoding="utf-8"))
    assert meta["kind"] == "extract" and meta["status"] == "ok" and meta["usage"]["calls"] == 1
    assert SECRET_KEY not in (record / "run.json").read_text(encoding="utf-8")
    assert len(list((record / "calls").glob("*.json"))) == 1


def test_a_figure_in_no_source_is_rejected_and_re_asked_with_the_error(cli, tmp_path: Path, monkeypatch) -> None:
    def respond(request: dict) -> Step:
        reply = good_reply(request)
        if not is_reask(request):
            item = reply["highlights"][1]["items"][0]
            item["statement"] = item["statement"].replace("186万元", "168万元")
            item["figures"] = ["1200户", "168万元"]
        return Step(reply=json.dumps(reply, ensure_ascii=False))

    with FakeLLMServer(respond) as server:
        result = run(server, tmp_path)
        assert server.calls == 2
        reask = server.requests[1]["messages"]
        assert reask[-2]["role"] == "assistant" and "168万元" in reask[-2]["content"]
        assert "168万元" in reask[-1]["content"] and "找不到" in reask[-1]["content"]
    raws = {f.raw for hl in result.facts.highlights for i in hl.items for f in i.figures}
    assert "186万元" in raws and "168万元" not in raws
    monkeypatch.chdir(tmp_path)  # the run record shows the rejected reply and the re-ask
    shown = cli("runs", "show", result.run_id)
    assert shown.exit_code == 0 and "rejected" in shown.stdout and "repair" in shown.stdout


def test_malformed_json_is_re_asked(tmp_path: Path) -> None:
    def respond(request: dict) -> Step:
        text = json.dumps(good_reply(request), ensure_ascii=False)
        return Step(reply=text if is_reask(request) else text[: len(text) // 2])

    with FakeLLMServer(respond) as server:
        result = run(server, tmp_path)
        assert server.calls == 2 and "不是合法的 JSON" in server.requests[1]["messages"][-1]["content"]
    assert result.figures >= 10


def test_json_inside_text_is_accepted() -> None:
    reply, errors = parse_reply('好的，结果如下：\n```json\n{"highlights": [], "plans": []}\n```\n希望有帮助。')
    assert errors == [] and reply is not None
    reply, errors = parse_reply('{"highlights": [{"theme": "甲", "items": [{"statement": "x"}]}]}')
    assert reply is None and any("sentences" in e and "缺少必填字段" in e for e in errors)


def test_a_reply_that_never_becomes_valid_fails_after_the_rounds_and_writes_nothing(cli, tmp_path: Path,
                                                                                     monkeypatch) -> None:
    def respond(request: dict) -> Step:
        reply = good_reply(request)
        reply["highlights"][0]["items"][0]["org"] = "no_such_org"
        return Step(reply=json.dumps(reply, ensure_ascii=False))

    with FakeLLMServer(respond) as server:
        with pytest.raises(EngineError, match="经过 2 轮仍未得到合格的抽取结果") as err:
            run(server, tmp_path, rounds=2)
        assert server.calls == 2 and "no_such_org" in str(err.value)
        # The command line: exit 1, one line, no file.
        config = tmp_path / "config-home"
        config.mkdir()
        (config / "config.toml").write_text(
            f'[profiles.fake]\nbase_url = "{server.base_url}"\nmodel = "fake-model"\napi_key_env = "FAKE_KEY"\n'
            "max_attempts = 1\n", encoding="utf-8")
        monkeypatch.setenv("SPEECHWRITER_CONFIG_HOME", str(config))
        monkeypatch.setenv("FAKE_KEY", SECRET_KEY)
        monkeypatch.chdir(tmp_path)
        out = tmp_path / "facts.yaml"
        result = cli("facts", "extract", UNION, *[f"--org={o}" for o in ORGS], "--engine", "openai",
                     "--profile", "fake", "--rounds", "3", "-o", out)
        assert result.exit_code == 1
        assert "经过 3 轮" in result.stderr and "未知的组织 id「no_such_org」" in result.stderr
        assert SECRET_KEY not in result.stderr and "Traceback" not in result.stderr
        assert not out.exists()
    runs = sorted((tmp_path / ".speechwriter" / "runs").glob("*/run.json"))
    assert json.loads(runs[-1].read_text(encoding="utf-8"))["status"] == "failed"


def test_a_long_source_is_split_into_chunks_and_merged(tmp_path: Path) -> None:
    with FakeLLMServer(lambda req: Step(reply=json.dumps(good_reply(req, org=None), ensure_ascii=False))) as server:
        result = run(server, tmp_path, sources=(UNION,), chunk_chars=120)
        assert server.calls >= 3
        seen = [s["id"] for req in server.requests for s in source_of(req)["sentences"]]
        assert len(seen) == len(set(seen))  # each sentence goes to exactly one chunk
        assert all(sum(len(s["text"]) for s in source_of(req)["sentences"]) <= 120 or
                   len(source_of(req)["sentences"]) == 1 for req in server.requests)
    facts = result.facts
    raws = [f.raw for hl in facts.highlights for i in hl.items for f in i.figures]
    assert {"12场", "41个", "1200户", "30家", "86家", "92%"} <= set(raws)
    assert len({hl.theme for hl in facts.highlights}) == len(facts.highlights)  # same theme merged
    assert check_provenance(facts, result.sources) == []


def test_several_sources_and_an_endpoint_without_json_schema(tmp_path: Path) -> None:
    state = {"refused": 0}

    def respond(request: dict) -> Step:
        if "response_format" in request:
            state["refused"] += 1
            return Step(status=400, error_message="response_format json_schema is not supported")
        files = {s["file"] for s in source_of(request)["sentences"]}
        org = "youth" if any("团市委" in f for f in files) else "women" if any("妇联" in f for f in files) else "union"
        return Step(reply="以下是结果：\n" + json.dumps(good_reply(request, org), ensure_ascii=False))

    sources = (UNION, SOURCES / "团市委.md", SOURCES / "市妇联.txt")
    with FakeLLMServer(respond) as server:
        result = run(server, tmp_path, sources=sources, concurrency=1)
        assert state["refused"] == 1  # refused once; function calling from then on (the JSON read from the text)
        assert server.calls == 1 + len(sources)
    orgs = {i.org for hl in result.facts.highlights for i in hl.items}
    assert orgs == {"union", "youth", "women"}
    assert check_provenance(result.facts, result.sources) == []


def test_a_reply_cut_at_the_length_limit_is_asked_again_in_halves(tmp_path: Path) -> None:
    def respond(request: dict) -> Step:
        reply = json.dumps(good_reply(request), ensure_ascii=False)
        if len(source_of(request)["sentences"]) > 4:  # too much for the model's output limit
            return Step(reply=reply[:40], finish_reason="length")
        return Step(reply=reply)

    with FakeLLMServer(respond) as server:
        result = run(server, tmp_path, rounds=1)
        sizes = [len(source_of(r)["sentences"]) for r in server.requests]
        assert sizes[0] > 4 and all(n <= 4 for n in sizes[-2:]) and len(sizes) >= 3
        sections = [r["speechwriter"]["section"] for r in server.requests]
        assert sections[0] == "chunk1" and "chunk1a" in sections and "chunk1b" in sections
    raws = {f.raw for hl in result.facts.highlights for i in hl.items for f in i.figures}
    assert {"12场", "186万元", "92%"} <= raws
    assert check_provenance(result.facts, result.sources) == []


# --- the whole speech: opening, closing, parts of the source's own -----------------------------------

def test_the_reply_keeps_opening_closing_and_the_sources_own_parts(tmp_path: Path) -> None:
    src = tmp_path / "报告.txt"
    src.write_text("各位代表：\n现在，我代表县人民政府向大会报告工作，请予审议。\n一、去年工作回顾\n全县新建厂房12万平方米。\n"
                   "二、今年主要任务\n年内新建标准厂房5万平方米。\n三、加强政府自身建设\n坚持依法行政，全年办理建议80件。\n"
                   "各位代表！让我们团结一心，为完成全年任务而努力奋斗！\n", encoding="utf-8")

    def reply(request: dict) -> Step:
        ids = {s["text"]: s["id"] for s in source_of(request)["sentences"]}

        def sid(start: str) -> str:
            return next(v for k, v in ids.items() if k.startswith(start))

        bad = "S999" if not is_reask(request) else sid("让我们")  # a first reply cites a sentence that is not there
        body = {"highlights": [{"theme": "去年工作回顾", "items": [
                    {"org": None, "statement": "全县新建厂房12万平方米", "figures": ["12万平方米"],
                     "sentences": [sid("全县")]}]}],
                "plans": [{"theme": "今年主要任务", "measures": ["年内新建标准厂房5万平方米"], "figures": ["5万平方米"],
                           "sentences": [sid("年内")]}],
                "opening": [{"text": "现在，我代表县人民政府向大会报告工作", "sentences": [sid("现在")]}],
                "closing": {"wishes": [{"text": "让我们团结一心，为完成全年任务而努力奋斗", "sentences": [bad]}],
                            "requests": [{"text": "请予审议", "sentences": [sid("现在")]}]},
                "parts": [{"heading": "加强政府自身建设", "points": [
                    {"theme": "坚持依法行政", "measures": ["全年办理建议80件"], "figures": ["80件"],
                     "sentences": [sid("坚持")]}]}]}
        return Step(reply=json.dumps(body, ensure_ascii=False))

    result, system, schema, server = run_report(reply, src, tmp_path)
    facts = result.facts
    assert server.calls == 2 and "S999" in server.requests[1]["messages"][-1]["content"]
    assert {"opening", "closing", "parts", "context"} <= set(schema)
    assert "closing" in system and "parts" in system and "刚才" in system
    assert facts.closing.wishes == ["让我们团结一心，为完成全年任务而努力奋斗"] and facts.closing.requests == ["请予审议"]
    assert facts.opening == ["现在，我代表县人民政府向大会报告工作"]
    assert [(p.heading, p.after) for p in facts.parts] == [("加强政府自身建设", "tasks")]
    assert [f.figure.raw for f in facts.figure_refs()][-1] == "80件"
    assert check_provenance(facts, result.sources) == []
    assert facts.meta.addressees == ["各位代表"] and facts.meta.speaker.role == "县人民政府"


def test_a_speech_not_divided_into_parts_is_one_part_without_a_heading(tmp_path: Path) -> None:
    src = tmp_path / "讲话.txt"
    src.write_text("同志们：\n今天，我们隆重集会。\n——30年来，开发区生产总值增至860亿元。\n"
                   "第一，坚定不移推动高质量发展。年内新引进项目50个。\n同志们！让我们携手奋进！\n", encoding="utf-8")

    def reply(request: dict) -> Step:
        ids = {s["text"]: s["id"] for s in source_of(request)["sentences"]}

        def sid(start: str) -> str:
            return next(v for k, v in ids.items() if k.startswith(start))

        body = {"parts": [{"heading": None, "points": [
                    {"theme": "30年来", "style": "dash", "measures": ["开发区生产总值增至860亿元"], "figures": ["860亿元"],
                     "sentences": [sid("——30年来")]},
                    {"theme": "坚定不移推动高质量发展", "style": "diyi", "measures": ["年内新引进项目50个"],
                     "figures": ["50个"], "sentences": [sid("第一"), sid("年内")]}]}],
                "opening": [{"text": "今天，我们隆重集会", "sentences": [sid("今天")]}],
                "closing": {"wishes": [{"text": "让我们携手奋进！", "sentences": [sid("让我们")]}]}}
        return Step(reply=json.dumps(body, ensure_ascii=False))

    with FakeLLMServer(reply) as server:
        result = extract_facts([src], genre="speech", engine=engine_for(server), workspace=Workspace(tmp_path),
                               output_name=str(tmp_path / "facts.yaml"))
    assert [p.heading for p in result.facts.parts] == [None]
    assert [p.theme for p in result.facts.parts[0].points] == ["30年来", "坚定不移推动高质量发展"]
    assert "不填 heading" in server.requests[0]["messages"][0]["content"]


def test_the_reply_keeps_the_sources_marking_its_summary_and_its_summing_up(tmp_path: Path) -> None:
    src = tmp_path / "报告.txt"
    src.write_text("各位代表：\n一、去年工作回顾\n去年，在县委领导下，全县生产总值增长6%。\n——工业稳中向好。新建厂房12万平方米。\n"
                   "——民生持续改善。新增就业2400人。\n成绩的取得，是全县人民团结奋斗的结果。\n二、今年主要任务\n"
                   "（一）抓项目\n年内新建标准厂房5万平方米。\n", encoding="utf-8")

    def reply(request: dict) -> Step:
        ids = {s["text"]: s["id"] for s in source_of(request)["sentences"]}

        def sid(start: str) -> str:
            return next(v for k, v in ids.items() if k.startswith(start))

        body = {"summary": [{"text": "去年，在县委领导下，全县生产总值增长6%", "sentences": [sid("去年")]}],
                "summing_up": [{"text": "成绩的取得，是全县人民团结奋斗的结果", "sentences": [sid("成绩")]}],
                "highlights": [
                    {"theme": "工业稳中向好", "style": "dash", "items": [
                        {"org": None, "statement": "新建厂房12万平方米", "figures": ["12万平方米"], "sentences": [sid("新建")]}]},
                    {"theme": "民生持续改善", "style": "dash", "items": [
                        {"org": None, "statement": "新增就业2400人", "figures": ["2400人"], "sentences": [sid("新增")]}]}],
                "plans": [{"theme": "抓项目", "style": "paren", "measures": ["年内新建标准厂房5万平方米"],
                           "figures": ["5万平方米"], "sentences": [sid("年内")]}]}
        return Step(reply=json.dumps(body, ensure_ascii=False))

    result, system, schema, _ = run_report(reply, src, tmp_path)
    facts = result.facts
    assert "style" in system and "summary" in system and "summing_up" in system
    assert {"summary", "summing_up"} <= set(schema)
    assert facts.summary == "去年，在县委领导下，全县生产总值增长6%"
    assert facts.summing_up == "成绩的取得，是全县人民团结奋斗的结果"
    assert [h.style for h in facts.highlights] == ["dash", "dash"] and facts.plans[0].style == "paren"
    ws = Workspace(tmp_path)
    md = ws.draft(facts, engine=ws.engine("offline"), record=False, use_cache=False).draft.to_markdown()
    assert "——工业稳中向好" in md and "一是" not in md and "个方面" not in md.split("## 二")[0]


def test_the_reply_keeps_the_sources_headings_its_lead_into_the_problems_and_its_call(tmp_path: Path) -> None:
    src = tmp_path / "报告.txt"
    src.write_text("各位代表：\n一、2023年工作总结\n全县生产总值增长6%。\n同时也要看到，前进中还有不少困难：财政收支矛盾突出。\n"
                   "二、2024年重点任务安排\n（一）抓项目\n年内新建标准厂房5万平方米。\n各位代表！\n让我们团结一心，为完成全年任务而努力奋斗！\n",
                   encoding="utf-8")

    def reply(request: dict) -> Step:
        ids = {s["text"]: s["id"] for s in source_of(request)["sentences"]}

        def sid(start: str) -> str:
            return next(v for k, v in ids.items() if k.startswith(start))

        asked_again = len(request["messages"]) > 2
        body = {"highlights": [{"theme": "经济增长", "items": [
                    {"org": None, "statement": "全县生产总值增长6%", "figures": ["6%"], "sentences": [sid("全县")]}]}],
                "shortcomings": [{"text": "财政收支矛盾突出", "sentences": [sid("同时")]}],
                "shortcomings_lead": [{"text": "同时也要看到，前进中还有不少困难", "sentences": [sid("同时")]}],
                "headings": [{"kind": "achievements", "text": "2023年工作总结"},
                             {"kind": "plans", "text": "2024年重点任务安排" if asked_again else "今后五年的主要目标"}],
                "plans": [{"theme": "抓项目", "measures": ["年内新建标准厂房5万平方米"], "figures": ["5万平方米"],
                           "sentences": [sid("年内")]}],
                "closing": {"call": [{"text": "各位代表！", "sentences": [sid("各位代表")]}],
                            "wishes": [{"text": "让我们团结一心，为完成全年任务而努力奋斗！", "sentences": [sid("让我们")]}]}}
        return Step(reply=json.dumps(body, ensure_ascii=False))

    result, system, schema, server = run_report(reply, src, tmp_path)
    facts = result.facts
    # the invented heading is refused and asked again, naming the field
    assert server.calls == 2 and "headings[1].text" in server.requests[1]["messages"][-1]["content"]
    assert {"shortcomings_lead", "headings"} <= set(schema)
    assert "shortcomings_lead" in system and "headings" in system and "closing.call" in system
    assert facts.headings == {"review": "2023年工作总结", "tasks": "2024年重点任务安排"}
    assert facts.shortcomings_lead == "同时也要看到，前进中还有不少困难"
    assert facts.closing.call == "各位代表！"
    ws = Workspace(tmp_path)
    md = ws.draft(facts, engine=ws.engine("offline"), record=False, use_cache=False).draft.to_markdown()
    assert "## 二、2024年重点任务安排" in md and "同时也要看到，前进中还有不少困难：" in md
    assert "各位代表！让我们团结一心" in md

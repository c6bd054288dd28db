"""The engine contract, the Workspace and the one drafting path (issue: architecture)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from speechwriter.datablock import parse_data_block
from speechwriter.engines import ENGINES, register_engine
from speechwriter.engines.base import Completion, Engine, Request
from speechwriter.facts import load_facts
from speechwriter.pipeline import DraftOptions
from speechwriter.refine import RefineSession
from speechwriter.testing import FakeLLMServer, FunctionEngine, Step
from speechwriter.workspace import Workspace, draft_speech

from .conftest import REFERENCE_FACTS, composer_brain, is_repair, kind_of, section_of
from .test_llm import engine_for


@pytest.fixture
def workdir(tmp_path: Path, monkeypatch) -> Path:
    monkeypatch.chdir(tmp_path)
    return tmp_path


def _calls(run_folder: Path) -> list[dict]:
    return [json.loads(p.read_text(encoding="utf-8")) for p in sorted((run_folder / "calls").glob("*.json"))]


def test_attempts_are_recorded_against_the_call_that_made_them(workdir: Path) -> None:
    """Sections run concurrently; one 503 on `plans` must land in the plans call record only."""
    brain = composer_brain()
    failed_once: list[str] = []

    def respond(request: dict) -> Step:
        if section_of(request) == "plans" and not failed_once:
            failed_once.append("plans")
            return Step(status=503, delay=0.05)
        return Step(reply=brain(request).reply, delay=0.15)  # long enough for every section to overlap

    with FakeLLMServer(respond) as server:
        result = Workspace(workdir).draft(load_facts(REFERENCE_FACTS), engine=engine_for(server, []),
                                          options=DraftOptions(concurrency=8))
        http_requests = server.calls
    assert result.ok
    calls = _calls(workdir / ".speechwriter" / "runs" / result.run_id)
    assert sum(len(c["attempts"]) for c in calls) == http_requests
    by_section = {c["section"]: c for c in calls if c["kind"] == "generate"}
    assert [a["status"] for a in by_section["plans"]["attempts"]] == ["error", "ok"]
    assert "503" in by_section["plans"]["attempts"][0]["error"]
    others = [c for sid, c in by_section.items() if sid != "plans"]
    assert others and all([a["status"] for a in c["attempts"]] == ["ok"] for c in others)


def test_every_request_is_tagged_with_its_kind_and_section(workdir: Path) -> None:
    brain = composer_brain()

    def respond(request: dict) -> Step:
        step = brain(request)
        if section_of(request) == "achievements" and not is_repair(request):
            step.reply = step.reply.replace("预计今年竣工", "预计今年竣工，新增投入386万元")
        return step

    with FakeLLMServer(respond) as server:
        result = Workspace(workdir).draft(load_facts(REFERENCE_FACTS), engine=engine_for(server, []))
        tags = [(kind_of(r), section_of(r)) for r in server.requests]
    assert result.ok
    generated = {sid for kind, sid in tags if kind == "generate"}
    assert generated == {s.id for s in result.draft.sections if s.role != "salutation"}
    assert [t for t in tags if t[0] == "repair"] == [("repair", "achievements")]


def test_repair_sends_only_the_failing_sentence_with_its_findings(workdir: Path) -> None:
    brain = composer_brain()
    written: list[str] = []

    def respond(request: dict) -> Step:
        step = brain(request)
        if section_of(request) == "achievements" and not is_repair(request):
            step.reply = step.reply.replace("预计今年竣工", "预计今年竣工，新增投入386万元")
            written.append(step.reply)
        return step

    with FakeLLMServer(respond) as server:
        result = Workspace(workdir).draft(load_facts(REFERENCE_FACTS), engine=engine_for(server, []))
        generate = next(r for r in server.requests if kind_of(r) == "generate" and section_of(r) == "achievements")
        repair = next(r for r in server.requests if is_repair(r))
    assert result.ok and "386万元" not in result.draft.to_text()
    sent = repair["messages"][-1]["content"]
    assert len(parse_data_block(sent, "paragraphs")) == 1 and "386万元" in sent and "找不到出处" in sent
    whole = sum(len(m["content"]) for m in generate["messages"])
    assert sum(len(m["content"]) for m in repair["messages"]) < whole / 3
    before = written[0].split("\n\n")
    after = result.draft.section("achievements").body.split("\n\n")
    changed = [n for n, (a, b) in enumerate(zip(before, after, strict=True)) if a != b]
    assert len(before) >= 3 and len(changed) == 1 and "386万元" in before[changed[0]]
    assert after[changed[0]] == before[changed[0]].replace("，新增投入386万元", "")


def test_draft_speech_uses_the_configured_prompt_folders(workdir: Path, monkeypatch) -> None:
    mine = workdir / "mine"
    (mine / "work_report").mkdir(parents=True)
    (mine / "work_report" / "closing.j2").write_text("{{ section_block }}\n{{ facts_block }}\n", encoding="utf-8")
    facts = load_facts(REFERENCE_FACTS)
    seen: list[str] = []

    def brain(messages):
        seen.append(messages[-1]["content"])
        return "以上汇报，请予指导。" if messages[-1]["content"].startswith("<section>") else "正文。"

    monkeypatch.setenv("SPEECHWRITER_PROMPTS", str(mine))
    draft_speech(facts, engine=FunctionEngine(brain), options=DraftOptions(repair_rounds=0))
    assert any(s.startswith("<section>") for s in seen)  # the user's closing template was used
    monkeypatch.delenv("SPEECHWRITER_PROMPTS")
    (workdir / "speechwriter.toml").write_text('prompts = ["mine"]\n', encoding="utf-8")
    assert Workspace(workdir).prompt_dirs == [mine.resolve()]


def test_workspace_loads_libraries_blueprints_and_engines_once(workdir: Path) -> None:
    ws = Workspace(workdir)
    assert ws.library() is ws.library()
    assert ws.library().blueprint("work_report") is ws.library().blueprint("work_report")
    assert ws.engine("offline") is ws.engine("offline")
    assert ws.state_dir == workdir / ".speechwriter" and ws.runs_dir.parent == ws.state_dir


def test_cost_is_recorded_in_the_run_record(workdir: Path) -> None:
    (workdir / "speechwriter.toml").write_text('[prices.fake-model]\ninput = 0.5\noutput = 2.0\n', encoding="utf-8")
    with FakeLLMServer(composer_brain()) as server:
        ws = Workspace(workdir)
        result = ws.draft(load_facts(REFERENCE_FACTS), engine=engine_for(server, []))
    meta = ws.run(result.run_id).meta
    expected = result.prompt_tokens / 1000 * 0.5 + result.completion_tokens / 1000 * 2.0
    assert meta["cost"] == pytest.approx(expected) and result.cost == pytest.approx(expected) and expected > 0


def test_refine_rewrites_are_continued_cached_and_recorded(workdir: Path) -> None:
    facts = load_facts(REFERENCE_FACTS)
    ws = Workspace(workdir)
    draft = draft_speech(facts)
    cut = "最后，恳请各位领导对我们的工作多提宝贵意见，"
    rest = "我们将认真研究，抓好落实。谢谢大家！"
    with FakeLLMServer([Step(reply=cut, finish_reason="length"), Step(reply=rest)]) as server:
        session = RefineSession.start(draft, facts, engine_for(server, []), ws)
        first = session.instruct("更谦逊一些", "closing")
        again = session.instruct("更谦逊一些", "closing")  # the same request: from the cache
        kinds = [kind_of(r) for r in server.requests]
    assert first.text == again.text == cut + rest
    assert kinds == ["rewrite", "continue"]
    refine_runs = [r for r in ws.runs() if r.get("kind") == "refine"]
    assert len(refine_runs) == 1
    calls = ws.run(refine_runs[0]["run_id"]).calls()
    assert [(c["kind"], c["status"]) for c in calls] == [("rewrite", "ok"), ("continue", "ok"),
                                                         ("rewrite", "cache-hit"), ("continue", "cache-hit")]


class EchoEngine(Engine):
    """A plugin engine: states every section's data back (rule-based)."""

    name = "echo"
    rule_based = True

    def complete(self, messages, request: Request | None = None) -> Completion:
        from speechwriter.engines.offline import OfflineComposer

        return OfflineComposer.from_prompts().complete(messages, request)


def test_a_registered_engine_is_usable_from_the_cli(workdir: Path, cli) -> None:
    register_engine("echo", lambda spec: EchoEngine())
    try:
        result = cli("draft", REFERENCE_FACTS, "--engine", "echo", "-o", workdir / "d", "-q")
        assert result.exit_code == 0, result.output
        assert json.loads((workdir / "d.json").read_text(encoding="utf-8"))["engine"]["name"] == "echo"
    finally:
        ENGINES.pop("echo")
    assert "未知引擎" in cli("draft", REFERENCE_FACTS, "--engine", "echo").stderr


def test_only_openai_compatible_engines_can_be_batched(workdir: Path) -> None:
    from speechwriter.errors import InputError

    with pytest.raises(InputError, match="不支持批处理"):
        Workspace(workdir).engine("offline").request_body([{"role": "user", "content": "好"}])
    with FakeLLMServer([]) as server:
        body = engine_for(server).request_body([{"role": "user", "content": "好"}], Request(max_tokens=9))
    assert body["model"] == "fake-model" and body["max_tokens"] == 9 and "stream" not in body

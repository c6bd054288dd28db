"""One coherent speech from parallel sections: the repeat round and --sequential, over real HTTP.

The model behind the local server is the offline composer (tests/conftest.py: composer_brain)
with the habits of a model that drafts each part alone: it closes the opening with the request
for guidance the closing also makes, and sums up the achievements again in the assessment.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from speechwriter.config import Profile
from speechwriter.engines.openai import OpenAIEngine
from speechwriter.facts import load_facts
from speechwriter.pipeline import DraftOptions
from speechwriter.prompts import parse_data_block
from speechwriter.testing.fakeserver import FakeLLMServer, Step
from speechwriter.validate.repeats import CODES, sentences
from speechwriter.workspace import Workspace

from .conftest import ALL_FIXTURES, REFERENCE_FACTS, SECRET_KEY, composer_brain, kind_of

REQUEST = "以上汇报，不妥之处，敬请批评指正。"
SUMMING = "这些成绩的取得，是各级组织和广大干部群众共同努力的结果。"


def habits(brain, request: dict) -> Step:
    """What a section drafted alone tends to add: its own ending, its own summing-up."""
    step = brain(request)
    if kind_of(request) != "generate":
        return step
    spec = parse_data_block(request["messages"][-1]["content"], "section") or {}
    role = spec.get("role")
    if role in ("opening", "closing"):
        return Step(reply=f"{step.reply}\n\n{REQUEST}")
    if role == "achievements":
        return Step(reply=f"{step.reply}\n\n{SUMMING}")
    if role in ("assessment", "situation"):
        return Step(reply=f"{SUMMING}{step.reply}")
    return step


def _draft(tmp_path: Path, facts_path: Path, genre: str | None = None, **options):
    brain = composer_brain()
    with FakeLLMServer(lambda r: habits(brain, r)) as server:
        engine = OpenAIEngine(Profile(name="test", base_url=server.base_url, model="fake-model",
                                      api_key=SECRET_KEY, backoff_base=0.01))
        ws = Workspace(root=tmp_path)
        result = ws.draft(load_facts(facts_path), genre=genre, engine=engine, record=False, use_cache=False,
                          options=DraftOptions(repair_rounds=1, **options))
        return result, server


def _repeats(result) -> list:
    return [f for f in result.report.findings if f.code in CODES]


def test_the_repeat_round_removes_an_ending_repeated_in_two_sections(tmp_path: Path) -> None:
    before, _ = _draft(tmp_path, REFERENCE_FACTS, repeat_round=False)
    fired = {(f.code, f.section) for f in _repeats(before)}
    assert ("R801", "opening") in fired and ("R801", "assessment") in fired
    assert REQUEST in before.draft.section("opening").body

    after, server = _draft(tmp_path, REFERENCE_FACTS)
    assert _repeats(after) == []
    assert set(after.repeats_fixed) >= {"opening", "assessment"}
    assert after.repaired == before.repaired  # the error rounds' record is the errors' alone
    assert REQUEST not in after.draft.section("opening").body
    # one request stays, in the closing (where the composer's own and the habit's were stacked)
    kinds = {s.id: [x.kind for x in sentences(s.id, s.body)] for s in after.draft.sections}
    assert kinds["closing"].count("request") == 1 and "request" not in kinds["opening"]
    assert after.draft.to_text().count(SUMMING) == 1
    assert len(after.report.errors) <= len(before.report.errors)
    # deleting a repeated formula is mechanical: no call to the model for it
    assert server.calls == before.calls


def test_how_often_repeats_fire_on_llm_style_drafts(tmp_path: Path) -> None:
    """Every fixture in every genre: the habits fire the check on each draft; the round clears them."""
    fired = cleared = total = 0
    for fixture in ALL_FIXTURES:
        for genre in ("work_report", "leader_speech", "duty_report", "annual_summary"):
            result, _ = _draft(tmp_path, fixture, genre, repeat_round=False)
            total += 1
            fired += bool(_repeats(result))
    for fixture in ALL_FIXTURES:
        result, _ = _draft(tmp_path, fixture)
        cleared += not _repeats(result)
    print(f"\n模拟大模型稿件 {total} 篇：重复检查触发 {fired} 篇；修复轮后 {cleared}/{len(ALL_FIXTURES)} 篇无重复")
    assert fired == total
    assert cleared == len(ALL_FIXTURES)


def test_sequential_drafting_shows_each_section_the_ones_before(tmp_path: Path) -> None:
    result, server = _draft(tmp_path, REFERENCE_FACTS, sequential=True, repeat_round=False)
    generated = [r for r in server.requests if kind_of(r) == "generate"]
    order = [parse_data_block(r["messages"][-1]["content"], "section")["id"] for r in generated]
    assert order == ["opening", "achievements", "assessment", "plans", "closing"]
    for n, request in enumerate(generated):
        previous = parse_data_block(request["messages"][-1]["content"], "previous")
        titles = [p["title"] for p in previous or []]
        assert titles == [s.title for s in result.draft.sections[1:n + 1]]  # every section before, none after
        assert "依次起草" in request["messages"][0]["content"]


@pytest.mark.parametrize("flag", [[], ["--sequential"]])
def test_draft_command_takes_sequential(cli, tmp_path: Path, flag: list[str]) -> None:
    out = tmp_path / "稿"
    result = cli("draft", str(REFERENCE_FACTS), "-o", str(out), "--quiet", *flag)
    assert result.exit_code in (0, 1), result.stdout
    assert out.with_suffix(".json").is_file()

"""脱敏: against a capturing local server, no declared figure, person, organisation or place leaves."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from speechwriter import load_facts
from speechwriter.config import Profile, Settings
from speechwriter.masking import MASK_KINDS, Masker
from speechwriter.testing.fakeserver import FakeLLMServer, Step
from speechwriter.workspace import Workspace

from .conftest import FIXTURES, REFERENCE_FACTS, SECRET_KEY, composer_brain, is_repair, section_of

FIXTURE_FILES = sorted(FIXTURES.glob("*.yaml"))


def _workspace(tmp_path: Path, server: FakeLLMServer, mask=MASK_KINDS) -> Workspace:
    profile = Profile(name="cloud", base_url=server.base_url, model="fake-model", api_key=SECRET_KEY,
                      backoff_base=0.01, mask=list(mask))
    return Workspace(tmp_path, settings=Settings(profiles={"cloud": profile}, default_profile="cloud"))


def _sent(server: FakeLLMServer) -> str:
    return json.dumps(server.requests, ensure_ascii=False)


def _instruction_sources() -> str:
    """Every built-in template, blueprint and style file: the words a prompt's instructions are made of."""
    from speechwriter.resources import builtin_prompts_dir

    return "\n".join(p.read_text(encoding="utf-8") for p in sorted(builtin_prompts_dir().rglob("*"))
                     if p.is_file() and p.suffix in (".j2", ".yaml", ".txt"))


INSTRUCTIONS = _instruction_sources()


def _leaks(server: FakeLLMServer, masker: Masker) -> list[str]:
    """Declared values that left: any in the data of a request (data blocks, assistant turns), and
    any outside the data blocks that is not a word of the instructions themselves (a fact printed
    into the instruction text, which masking does not reach)."""
    messages = [m for r in server.requests for m in r["messages"]]
    outside = [v for v in masker.exposed(messages) if v not in INSTRUCTIONS]
    return masker.data_leaks(messages) + outside


_PH = re.compile(r"〔(数|单位|人名|地名)(\d+)〕")
_DIGIT_WORDS = "甲乙丙丁戊己庚辛壬癸"


def placeholder_brain():
    """A model that keeps placeholders whole: the offline composer, with each placeholder as an opaque word.

    (The composer cuts clauses at numerals; a placeholder given to it as 〔数12〕 would be cut. A real
    model treats it as a token, which this stands in for.)
    """
    brain = composer_brain()

    def word(m: re.Match[str]) -> str:
        return "某" + m.group(1)[0] + "".join(_DIGIT_WORDS[int(d)] for d in m.group(2))

    def back(text: str) -> str:
        return re.sub(r"某(数|单|人|地)([甲乙丙丁戊己庚辛壬癸]+)", lambda m: "〔" + {"数": "数", "单": "单位", "人": "人名",
                      "地": "地名"}[m.group(1)] + "".join(str(_DIGIT_WORDS.index(c)) for c in m.group(2)) + "〕", text)

    def respond(request):
        request = {**request, "messages": [{**m, "content": _PH.sub(word, m["content"])} for m in request["messages"]]}
        step = brain(request)
        return Step(reply=back(step.reply))

    return respond


# --- the masker --------------------------------------------------------------------------------

def test_round_trip_and_mangled_placeholders_are_read_back():
    facts = load_facts(REFERENCE_FACTS)
    masker = Masker.from_facts(facts, MASK_KINDS)
    text = " ".join(facts.prose())
    masked = masker.mask(text)
    assert masker.leaks(masked) == [] and masker.unmask(masked) == text
    placeholder = masker.forward["1500余万元"]
    n = placeholder[2:-1]
    for mangled in (f"〔数 {n}〕", f"[数{n}]", f"【数{n}】", f"（数{n}）"):
        assert masker.unmask(f"引进资金{mangled}") == "引进资金1500余万元"
    assert masker.unmask("〔数999〕") == "〔数999〕" and masker.problems[-1].kind == "invented"


def test_kinds_are_chosen_one_by_one():
    facts = load_facts(REFERENCE_FACTS)
    only_figures = Masker.from_facts(facts, ["figures"])
    assert "1500余万元" in only_figures.forward and "**市妇联" not in only_figures.forward
    people = Masker.from_facts(facts, ["people"])
    assert list(people.forward) == ["光源主席"]  # 同志们 is nobody's name
    assert set(Masker.from_facts(facts, ["places"]).forward) == {"**市"}


# --- drafting, repair, refine, eval: nothing declared leaves ------------------------------------

@pytest.mark.parametrize("path", FIXTURE_FILES, ids=lambda p: p.stem)
def test_no_declared_value_in_any_request_body(path, tmp_path):
    facts = load_facts(path)
    with FakeLLMServer(placeholder_brain()) as server:
        result = _workspace(tmp_path, server).draft(facts)
        sent = _sent(server)
    masker = Masker.from_facts(facts, MASK_KINDS)
    assert server.calls >= 4
    assert _leaks(server, masker) == [], _leaks(server, masker)
    assert "〔数1〕" in sent or "〔单位1〕" in sent
    # every check ran on the real text: the unmasked draft states every real figure, invents none and
    # holds no placeholder. (F205 attribution is left out: the composer standing in for the model
    # cannot tell one opaque organisation token from another when it words its summary sentences.)
    assert [f.message for f in result.report.errors if f.code != "F205"] == []
    assert "〔" not in result.draft.to_text()


def test_run_records_and_cache_keep_what_was_sent_and_say_so(tmp_path):
    facts = load_facts(REFERENCE_FACTS)
    with FakeLLMServer(placeholder_brain()) as server:
        _workspace(tmp_path, server).draft(facts)
    masker = Masker.from_facts(facts, MASK_KINDS)
    calls = list((tmp_path / ".speechwriter" / "runs").glob("*/calls/*.json"))
    assert calls
    for path in calls:
        record = json.loads(path.read_text(encoding="utf-8"))
        assert record["masked"] == sorted(MASK_KINDS)
        assert masker.data_leaks(record["messages"]) == []
        assert [v for v in masker.exposed(record["messages"]) if v not in INSTRUCTIONS] == []
        assert masker.leaks(record["reply"] or "") == []
    cache = (tmp_path / ".speechwriter" / "cache.sqlite").read_bytes().decode("utf-8", "ignore")
    assert "1500余万元" not in cache


def _scripted(reference, masker: Masker | None, mangle=None):
    """A model that writes each section as the reference draft has it (placeholders kept, or mangled)."""
    bodies = {s.id: s.body for s in reference.sections}

    def respond(request):
        text = bodies.get(section_of(request), "")
        if masker is not None:
            text = masker.mask(text)
        return Step(reply=mangle(text) if mangle else text)

    return respond


def test_the_unmasked_draft_equals_the_unmasked_run(tmp_path):
    facts = load_facts(REFERENCE_FACTS)
    reference = Workspace(tmp_path / "ref").draft(facts, record=False, use_cache=False).draft
    masker = Masker.from_facts(facts, MASK_KINDS)
    with FakeLLMServer(_scripted(reference, None)) as plain_server:
        plain = _workspace(tmp_path / "plain", plain_server, mask=[]).draft(facts, use_cache=False)
    with FakeLLMServer(_scripted(reference, masker)) as masked_server:
        masked = _workspace(tmp_path / "masked", masked_server).draft(facts, use_cache=False)
        assert _leaks(masked_server, masker) == []
    assert "1500余万元" in _sent(plain_server)
    assert [s.body for s in masked.draft.sections] == [s.body for s in plain.draft.sections]


def test_mangled_placeholders_still_read_back_and_invented_ones_are_errors(tmp_path):
    facts = load_facts(REFERENCE_FACTS)
    reference = Workspace(tmp_path / "ref").draft(facts, record=False, use_cache=False).draft
    masker = Masker.from_facts(facts, MASK_KINDS)

    def mangle(text):
        return text.replace("〔数", "[数 ").replace("〔单位", "【单位") + "另有〔数99〕。"

    with FakeLLMServer(_scripted(reference, masker, mangle)) as server:
        result = _workspace(tmp_path / "m", server).draft(facts, use_cache=False)
    text = result.draft.to_text()
    assert "1500余万元" in text
    codes = [f.code for f in result.report.findings]
    assert "M801" in codes


def test_repair_requests_are_masked_and_findings_name_the_real_figures(tmp_path):
    facts = load_facts(REFERENCE_FACTS)
    masker = Masker.from_facts(facts, MASK_KINDS)
    brain = placeholder_brain()

    def respond(request):
        step = brain(request)
        if not is_repair(request) and section_of(request) == "achievements":
            # the model drops one figure and changes another: the draft needs a repair round
            return Step(reply=step.reply.replace(masker.forward["1500余万元"], "若干资金"))
        return step

    with FakeLLMServer(respond) as server:
        result = _workspace(tmp_path, server).draft(facts, use_cache=False)
        repairs = [r for r in server.requests if is_repair(r)]
        leaks = _leaks(server, masker)
    assert repairs, "no repair round was asked for"
    assert leaks == []
    # the repair prompt names the missing figure by its placeholder, the report by its real form
    missing = [f for f in result.report.findings if "1500余万元" in f.message]
    assert missing or "1500余万元" in result.draft.to_text()


def test_refine_rewrites_are_masked(tmp_path):
    from speechwriter.refine import RefineSession

    facts = load_facts(REFERENCE_FACTS)
    masker = Masker.from_facts(facts, MASK_KINDS)
    draft = Workspace(tmp_path / "ref").draft(facts, record=False, use_cache=False).draft
    with FakeLLMServer(placeholder_brain()) as server:
        ws = _workspace(tmp_path, server)
        session = RefineSession.start(draft, facts, ws.engine(), ws)
        section = next(s.id for s in draft.sections if s.id == "achievements")
        session.instruct("语言再精炼一些", section)
        leaks = _leaks(server, masker)
    assert server.calls >= 1 and leaks == []
    assert session.proposal is not None and "〔数" not in session.proposal.text


def test_eval_cases_with_a_masked_profile_send_nothing_declared(tmp_path, monkeypatch):
    from speechwriter.evals.suite import RunOptions, Variant, load_suite, run_suite

    facts = load_facts(REFERENCE_FACTS)
    masker = Masker.from_facts(facts, MASK_KINDS)
    with FakeLLMServer(placeholder_brain()) as server:
        suite = tmp_path / "s.yaml"
        suite.write_text(f"name: masked\ncases:\n  - id: gqf\n    facts: {REFERENCE_FACTS}\n", encoding="utf-8")
        config = tmp_path / "speechwriter.toml"
        config.write_text(f'default_profile = "cloud"\n[profiles.cloud]\nbase_url = "{server.base_url}"\n'
                          f'model = "fake-model"\napi_key = "{SECRET_KEY}"\nmask = ["figures", "people", '
                          f'"organisations", "places"]\n', encoding="utf-8")
        monkeypatch.chdir(tmp_path)
        result = run_suite(load_suite(suite), [Variant(engine="openai", profile="cloud")], RunOptions(workdir=tmp_path))
        leaks = _leaks(server, masker)
    assert result.results[0].error is None, result.results[0].error
    assert server.calls >= 4 and leaks == []

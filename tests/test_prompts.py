"""Rendered prompts ask for truth, not length: every genre × section × fixture.

The text a model reads outside the data blocks must be plain Chinese (no field names), must not
contradict itself or the facts (a join to a part that comes later, a list it says is there but is
empty, another genre's example), must not repeat a bullet, and must carry the date when the facts
give one. Budgets come from the facts, with the target as an upper bound.
"""

from __future__ import annotations

import itertools
import json
import re
from pathlib import Path
from typing import Any

import pytest
import yaml

from speechwriter.facts import load_facts, parse_facts
from speechwriter.facts.model import Facts
from speechwriter.outline import build_outline
from speechwriter.prompts import PromptLibrary, parse_data_block

from .conftest import ALL_FIXTURES, REFERENCE_FACTS

GENRES = ["work_report", "leader_speech", "duty_report", "annual_summary"]
BLOCK = re.compile(r"(?ms)^<(facts|section|examples|previous|meta|outline)>\n.*?\n</\1>$")
LIBRARY = PromptLibrary()


def _facts_with(path: Path, **changes: Any) -> Facts:
    """A fixture with top-level fields (or ``meta__x`` / ``closing__x``) replaced."""
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    for key, value in changes.items():
        if "__" in key:
            outer, inner = key.split("__")
            data.setdefault(outer, {})[inner] = value
        else:
            data[key] = value
    return parse_facts(yaml.safe_dump(data, allow_unicode=True), name=path.name)


def _render_all(facts: Facts, genre: str, previous: dict[str, str] | None = None) -> dict[str, list[str]]:
    """Section id -> [system, user] as the model reads them."""
    bp = LIBRARY.blueprint(genre)
    out = {}
    for spec in bp.sections:
        if spec.role == "salutation":
            continue
        prompt = LIBRARY.render(facts, bp, spec, previous=previous)
        out[spec.id] = [m["content"] for m in prompt.messages]
    return out


def _prose(text: str) -> str:
    """The text outside the data blocks (and without the blocks' tag names)."""
    return re.sub(r"<(facts|section|examples|previous|meta|outline)>", "", BLOCK.sub("", text))


def _keys(value: Any) -> set[str]:
    if isinstance(value, dict):
        return set(value) | {k for v in value.values() for k in _keys(v)}
    if isinstance(value, list):
        return {k for v in value for k in _keys(v)}
    return set()


FIELD_NAMES = (set(Facts.model_fields) | {"wishes", "requests", "statement", "theme", "measures", "lead",
                                          "enumerator", "point_level", "links", "outline", "markers",
                                          "target_chars", "budget_chars", "yishi", "paren", "shouxian", "diyi"})


@pytest.fixture(scope="module")
def rendered() -> dict[tuple[str, str], dict[str, list[str]]]:
    return {(p.stem, g): _render_all(load_facts(p), g) for p in ALL_FIXTURES for g in GENRES}


def test_no_field_name_outside_the_data_blocks(rendered) -> None:
    for (fixture, genre), sections in rendered.items():
        for sid, messages in sections.items():
            user = messages[1]
            keys = _keys(parse_data_block(user, "facts")) | _keys(parse_data_block(user, "section")) | FIELD_NAMES
            words = set(re.findall(r"[A-Za-z_][A-Za-z0-9_]*", "\n".join(_prose(m) for m in messages)))
            assert not words & keys, (fixture, genre, sid, sorted(words & keys))


def test_no_instruction_to_reach_a_length_by_expansion(rendered) -> None:
    for (fixture, genre), sections in rendered.items():
        for sid, (system, user) in sections.items():
            text = system + user
            assert "篇幅靠" not in text and "目标长度" not in text, (fixture, genre, sid)
            assert "不是要凑满的下限" in system
            assert "【待补：" in system  # the gap marker, in the one form speechwriter.gaps reads


def test_joins_point_the_right_way(rendered) -> None:
    """A part before the shortcomings is never told they were 'pointed out above', and vice versa."""
    for (fixture, genre), sections in rendered.items():
        bp = LIBRARY.blueprint(genre)
        ids = [s.id for s in bp.sections]
        where = min(ids.index(s.id) for s in bp.sections if "shortcomings" in s.feeds)
        for sid, (_, user) in sections.items():
            prose = _prose(user)
            if ids.index(sid) < where:
                assert "前面指出的不足" not in prose and "打算要与之对应" not in prose, (fixture, genre, sid)
            if ids.index(sid) > where:
                assert "后面将要指出的不足" not in prose, (fixture, genre, sid)


def test_the_reference_achievements_prompt_is_free_of_the_quoted_defects() -> None:
    sections = _render_all(load_facts(REFERENCE_FACTS), "work_report")
    _system, user = sections["achievements"]
    prose = _prose(user)
    assert "names、honours" not in prose and "名称要全部写到" not in prose
    assert "前面指出的不足" not in prose
    assert "后面将要指出的不足" in prose  # the link is still there, the right way round
    assert "summing_up" not in prose and "依据 " not in prose


def test_no_empty_list_is_referred_to() -> None:
    facts = _facts_with(REFERENCE_FACTS, closing={"wishes": [], "requests": []}, context=[], names=[],
                        honours=[], summing_up=None)
    for genre in GENRES:
        for sid, (_system, user) in _render_all(facts, genre).items():
            prose = _prose(user)
            assert "请求（依据" not in prose and "提出请求" not in prose, (genre, sid)
            assert "希望和号召（依据" not in prose, (genre, sid)
            assert "形势和背景）" not in prose, (genre, sid)
            assert "以下名称" not in prose, (genre, sid)
            assert "成绩原因的总结" not in prose, (genre, sid)
    # and with the lists filled, each is referred to where it is used
    full = _render_all(load_facts(REFERENCE_FACTS), "work_report")
    assert "请求（依据" in _prose(full["closing"][1]) and "希望和号召（依据" in _prose(full["closing"][1])
    assert "形势和背景" in _prose(full["plans"][1])


def test_names_the_section_must_write_are_listed_by_name() -> None:
    # The names are data: listed in the facts block (where masking reaches them), and the
    # instruction says to write them; it does not repeat them in its own words.
    facts = load_facts(next(p for p in ALL_FIXTURES if p.stem == "duty_report_street"))
    user = _render_all(facts, "duty_report")["performance"][1]
    listed = parse_data_block(user, "facts")["honours"] + parse_data_block(user, "facts")["names"]
    assert "全区平安建设先进集体" in [n["text"] for n in listed]
    assert "单列的名称" in _prose(user) and "也要逐字写到" in _prose(user)
    assert "全区平安建设先进集体" not in _prose(user)


def test_no_genre_gets_another_genres_opening_example() -> None:
    facts = load_facts(REFERENCE_FACTS)
    for genre in GENRES:
        opening = _prose(_render_all(facts, genre)["opening"][1])
        assert ("来我市视察" in opening) == (genre == "work_report"), genre


def test_the_opening_is_not_forbidden_what_its_facts_say() -> None:
    facts = load_facts(next(p for p in ALL_FIXTURES if p.stem == "duty_report_street"))
    assert any("请予评议" in s for s in facts.opening)
    opening = _prose(_render_all(facts, "duty_report")["opening"][1])
    assert "不在开场写“请予评议”" not in opening
    assert "已有的照写" in opening


def _bullets(text: str) -> list[str]:
    """Instruction bullets (the list of the section's points, each with its size, is data)."""
    return [ln[2:].strip() for ln in _prose(text).splitlines()
            if ln.startswith("- ") and not re.search(r"（约 \d+ 字）$", ln)]


def _grams(text: str) -> set[str]:
    chars = [c for c in text if "\u4e00" <= c <= "\u9fff"]
    return {a + b for a, b in itertools.pairwise(chars)}


def test_no_bullet_is_repeated_within_one_prompt(rendered) -> None:
    for (fixture, genre), sections in rendered.items():
        for sid, messages in sections.items():
            bullets = [b for m in messages for b in _bullets(m)]
            for a, b in itertools.combinations(bullets, 2):
                ga, gb = _grams(a), _grams(b)
                overlap = len(ga & gb) / max(1, min(len(ga), len(gb)))
                assert overlap < 0.5, (fixture, genre, sid, a, b)


def test_date_audience_and_purpose_are_in_the_system_prompt() -> None:
    dated = _facts_with(REFERENCE_FACTS, meta__date="2026-03-15")
    for genre in GENRES:
        bp = LIBRARY.blueprint(genre)
        for system, _ in _render_all(dated, genre).values():
            # who, where, to whom and when are data: in the system prompt's <meta> block, named by the prose
            meta = parse_data_block(system, "meta")
            assert meta["date"] == "2026年3月15日" and meta["year"] == "2026年"
            assert meta["addressees"] == ["光源主席", "同志们"]
            assert meta["occasion"] == "市政协视察工青妇组织工作"
            assert "讲话日期" in _prose(system) and "听众" in _prose(system) and "场合" in _prose(system)
            assert bp.description in system
            assert "光源主席" not in _prose(system)
    undated = _render_all(load_facts(REFERENCE_FACTS), "work_report")
    assert all("讲话日期" not in _prose(system) and "date" not in parse_data_block(system, "meta")
               for system, _ in undated.values())


@pytest.mark.parametrize("fixture", ALL_FIXTURES, ids=lambda p: p.stem)
def test_budgets_come_from_the_facts_with_the_target_as_upper_bound(fixture: Path) -> None:
    facts = load_facts(fixture)
    for genre in GENRES:
        bp = LIBRARY.blueprint(genre)
        outline = build_outline(facts, bp, LIBRARY.headings(facts, bp))
        for part in outline.parts:
            assert 0 < part.budget <= part.chars, (genre, part.id)
            for p in part.points:
                assert 0 < p.budget <= p.chars
        sections = _render_all(facts, genre)
        for part in outline.parts:
            if part.role == "salutation":
                continue
            user = sections[part.id][1]
            assert f"不超过约 {part.budget} 字" in user
            spec = parse_data_block(user, "section")
            assert spec["budget_chars"] == part.budget and spec["target_chars"] == part.chars


def test_thin_facts_get_a_small_budget_not_the_target() -> None:
    """A section with a few lines of facts is not asked for its full share of a long target."""
    facts = _facts_with(REFERENCE_FACTS, meta__target={"chars": 20000})
    bp = LIBRARY.blueprint("work_report")
    outline = build_outline(facts, bp, LIBRARY.headings(facts, bp))
    achievements = outline.part("achievements")
    assert achievements.chars == 11000
    assert achievements.budget < 3000  # ~1,350 characters of facts


def test_sequential_prompts_carry_the_sections_before() -> None:
    facts = load_facts(REFERENCE_FACTS)
    bp = LIBRARY.blueprint("work_report")
    previous = {"opening": "今天，光源主席一行来我市视察工青妇组织工作。"}
    prompt = LIBRARY.render(facts, bp, bp.section("achievements"), previous=previous)
    system, user = (m["content"] for m in prompt.messages)
    assert "各部分依次起草" in system and "同时起草" not in system
    block = parse_data_block(user, "previous")
    assert block == [{"title": "开场", "text": previous["opening"]}]
    parallel = LIBRARY.render(facts, bp, bp.section("achievements"))
    assert parse_data_block(parallel.messages[1]["content"], "previous") is None
    assert "同时起草" in parallel.messages[0]["content"]


def test_composer_keys_survive_in_the_section_block(rendered) -> None:
    """The offline composer reads these keys from the <section> block; they stay."""
    for (_, _), sections in rendered.items():
        for sid, (_, user) in sections.items():
            spec = parse_data_block(user, "section")
            for key in ("genre", "id", "role", "markers", "points", "links", "target_chars", "outline",
                        "enumerator"):
                assert key in spec, (sid, key)
            json.dumps(spec)


def test_rules_4_and_5_agree_a_name_may_take_full_width_brackets() -> None:
    """Copy names verbatim (rule 4) and use full-width punctuation (rule 5): both hold at once."""
    from speechwriter.validate import validate
    from speechwriter.workspace import draft_speech

    facts = load_facts(REFERENCE_FACTS)
    bp = LIBRARY.blueprint("work_report")
    draft = draft_speech(facts)
    name = "**市青年(大学生)创业园"
    assert any(n.text == name for n in facts.required_names())
    holder = next(s for s in draft.sections if name in s.body)
    holder.body = holder.body.replace(name, "**市青年（大学生）创业园")
    codes = {f.code for f in validate(draft, facts, bp, checks=["names"]).findings}
    assert not codes & {"N302", "N303"}
    # a real misspelling is still caught, with the facts' spelling as the replacement
    holder.body = holder.body.replace("**市青年（大学生）创业园", "**市青年（大学）创业园")
    found = [f for f in validate(draft, facts, bp, checks=["names"]).findings if f.code == "N302"]
    assert len(found) == 1 and found[0].replacement == name
    assert holder.body[found[0].span[0]:found[0].span[1]] == found[0].excerpt

"""Rendering once per draft (headings, outline, compiled templates) changes no byte of any prompt.

The reference is the uncached path: a fresh :class:`PromptLibrary` for every single render (nothing
compiled, nothing planned), exactly what one ``render`` call computed before. The cached path is the
drafting one: one library for every genre and fixture, the plan made once per draft, each section
rendered twice (the second render hits every cache).
"""

from __future__ import annotations

import pytest

from speechwriter.errors import InputError
from speechwriter.facts import load_facts
from speechwriter.outline import with_facts_parts
from speechwriter.prompts import PromptLibrary, RenderedPrompt

from .conftest import ALL_FIXTURES

GENRES = sorted(PromptLibrary().genres())
SHARED = PromptLibrary()  # one library across every case, as a workspace keeps one


def _uncached(path, genre: str, section_id: str, previous: dict[str, str] | None) -> RenderedPrompt | str:
    library = PromptLibrary()
    facts = load_facts(path)
    blueprint = with_facts_parts(library.blueprint(genre), facts)
    spec = next(s for s in blueprint.sections if s.id == section_id)
    try:
        return library.render(facts, blueprint, spec, previous=previous)
    except InputError as exc:
        return str(exc)


def _as_data(prompt: RenderedPrompt | str) -> object:
    if isinstance(prompt, str):
        return prompt
    return (prompt.section, prompt.messages, prompt.templates, prompt.template_sha256, prompt.payload,
            prompt.rendered_sha256)


@pytest.mark.parametrize("genre", GENRES)
@pytest.mark.parametrize("path", ALL_FIXTURES, ids=lambda p: p.stem)
def test_planned_renders_are_byte_identical_to_the_uncached_path(path, genre):
    facts = load_facts(path)
    blueprint = with_facts_parts(SHARED.blueprint(genre), facts)
    plan = SHARED.plan(facts, blueprint)
    compared = 0
    for previous in (None, {s.id: f"第{k}节已写的内容。" for k, s in enumerate(blueprint.sections[:2], 1)}):
        for spec in blueprint.sections:
            want = _as_data(_uncached(path, genre, spec.id, previous))
            for _ in range(2):
                try:
                    got = _as_data(SHARED.render(facts, blueprint, spec, plan.headings.get(spec.id),
                                                 previous=previous, plan=plan))
                except InputError as exc:
                    got = str(exc)
                assert got == want, (path.name, genre, spec.id)
            compared += not isinstance(want, str)
    if genre == facts.meta.genre:  # a fixture renders every written section in its own genre
        assert compared == 2 * sum(s.role != "salutation" for s in blueprint.sections)


def test_a_plan_holds_the_numbered_headings_and_the_outline():
    path = ALL_FIXTURES[0]
    facts = load_facts(path)
    blueprint = with_facts_parts(SHARED.blueprint(facts.meta.genre), facts)
    plan = SHARED.plan(facts, blueprint)
    assert plan.headings == PromptLibrary().headings(facts, blueprint)
    assert [p.id for p in plan.outline.parts] == [s.id for s in blueprint.sections]
    assert plan.outline_data == plan.outline.to_data()


def test_a_template_that_changes_the_outline_it_is_given_does_not_change_the_next_prompt(tmp_path):
    """The outline is computed once per draft; each render still gets its own copy."""
    (tmp_path / "common").mkdir()
    builtin = PromptLibrary().find("common/system.j2")[1].read_text(encoding="utf-8")
    (tmp_path / "common" / "system.j2").write_text(
        "{% set _ = outline.pop() %}{% set _ = outline[0].points.clear() %}" + builtin,
        encoding="utf-8")
    library = PromptLibrary([tmp_path])
    facts = load_facts(ALL_FIXTURES[0])
    blueprint = with_facts_parts(library.blueprint(facts.meta.genre), facts)
    plan = library.plan(facts, blueprint)
    spec = next(s for s in blueprint.sections if s.role == "achievements")
    first = library.render(facts, blueprint, spec, plan=plan).messages
    second = library.render(facts, blueprint, spec, plan=plan).messages
    assert first == second
    assert plan.outline_data == plan.outline.to_data()

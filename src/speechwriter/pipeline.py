"""The drafting pipeline: facts + blueprint + prompts -> engine -> Draft.

``draft_speech`` is the library call behind ``speechwriter draft``. It works with any
:class:`~speechwriter.engines.Engine`; the offline composer and an LLM are interchangeable.
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Callable
from pathlib import Path

from .blueprint import Blueprint
from .draft import Draft, DraftSection, EngineInfo, PromptRecord
from .engines import Engine, get_engine
from .facts import Facts
from .prompts import PromptLibrary, check_needs

__all__ = ["Progress", "draft_speech"]

Progress = Callable[[str, str], None]
"""Called as ``progress(section_id, state)`` with state in queued / writing / done."""


def draft_speech(
    facts: Facts,
    *,
    genre: str | None = None,
    engine: Engine | None = None,
    library: PromptLibrary | None = None,
    prompts_dirs: list[str | Path] | None = None,
    progress: Progress | None = None,
) -> Draft:
    """Draft a speech from ``facts`` with the blueprint of ``genre`` (default: the facts' genre).

    Example::

        from speechwriter import load_facts
        from speechwriter.pipeline import draft_speech
        draft = draft_speech(load_facts("fixtures/facts/work_report_gongqingfu.yaml"))
        print(draft.to_text())
    """
    library = library or PromptLibrary(prompts_dirs)
    blueprint = library.blueprint(genre or facts.meta.genre)
    engine = engine or get_engine(None, prompts_dirs=[str(d) for d in library.user_dirs])
    for spec in blueprint.sections:  # fail before any engine call, naming section and field
        check_needs(facts, blueprint, spec)
    headings = library.headings(facts, blueprint)
    sections: list[DraftSection] = []
    records: list[PromptRecord] = []
    timings: dict[str, float] = {}
    for spec in blueprint.sections:
        if progress:
            progress(spec.id, "writing")
        start = time.perf_counter()
        if spec.role == "salutation":
            body = facts.meta.salutation_line  # fixed by the facts; no engine needed
        else:
            prompt = library.render(facts, blueprint, spec, headings.get(spec.id))
            body = engine.complete(prompt.messages).text.strip()
            records.append(PromptRecord(section=spec.id, templates=prompt.templates,
                                        template_sha256=prompt.template_sha256,
                                        rendered_sha256=prompt.rendered_sha256))
        timings[spec.id] = round((time.perf_counter() - start) * 1000, 3)
        sections.append(DraftSection(id=spec.id, title=spec.title, role=spec.role,
                                     heading=headings.get(spec.id), level=spec.level, body=body))
        if progress:
            progress(spec.id, "done")
    return Draft(
        title=facts.meta.title,
        genre=blueprint.id,
        blueprint_sha256=blueprint.sha256,
        facts_sha256=facts.sha256,
        facts_source=facts.source,
        engine=EngineInfo(name=engine.name, model=engine.model, rule_based=engine.rule_based),
        sections=sections,
        prompts=records,
        timings_ms=timings,
        created_at=dt.datetime.now(dt.UTC).replace(microsecond=0),
    )


def blueprint_for(facts: Facts, genre: str | None, library: PromptLibrary) -> Blueprint:
    """The blueprint a draft of ``facts`` uses."""
    return library.blueprint(genre or facts.meta.genre)

"""The drafting pipeline: outline → sections in parallel → parse → validate → repair → draft.

``draft_speech`` (sync) and ``run_draft`` (async) work with any :class:`~speechwriter.engines.Engine`;
the offline composer and an LLM are interchangeable. Sections are generated concurrently under a
limit; each reply is cleaned of chatter, continued when cut at ``finish_reason=length``, and
checkpointed. The assembled draft is validated and only the sections with errors are re-prompted
with their findings, for up to ``repair_rounds`` rounds, keeping each section's best attempt.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import re
import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any

from ..blueprint import Blueprint, SectionSpec
from ..draft import Draft, DraftSection, EngineInfo, PromptRecord
from ..engines.base import Completion, EngineError, Message, Request, RequestKind
from ..facts.model import Facts
from ..prompts import PromptLibrary, RenderedPrompt, check_needs
from .calls import EngineCaller
from .repair import (
    apply_replacements,
    finding_brief,
    locate_findings,
    parse_paragraph_reply,
    relevant_facts,
    splice,
    split_units,
)

if TYPE_CHECKING:
    from ..validate.checks import Finding, Report

__all__ = ["DraftOptions", "DraftResult", "SectionProgress", "clean_reply", "run_draft"]


@dataclass
class DraftOptions:
    """How a draft run behaves."""

    concurrency: int | None = None  # None: as many as the engine takes (a profile's ``concurrency``)
    repair_rounds: int = 2
    candidates: int = 1
    max_continuations: int = 2
    empty_retries: int = 2
    salt: str = ""  # part of the cache key: repeats of an evaluation get fresh replies
    # Sections one after another, each prompt holding the text of those before it: a more coherent
    # speech for as many calls, but no parallelism (the time is the sum of the sections' times).
    sequential: bool = False
    # One more round after the error rounds for what sections repeat of each other (validate/repeats).
    repeat_round: bool = True
    mask: tuple[str, ...] | None = None  # 脱敏 kinds; None: the engine's profile decides


@dataclass
class SectionProgress:
    """What the live view shows for one section."""

    id: str
    title: str
    state: str = "queued"  # queued, streaming, validating, repairing, done, failed, resumed
    chars: int = 0
    tokens: int = 0
    started: float | None = None
    finished: float | None = None
    cached: bool = False
    errors: int = 0
    note: str = ""
    waiting: float | None = None  # seconds the engine waits before a retry (rate limit), announced once

    @property
    def elapsed(self) -> float:
        if self.started is None:
            return 0.0
        return (self.finished or time.perf_counter()) - self.started


Progress = Callable[[SectionProgress], None]


@dataclass
class DraftResult:
    """The final draft, its report, and what happened on the way."""

    draft: Draft
    report: Report
    repaired: dict[str, list[int]] = field(default_factory=dict)  # section -> error counts per round
    repeats_fixed: dict[str, int] = field(default_factory=dict)  # section -> repeats removed by the repeat round
    failed: dict[str, str] = field(default_factory=dict)
    calls: int = 0
    cache_hits: int = 0
    prompt_tokens: int = 0
    completion_tokens: int = 0
    run_id: str | None = None
    cost: float | None = None  # by the configured prices; None when unknown or rule-based

    @property
    def ok(self) -> bool:
        return not self.report.errors and not self.failed


def validate(draft: Draft, facts: Facts, blueprint: Blueprint) -> Report:
    """The validators, imported when first needed: a draft sends its first requests before it loads them."""
    from ..validate.checks import validate as run_checks

    return run_checks(draft, facts, blueprint)


# --- reply parsing ------------------------------------------------------------------------------

_PREAMBLE = re.compile(r"^(?:好的|当然|没问题|以下是|下面是|根据您?提供|按照您的要求|明白)[^\n]{0,60}[：:。！]\s*$")
_TRAILER = re.compile(r"^(?:希望|如需|如果您|以上内容|注：|备注：|说明：)[^\n]*$")
_FENCE = re.compile(r"^```[a-zA-Z]*\s*$")
# Markdown bold around a run-in heading or a whole line; "**市" (a masked place name) is kept.
_BOLD = re.compile(r"^\*\*([^*]+?[。：:！？])\*\*|^\*\*([^*]+)\*\*$")


def clean_reply(text: str, heading: str | None = None, title: str | None = None) -> str:
    """Strip code fences, echoed headings, preambles (好的，以下是…) and closing chatter."""
    lines = [ln.rstrip() for ln in text.replace("\r\n", "\n").split("\n")]
    lines = [ln for ln in lines if not _FENCE.match(ln.strip())]
    bare_heading = re.sub(r"^[一二三四五六七八九十]+、", "", heading or "")
    out: list[str] = []
    for ln in lines:
        s = _BOLD.sub(lambda m: m.group(1) or m.group(2), ln.strip()).lstrip("#").strip().replace("\u3000", "")
        if not s:
            out.append("")
            continue
        if not out or all(not x for x in out):
            if _PREAMBLE.match(s):
                continue
            if heading and s in (heading, bare_heading, title, f"{heading}：", f"「{bare_heading}」"):
                continue
        out.append(s)
    while out and (not out[-1] or _TRAILER.match(out[-1])):
        out.pop()
    paragraphs = [p for p in out if p]
    return "\n\n".join(paragraphs)


# --- the run ------------------------------------------------------------------------------------

class _Runner:
    def __init__(self, facts: Facts, blueprint: Blueprint, library: PromptLibrary, caller: EngineCaller,
                 options: DraftOptions, progress: Progress | None) -> None:
        self.facts = facts
        self.blueprint = blueprint
        self.library = library
        self.caller = caller
        self.engine = caller.engine
        self.recorder = caller.recorder
        self.options = options
        self.progress = progress
        self.plan = library.plan(facts, blueprint)  # headings and outline: the same for every section
        self.headings = self.plan.headings
        self.prompts: dict[str, RenderedPrompt] = {}
        self.bodies: dict[str, str] = {}
        self.states = {s.id: SectionProgress(s.id, s.title) for s in blueprint.sections}
        self.failed: dict[str, str] = {}
        self.timings: dict[str, float] = {}
        self.semaphore = asyncio.Semaphore(max(1, options.concurrency or self.engine.concurrency))

    def emit(self, sid: str, **changes: Any) -> None:
        state = self.states[sid]
        for k, v in changes.items():
            setattr(state, k, v)
        if self.progress:
            self.progress(state)

    async def call(self, sid: str, kind: RequestKind, messages: list[Message], variant: int = 0,
                   use_cache: bool = True, whole: bool = False) -> Completion:
        """A call through the caller, with the live view kept up to date."""
        tokens_before = self.states[sid].tokens

        def on_text(piece: str) -> None:
            st = self.states[sid]
            cleared = {"waiting": None, "note": ""} if st.waiting is not None else {}
            self.emit(sid, chars=st.chars + len(piece), tokens=st.tokens + 1, **cleared)

        def on_cached(hit: Completion) -> None:
            self.emit(sid, cached=True, chars=self.states[sid].chars + len(hit.text))

        def on_wait(seconds: float, reason: str) -> None:
            self.emit(sid, waiting=seconds, note=f"{reason.split('：')[0]}，{seconds:.0f} 秒后重试")

        request = Request(kind=kind, section=sid)
        method = self.caller.call_whole if whole else self.caller.call
        completion = await method(messages, request, variant=variant, use_cache=use_cache, on_text=on_text,
                                  on_cached=on_cached, on_wait=on_wait)
        if self.states[sid].waiting is not None:
            self.emit(sid, waiting=None, note="")
        if completion.usage.get("completion_tokens") and not completion.cached:
            self.emit(sid, tokens=tokens_before + completion.usage["completion_tokens"])
        return completion

    # -- generation ----------------------------------------------------------------------------

    async def generate(self, spec: SectionSpec, messages: list[Message], variant: int) -> str:
        """One complete section body: continue on length, retry empty replies."""
        sid = spec.id
        for empty_try in range(self.options.empty_retries + 1):
            completion = await self.call(sid, "generate", messages, variant, use_cache=empty_try == 0, whole=True)
            body = clean_reply(completion.text, self.headings.get(sid), spec.title)
            if body:
                return body
            self.emit(sid, note="空回复，重试")
        raise EngineError("多次得到空回复")

    def section_errors(self, sid: str, body: str) -> list[Finding]:
        """Errors attributed to one section when it has ``body`` (others as they are now)."""
        bodies = {**self.bodies, sid: body}
        report = validate(self.assemble(bodies), self.facts, self.blueprint)
        return [f for f in report.errors if f.section == sid]

    def prompt_for(self, spec: SectionSpec) -> RenderedPrompt:
        if spec.id not in self.prompts:
            previous = None
            if self.options.sequential:  # the sections written so far, in order, before this one
                order = [s.id for s in self.blueprint.sections]
                previous = {sid: body for sid, body in self.bodies.items()
                            if order.index(sid) < order.index(spec.id)}
            self.prompts[spec.id] = self.library.render(self.facts, self.blueprint, spec, self.headings.get(spec.id),
                                                        previous=previous, plan=self.plan)
        return self.prompts[spec.id]

    async def write_section(self, spec: SectionSpec) -> None:
        sid = spec.id
        async with self.semaphore:
            self.emit(sid, state="streaming", started=time.perf_counter())
            try:
                prompt = self.prompt_for(spec)
                bodies = await asyncio.gather(*(self.generate(spec, prompt.messages, k)
                                                for k in range(max(1, self.options.candidates))))
            except EngineError as exc:
                self.failed[sid] = str(exc)
                self.emit(sid, state="failed", finished=time.perf_counter(), note=str(exc))
                return
        self.emit(sid, state="validating")
        if len(bodies) > 1:
            scored = sorted(((len(self.section_errors(sid, b)), k, b) for k, b in enumerate(bodies)))
            best = scored[0][2]
        else:
            best = bodies[0]
        self.bodies[sid] = best
        self.timings[sid] = round(self.states[sid].elapsed * 1000, 1)
        if self.recorder:
            self.recorder.save_section(sid, {"body": best, "template_sha256": self.prompts[sid].template_sha256,
                                             "templates": self.prompts[sid].templates})
        self.emit(sid, state="done", finished=time.perf_counter())

    async def repair_section(self, spec: SectionSpec, findings: list[Finding]) -> tuple[str, int]:
        """Send only the failing paragraphs back with their findings (the whole section when they can't be placed)."""
        sid = spec.id
        current = self.bodies[sid]
        async with self.semaphore:
            self.emit(sid, state="repairing", finished=None)
            try:
                body = await self._repair_paragraphs(spec, current, findings)
                if body is None:
                    messages = self.library.section_repair_messages(self.prompt_for(spec), current, findings)
                    completion = await self.call(sid, "repair", messages, whole=True)
                    body = clean_reply(completion.text, self.headings.get(sid), spec.title) or current
            except EngineError as exc:
                self.emit(sid, note=f"修复失败：{exc}")
                return current, len(findings)
        errors = self.section_errors(sid, body)
        return body, len(errors)

    async def _repair_paragraphs(self, spec: SectionSpec, current: str, findings: list[Finding]) -> str | None:
        spans = split_units(current)
        located = locate_findings(current, findings, spans)
        if not located:
            return None
        chosen = []
        for i, fs in located.items():
            sentence = current[spans[i][0]:spans[i][1]].strip()
            chosen.append((sentence, [finding_brief(f, sentence) for f in fs]))
        texts = [t for t, _ in chosen]
        messages = self.library.paragraph_repair_messages(spec, chosen, relevant_facts(self.facts.prose(), texts))
        completion = await self.call(spec.id, "repair", messages, whole=True)
        fixed = parse_paragraph_reply(completion.text, len(chosen))
        if fixed is None:
            return None
        return splice(current, dict(zip(located, fixed, strict=True)), spans)

    async def repair_repeats(self, report: Report, fixed: dict[str, int]) -> Report:
        """One round for what sections repeat of each other: apply each mechanical fix as written
        (delete the repeated sentence, swap the formula) and send the rest to the sentence-level
        repair. A section's new text is kept only when it has fewer repeats and no more errors."""
        from ..validate.repeats import CODES as REPEAT_CODES

        by_section: dict[str, list[Finding]] = {}
        for f in report.findings:
            if f.code in REPEAT_CODES and f.section in self.bodies and f.section not in self.failed:
                by_section.setdefault(f.section, []).append(f)
        if not by_section:
            return report
        specs = {s.id: s for s in self.blueprint.sections}

        async def one(sid: str, findings: list[Finding]) -> tuple[str, str]:
            current = self.bodies[sid]
            body = apply_replacements(current, [f for f in findings if f.replacement is not None])
            rest = [f for f in findings if f.replacement is None]
            if rest:
                async with self.semaphore:
                    self.emit(sid, state="repairing", finished=None, note="修改重复")
                    try:
                        body = await self._repair_paragraphs(specs[sid], body, rest) or body
                    except EngineError as exc:
                        self.emit(sid, note=f"修复失败：{exc}")
            return sid, body

        outcomes = await asyncio.gather(*(one(sid, fs) for sid, fs in by_section.items()))
        for sid, body in outcomes:
            before = by_section[sid]
            trial = validate(self.assemble({**self.bodies, sid: body}), self.facts, self.blueprint)
            after = [f for f in trial.findings if f.code in REPEAT_CODES and f.section == sid]
            errors_before = sum(1 for f in report.errors if f.section == sid)
            errors_after = sum(1 for f in trial.errors if f.section == sid)
            if len(after) < len(before) and errors_after <= errors_before:
                fixed[sid] = len(before) - len(after)
                self.bodies[sid] = body
                if self.recorder:
                    self.recorder.save_section(sid, {"body": body, "repair_round": "repeats"})
            self.emit(sid, state="done", finished=time.perf_counter())
        report = validate(self.assemble(), self.facts, self.blueprint)
        if self.recorder:
            self.recorder.save_round(self.options.repair_rounds + 1, [f.model_dump() for f in report.findings])
        return report

    def assemble(self, bodies: dict[str, str] | None = None) -> Draft:
        bodies = self.bodies if bodies is None else bodies
        sections = []
        for spec in self.blueprint.sections:
            if spec.id not in bodies:
                continue
            sections.append(DraftSection(id=spec.id, title=spec.title, role=spec.role,
                                         heading=self.headings.get(spec.id), level=spec.level, body=bodies[spec.id]))
        info = self.engine.describe()
        return Draft(
            title=self.facts.meta.title,
            genre=self.blueprint.id,
            speaker=self.facts.meta.speaker.name,
            date=self.facts.meta.date,
            blueprint_sha256=self.blueprint.sha256,
            facts_sha256=self.facts.sha256,
            facts_source=self.facts.source,
            engine=EngineInfo(name=info.name, model=info.model, rule_based=info.rule_based),
            sections=sections,
            prompts=[PromptRecord(section=sid, templates=p.templates, template_sha256=p.template_sha256,
                                  rendered_sha256=p.rendered_sha256) for sid, p in self.prompts.items()],
            timings_ms=dict(self.timings),
            created_at=dt.datetime.now(dt.UTC).replace(microsecond=0),
        )

    async def run(self, resumed: dict[str, dict[str, Any]]) -> DraftResult:
        for spec in self.blueprint.sections:
            check_needs(self.facts, self.blueprint, spec)
        for spec in self.blueprint.sections:  # every row visible from the start
            self.emit(spec.id, state="queued")
        pending = []
        for spec in self.blueprint.sections:
            if spec.role == "salutation":
                self.bodies[spec.id] = self.facts.meta.salutation_line
                self.emit(spec.id, state="done", chars=len(self.bodies[spec.id]))
            elif spec.id in resumed:
                self.bodies[spec.id] = resumed[spec.id]["body"]
                self.prompt_for(spec)
                self.emit(spec.id, state="resumed", note="沿用已完成的章节")
            else:
                pending.append(spec)
        if self.options.sequential:
            for spec in pending:
                await self.write_section(spec)
        else:
            await asyncio.gather(*(self.write_section(spec) for spec in pending))
        repaired: dict[str, list[int]] = {}
        report = validate(self.assemble(), self.facts, self.blueprint)
        if self.recorder:
            self.recorder.save_round(0, [f.model_dump() for f in report.findings])
        for round_no in range(1, self.options.repair_rounds + 1):
            by_section: dict[str, list[Finding]] = {}
            for f in report.errors:
                if f.section in self.bodies and f.section not in self.failed and f.section != "salutation":
                    by_section.setdefault(f.section, []).append(f)
            if not by_section:
                break
            specs = {s.id: s for s in self.blueprint.sections}
            outcomes = await asyncio.gather(*(self.repair_section(specs[sid], fs) for sid, fs in by_section.items()))
            for (sid, findings), (body, n_errors) in zip(by_section.items(), outcomes, strict=True):
                history = repaired.setdefault(sid, [len(findings)])
                history.append(n_errors)
                if n_errors < len(findings):  # keep the best attempt by error count
                    self.bodies[sid] = body
                    if self.recorder:
                        self.recorder.save_section(sid, {"body": body, "repair_round": round_no})
                self.emit(sid, state="done", finished=time.perf_counter(), errors=min(n_errors, len(findings)))
            report = validate(self.assemble(), self.facts, self.blueprint)
            if self.recorder:
                self.recorder.save_round(round_no, [f.model_dump() for f in report.findings])
        repeats_fixed: dict[str, int] = {}
        if self.options.repeat_round and self.options.repair_rounds > 0:
            report = await self.repair_repeats(report, repeats_fixed)
        draft = self.assemble()
        return DraftResult(draft=draft, report=report, repaired=repaired, repeats_fixed=repeats_fixed,
                           failed=dict(self.failed),
                           **self.caller.stats.as_dict())


async def run_draft(
    facts: Facts,
    *,
    genre: str | None = None,
    caller: EngineCaller,
    library: PromptLibrary,
    options: DraftOptions | None = None,
    progress: Progress | None = None,
) -> DraftResult:
    """Draft asynchronously with validation and repair, every call through ``caller``.

    This is the one drafting path; :meth:`speechwriter.workspace.Workspace.draft` builds the
    caller (cache, run record) and is what the CLI, the eval runner and refine use.
    """
    from ..outline import with_facts_parts

    blueprint = with_facts_parts(library.blueprint(genre or facts.meta.genre), facts)
    options = options or DraftOptions()
    if caller.engine.rule_based:  # a rule-based engine cannot follow repair instructions
        options = replace(options, repair_rounds=0)
    runner = _Runner(facts, blueprint, library, caller, options, progress)
    recorder = caller.recorder
    resumed = recorder.sections() if recorder else {}
    result = await runner.run(resumed)
    result.run_id = recorder.id if recorder else None
    return result

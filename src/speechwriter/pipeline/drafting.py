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
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, ClassVar

from ..blueprint import Blueprint, SectionSpec
from ..draft import Draft, DraftSection, EngineInfo, PromptRecord
from ..engines import Engine, get_engine
from ..engines.base import Completion, EngineError, run_sync
from ..facts.model import Facts
from ..prompts import PromptLibrary, RenderedPrompt, check_needs
from ..validate.checks import Finding, Report, validate
from .cache import ReplyCache, cache_key
from .runs import RunRecorder

__all__ = ["DraftOptions", "DraftResult", "SectionProgress", "clean_reply", "draft_speech", "execute_draft", "run_draft"]


@dataclass
class DraftOptions:
    """How a draft run behaves."""

    concurrency: int = 4
    repair_rounds: int = 2
    candidates: int = 1
    max_continuations: int = 2
    empty_retries: int = 2
    salt: str = ""  # part of the cache key: repeats of an evaluation get fresh replies


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
    failed: dict[str, str] = field(default_factory=dict)
    calls: int = 0
    cache_hits: int = 0
    prompt_tokens: int = 0
    completion_tokens: int = 0
    run_id: str | None = None

    @property
    def ok(self) -> bool:
        return not self.report.errors and not self.failed


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
    def __init__(self, facts: Facts, blueprint: Blueprint, library: PromptLibrary, engine: Engine,
                 options: DraftOptions, cache: ReplyCache | None, recorder: RunRecorder | None,
                 progress: Progress | None) -> None:
        self.facts = facts
        self.blueprint = blueprint
        self.library = library
        self.engine = engine
        self.options = options
        self.cache = cache if getattr(engine, "rule_based", False) is False else None
        self.recorder = recorder
        self.progress = progress
        self.headings = library.headings(facts, blueprint)
        self.prompts: dict[str, RenderedPrompt] = {}
        self.bodies: dict[str, str] = {}
        self.states = {s.id: SectionProgress(s.id, s.title) for s in blueprint.sections}
        self.result_stats = {"calls": 0, "cache_hits": 0, "prompt_tokens": 0, "completion_tokens": 0}
        self.failed: dict[str, str] = {}
        self.timings: dict[str, float] = {}
        self.semaphore = asyncio.Semaphore(max(1, options.concurrency))

    def emit(self, sid: str, **changes: Any) -> None:
        state = self.states[sid]
        for k, v in changes.items():
            setattr(state, k, v)
        if self.progress:
            self.progress(state)

    # -- engine calls with cache and records ---------------------------------------------------

    def _identity(self) -> dict[str, Any]:
        profile = getattr(self.engine, "profile", None)
        return {"engine": self.engine.name, "model": self.engine.model,
                "base_url": getattr(profile, "base_url", None)}

    def _params(self) -> dict[str, Any]:
        profile = getattr(self.engine, "profile", None)
        return {"temperature": getattr(profile, "temperature", None), "max_tokens": getattr(profile, "max_tokens", None)}

    async def call(self, sid: str, kind: str, messages: list[dict[str, str]], variant: int = 0,
                   use_cache: bool = True) -> Completion:
        key = cache_key(self._identity(), messages, {**self._params(), "variant": variant,
                                                     **({"salt": self.options.salt} if self.options.salt else {})})
        if self.cache is not None and use_cache:
            hit = self.cache.get(key)
            if hit is not None:
                self.result_stats["cache_hits"] += 1
                self.emit(sid, cached=True, chars=self.states[sid].chars + len(hit.text))
                self._record(sid, kind, messages, hit, 0.0, "cache-hit", None)
                return hit
        start = time.perf_counter()
        attempts_before = len(getattr(self.engine, "attempts", []))

        def on_text(piece: str) -> None:
            st = self.states[sid]
            self.emit(sid, chars=st.chars + len(piece), tokens=st.tokens + 1)

        self.result_stats["calls"] += 1
        tokens_before = self.states[sid].tokens
        try:
            completion = await self.engine.acomplete(messages, on_text=on_text)
        except EngineError as exc:
            self._record(sid, kind, messages, None, time.perf_counter() - start, "error", str(exc),
                         attempts_before)
            raise
        self.result_stats["prompt_tokens"] += completion.usage.get("prompt_tokens", 0)
        self.result_stats["completion_tokens"] += completion.usage.get("completion_tokens", 0)
        if completion.usage.get("completion_tokens"):  # the server's count replaces our estimate
            self.emit(sid, tokens=tokens_before + completion.usage["completion_tokens"])
        self._record(sid, kind, messages, completion, time.perf_counter() - start, "ok", None, attempts_before)
        if self.cache is not None and completion.text.strip() and completion.finish_reason in ("stop", "length"):
            self.cache.put(key, completion)
        return completion

    def _record(self, sid: str, kind: str, messages: list[dict[str, str]], completion: Completion | None,
                seconds: float, status: str, error: str | None, attempts_before: int = 0) -> None:
        if self.recorder is None:
            return
        attempts = getattr(self.engine, "attempts", [])[attempts_before:]
        self.recorder.record_call(sid, kind, {
            "status": status,
            "error": error,
            "messages": messages,
            "reply": completion.text if completion else None,
            "finish_reason": completion.finish_reason if completion else None,
            "usage": completion.usage if completion else {},
            "cached": bool(completion and completion.cached),
            "latency_ms": round(seconds * 1000, 1),
            "attempts": attempts,
        })

    # -- generation ----------------------------------------------------------------------------

    async def generate(self, spec: SectionSpec, messages: list[dict[str, str]], variant: int) -> str:
        """One complete section body: continue on length, retry empty replies."""
        sid = spec.id
        for empty_try in range(self.options.empty_retries + 1):
            completion = await self.call(sid, "generate", messages, variant, use_cache=empty_try == 0)
            if completion.finish_reason == "content_filter":
                raise EngineError("回复被服务端的内容安全策略拦截")
            text = completion.text
            convo = list(messages)
            for _ in range(self.options.max_continuations):
                if completion.finish_reason != "length":
                    break
                convo = [*convo, {"role": "assistant", "content": completion.text},
                         {"role": "user", "content": "上文因长度限制被截断。请从中断处接着写完本章节，不要重复已写的内容。"}]
                completion = await self.call(sid, "continue", convo, variant)
                text += completion.text
            body = clean_reply(text, self.headings.get(sid), spec.title)
            if body:
                return body
            self.emit(sid, note="空回复，重试")
        raise EngineError("多次得到空回复")

    def section_errors(self, sid: str, body: str) -> list[Finding]:
        """Errors attributed to one section when it has ``body`` (others as they are now)."""
        bodies = {**self.bodies, sid: body}
        report = validate(self.assemble(bodies), self.facts, self.blueprint)
        return [f for f in report.errors if f.section == sid]

    async def write_section(self, spec: SectionSpec) -> None:
        sid = spec.id
        async with self.semaphore:
            self.emit(sid, state="streaming", started=time.perf_counter())
            try:
                prompt = self.library.render(self.facts, self.blueprint, spec, self.headings.get(sid))
                self.prompts[sid] = prompt
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
        sid = spec.id
        current = self.bodies[sid]
        async with self.semaphore:
            self.emit(sid, state="repairing", finished=None)
            prompt = self.prompts.get(sid) or self.library.render(self.facts, self.blueprint, spec,
                                                                   self.headings.get(sid))
            self.prompts[sid] = prompt
            lines = [f"{n}. [{f.code}] {f.message}；修改建议：{f.suggestion}" for n, f in enumerate(findings, 1)]
            messages = [*prompt.messages, {"role": "assistant", "content": current},
                        {"role": "user", "content": "校验发现上面这一部分有以下问题：\n" + "\n".join(lines)
                         + "\n请只修改有问题的地方，其余保持不变，输出修改后的完整正文。数字必须与事实数据完全一致。"}]
            try:
                completion = await self.call(sid, "repair", messages)
                body = clean_reply(completion.text, self.headings.get(sid), spec.title) or current
            except EngineError as exc:
                self.emit(sid, note=f"修复失败：{exc}")
                return current, len(findings)
        errors = self.section_errors(sid, body)
        return body, len(errors)

    def assemble(self, bodies: dict[str, str] | None = None) -> Draft:
        bodies = self.bodies if bodies is None else bodies
        sections = []
        for spec in self.blueprint.sections:
            if spec.id not in bodies:
                continue
            sections.append(DraftSection(id=spec.id, title=spec.title, role=spec.role,
                                         heading=self.headings.get(spec.id), level=spec.level, body=bodies[spec.id]))
        return Draft(
            title=self.facts.meta.title,
            genre=self.blueprint.id,
            blueprint_sha256=self.blueprint.sha256,
            facts_sha256=self.facts.sha256,
            facts_source=self.facts.source,
            engine=EngineInfo(name=self.engine.name, model=self.engine.model, rule_based=self.engine.rule_based),
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
                self.prompts[spec.id] = self.library.render(self.facts, self.blueprint, spec,
                                                            self.headings.get(spec.id))
                self.emit(spec.id, state="resumed", note="沿用已完成的章节")
            else:
                pending.append(spec)
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
        draft = self.assemble()
        return DraftResult(draft=draft, report=report, repaired=repaired, failed=dict(self.failed),
                           **self.result_stats)


async def run_draft(
    facts: Facts,
    *,
    genre: str | None = None,
    engine: Engine | None = None,
    library: PromptLibrary | None = None,
    options: DraftOptions | None = None,
    cache: ReplyCache | None = None,
    recorder: RunRecorder | None = None,
    progress: Progress | None = None,
) -> DraftResult:
    """Draft asynchronously with validation and repair; see the module docstring."""
    library = library or PromptLibrary()
    blueprint = library.blueprint(genre or facts.meta.genre)
    engine = engine or get_engine(None, prompts_dirs=[str(d) for d in library.user_dirs])
    options = options or DraftOptions()
    if engine.rule_based:  # a rule-based engine cannot follow repair instructions
        options = DraftOptions(**{**options.__dict__, "repair_rounds": 0})
    runner = _Runner(facts, blueprint, library, engine, options, cache, recorder, progress)
    resumed = recorder.sections() if recorder else {}
    result = await runner.run(resumed)
    result.run_id = recorder.id if recorder else None
    if recorder:
        recorder.save_final(result.draft.to_json(), result.report.to_json())
        recorder.save_meta(status="ok" if result.ok else ("failed" if result.failed else "errors"),
                           usage={"calls": result.calls, "cache_hits": result.cache_hits,
                                  "prompt_tokens": result.prompt_tokens,
                                  "completion_tokens": result.completion_tokens},
                           prompts={p.section: p.template_sha256 for p in result.draft.prompts})
    return result


def draft_speech(
    facts: Facts,
    *,
    genre: str | None = None,
    engine: Engine | None = None,
    library: PromptLibrary | None = None,
    prompts_dirs: list[str | Path] | None = None,
    options: DraftOptions | None = None,
) -> Draft:
    """Draft a speech from ``facts`` (blocking). Returns the best draft; see :func:`run_draft`.

    Example::

        from speechwriter import load_facts
        from speechwriter.pipeline.drafting import draft_speech
        draft = draft_speech(load_facts("fixtures/facts/work_report_gongqingfu.yaml"))
        print(draft.to_text())
    """
    library = library or PromptLibrary(prompts_dirs)
    return run_sync(run_draft(facts, genre=genre, engine=engine, library=library, options=options)).draft


# --- a whole run: records, cache, resume ----------------------------------------------------------

class ProgressBoard:
    """Live view of a run: one row per section with its state, tokens and elapsed time."""

    LABELS: ClassVar[dict[str, str]] = {"queued": "排队", "streaming": "生成中", "validating": "校验中", "repairing": "修复中",
              "done": "完成", "failed": "失败", "resumed": "已续用"}
    STYLES: ClassVar[dict[str, str]] = {"done": "green", "failed": "red", "repairing": "yellow", "streaming": "cyan", "resumed": "green"}

    def __init__(self) -> None:
        self.rows: dict[str, SectionProgress] = {}

    def update(self, state: SectionProgress) -> None:
        self.rows[state.id] = state

    def __rich__(self) -> Any:
        from rich.table import Table

        table = Table(show_edge=False, box=None, pad_edge=False)
        for col, justify in (("章节", "left"), ("状态", "left"), ("字数", "right"), ("tokens", "right"),
                             ("用时", "right"), ("", "left")):
            table.add_column(col, justify=justify)  # type: ignore[arg-type]
        for st in self.rows.values():
            label = self.LABELS.get(st.state, st.state)
            style = self.STYLES.get(st.state, "")
            note = "缓存命中" if st.cached else ""
            note = "；".join(x for x in (note, st.note) if x)
            table.add_row(st.title, f"[{style}]{label}[/{style}]" if style else label, str(st.chars),
                          str(st.tokens), f"{st.elapsed:.1f}s", note)
        return table


def execute_draft(
    facts: Facts,
    *,
    genre: str | None = None,
    engine: Engine,
    library: PromptLibrary,
    options: DraftOptions | None = None,
    use_cache: bool = True,
    workdir: Path | None = None,
    resume: str | None = None,
    progress: Progress | None = None,
    on_start: Callable[[RunRecorder], None] | None = None,
) -> DraftResult:
    """A recorded run under ``<workdir>/.speechwriter/``: run records, reply cache, resume.

    ``resume`` is a run id whose checkpointed sections are reused; only what is missing is
    generated. The facts must be unchanged since that run.
    """
    from ..errors import InputError
    from .runs import RunRecorder, open_run, runs_root

    base = workdir or Path.cwd()
    if resume:
        recorder = open_run(resume, runs_root(base))
        if recorder.meta.get("facts_sha256") != facts.sha256:
            raise InputError(f"事实文件自运行 {recorder.id} 以来已修改，不能续写；请重新起草")
        genre = genre or recorder.meta.get("genre")
        recorder.save_meta(status="running", resumed_at=dt.datetime.now().isoformat(timespec="seconds"))
    else:
        profile = getattr(engine, "profile", None)
        recorder = RunRecorder.create({
            "facts_path": str(Path(facts.source).resolve()) if facts.source else None,
            "facts_sha256": facts.sha256,
            "genre": genre or facts.meta.genre,
            "blueprint_sha256": library.blueprint(genre or facts.meta.genre).sha256,
            "engine": {"name": engine.name, "model": engine.model,
                       **({"profile": profile.public()} if profile is not None else {})},
            "options": options.__dict__ if options else DraftOptions().__dict__,
            "prompts_dirs": [str(d) for d in library.user_dirs],
        }, runs_root(base))
    if on_start:
        on_start(recorder)
    cache = ReplyCache(base / ".speechwriter" / "cache.sqlite") if use_cache and not engine.rule_based else None
    getattr(engine, "llm", None)  # build the client (and import langchain) before the clock per section starts
    try:
        return run_sync(run_draft(facts, genre=genre, engine=engine, library=library, options=options,
                                     cache=cache, recorder=recorder, progress=progress))
    except BaseException:
        recorder.save_meta(status="interrupted")
        raise
    finally:
        if cache is not None:
            cache.close()

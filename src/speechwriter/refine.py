"""Interactive refinement: steer a draft section by section, see what changed, never lose a version.

:class:`RefineSession` is the library API (usable from a notebook): proposals from an instruction,
a regeneration or a manual edit are validated before they are shown; ``accept`` makes a proposal
the section's current text; ``undo``/``redo`` move through accepted changes. Every accepted change
is saved atomically with the full version history, so a crash loses at most the proposal that was
not yet accepted. The terminal front end (prompt_toolkit and rich) is :mod:`speechwriter.cli.repl`.
"""

from __future__ import annotations

import datetime as dt
import re
import secrets
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from pydantic import BaseModel, Field

from .blueprint import Blueprint
from .draft import Draft, load_draft
from .engines.base import Engine, Request, run_sync
from .errors import InputError, SpeechwriterError, WriteError
from .facts.model import Facts, load_facts
from .files import read_text, write_text_atomic
from .prompts import PromptLibrary
from .redact import redact
from .validate.checks import Finding, Report, validate

if TYPE_CHECKING:
    from .pipeline.runs import RunRecorder
    from .workspace import Workspace

__all__ = ["Proposal", "RefineSession", "last_session", "open_target", "word_diff"]


def last_session(workspace: Workspace) -> Path:
    """The folder of the most recently used session."""
    pointer = workspace.sessions_dir / "LAST"
    try:
        if not pointer.is_file():
            raise InputError("没有可恢复的修改会话（.speechwriter/sessions/ 为空）")
        folder = workspace.sessions_dir / read_text(pointer, what="会话指针").strip()
        if not folder.name or not (folder / "session.json").is_file():
            raise InputError(f"上次的会话已不存在：{folder}")
    except PermissionError:
        raise InputError("没有权限读取修改会话目录（请检查目录权限）", path=str(workspace.sessions_dir)) from None
    except OSError as exc:
        raise InputError(f"无法读取修改会话目录：{exc.strerror or type(exc).__name__}",
                         path=str(workspace.sessions_dir)) from None
    return folder


def _looks_like_facts(path: Path) -> bool:
    """True when a JSON file that is not a draft has a facts file's ``meta`` and no draft's ``sections``."""
    import json

    from .files import read_text

    try:
        data = json.loads(read_text(path, max_bytes=8 * 1024 * 1024))
    except (InputError, ValueError, RecursionError):
        return False
    return isinstance(data, dict) and "meta" in data and "sections" not in data


def open_target(target: str, workspace: Workspace,
                facts_file: Path | None = None) -> tuple[Draft | None, Facts, PromptLibrary]:
    """What ``refine TARGET`` works on: (draft or None to draft first, facts, prompts library).

    TARGET is a draft JSON (its facts file is recorded in it), a Word file written by ``export``
    and edited since (with ``facts_file``), a run id, or a facts file.
    """
    from .facts.model import SUPPORTED_SUFFIXES

    library = workspace.library()
    path = Path(target)
    suffix = path.suffix.lower()
    if suffix == ".docx":  # edited in Word: read back, checked against the facts named with --facts
        from .validate.checks import load_speech

        if facts_file is None:
            raise InputError("Word 文件中没有记录事实文件，请用 --facts 指定", path=str(path))
        facts = load_facts(facts_file)
        draft = load_speech(path, library.blueprint(facts.meta.genre), facts)
        return draft.model_copy(update={"facts_source": str(facts_file)}), facts, library
    if suffix in SUPPORTED_SUFFIXES and suffix != ".json":
        return None, load_facts(path), library
    if suffix == ".json" and path.is_file():
        try:
            draft = load_draft(path)
        except InputError as draft_error:
            if not _looks_like_facts(path):  # a broken draft is reported as a draft, not as a facts file
                raise draft_error from None
            return None, load_facts(path), library  # a facts file written as JSON
        return draft, load_facts(facts_file or _recorded_facts(draft, path)), library
    rec = workspace.run(target)
    draft_path = rec.folder / "draft.json"
    if not draft_path.is_file():
        raise InputError(f"运行 {rec.id} 还没有完成的稿件，请先用 draft --resume 完成", path=str(draft_path))
    recorded = rec.meta.get("facts_path")
    if facts_file is None and not (recorded and Path(recorded).is_file()):
        raise InputError(f"找不到运行记录中的事实文件（{recorded or '未记录'}），请用 --facts 指定",
                         path=str(draft_path))
    return load_draft(draft_path), load_facts(facts_file or Path(recorded)), library


def _recorded_facts(draft: Draft, location: Path) -> Path:
    """The facts file a draft records, looked up next to the draft first, then from the working folder."""
    from .draft import recorded_facts

    return recorded_facts(draft, location)


class Version(BaseModel):
    """One version of a section's text."""

    text: str
    at: dt.datetime
    source: Literal["draft", "instruction", "regen", "edit"]
    instruction: str | None = None
    errors: int = 0
    warnings: int = 0


class SectionHistory(BaseModel):
    versions: list[Version]
    current: int = 0


class SessionState(BaseModel):
    """What is saved: enough to reopen the session exactly, history included."""

    id: str
    facts_path: str
    genre: str
    prompts_dirs: list[str] = Field(default_factory=list)
    engine: dict[str, Any] = Field(default_factory=dict)
    draft: Draft
    sections: dict[str, SectionHistory]
    current_section: str
    undo: list[tuple[str, int, int]] = Field(default_factory=list)
    redo: list[tuple[str, int, int]] = Field(default_factory=list)
    updated_at: dt.datetime | None = None
    target: str | None = None
    """The draft JSON the session was opened from: every accepted change is written back to it
    (and to its Markdown twin). None when opened from facts, a run or a Word file."""


class Proposal(BaseModel):
    """A candidate new text for one section, validated before it is shown."""

    section: str
    text: str
    source: Literal["instruction", "regen", "edit"]
    instruction: str | None = None
    findings: list[Finding] = Field(default_factory=list)
    new_errors: list[Finding] = Field(default_factory=list)

    @property
    def errors(self) -> list[Finding]:
        return [f for f in self.findings if f.severity == "error"]


class RefineSession:
    """A draft being refined. All state changes go through methods that save what must survive."""

    def __init__(self, state: SessionState, folder: Path, facts: Facts, library: PromptLibrary,
                 engine: Engine, workspace: Workspace) -> None:
        self.workspace = workspace
        self._recorder: RunRecorder | None = None
        self.state = state
        self.folder = folder
        self.facts = facts
        self.library = library
        self.blueprint: Blueprint = library.blueprint(state.genre)
        self.engine = engine
        self.proposal: Proposal | None = None
        self._report: Report | None = None

    # --- opening ----------------------------------------------------------------------------

    @classmethod
    def start(cls, draft: Draft, facts: Facts, engine: Engine, workspace: Workspace,
              library: PromptLibrary | None = None, target: str | Path | None = None) -> RefineSession:
        """A new session over ``draft``, saved under the workspace's ``.speechwriter/sessions/``.

        ``target``: the draft JSON ``draft`` was read from; accepted changes are written back to it.
        """
        if not draft.sections:
            raise InputError("稿件中没有任何章节（sections 为空），无法修改；请先用 speechwriter draft 起草")
        library = library or workspace.library()
        now = dt.datetime.now().replace(microsecond=0)
        sid = now.strftime("%Y%m%d-%H%M%S-") + secrets.token_hex(2)
        folder = workspace.sessions_dir / sid
        try:
            folder.mkdir(parents=True)
        except OSError as exc:
            from .files import write_problem

            raise WriteError(f"无法创建修改会话目录：{write_problem(exc)}", path=str(workspace.sessions_dir)) from None
        sections = {s.id: SectionHistory(versions=[Version(text=s.body, at=now, source="draft")])
                    for s in draft.sections}
        first = next((s.id for s in draft.sections if s.role not in ("salutation",)), draft.sections[0].id)
        info = engine.describe()
        state = SessionState(
            id=sid, facts_path=str(Path(facts.source).resolve()) if facts.source else "", genre=draft.genre,
            prompts_dirs=[str(d) for d in library.user_dirs],
            engine={"name": info.name, "model": info.model,
                    **({"base_url": info.base_url} if info.base_url else {}),
                    # a profile built from options alone is called "default" and exists in no config file
                    **({"profile": info.profile} if info.profile and info.profile != "default" else {})},
            draft=draft, sections=sections, current_section=first,
            target=str(Path(target).resolve()) if target is not None else None)
        session = cls(state, folder, facts, library, engine, workspace)
        session.save()
        return session

    @classmethod
    def reopen(cls, folder: Path, workspace: Workspace, engine: Engine | None = None,
               **engine_options: Any) -> RefineSession:
        """Reopen a saved session (undo history included).

        Without ``engine`` the session gets the engine it used before, except where
        ``engine_options`` (``name``, ``profile``, ``model``, ``base_url``) say otherwise.
        """
        try:
            state = SessionState.model_validate_json(read_text(folder / "session.json", what="会话文件",
                                                               max_bytes=64 * 1024 * 1024))
        except ValueError as exc:
            raise InputError(f"会话文件已损坏：{str(exc).splitlines()[0]}", path=str(folder / "session.json")) from None
        facts = load_facts(state.facts_path)
        library = workspace.library(state.prompts_dirs)
        if engine is None:
            engine = workspace.engine_like(state.engine, **engine_options)
        return cls(state, folder, facts, library, engine, workspace)

    # --- reading ----------------------------------------------------------------------------

    @property
    def section_ids(self) -> list[str]:
        return [s.id for s in self.state.draft.sections]

    def require(self, section: str | None) -> str:
        sid = section or self.state.current_section
        if sid not in self.state.sections:
            import difflib

            close = difflib.get_close_matches(sid, self.section_ids, n=1)
            hint = f"，是否想写「{close[0]}」？" if close else ""
            raise InputError(f"没有章节「{sid}」{hint}（可选：{'、'.join(self.section_ids)}）")
        return sid

    def text(self, section: str) -> str:
        hist = self.state.sections[section]
        return hist.versions[hist.current].text

    def current_draft(self, override: dict[str, str] | None = None) -> Draft:
        bodies = {sid: self.text(sid) for sid in self.state.sections}
        bodies.update(override or {})
        return self.state.draft.model_copy(update={"sections": [
            s.model_copy(update={"body": bodies[s.id]}) for s in self.state.draft.sections]})

    def report(self) -> Report:
        if self._report is None:
            self._report = validate(self.current_draft(), self.facts, self.blueprint)
        return self._report

    def outline(self) -> list[tuple[str, str, int, int]]:
        """(id, heading or title, errors, warnings) per section."""
        by = self.report().by_section()
        out = []
        for s in self.state.draft.sections:
            fs = by.get(s.id, [])
            out.append((s.id, s.heading or s.title, sum(f.severity == "error" for f in fs),
                        sum(f.severity == "warning" for f in fs)))
        return out

    def facts_for(self, section: str) -> dict[str, Any]:
        from .prompts import facts_slice

        spec = self.blueprint.section(self.require(section))
        return facts_slice(self.facts, spec)

    def history(self, section: str) -> list[tuple[int, Version, bool]]:
        hist = self.state.sections[self.require(section)]
        return [(i, v, i == hist.current) for i, v in enumerate(hist.versions)]

    # --- proposals --------------------------------------------------------------------------

    def _propose(self, section: str, text: str, source: Any, instruction: str | None) -> Proposal:
        from .pipeline.drafting import clean_reply

        spec = self.blueprint.section(section)
        heading = self.state.draft.section(section).heading if self.state.draft.section(section) else None
        text = clean_reply(text, heading, spec.title) if source != "edit" else text.strip()
        if not text:
            raise SpeechwriterError("得到的内容为空，原文保持不变")
        report = validate(self.current_draft({section: text}), self.facts, self.blueprint)
        findings = [f for f in report.findings if f.section == section]
        before = {(f.code, f.excerpt) for f in self.report().findings if f.section == section and f.severity == "error"}
        new_errors = [f for f in findings if f.severity == "error" and (f.code, f.excerpt) not in before]
        self.proposal = Proposal(section=section, text=text, source=source, instruction=instruction,
                                 findings=findings, new_errors=new_errors)
        return self.proposal

    def instruct(self, instruction: str, section: str | None = None, *,
                 on_text: Callable[[str], None] | None = None) -> Proposal:
        """Ask the engine to rewrite a section following a plain-Chinese instruction."""
        if not instruction.strip():
            raise InputError("指令为空：请输入要怎样修改本节，例如：把这一部分压缩到300字")
        sid = self.require(section)
        if self.engine.rule_based:
            raise InputError("离线撰稿器无法按指令改写；请输入 edit 打开编辑器修改本节，或用 --engine openai")
        spec = self.blueprint.section(sid)
        findings = [f for f in self.report().findings if f.section == sid and f.severity == "error"]
        messages = self.library.rewrite_messages(self.facts, self.blueprint, spec, self.text(sid), instruction, findings)
        reply = self._call(messages, Request(kind="rewrite", section=sid), on_text=on_text)
        return self._propose(sid, reply.text, "instruction", instruction)

    def regen(self, section: str | None = None, *, on_text: Callable[[str], None] | None = None) -> Proposal:
        """Write the section afresh from its prompt."""
        sid = self.require(section)
        spec = self.blueprint.section(sid)
        if spec.role == "salutation":
            return self._propose(sid, self.facts.meta.salutation_line, "regen", None)
        prompt = self.library.render(self.facts, self.blueprint, spec)
        # a regeneration asks for a new text, so the cache is written but not read
        reply = self._call(prompt.messages, Request(kind="generate", section=sid), on_text=on_text, use_cache=False)
        return self._propose(sid, reply.text, "regen", None)

    def _call(self, messages: list[Any], request: Request, *, on_text: Callable[[str], None] | None,
              use_cache: bool = True) -> Any:
        """A model call through the workspace: reply cache, continuation of cut replies, run record."""
        ws = self.workspace
        with ws.reply_cache(not self.engine.rule_based) as cache:
            caller = ws.caller(self.engine, cache=cache, recorder=self._run_record(), prompts=self.library.user_dirs,
                               facts=self.facts)
            return run_sync(caller.call_whole(messages, request, on_text=on_text, use_cache=use_cache))

    def _run_record(self) -> RunRecorder | None:
        """The session's run record (``runs list`` shows it as a refine run), made on first use."""
        if self._recorder is None:
            info = self.engine.describe()
            self._recorder = self.workspace.new_run({
                "kind": "refine", "session": self.state.id, "facts_path": self.state.facts_path,
                "genre": self.state.genre, "engine": {"name": info.name, "model": info.model,
                                                      "base_url": info.base_url, "profile": info.profile},
            })
        return self._recorder

    def edit(self, text: str, section: str | None = None) -> Proposal:
        """A manual edit becomes a proposal, validated like any other."""
        return self._propose(self.require(section), text, "edit", None)

    # --- decisions --------------------------------------------------------------------------

    def accept(self) -> str:
        """Make the proposal the section's current text; saved at once."""
        if self.proposal is None:
            raise InputError("没有待确认的修改")
        p = self.proposal
        hist = self.state.sections[p.section]
        errors = len(p.errors)
        warnings = sum(f.severity == "warning" for f in p.findings)
        hist.versions.append(Version(text=p.text, at=dt.datetime.now().replace(microsecond=0), source=p.source,
                                     instruction=p.instruction, errors=errors, warnings=warnings))
        self.state.undo.append((p.section, hist.current, len(hist.versions) - 1))
        self.state.redo.clear()
        hist.current = len(hist.versions) - 1
        self.proposal = None
        self._changed()
        return p.section

    def reject(self) -> None:
        if self.proposal is None:
            raise InputError("没有待确认的修改")
        self.proposal = None

    def undo(self) -> tuple[str, int]:
        """Step back over the last accepted change (saved)."""
        return self._step(self.state.undo, self.state.redo, "没有可以撤销的修改", back=True)

    def redo(self) -> tuple[str, int]:
        """Re-apply the last undone change (saved)."""
        return self._step(self.state.redo, self.state.undo, "没有可以重做的修改", back=False)

    def _step(self, source: list[tuple[str, int, int]], target: list[tuple[str, int, int]], empty: str,
              back: bool) -> tuple[str, int]:
        if not source:
            raise InputError(empty)
        sid, before, after = source.pop()
        self.state.sections[sid].current = before if back else after
        target.append((sid, before, after))
        self._changed()
        return sid, self.state.sections[sid].current

    def _changed(self) -> None:
        self._report = None
        self.save()
        self.write_back()

    def write_back(self) -> tuple[Path, Path] | None:
        """Write the current text to the draft the session was opened from (atomically); None without one.

        The session is saved first, so a failed write loses nothing: the error says where the text is.
        """
        if not self.state.target:
            return None
        try:
            return self.save_draft(self.state.target)
        except WriteError as exc:
            raise WriteError(f"{exc.detail}；修改已保存在会话 {self.folder}，可用 save 路径 另存",
                             path=exc.path) from None

    def next_gap(self) -> tuple[str, Any] | None:
        """The next 【待补：…】 marker after the current section (wrapping round): (section id, Gap)."""
        from .gaps import find_gaps

        ids = self.section_ids
        here = ids.index(self.state.current_section) if self.state.current_section in ids else -1
        for sid in ids[here + 1:] + ids[: here + 1]:
            gaps = find_gaps(self.text(sid))
            if gaps:
                return sid, gaps[0]
        return None

    def close(self) -> None:
        """End the session: saved, and its run record (if any model call made one) marked finished."""
        self.save()
        if self._recorder is not None:
            self._recorder.save_meta(status="finished",
                                     finished_at=dt.datetime.now().isoformat(timespec="seconds"))

    # --- persistence ------------------------------------------------------------------------

    def save(self) -> None:
        """Autosave (atomic): the session with its full history, and the LAST pointer."""
        self.state.updated_at = dt.datetime.now().replace(microsecond=0)
        write_text_atomic(self.folder / "session.json", redact(self.state.model_dump_json(indent=1)) + "\n")
        write_text_atomic(self.folder.parent / "LAST", self.state.id + "\n")

    def save_draft(self, path: str | Path) -> tuple[Path, Path]:
        """Write the current draft as JSON and Markdown (OUT.json, OUT.md)."""
        base = Path(path)
        base = base.with_suffix("") if base.suffix in (".json", ".md") else base
        json_path, md_path = Path(f"{base}.json"), Path(f"{base}.md")
        draft = self.current_draft()
        if self.state.facts_path:
            draft = draft.model_copy(update={"facts_source": self.state.facts_path}).facts_relative_to(json_path)
        write_text_atomic(json_path, draft.to_json())
        write_text_atomic(md_path, draft.to_markdown())
        return json_path, md_path

    def export(self, fmt: str, path: str | Path, force: bool = False) -> Path:
        """Export the current draft (md, txt, docx, reading)."""
        from .export.writers import export_draft

        return export_draft(self.current_draft(), fmt, Path(path), force=force,
                            chars_per_minute=self.blueprint.chars_per_minute)


# --- diff ---------------------------------------------------------------------------------------

_TOKEN = re.compile(r"[A-Za-z]+|[0-9]+(?:\.[0-9]+)?|\s+|.", re.S)


def word_diff(old: str, new: str) -> list[tuple[str, str]]:
    """Chinese-aware word-level diff: CJK characters one by one, Latin words and numbers whole.

    Returns (op, text) pairs with op in ``=``, ``-``, ``+``.
    """
    import difflib

    a, b = _TOKEN.findall(old), _TOKEN.findall(new)
    out: list[tuple[str, str]] = []
    for op, i1, i2, j1, j2 in difflib.SequenceMatcher(None, a, b, autojunk=False).get_opcodes():
        if op == "equal":
            out.append(("=", "".join(a[i1:i2])))
        if op in ("delete", "replace"):
            out.append(("-", "".join(a[i1:i2])))
        if op in ("insert", "replace"):
            out.append(("+", "".join(b[j1:j2])))
    return out

"""Interactive refinement: steer a draft section by section, see what changed, never lose a version.

:class:`RefineSession` is the library API (usable from a notebook): proposals from an instruction,
a regeneration or a manual edit are validated before they are shown; ``accept`` makes a proposal
the section's current text; ``undo``/``redo`` move through accepted changes. Every accepted change
is saved atomically with the full version history, so a crash loses at most the proposal that was
not yet accepted. :class:`RefineRepl` is the terminal front end on prompt_toolkit and rich.
"""

from __future__ import annotations

import datetime as dt
import os
import re
import secrets
import shlex
import subprocess
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, Field

from .blueprint import Blueprint
from .draft import Draft, load_draft
from .engines.base import Engine, EngineError, run_sync
from .errors import InputError, SpeechwriterError
from .facts.model import Facts, load_facts
from .files import read_text, write_text_atomic
from .prompts import PromptLibrary
from .validate.checks import Finding, Report, validate

__all__ = ["Proposal", "RefineRepl", "RefineSession", "last_session", "sessions_root", "word_diff"]


def sessions_root(base: Path | None = None) -> Path:
    return (base or Path.cwd()) / ".speechwriter" / "sessions"


def last_session(base: Path | None = None) -> Path:
    """The folder of the most recently used session."""
    pointer = sessions_root(base) / "LAST"
    if not pointer.is_file():
        raise InputError("没有可恢复的修改会话（.speechwriter/sessions/ 为空）")
    folder = sessions_root(base) / pointer.read_text(encoding="utf-8").strip()
    if not (folder / "session.json").is_file():
        raise InputError(f"上次的会话已不存在：{folder}")
    return folder


def open_target(target: str, facts_file: Path | None = None,
                prompts_dirs: list[Path] | None = None) -> tuple[Draft | None, Facts, PromptLibrary]:
    """What ``refine TARGET`` works on: (draft or None to draft first, facts, prompts library).

    TARGET is a draft JSON (its facts file is recorded in it), a run id, or a facts file.
    """
    from .facts.model import SUPPORTED_SUFFIXES

    library = PromptLibrary(prompts_dirs)
    path = Path(target)
    suffix = path.suffix.lower()
    if suffix in SUPPORTED_SUFFIXES and suffix != ".json":
        return None, load_facts(path), library
    if suffix == ".json" and path.is_file():
        try:
            draft = load_draft(path)
        except InputError:
            return None, load_facts(path), library  # a facts file written as JSON
        source = facts_file or (Path(draft.facts_source) if draft.facts_source else None)
        if source is None:
            raise InputError("稿件中没有记录事实文件，请用 --facts 指定", path=str(path))
        return draft, load_facts(source), library
    from .pipeline.runs import open_run

    rec = open_run(target)
    draft_path = rec.folder / "draft.json"
    if not draft_path.is_file():
        raise InputError(f"运行 {rec.id} 还没有完成的稿件，请先用 draft --resume 完成", path=str(draft_path))
    return load_draft(draft_path), load_facts(facts_file or Path(rec.meta.get("facts_path") or "")), library


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
                 engine: Engine) -> None:
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
    def start(cls, draft: Draft, facts: Facts, library: PromptLibrary, engine: Engine,
              base: Path | None = None) -> RefineSession:
        """A new session over ``draft``."""
        now = dt.datetime.now().replace(microsecond=0)
        sid = now.strftime("%Y%m%d-%H%M%S-") + secrets.token_hex(2)
        folder = sessions_root(base) / sid
        folder.mkdir(parents=True)
        sections = {s.id: SectionHistory(versions=[Version(text=s.body, at=now, source="draft")])
                    for s in draft.sections}
        first = next((s.id for s in draft.sections if s.role not in ("salutation",)), draft.sections[0].id)
        profile = getattr(engine, "profile", None)
        state = SessionState(
            id=sid, facts_path=str(Path(facts.source).resolve()) if facts.source else "", genre=draft.genre,
            prompts_dirs=[str(d) for d in library.user_dirs],
            engine={"name": engine.name, "model": engine.model,
                    **({"base_url": profile.base_url} if profile is not None else {}),
                    # a profile built from options alone is called "default" and exists in no config file
                    **({"profile": profile.name} if profile is not None and profile.name != "default" else {})},
            draft=draft, sections=sections, current_section=first)
        session = cls(state, folder, facts, library, engine)
        session.save()
        return session

    @classmethod
    def reopen(cls, folder: Path, engine: Engine | None = None,
               engine_factory: Callable[[dict[str, Any], list[str]], Engine] | None = None) -> RefineSession:
        """Reopen a saved session (undo history included)."""
        try:
            state = SessionState.model_validate_json(read_text(folder / "session.json", what="会话文件",
                                                               max_bytes=64 * 1024 * 1024))
        except ValueError as exc:
            raise InputError(f"会话文件已损坏：{str(exc).splitlines()[0]}", path=str(folder / "session.json")) from None
        facts = load_facts(state.facts_path)
        library = PromptLibrary(state.prompts_dirs)
        if engine is None:
            assert engine_factory is not None
            engine = engine_factory(state.engine, state.prompts_dirs)
        return cls(state, folder, facts, library, engine)

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

    def instruct(self, instruction: str, section: str | None = None) -> Proposal:
        """Ask the engine to rewrite a section following a plain-Chinese instruction."""
        if not instruction.strip():
            raise InputError("指令为空：请输入要怎样修改本节，例如：把这一部分压缩到300字")
        sid = self.require(section)
        if self.engine.rule_based:
            raise InputError("离线撰稿器无法按指令改写；请输入 edit 打开编辑器修改本节，或用 --engine openai")
        spec = self.blueprint.section(sid)
        findings = [f for f in self.report().findings if f.section == sid and f.severity == "error"]
        messages = self.library.rewrite_messages(self.facts, self.blueprint, spec, self.text(sid), instruction, findings)
        reply = run_sync(self.engine.acomplete(messages))
        return self._propose(sid, reply.text, "instruction", instruction)

    def regen(self, section: str | None = None) -> Proposal:
        """Write the section afresh from its prompt."""
        sid = self.require(section)
        spec = self.blueprint.section(sid)
        if spec.role == "salutation":
            return self._propose(sid, self.facts.meta.salutation_line, "regen", None)
        prompt = self.library.render(self.facts, self.blueprint, spec)
        reply = run_sync(self.engine.acomplete(prompt.messages))
        return self._propose(sid, reply.text, "regen", None)

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

    # --- persistence ------------------------------------------------------------------------

    def save(self) -> None:
        """Autosave (atomic): the session with its full history, and the LAST pointer."""
        self.state.updated_at = dt.datetime.now().replace(microsecond=0)
        write_text_atomic(self.folder / "session.json", self.state.model_dump_json(indent=1) + "\n")
        write_text_atomic(self.folder.parent / "LAST", self.state.id + "\n")

    def save_draft(self, path: str | Path) -> tuple[Path, Path]:
        """Write the current draft as JSON and Markdown (OUT.json, OUT.md)."""
        base = Path(path)
        base = base.with_suffix("") if base.suffix in (".json", ".md") else base
        draft = self.current_draft()
        json_path, md_path = Path(f"{base}.json"), Path(f"{base}.md")
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


def diff_text(old: str, new: str) -> Any:
    """The diff as rich Text: deletions red and struck through, insertions green."""
    from rich.text import Text

    text = Text()
    for op, chunk in word_diff(old, new):
        style = {"=": "", "-": "bold red strike", "+": "bold green"}[op]
        text.append(chunk, style=style)
    return text


# --- the REPL -----------------------------------------------------------------------------------

COMMANDS = {
    "outline": "显示各章节及其状态",
    "show": "show [章节]：显示章节全文，并切换到该章节",
    "use": "use 章节：切换当前章节",
    "facts": "facts [章节]：显示为该章节提供内容的事实",
    "diff": "显示待确认修改与当前文本的差异",
    "accept": "接受待确认的修改（自动保存）",
    "reject": "放弃待确认的修改",
    "regen": "regen [章节]：重新生成该章节",
    "edit": "edit [章节]：用编辑器（$EDITOR）或行内编辑修改本节",
    "undo": "撤销上一次接受的修改",
    "redo": "重做被撤销的修改",
    "history": "history [章节]：该章节的所有版本（时间、指令）",
    "validate": "校验全文并显示报告",
    "save": "save [路径]：保存当前稿件为 JSON 和 Markdown",
    "export": "export 格式 路径：导出（md、txt、docx、reading）",
    "help": "显示帮助",
    "quit": "保存并退出（也可按 Ctrl-D）",
}


class RefineRepl:
    """The terminal front end. Plain text at the prompt is an instruction for the current section."""

    def __init__(self, session: RefineSession, console: Any, prompt_session: Any = None,
                 editor: Callable[[str], str | None] | None = None) -> None:
        self.session = session
        self.console = console
        self.prompt_session = prompt_session or self._make_prompt()
        self.editor = editor or self._external_editor

    def _make_prompt(self) -> Any:
        from prompt_toolkit import PromptSession
        from prompt_toolkit.history import FileHistory

        return PromptSession(history=FileHistory(str(self.session.folder / "input-history")),
                             completer=self._completer(), key_bindings=_bindings())

    def _completer(self) -> Any:
        from prompt_toolkit.completion import NestedCompleter

        ids = {sid: None for sid in self.session.section_ids}
        tree: dict[str, Any] = {c: None for c in COMMANDS}
        for c in ("show", "use", "facts", "regen", "edit", "history"):
            tree[c] = ids
        tree["export"] = {f: None for f in ("md", "txt", "docx", "reading")}
        return NestedCompleter.from_nested_dict(tree)

    # --- loop ---------------------------------------------------------------------------------

    def run(self) -> None:
        self.print_outline()
        self.console.print("输入修改要求（如：把这一部分压缩到300字），或 help 查看命令。Ctrl-D 保存并退出。")
        while True:
            try:
                line = self.prompt_session.prompt(self._prompt_text())
            except KeyboardInterrupt:
                if self._confirm_quit():
                    break
                continue
            except EOFError:
                self.session.save()
                self.console.print(f"已保存会话 {self.session.state.id}，再见。")
                break
            if not self.handle(line):
                break

    def _prompt_text(self) -> str:
        mark = "*" if self.session.proposal else ""
        return f"[{self.session.state.current_section}{mark}]> "

    def _confirm_quit(self) -> bool:
        try:
            answer = self.prompt_session.prompt("确定退出吗？已接受的修改都已保存。(y/N) ")
        except (KeyboardInterrupt, EOFError):
            return True
        return answer.strip().lower() in ("y", "yes", "是")

    def handle(self, line: str) -> bool:
        """Run one input line; False when the session should end."""
        line = line.strip()
        if not line:
            self.console.print("[dim]指令为空：请输入对本节的修改要求（如：语气再亲切一些），或 help 查看命令。[/dim]")
            return True
        word, _, rest = line.partition(" ")
        rest = rest.strip()
        try:
            if word in ("quit", "exit", "q"):
                self.session.save()
                self.console.print(f"已保存会话 {self.session.state.id}。")
                return False
            handler = getattr(self, f"cmd_{word}", None) if word in COMMANDS else None
            if handler is not None:
                handler(rest)
            elif re.fullmatch(r"[a-z]+", word) and not rest:
                raise InputError(f"未知命令「{word}」，输入 help 查看可用命令")
            else:
                self.cmd_instruct(line)
        except KeyboardInterrupt:
            self.console.print("[yellow]已取消，原文未改动。[/yellow]")
        except EngineError as exc:
            self.console.print(f"[red]大模型请求失败，原文未改动：[/red]{_esc(exc)}")
        except SpeechwriterError as exc:
            self.console.print(f"[red]{_esc(exc)}[/red]")
        return True

    # --- commands -----------------------------------------------------------------------------

    def print_outline(self) -> None:
        from rich.table import Table

        table = Table(show_edge=False, box=None)
        for col in ("", "章节", "标题", "状态"):
            table.add_column(col)
        for sid, title, errors, warnings in self.session.outline():
            here = "▶" if sid == self.session.state.current_section else ""
            state = "[green]✔[/green]" if not errors and not warnings else (
                f"[red]{errors} 错[/red] " * bool(errors) + f"[yellow]{warnings} 警[/yellow]" * bool(warnings))
            table.add_row(here, sid, title, state)
        self.console.print(table)

    def cmd_outline(self, rest: str) -> None:
        self.print_outline()

    def cmd_help(self, rest: str) -> None:
        for name, text in COMMANDS.items():
            self.console.print(f"  [bold]{name:<9}[/bold] {text}")
        self.console.print("  其他任何文字：作为对当前章节的修改要求发给大模型")

    def cmd_use(self, rest: str) -> None:
        if not rest:
            raise InputError("用法：use 章节")
        self.session.state.current_section = self.session.require(rest)
        self.console.print(f"当前章节：{self.session.state.current_section}")

    def cmd_show(self, rest: str) -> None:
        sid = self.session.require(rest or None)
        self.session.state.current_section = sid
        heading = self.session.state.draft.section(sid).heading
        if heading:
            self.console.print(f"[bold]{_esc(heading)}[/bold]")
        self.console.print(_esc(self.session.text(sid)))

    def cmd_facts(self, rest: str) -> None:
        import json

        data = self.session.facts_for(rest or self.session.state.current_section)
        data.pop("organisations", None)
        self.console.print(_esc(json.dumps(data, ensure_ascii=False, indent=1)))

    def cmd_instruct(self, text: str) -> None:
        with self.console.status("正在改写…"):
            proposal = self.session.instruct(text)
        self._show_proposal(proposal)

    def cmd_regen(self, rest: str) -> None:
        with self.console.status("正在重新生成…"):
            proposal = self.session.regen(rest or None)
        self._show_proposal(proposal)

    def cmd_edit(self, rest: str) -> None:
        sid = self.session.require(rest or None)
        edited = self.editor(self.session.text(sid))
        if edited is None or edited.strip() == self.session.text(sid).strip():
            self.console.print("内容没有变化。")
            return
        self._show_proposal(self.session.edit(edited, sid))

    def _show_proposal(self, p: Proposal) -> None:
        self.console.print(f"[bold]修改建议（{p.section}）：[/bold]")
        if p.text == self.session.text(p.section):
            self.console.print("（与当前文本相同）")
        self.console.print(diff_text(self.session.text(p.section), p.text))
        errors = p.errors
        if p.new_errors:
            self.console.print(f"[bold red]注意：这个修改带来了 {len(p.new_errors)} 个新错误：[/bold red]")
            for f in p.new_errors:
                self.console.print(f"  [red]{f.code}[/red] {_esc(f.message)}")
        elif errors:
            self.console.print(f"[yellow]仍有 {len(errors)} 个错误[/yellow]")
        else:
            self.console.print("[green]校验通过[/green]")
        self.console.print("输入 accept 接受，reject 放弃，diff 再看差异。")

    def cmd_diff(self, rest: str) -> None:
        p = self.session.proposal
        if p is None:
            raise InputError("没有待确认的修改")
        self.console.print(diff_text(self.session.text(p.section), p.text))

    def cmd_accept(self, rest: str) -> None:
        p = self.session.proposal
        if p is not None and p.new_errors and rest != "!":
            self.console.print("[yellow]这个修改会带来新的错误；确定要接受请输入 accept ![/yellow]")
            return
        sid = self.session.accept()
        self.console.print(f"[green]已接受并保存（{sid}）。[/green]")
        self.print_outline()

    def cmd_reject(self, rest: str) -> None:
        self.session.reject()
        self.console.print("已放弃修改。")

    def cmd_undo(self, rest: str) -> None:
        sid, version = self.session.undo()
        self.console.print(f"已撤销：{sid} 回到版本 {version}。")

    def cmd_redo(self, rest: str) -> None:
        sid, version = self.session.redo()
        self.console.print(f"已重做：{sid} 到版本 {version}。")

    def cmd_history(self, rest: str) -> None:
        labels = {"draft": "初稿", "instruction": "指令", "regen": "重新生成", "edit": "手工编辑"}
        for i, v, current in self.session.history(rest or self.session.state.current_section):
            mark = "▶" if current else " "
            what = f"：{v.instruction}" if v.instruction else ""
            self.console.print(f"{mark} v{i} {v.at:%Y-%m-%d %H:%M:%S} {labels[v.source]}{_esc(what)} "
                               f"（{len(v.text)} 字，{v.errors} 错）")

    def cmd_validate(self, rest: str) -> None:
        self.console.print(self.session.report())

    def cmd_save(self, rest: str) -> None:
        target = rest or (Path(self.session.state.facts_path).stem + ".refined")
        json_path, md_path = self.session.save_draft(target)
        self.console.print(f"已保存 {json_path}、{md_path}")

    def cmd_export(self, rest: str) -> None:
        parts = shlex.split(rest)
        if len(parts) < 2:
            raise InputError("用法：export 格式 路径（格式：md、txt、docx、reading）")
        force = "--force" in parts
        path = self.session.export(parts[0], parts[1], force=force)
        self.console.print(f"已导出 {path}")

    # --- editing ------------------------------------------------------------------------------

    def _external_editor(self, text: str) -> str | None:
        editor = os.environ.get("VISUAL") or os.environ.get("EDITOR")
        if not editor:
            return self._inline_editor(text)
        with tempfile.NamedTemporaryFile("w", suffix=".txt", delete=False, encoding="utf-8") as fh:
            fh.write(text)
            name = fh.name
        try:
            subprocess.run([*shlex.split(editor), name], check=False)
            return Path(name).read_text(encoding="utf-8")
        finally:
            os.unlink(name)

    def _inline_editor(self, text: str) -> str | None:
        self.console.print("[dim]行内编辑：改完按 Esc 再按 Enter 提交，Ctrl-C 放弃。[/dim]")
        try:
            from prompt_toolkit.key_binding import KeyBindings

            return self.prompt_session.prompt("编辑> ", default=text, multiline=True, key_bindings=KeyBindings())
        except (KeyboardInterrupt, EOFError):
            return None


def _bindings() -> Any:
    from prompt_toolkit.key_binding import KeyBindings

    kb = KeyBindings()

    @kb.add("escape", "enter")
    def _newline(event: Any) -> None:  # multi-line instructions: Esc then Enter inserts a line break
        event.current_buffer.insert_text("\n")

    return kb


def _esc(value: Any) -> str:
    from rich.markup import escape

    return escape(str(value))

"""The refine REPL: the terminal front end of :class:`speechwriter.refine.RefineSession`.

prompt_toolkit reads commands (with history and completion); rich shows outlines, diffs and
reports. Everything it does is a call on the session, so a notebook can do the same without it.
"""

from __future__ import annotations

import os
import re
import shlex
import subprocess
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

from ..engines.base import EngineError
from ..errors import InputError, SpeechwriterError
from ..refine import Proposal, RefineSession, word_diff

__all__ = ["COMMANDS", "RefineRepl", "diff_text"]


def diff_text(old: str, new: str, plain: bool = False) -> Any:
    """The diff as rich Text: deletions red and struck through, insertions green.

    ``plain`` (no colour: NO_COLOR, a pipe, ``tee``) marks them in the text too, as ``git diff
    --word-diff`` does: ``[-deleted-]{+inserted+}``, so a diff read without colour still says which is which.
    """
    from rich.text import Text

    text = Text()
    for op, chunk in word_diff(old, new):
        style = {"=": "", "-": "bold red strike", "+": "bold green"}[op]
        if plain and op != "=":
            chunk = f"[-{chunk}-]" if op == "-" else f"{{+{chunk}+}}"
        text.append(chunk, style=style)
    return text


def colourless(console: Any) -> bool:
    """Whether ``console`` shows no colour (NO_COLOR, --no-color, output to a pipe or a file)."""
    return bool(console.no_color or console.color_system is None or not console.is_terminal)


# --- the REPL -----------------------------------------------------------------------------------

COMMANDS = {
    "outline": "显示各章节及其状态",
    "show": "show [章节]：显示章节全文，并切换到该章节",
    "use": "use 章节：切换当前章节",
    "facts": "facts [章节]：显示为该章节提供内容的事实",
    "diff": "显示待确认修改与当前文本的差异",
    "accept": "接受待确认的修改（保存，并写回打开的稿件）",
    "reject": "放弃待确认的修改",
    "regen": "regen [章节]：重新生成该章节",
    "edit": "edit [章节]：用编辑器（$EDITOR）或行内编辑修改本节",
    "undo": "撤销上一次接受的修改",
    "redo": "重做被撤销的修改",
    "history": "history [章节]：该章节的所有版本（时间、指令）",
    "gap": "跳到下一处待补标记【待补：…】（也可输入 下一处）",
    "validate": "校验全文并显示报告",
    "save": "save [路径]：保存当前稿件为 JSON 和 Markdown（默认写回打开的稿件）",
    "export": "export 格式 路径：导出（md、txt、docx、reading）",
    "help": "显示帮助",
    "quit": "保存并退出（也可按 Ctrl-D）",
}


class LinePrompt:
    """Commands read from a pipe or a file, one a line, each echoed after its prompt (as a transcript)."""

    def __init__(self, stream: Any, console: Any) -> None:
        self.stream = stream
        self.console = console

    def prompt(self, text: str = "", **_: Any) -> str:
        line = self.stream.readline()
        if not line:
            raise EOFError
        line = line.rstrip("\n")
        self.console.print(f"{text}{line[:200]}", markup=False, highlight=False)
        return line


ALIASES = {"下一处": "gap", "退出": "quit", "帮助": "help"}


class RefineRepl:
    """The terminal front end. Plain text at the prompt is an instruction for the current section."""

    def __init__(self, session: RefineSession, console: Any, prompt_session: Any = None,
                 editor: Callable[[str], str | None] | None = None) -> None:
        self.session = session
        self.console = console
        self.prompt_session = prompt_session or self._make_prompt()
        self.editor = editor or self._external_editor

    def _make_prompt(self) -> Any:
        import sys

        if not sys.stdin.isatty():  # ``refine d.json < cmds``: run the commands, one a line
            return LinePrompt(sys.stdin, self.console)
        from prompt_toolkit import PromptSession
        from prompt_toolkit.history import FileHistory
        from prompt_toolkit.input import create_input

        prompt = PromptSession(history=FileHistory(str(self.session.folder / "input-history")),
                               completer=self._completer(), key_bindings=_bindings(),
                               input=burst_input(create_input()))
        # A redraw lays out the whole input line (wrapped), so a long one arriving in pieces is
        # redrawn at most ten times a second, not once per piece.
        prompt.app.min_redraw_interval = 0.1
        return prompt

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
                self.finish()
                break
            if not self.handle(line):
                break

    def finish(self) -> None:
        """Save, mark the session finished, and say where the text is."""
        self.session.close()
        target = self.session.state.target
        where = f"稿件已写回 {target}" if target else "稿件文件未改动，修改在会话中；用 save 路径 写出"
        self.console.print(f"已保存会话 {self.session.state.id}（{where}），再见。")

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
        word = ALIASES.get(word, word)
        rest = rest.strip()
        try:
            if word in ("quit", "exit", "q"):
                self.finish()
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
        sid = self.session.require(rest or None)
        self.console.print(facts_view(self.session.facts_for(sid), self.session.facts))

    def cmd_instruct(self, text: str) -> None:
        self._show_proposal(self._streaming("正在改写", lambda on_text: self.session.instruct(text, on_text=on_text)))

    def cmd_regen(self, rest: str) -> None:
        self._show_proposal(self._streaming("正在重新生成",
                                            lambda on_text: self.session.regen(rest or None, on_text=on_text)))

    def _streaming(self, label: str, call: Callable[[Callable[[str], None]], Proposal]) -> Proposal:
        """Show the reply as it arrives (dimmed), as aider and llm do; the diff follows.

        The spinner runs only until the first piece arrives (a cached reply arrives whole).
        """
        from contextlib import nullcontext

        streamed: list[str] = []
        with self.console.status(f"{label}…") if self.console.is_terminal else nullcontext() as status:
            def on_text(piece: str) -> None:
                if not streamed:
                    if status is not None:
                        status.stop()
                    self.console.print(f"[dim]{label}（Ctrl-C 取消）：[/dim]")
                streamed.append(piece)
                self.console.print(piece, end="", style="dim", markup=False, highlight=False)
                self.console.file.flush()

            try:
                return call(on_text)
            finally:
                if streamed:
                    self.console.print()

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
        self.console.print(diff_text(self.session.text(p.section), p.text, colourless(self.console)))
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
        self.console.print(diff_text(self.session.text(p.section), p.text, colourless(self.console)))

    def cmd_accept(self, rest: str) -> None:
        p = self.session.proposal
        if p is not None and p.new_errors and rest != "!":
            self.console.print("[yellow]这个修改会带来新的错误；确定要接受请输入 accept ![/yellow]")
            return
        sid = self.session.accept()
        self._said_saved(f"已接受并保存（{sid}）")
        self.print_outline()

    def _said_saved(self, what: str) -> None:
        target = self.session.state.target
        if target:
            self.console.print(f"[green]{what}，已写回 {_esc(target)}。[/green]")
        else:
            self.console.print(f"[green]{what}到修改会话。[/green][dim]稿件文件未改动，用 save 路径 写出。[/dim]")

    def cmd_gap(self, rest: str) -> None:
        found = self.session.next_gap()
        if found is None:
            self.console.print("稿件中没有待补标记。")
            return
        sid, gap = found
        self.session.state.current_section = sid
        text = self.session.text(sid)
        before = text[max(0, gap.start - 30):gap.start]
        self.console.print(f"当前章节：{sid}（第 {gap.start + 1} 字）")
        self.console.print(f"…{_esc(before)}[bold yellow]{_esc(gap.text)}[/bold yellow]{_esc(text[gap.end:gap.end + 30])}…")
        self.console.print("[dim]输入修改要求补上这一处，或 edit 手工编辑。[/dim]")

    def cmd_reject(self, rest: str) -> None:
        self.session.reject()
        self.console.print("已放弃修改。")

    def cmd_undo(self, rest: str) -> None:
        sid, version = self.session.undo()
        self.console.print(f"已撤销：{sid} 回到版本 {version}。")
        if self.session.state.target:
            self.console.print(f"[dim]已写回 {_esc(self.session.state.target)}。[/dim]")

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
        target = rest or self.session.state.target or (Path(self.session.state.facts_path).stem + ".refined")
        json_path, md_path = self.session.save_draft(target)
        self.console.print(f"已保存 {json_path.resolve()}、{md_path.resolve()}")

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
        """Edit in place. A PromptSession of its own: ``prompt()`` keeps the options it is given, and
        a multi-line editor must not leave the command prompt multi-line (Enter would stop running commands)."""
        from prompt_toolkit import PromptSession

        if isinstance(self.prompt_session, LinePrompt):
            raise InputError("命令来自管道或文件，无法行内编辑：请设置环境变量 EDITOR，或在终端中运行 refine")
        self.console.print("[dim]行内编辑：改完按 Esc 再按 Enter 提交，Ctrl-C 放弃。[/dim]")
        main = self.prompt_session
        editor: Any = PromptSession(multiline=True, input=getattr(main, "input", None),
                                    output=getattr(main, "output", None))
        try:
            return editor.prompt("编辑> ", default=text)
        except (KeyboardInterrupt, EOFError):
            return None


def facts_view(data: dict[str, Any], facts: Any) -> Any:
    """The facts a section is written from, as a person reads them: who is who, then the points with
    their figures highlighted (required ones bold), not the JSON the prompt receives."""
    from rich.console import Group
    from rich.text import Text

    parts: list[Any] = []
    orgs = data.get("organisations") or []
    if orgs:
        parts.append(Text("组织：", style="bold").append("；".join(
            f"{o['short']}（{o['name']}）" if o.get("short") and o["short"] != o["name"] else o["name"]
            for o in orgs), style=""))
    labels = {"opening": "开场", "summary": "总述", "summing_up": "总结语", "shortcomings_lead": "引出不足",
              "shortcomings": "不足",
              "context": "形势", "names": "名称", "honours": "荣誉"}
    for key, value in data.items():
        if key in ("organisations",) or value in (None, [], ""):
            continue
        if key == "highlights":
            parts.append(Text("成效亮点：", style="bold"))
            for i, hl in enumerate(value, 1):
                parts.append(Text(f"{i}. {hl['theme']}", style="bold cyan"))
                if hl.get("lead"):
                    parts.append(Text(f"   {hl['lead']}", style="dim"))
                for item in hl.get("items", []):
                    who = f"［{item['org_name']}］" if item.get("org_name") else ""
                    parts.append(_with_figures(f"   · {who}{item['statement']}", item.get("figures") or []))
        elif key == "plans":
            parts.append(Text("今后打算：", style="bold"))
            for i, plan in enumerate(value, 1):
                parts.append(Text(f"{i}. {plan['theme']}", style="bold cyan"))
                for m in plan.get("measures", []):
                    parts.append(_with_figures(f"   · {m}", [f["raw"] for f in plan.get("figures", [])]))
        elif key == "closing":
            if value.get("call"):
                parts.append(Text("呼语：", style="bold").append(value["call"]))
            for label, field in (("希望", "wishes"), ("请求", "requests")):
                for line in value.get(field, []):
                    parts.append(Text(f"{label}：", style="bold").append(line))
        elif key in ("names", "honours"):
            parts.append(Text(f"{labels[key]}：", style="bold").append("、".join(
                f"“{n['text']}”" if n.get("quoted", True) else n["text"] for n in value)))
        elif isinstance(value, list):
            parts.append(Text(f"{labels.get(key, key)}：", style="bold"))
            parts.extend(_with_figures(f"   · {v}", []) for v in value)
        else:
            parts.append(Text(f"{labels.get(key, key)}：", style="bold").append(str(value)))
    if len(parts) <= 1:
        parts.append(Text("（本节不直接取用事实文件中的内容）", style="dim"))
    return Group(*parts)


def _with_figures(line: str, figures: list[str]) -> Any:
    """A line with each figure it must carry highlighted."""
    from rich.text import Text

    text = Text(line)
    for raw in figures:
        text.highlight_words([raw], style="bold yellow")
    return text


def _bindings() -> Any:
    from prompt_toolkit.key_binding import KeyBindings

    kb = KeyBindings()

    @kb.add("escape", "enter")
    def _newline(event: Any) -> None:  # multi-line instructions: Esc then Enter inserts a line break
        event.current_buffer.insert_text("\n")

    return kb


def coalesce(keys: list[Any]) -> list[Any]:
    """Runs of plain characters read at once become one paste: inserted in one step.

    prompt_toolkit handles every key press on its own (a walk of the whole layout for its key
    bindings, a completion, a redraw), about half a millisecond each, so 50,000 characters typed
    ahead or sent by a terminal without bracketed paste took most of a minute. A run of two or
    more printable characters has no binding of its own, so inserting it whole changes nothing
    but the time. The character right after Esc stays a key of its own (Esc x is Meta-x).
    """
    from prompt_toolkit.key_binding import KeyPress
    from prompt_toolkit.keys import Keys

    out: list[Any] = []
    run: list[str] = []

    def close_run() -> None:
        if len(run) > 1:
            out.append(KeyPress(Keys.BracketedPaste, "".join(run)))
        elif run:
            out.append(KeyPress(run[0], run[0]))
        run.clear()

    for kp in keys:
        plain = not isinstance(kp.key, Keys) and len(kp.data) == 1 and kp.data.isprintable()
        after_escape = not run and out and out[-1].key == Keys.Escape
        if plain and not after_escape:
            run.append(kp.data)
            continue
        close_run()
        out.append(kp)
    close_run()
    return out


def burst_input(inner: Any) -> Any:
    """``inner`` (a terminal's prompt_toolkit Input) reading runs of characters as one paste
    (:func:`coalesce`), and never left waiting inside a bracketed paste that was not closed.

    A terminal sends ESC[200~ … ESC[201~ around a paste; a stray ESC[200~ (typed, or a paste cut
    short) made prompt_toolkit swallow every later key, Enter and Ctrl-D included, waiting for the
    end mark. When input pauses (prompt_toolkit flushes after its escape timeout), an open paste is
    ended and what it held is read as typed keys.
    """
    from prompt_toolkit.input import Input

    class BurstInput(Input):
        def __init__(self) -> None:
            self.inner = inner

        def fileno(self) -> int:
            return int(self.inner.fileno())

        def typeahead_hash(self) -> str:
            return str(self.inner.typeahead_hash())

        def read_keys(self) -> list[Any]:
            return coalesce(self.inner.read_keys())

        def flush_keys(self) -> list[Any]:
            parser = getattr(self.inner, "vt100_parser", None)
            if parser is not None and getattr(parser, "_in_bracketed_paste", False):
                held = getattr(parser, "_paste_buffer", "")
                parser._in_bracketed_paste = False
                parser._paste_buffer = ""
                parser.feed(held)
            return coalesce(self.inner.flush_keys())

        @property
        def closed(self) -> bool:
            return bool(self.inner.closed)

        def raw_mode(self) -> Any:
            return self.inner.raw_mode()

        def cooked_mode(self) -> Any:
            return self.inner.cooked_mode()

        def attach(self, input_ready_callback: Any) -> Any:
            return self.inner.attach(input_ready_callback)

        def detach(self) -> Any:
            return self.inner.detach()

        def close(self) -> None:
            self.inner.close()

    return BurstInput()


def _esc(value: Any) -> str:
    from rich.markup import escape

    return escape(str(value))

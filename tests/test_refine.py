"""Interactive refinement: the session API, the REPL through prompt_toolkit pipes, and a real terminal."""

from __future__ import annotations

import io
import json
import os
import signal
import sys
import time
from pathlib import Path

import pytest
from rich.console import Console

from speechwriter.cli.repl import RefineRepl
from speechwriter.config import Profile
from speechwriter.engines.offline import OfflineComposer
from speechwriter.engines.openai import OpenAIEngine
from speechwriter.errors import InputError
from speechwriter.facts import load_facts
from speechwriter.refine import RefineSession, last_session, open_target, word_diff
from speechwriter.testing.engines import FunctionEngine
from speechwriter.testing.fakeserver import FakeLLMServer, Step
from speechwriter.workspace import Workspace, draft_speech

from .conftest import REFERENCE_FACTS, SECRET_KEY, closed_port, composer_brain

CLOSING_V2 = "同时，衷心希望工青妇组织携手并进，把工作成果做得更大更好。\n\n最后，恳请光源主席一行对我们的工作给予指导。"


@pytest.fixture
def workdir(tmp_path: Path, monkeypatch) -> Path:
    monkeypatch.chdir(tmp_path)
    return tmp_path


def rewriter(text: str = CLOSING_V2) -> FunctionEngine:
    return FunctionEngine(lambda messages: text)


def start(engine, workdir: Path) -> RefineSession:
    facts = load_facts(REFERENCE_FACTS)
    draft = draft_speech(facts)
    return RefineSession.start(draft, facts, engine, Workspace(workdir))


# --- the session API ---------------------------------------------------------------------------

def test_instruct_accept_undo_redo_and_history_survive_a_restart(workdir: Path) -> None:
    session = start(rewriter(), workdir)
    original = session.text("closing")
    session.state.current_section = "closing"
    proposal = session.instruct("语气再亲切一些")
    assert proposal.text == CLOSING_V2 and proposal.new_errors == []
    assert session.text("closing") == original  # nothing changes before accept
    session.accept()
    assert session.text("closing") == CLOSING_V2
    reopened = RefineSession.reopen(last_session(Workspace(workdir)), Workspace(workdir), engine=rewriter())
    assert reopened.text("closing") == CLOSING_V2
    history = reopened.history("closing")
    assert [(v.source, v.instruction, cur) for _, v, cur in history] == [("draft", None, False),
                                                                         ("instruction", "语气再亲切一些", True)]
    reopened.undo()
    assert RefineSession.reopen(last_session(Workspace(workdir)), Workspace(workdir), engine=rewriter()).text("closing") == original
    reopened.redo()
    assert RefineSession.reopen(last_session(Workspace(workdir)), Workspace(workdir), engine=rewriter()).text("closing") == CLOSING_V2
    with pytest.raises(InputError):
        reopened.redo()


def test_a_proposal_with_new_errors_is_flagged(workdir: Path) -> None:
    session = start(rewriter(CLOSING_V2 + "今年再投入386万元。"), workdir)
    proposal = session.instruct("补充投入情况", "closing")
    assert [f.code for f in proposal.new_errors] == ["F204"]
    console = Console(file=io.StringIO(), width=100, color_system=None)
    repl = RefineRepl(session, console, prompt_session=object())
    repl.cmd_accept("")
    assert "会带来新的错误" in console.file.getvalue() and session.proposal is not None
    repl.cmd_accept("!")
    assert "386万元" in session.text("closing")


def test_the_rewrite_prompt_carries_instruction_facts_and_findings(workdir: Path) -> None:
    engine = rewriter()
    session = start(engine, workdir)
    session.instruct("突出妇联的工作", "achievements")
    messages = engine.requests[-1]
    assert messages[-1]["role"] == "user" and "突出妇联的工作" in messages[-1]["content"]
    assert messages[-2]["role"] == "assistant" and "一是争先创优" in messages[-2]["content"]
    assert "<facts>" in messages[1]["content"]


def test_offline_engine_edits_instead_of_instructions(workdir: Path) -> None:
    session = start(OfflineComposer.from_prompts(), workdir)
    with pytest.raises(InputError) as err:
        session.instruct("压缩到300字", "closing")
    assert "edit" in str(err.value)
    console = Console(file=io.StringIO(), width=100, color_system=None)
    before = session.text("closing")
    repl = RefineRepl(session, console, prompt_session=object(), editor=lambda text: "此外，" + text)
    repl.handle("edit closing")
    repl.handle("accept")
    assert session.text("closing") == "此外，" + before


def test_word_diff_is_chinese_aware() -> None:
    ops = word_diff("把工作成果做得更大更好。", "把工作成果做得更大、更靓、更好。")
    assert ("=", "把工作成果做得更大") in ops and ("+", "、更靓、") in ops
    assert word_diff("投入300万元", "投入386万元") == [("=", "投入"), ("-", "300"), ("+", "386"), ("=", "万元")]


# --- the REPL through prompt_toolkit's pipe input -------------------------------------------------

def run_repl(session: RefineSession, lines: list[str]) -> str:
    from prompt_toolkit import PromptSession
    from prompt_toolkit.input import create_pipe_input
    from prompt_toolkit.output import DummyOutput

    console = Console(file=io.StringIO(), width=120, color_system=None)
    with create_pipe_input() as pipe:
        pipe.send_text("".join(line + "\n" for line in lines))
        pipe.close()
        prompt = PromptSession(input=pipe, output=DummyOutput())
        RefineRepl(session, console, prompt_session=prompt).run()
    return console.file.getvalue()


def test_repl_session_end_to_end(workdir: Path) -> None:
    session = start(rewriter(), workdir)
    out = run_repl(session, ["show closing", "语气再亲切一些", "diff", "accept", "history", "undo", "redo",
                             "foo", "show nosuch", "reject", "", "help", "validate", "save 改稿"])
    assert "修改建议（closing）" in out and "校验通过" in out
    assert "已接受并保存（closing）" in out
    assert "▶ v1" in out and "语气再亲切一些" in out
    assert "已撤销：closing 回到版本 0" in out and "已重做：closing 到版本 1" in out
    assert "未知命令「foo」" in out
    assert "没有章节「nosuch」" in out
    assert "没有待确认的修改" in out
    assert "指令为空" in out
    assert "已保存会话" in out  # end of input = Ctrl-D: saved
    saved = json.loads((workdir / "改稿.json").read_text(encoding="utf-8"))
    assert saved["sections"][-1]["body"] == CLOSING_V2


def test_repl_keeps_going_when_the_endpoint_is_down(workdir: Path) -> None:
    port = closed_port()
    engine = OpenAIEngine(Profile(base_url=f"http://127.0.0.1:{port}/v1", model="m", api_key=SECRET_KEY,
                                  max_attempts=2, backoff_base=0.01), sleep=[].append)
    session = start(engine, workdir)
    before = session.text("opening")
    out = run_repl(session, ["更简洁一些", "show"])
    assert "大模型请求失败，原文未改动" in out and "连接被拒绝" in out
    assert session.text("opening") == before and before[:10] in out


# --- a real terminal --------------------------------------------------------------------------

def test_real_terminal_instruct_accept_kill_and_resume(workdir: Path) -> None:
    pexpect = pytest.importorskip("pexpect")
    brain = composer_brain()

    def respond(request):
        if "修改要求" in request["messages"][-1]["content"]:
            return Step(reply=CLOSING_V2)
        return brain(request)

    exe = str(Path(sys.executable).with_name("speechwriter"))
    env = {**os.environ, "OPENAI_API_KEY": SECRET_KEY, "TERM": "dumb", "COLUMNS": "120", "LINES": "50"}
    with FakeLLMServer(respond) as server:
        args = ["refine", str(REFERENCE_FACTS), "--engine", "openai", "--base-url", server.base_url,
                "--model", "fake-model"]
        child = pexpect.spawn(exe, args, cwd=str(workdir), env=env, encoding="utf-8", timeout=60,
                              dimensions=(50, 120))
        child.expect(r"\[opening\]> ")
        child.sendline("use closing")
        child.expect(r"\[closing\]> ")
        child.sendline("语气再亲切一些")
        child.expect("正在改写（Ctrl-C 取消）")  # the reply streams into the terminal as it arrives…
        child.expect("携手并进")
        child.expect("修改建议（closing）")  # …and the diff follows it
        child.expect("输入 accept 接受")
        child.sendline("diff")
        child.expect("携手并进")
        child.sendline("accept")
        child.expect("已接受并保存")
        child.expect(r"\[closing\]> ")
        child.sendline("语气再亲切一些")  # a second proposal, never accepted
        child.expect("输入 accept 接受")
        child.kill(signal.SIGKILL)  # the terminal dies mid-session
        child.wait()
        resumed = pexpect.spawn(exe, ["refine", "--resume"], cwd=str(workdir), env=env, encoding="utf-8",
                                timeout=60, dimensions=(50, 120))
        resumed.expect("已恢复会话")
        resumed.expect(r"\]> ")
        resumed.sendline("history closing")
        resumed.expect("v1")
        resumed.expect(r"\]> ")
        history = resumed.before
        resumed.sendline("undo")
        resumed.expect("回到版本 0")
        resumed.expect(r"\]> ")
        # Ctrl-D typed before the prompt switches the tty to raw mode is taken by the line discipline
        # as end-of-file for the read; a person is never that fast, a test has to pause.
        time.sleep(0.5)
        resumed.sendcontrol("d")  # Ctrl-D: save and quit
        resumed.expect(pexpect.EOF)
    assert "语气再亲切一些" in history
    state = json.loads(next((workdir / ".speechwriter" / "sessions").glob("*/session.json")).read_text())
    assert len(state["sections"]["closing"]["versions"]) == 2  # the unaccepted proposal is the only loss
    assert state["sections"]["closing"]["current"] == 0


def test_ctrl_c_cancels_a_request_and_asks_before_quitting(workdir: Path) -> None:
    pexpect = pytest.importorskip("pexpect")
    brain = composer_brain()

    def respond(request):
        if "修改要求" in request["messages"][-1]["content"]:
            return Step(reply=CLOSING_V2, delay=30)  # a request that hangs
        return brain(request)

    exe = str(Path(sys.executable).with_name("speechwriter"))
    env = {**os.environ, "OPENAI_API_KEY": SECRET_KEY, "TERM": "dumb"}
    with FakeLLMServer(respond) as server:
        child = pexpect.spawn(exe, ["refine", str(REFERENCE_FACTS), "--engine", "openai", "--base-url",
                                    server.base_url, "--model", "fake-model"],
                              cwd=str(workdir), env=env, encoding="utf-8", timeout=30, dimensions=(50, 120))
        child.expect(r"\[opening\]> ")
        child.sendline("更简洁一些")
        for _ in range(100):  # until the request has reached the server (bounded)
            if any("修改要求" in r["messages"][-1]["content"] for r in server.requests):
                break
            time.sleep(0.05)
        child.sendcontrol("c")
        child.expect("已取消，原文未改动")
        child.expect(r"\]> ")
        time.sleep(0.5)
        child.sendcontrol("c")
        child.expect("确定退出吗")
        child.sendline("n")
        child.expect(r"\[opening\]> ")
        time.sleep(0.5)
        child.sendcontrol("d")
        child.expect("已保存会话")
        child.expect(pexpect.EOF)


def test_refine_targets_draft_json_run_id_and_facts_file(workdir: Path, cli) -> None:
    from speechwriter.pipeline.runs import list_runs

    assert cli("draft", REFERENCE_FACTS, "-o", workdir / "d", "-q").exit_code == 0
    draft, facts, _ = open_target(str(workdir / "d.json"), Workspace(workdir))
    assert draft is not None and facts.meta.title == "工青妇组织的工作汇报"
    run_id = list_runs(workdir / ".speechwriter" / "runs")[0]["run_id"]
    from_run, facts2, _ = open_target(run_id, Workspace(workdir))
    assert facts2.sha256 == facts.sha256
    assert from_run is not None and from_run.to_markdown() == draft.to_markdown()
    fresh, facts3, _ = open_target(str(REFERENCE_FACTS), Workspace(workdir))
    assert fresh is None and facts3.sha256 == facts.sha256
    with pytest.raises(InputError) as err:
        open_target("no-such-run", Workspace(workdir))
    assert "找不到运行记录" in str(err.value)


def test_real_terminal_inline_edit_then_enter_still_runs_commands(workdir: Path) -> None:
    """No $EDITOR: the inline editor is multi-line, the command prompt after it must not be."""
    pexpect = pytest.importorskip("pexpect")
    exe = str(Path(sys.executable).with_name("speechwriter"))
    env = {k: v for k, v in os.environ.items() if k not in ("EDITOR", "VISUAL")}
    env.update({"TERM": "dumb", "COLUMNS": "120", "LINES": "50"})
    child = pexpect.spawn(exe, ["refine", str(REFERENCE_FACTS), "--engine", "offline"], cwd=str(workdir), env=env,
                          encoding="utf-8", timeout=60, dimensions=(50, 120))
    child.expect(r"\[opening\]> ")
    child.sendline("edit closing")
    child.expect("行内编辑")
    child.expect("编辑> ")
    time.sleep(0.3)
    child.send("特此补充一句。")  # typed at the end of the section's text
    child.send("\x1b\r")  # Esc, Enter: submit the edit
    child.expect("修改建议（closing）")
    child.expect(r"\[opening\*\]> ")
    time.sleep(0.3)
    child.send("accept\r")  # plain Enter must run the command
    child.expect("已接受并保存（closing）")
    child.expect(r"\]> ")
    child.send("show closing\r")
    child.expect("特此补充一句")
    child.expect(r"\[closing\]> ")
    time.sleep(0.5)
    child.sendcontrol("d")
    child.expect("已保存会话")
    child.expect(pexpect.EOF)
    state = json.loads(next((workdir / ".speechwriter" / "sessions").glob("*/session.json")).read_text())
    closing = state["sections"]["closing"]
    assert closing["current"] == 1 and closing["versions"][1]["text"].endswith("特此补充一句。")
    assert closing["versions"][1]["source"] == "edit"


def test_streamed_reply_is_shown_before_the_diff(workdir: Path) -> None:
    session = start(rewriter(), workdir)
    out = run_repl(session, ["use closing", "语气再亲切一些"])
    streamed = out.index("正在改写（Ctrl-C 取消）")
    assert streamed < out.index("携手并进") < out.index("修改建议（closing）")


def test_facts_command_shows_a_readable_view(workdir: Path) -> None:
    session = start(rewriter(), workdir)
    out = run_repl(session, ["facts achievements"])
    assert "组织：工会（**市总工会）" in out
    assert "1. 争先创优取得了领先地位" in out and "［团委］团委3次被评为" in out
    assert '"items"' not in out and "org_name" not in out and "{" not in out


def test_refine_a_draft_from_another_folder(workdir: Path, cli, monkeypatch) -> None:
    project = workdir / "project"
    (project / "facts").mkdir(parents=True)
    (project / "build").mkdir()
    facts_copy = project / "facts" / "f.yaml"
    facts_copy.write_text(REFERENCE_FACTS.read_text(encoding="utf-8"), encoding="utf-8")
    monkeypatch.chdir(project)
    assert cli("draft", "facts/f.yaml", "-o", "build/d", "-q").exit_code == 0
    elsewhere = workdir / "elsewhere"
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)
    draft, facts, _ = open_target(str(project / "build" / "d.json"), Workspace(elsewhere))
    assert draft is not None and facts.meta.title == "工青妇组织的工作汇报"
    facts_copy.unlink()
    with pytest.raises(InputError) as err:
        open_target(str(project / "build" / "d.json"), Workspace(elsewhere))
    assert "--facts" in str(err.value) and "f.yaml" in str(err.value)


# --- writing back -------------------------------------------------------------------------------

def test_accept_writes_the_opened_draft_back_and_undo_restores_it(workdir: Path, cli) -> None:
    assert cli("draft", REFERENCE_FACTS, "-o", workdir / "d", "-q").exit_code == 0
    original = (workdir / "d.json").read_bytes()
    draft, facts, library = open_target(str(workdir / "d.json"), Workspace(workdir))
    session = RefineSession.start(draft, facts, rewriter(), Workspace(workdir), library, target=workdir / "d.json")
    out = run_repl(session, ["use closing", "语气再亲切一些", "accept"]).replace("\n", "")
    assert f"已写回 {workdir / 'd.json'}" in out
    written = json.loads((workdir / "d.json").read_text(encoding="utf-8"))
    assert written["sections"][-1]["body"] == CLOSING_V2 and "携手并进" in (workdir / "d.md").read_text("utf-8")
    assert written["facts_source"] == json.loads(original)["facts_source"]  # still finds its facts
    reopened = RefineSession.reopen(last_session(Workspace(workdir)), Workspace(workdir), engine=rewriter())
    reopened.undo()  # the previous version lives in the session
    assert json.loads((workdir / "d.json").read_text("utf-8"))["sections"][-1]["body"] == \
        json.loads(original)["sections"][-1]["body"]
    assert not [p for p in workdir.iterdir() if p.name.endswith(".tmp")]


def test_save_without_a_path_writes_where_the_draft_was_opened(workdir: Path, cli) -> None:
    assert cli("draft", REFERENCE_FACTS, "-o", workdir / "sub" / "d", "-q").exit_code == 0
    draft, facts, library = open_target(str(workdir / "sub" / "d.json"), Workspace(workdir))
    session = RefineSession.start(draft, facts, rewriter(), Workspace(workdir), library,
                                  target=workdir / "sub" / "d.json")
    out = run_repl(session, ["save"]).replace("\n", "")
    assert f"已保存 {workdir / 'sub' / 'd.json'}" in out and not list(workdir.glob("*.refined.json"))


def test_without_a_draft_file_refine_says_where_the_text_is(workdir: Path) -> None:
    out = run_repl(start(rewriter(), workdir), ["use closing", "语气再亲切一些", "accept", "save"]).replace("\n", "")
    assert "稿件文件未改动" in out and "用 save 路径 写出" in out
    saved = workdir / f"{REFERENCE_FACTS.stem}.refined.json"
    assert f"已保存 {saved}" in out and saved.is_file()


def test_a_refine_session_ends_finished_in_runs_list(workdir: Path, cli) -> None:
    session = start(rewriter(), workdir)
    run_repl(session, ["use closing", "语气再亲切一些", "accept", "quit"])
    listing = cli("runs", "list")
    refine_rows = [ln for ln in listing.stdout.splitlines() if "\t修改\t" in ln]
    assert refine_rows and all("\tfinished\t" in ln for ln in refine_rows), listing.stdout
    meta = json.loads(next((workdir / ".speechwriter" / "runs").glob("*/run.json")).read_text("utf-8"))
    assert meta["kind"] == "refine" and meta["status"] == "finished"


def test_gap_jumps_to_the_next_marker(workdir: Path) -> None:
    from speechwriter.gaps import GAP_PATTERN, gap_marker

    session = start(rewriter(), workdir)
    for sid in session.section_ids:  # begin from a draft with no gaps (the offline composer writes some)
        if GAP_PATTERN.search(session.text(sid)):
            session.edit(GAP_PATTERN.sub("", session.text(sid)), sid)
            session.accept()
    session.state.current_section = "opening"
    marker = gap_marker("今年新建阵地的数量", 20)
    session.edit(session.text("closing") + marker, "closing")
    session.accept()
    session.state.current_section = "opening"
    out = run_repl(session, ["下一处", "gap", "help"])
    assert "当前章节：closing" in out and marker in out
    assert "gap" in out and "待补" in out.split("显示帮助")[0] + out  # listed in help
    assert session.state.current_section == "closing"
    session.edit(session.text("closing").replace(marker, ""), "closing")
    session.accept()
    assert "没有待补标记" in run_repl(session, ["gap"])


def test_commands_piped_from_a_file_run(workdir: Path, cli) -> None:
    assert cli("draft", REFERENCE_FACTS, "-o", workdir / "d", "-q").exit_code == 0
    result = cli("refine", workdir / "d.json", input="use closing\nedit\nhistory\nquit\n")
    assert result.exit_code == 0, result.output
    assert "[closing]> history" in result.stdout and "v0" in result.stdout and "初稿" in result.stdout
    assert "已保存会话" in result.stdout and "Traceback" not in result.output
    assert "无法行内编辑" in result.stdout  # no terminal, no inline editor: said, and the next command runs


def test_a_diff_without_colour_marks_deletions_and_insertions_in_text(workdir: Path) -> None:
    from speechwriter.cli.repl import colourless, diff_text

    assert diff_text("投入300万元", "投入386万元", plain=True).plain == "投入[-300-]{+386+}万元"
    assert diff_text("投入300万元", "投入386万元").plain == "投入300386万元"  # colour carries it on a terminal
    assert colourless(Console(file=io.StringIO()))  # a pipe or a file
    assert colourless(Console(file=io.StringIO(), force_terminal=True, no_color=True))
    assert not colourless(Console(file=io.StringIO(), force_terminal=True, color_system="standard"))
    out = run_repl(start(rewriter("携手并进，做得更好。"), workdir), ["use closing", "更简洁", "diff"])
    assert "{+携手并进" in out and "[-" in out and "-]" in out and "+}" in out


# --- hostile and long terminal input -----------------------------------------------------------

def _offline_terminal(workdir: Path, term: str = "dumb"):
    pexpect = pytest.importorskip("pexpect")
    exe = str(Path(sys.executable).with_name("speechwriter"))
    env = {**os.environ, "TERM": term, "COLUMNS": "120", "LINES": "50"}
    child = pexpect.spawn(exe, ["refine", str(REFERENCE_FACTS), "--engine", "offline"], cwd=str(workdir), env=env,
                          encoding="utf-8", timeout=90, dimensions=(50, 120))
    child.expect(r"\[opening\]>")
    time.sleep(0.3)
    return pexpect, child


@pytest.mark.parametrize("sequence", [
    "\x1b[200~未闭合的粘贴",  # a bracketed paste that never ends
    "\x1b", "\x1b[", "\x1b[1;5X", "\x1b[99999999999999999999~", "\x1bO", "\x1b]0;标题\x07", "\x1b[<0;1;1M",
])
def test_escape_sequences_in_a_real_terminal_neither_hang_nor_raise(workdir: Path, sequence: str) -> None:
    """The child must answer the next command; a hang is a pexpect timeout, i.e. a failure."""
    pexpect, child = _offline_terminal(workdir, term="xterm-256color")
    child.send(sequence)
    time.sleep(1.0)  # longer than prompt_toolkit's escape timeout: input pauses, as a person's does
    child.send("\r")
    child.send("history\r")
    child.expect("v0")
    child.expect(r"\]>")
    seen = child.before
    time.sleep(0.5)
    child.sendcontrol("d")
    child.expect("已保存会话")
    child.expect(pexpect.EOF)
    assert "Unhandled exception" not in seen and "Traceback" not in seen


def test_a_long_instruction_typed_ahead_arrives_whole(workdir: Path) -> None:
    """20,000 characters sent as keys (no bracketed paste), then Enter: the instruction is all of them."""
    pexpect, child = _offline_terminal(workdir)
    text = "".join("请把这一部分改得更简洁些"[i % 12] for i in range(20_000))
    for i in range(0, len(text), 1000):
        child.send(text[i:i + 1000])
    child.send("\r")
    child.expect("离线撰稿器")
    child.expect(r"\]>")
    time.sleep(0.5)
    child.sendcontrol("d")
    child.expect(pexpect.EOF)
    history = (Path(workdir) / ".speechwriter" / "sessions")
    lines = next(history.glob("*/input-history")).read_text(encoding="utf-8")
    assert "+" + text + "\n" in lines  # prompt_toolkit's history file: one "+" line per input line


def test_runs_of_characters_become_one_paste_and_keys_stay_keys() -> None:
    from prompt_toolkit.key_binding import KeyPress
    from prompt_toolkit.keys import Keys

    from speechwriter.cli.repl import coalesce

    typed = [KeyPress(c, c) for c in "改" * 20_000]
    assert [(k.key, k.data) for k in coalesce(typed)] == [(Keys.BracketedPaste, "改" * 20_000)]
    keys = [KeyPress("a", "a"), KeyPress("b", "b"), KeyPress(Keys.ControlM, "\r"), KeyPress(Keys.Escape, "\x1b"),
            KeyPress("f", "f"), KeyPress("g", "g"), KeyPress("h", "h"), KeyPress(Keys.Left, "\x1b[D"), KeyPress("x", "x")]
    assert [(k.key, k.data) for k in coalesce(keys)] == [
        (Keys.BracketedPaste, "ab"), (Keys.ControlM, "\r"), (Keys.Escape, "\x1b"), ("f", "f"),  # Esc f is Meta-f
        (Keys.BracketedPaste, "gh"), (Keys.Left, "\x1b[D"), ("x", "x")]


def test_commands_from_a_file_on_stdin_run_in_a_real_process(workdir: Path) -> None:
    """``refine … < cmds``: stdin is a file, not a terminal; every line runs, then end of file saves."""
    import subprocess

    cmds = workdir / "cmds.txt"
    cmds.write_text("use closing\nhistory\nshow\n", encoding="utf-8")
    exe = str(Path(sys.executable).with_name("speechwriter"))
    with cmds.open("rb") as stdin:
        done = subprocess.run([exe, "refine", str(REFERENCE_FACTS), "--engine", "offline"], cwd=workdir, stdin=stdin,
                              capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert "[closing]> history" in done.stdout and "v0" in done.stdout and "[closing]> show" in done.stdout
    assert "已保存会话" in done.stdout and "Traceback" not in done.stdout + done.stderr

"""``speechwriter refine``: the interactive section-by-section editor."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from ..errors import InputError
from .app import BaseUrlOpt, ModelOpt, ProfileOpt, PromptsOpt, app, command, console, workspace


@command(app, "refine")
def refine_cmd(
    target: Annotated[str | None, typer.Argument(metavar="TARGET", help="稿件 JSON、Word 文件（.docx，需 --facts）、运行 id 或事实文件")] = None,
    facts_file: Annotated[Path | None, typer.Option("--facts", "-f", help="事实文件（稿件中未记录时）")] = None,
    engine: Annotated[str | None, typer.Option("--engine", "-e", help="offline 或 openai")] = None,
    profile: ProfileOpt = None,
    model: ModelOpt = None,
    base_url: BaseUrlOpt = None,
    resume: Annotated[bool, typer.Option("--resume", help="重新打开上次的修改会话")] = False,
    prompts: PromptsOpt = None,
) -> None:
    """在终端里逐节修改稿件：输入修改要求、看差异、接受或撤销，每次接受都自动保存并写回打开的稿件 JSON。

    \b
    示例：speechwriter refine build/demo.json --engine openai --profile deepseek
    示例：speechwriter refine --resume
    """
    from ..refine import RefineSession, last_session, open_target
    from .repl import RefineRepl

    ws = workspace(prompts)
    out = console()
    if resume:
        session = RefineSession.reopen(last_session(ws), ws, name=engine, profile=profile, model=model,
                                       base_url=base_url)
        out.print(f"已恢复会话 {session.state.id}（{len(session.state.undo)} 次已接受的修改）")
    else:
        if target is None:
            raise InputError("请给出稿件 JSON、运行 id 或事实文件，或用 --resume 恢复上次的会话")
        draft, facts, library = open_target(target, ws, facts_file)
        eng = ws.engine(engine, profile=profile, model=model, base_url=base_url)
        if draft is None:
            with console(stderr=True).status("正在起草初稿…"):
                draft = ws.draft(facts, engine=eng, record=False).draft
        # a draft JSON opened by path is the file accepted changes are written back to
        opened = Path(target) if draft is not None and Path(target).suffix.lower() == ".json" else None
        session = RefineSession.start(draft, facts, eng, ws, library, target=opened)
        where = f"接受的修改写回 {opened}" if opened else "修改保存在会话中，用 save 路径 写出稿件"
        out.print(f"修改会话 {session.state.id}（引擎 {eng.name}{'，基于规则' if eng.rule_based else ''}；{where}）")
    RefineRepl(session, out).run()

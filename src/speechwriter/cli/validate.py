"""``speechwriter validate``: check a draft against its facts file."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer

from .app import GenreOpt, ProfileOpt, PromptsOpt, QuietOpt, app, command, console, workspace


@command(app, "validate")
def validate_cmd(
    draft_file: Annotated[Path, typer.Argument(metavar="DRAFT", help="稿件：draft 写出的 .json，在 Word 中改过的 .docx，或 .md/.txt 讲话稿")],
    facts_file: Annotated[Path, typer.Option("--facts", "-f", help="事实文件")],
    genre: GenreOpt = None,
    as_json: Annotated[bool, typer.Option("--json", help="以 JSON 输出发现的问题")] = False,
    strict: Annotated[bool, typer.Option("--strict", help="警告也视为错误")] = False,
    quiet: QuietOpt = False,
    prompts: PromptsOpt = None,
    profile: ProfileOpt = None,
) -> None:
    """校验稿件的结构、数字、名称、长度和文风。无错误退出码为 0，有错误为 1，输入有误为 2。

    \b
    示例：speechwriter validate build/demo.json --facts fixtures/facts/work_report_gongqingfu.yaml
    """
    from ..facts import load_facts
    from ..validate import ValidatorConfig, load_speech, validate

    facts = load_facts(facts_file)
    ws = workspace(prompts)
    blueprint = ws.library().blueprint(genre or facts.meta.genre)
    from ..config import profile_checks

    config = ValidatorConfig(prompts_dirs=[str(d) for d in ws.prompt_dirs], checks=profile_checks(ws.settings, profile))
    report = validate(load_speech(draft_file, blueprint), facts, blueprint, config)
    if as_json:
        sys.stdout.write(report.to_json())
    elif quiet:  # one line: the counts
        console().print(f"{len(report.errors)} 个错误，{len(report.warnings)} 个警告")
    else:
        console().print(report)
    if not report.ok(strict):
        raise typer.Exit(1)

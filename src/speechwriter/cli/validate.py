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
    facts_file: Annotated[Path | None, typer.Option("--facts", "-f", help="事实文件（稿件 JSON 记录了事实文件时可省略）")] = None,
    genre: GenreOpt = None,
    as_json: Annotated[bool, typer.Option("--json", help="以 JSON 输出发现的问题")] = False,
    strict: Annotated[bool, typer.Option("--strict", help="警告也视为错误")] = False,
    quiet: QuietOpt = False,
    prompts: PromptsOpt = None,
    profile: ProfileOpt = None,
) -> None:
    """校验稿件的结构、数字、名称、长度和文风。无错误退出码为 0，有错误为 1，输入有误为 2。

    .md/.txt/.docx 稿件的问题另列出「文件:行:列」（.docx 的行即段落）。

    \b
    示例：speechwriter validate build/demo.json
    示例：speechwriter validate 改稿.docx --facts fixtures/facts/work_report_gongqingfu.yaml
    """
    from ..draft import load_draft, recorded_facts
    from ..errors import InputError
    from ..facts import load_facts
    from ..validate import ValidatorConfig, load_speech, validate

    if facts_file is None:
        if draft_file.suffix.lower() != ".json" or str(draft_file) == "-":
            raise InputError("请用 --facts 给出事实文件（只有稿件 JSON 记录了事实文件）", path=str(draft_file))
        facts_file = recorded_facts(load_draft(draft_file), draft_file)
    facts = load_facts(facts_file)
    ws = workspace(prompts)
    blueprint = ws.library().blueprint(genre or facts.meta.genre)
    from ..config import profile_checks

    config = ValidatorConfig(prompts_dirs=[str(d) for d in ws.prompt_dirs], checks=profile_checks(ws.settings, profile))
    draft = load_speech(draft_file, blueprint, facts)
    report = validate(draft, facts, blueprint, config)
    places = _places(draft_file, draft, report)
    if as_json:
        import json

        data = json.loads(report.to_json())
        for finding, place in zip(data.get("findings", []), places, strict=False):
            finding["line"], finding["column"] = place if place else (None, None)
        sys.stdout.write(json.dumps(data, ensure_ascii=False, indent=2) + "\n")
    elif quiet:  # one line: the counts
        console().print(f"{len(report.errors)} 个错误，{len(report.warnings)} 个警告")
    else:
        console().print(report)
        from rich.markup import escape

        for finding, place in zip(report.findings, places, strict=True):
            if place:
                console().print(escape(f"{draft_file}:{place[0]}:{place[1]}: {finding.code} {finding.message}"))
    if not report.ok(strict):
        raise typer.Exit(1)


def _places(path: Path, draft: object, report: object) -> list[tuple[int, int] | None]:
    """Line and column of each finding in a .md/.txt/.docx source (None for a draft JSON)."""
    suffix = path.suffix.lower()
    findings = report.findings  # type: ignore[attr-defined]
    if suffix == ".json" or str(path) == "-":  # a draft JSON has no lines to point at; stdin is gone
        return [None] * len(findings)
    from ..validate.locations import locate_all

    if suffix == ".docx":
        from ..wordfile import read_docx_text

        source = read_docx_text(path)
    else:
        from ..files import read_text

        source = read_text(path, what="稿件文件", max_bytes=4 * 1024 * 1024)
    return locate_all(source, draft, findings)  # type: ignore[arg-type]

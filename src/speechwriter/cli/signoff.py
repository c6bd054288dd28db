"""The sign-off sheet and the commented Word document, for ``export``."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from ..errors import InputError


def _facts_for(draft: Any, draft_file: Path, facts_file: Path | None) -> Any:
    from ..facts import load_facts

    if facts_file is not None:
        return load_facts(facts_file)
    for candidate in draft.facts_candidates(draft_file):
        if candidate.is_file():
            return load_facts(candidate)
    raise InputError("核稿需要事实文件：稿件中没有记录可用的事实文件，请用 --facts 指定", path=str(draft_file))


def signoff_export(draft_file: Path, fmt: str, output: Path, *, facts_file: Path | None, force: bool,
                   comments: bool, fonts: Any, template: Path | None) -> Path:
    """``--format signoff|signoff-html``: the sheet; ``--format docx --comments``: the commented document."""
    from ..signoff import build_signoff, export_with_comments, write_signoff
    from ..validate import ValidatorConfig, load_speech, validate
    from .app import workspace

    if comments and fmt != "docx":
        raise InputError("--comments 只用于 --format docx")
    ws = workspace(None)
    if draft_file.suffix == ".json":
        from ..draft import load_draft

        draft = load_draft(draft_file)
    else:  # a speech not drafted here: .docx/.md/.txt, split by the facts' genre
        if facts_file is None:
            raise InputError("核稿 .docx/.md/.txt 讲话稿需要 --facts", path=str(draft_file))
        from ..facts import load_facts

        facts = load_facts(facts_file)
        draft = load_speech(draft_file, ws.library().blueprint(facts.meta.genre), facts)
    facts = _facts_for(draft, draft_file, facts_file)
    if comments:
        return export_with_comments(draft, facts, output, force=force, fonts=fonts, template=template)
    blueprint = ws.library().blueprint(draft.genre if draft.genre else facts.meta.genre)
    report = validate(draft, facts, blueprint, ValidatorConfig(prompts_dirs=[str(d) for d in ws.prompt_dirs]))
    target = output if output.suffix else output.with_suffix(".html" if fmt == "signoff-html" else ".docx")
    return write_signoff(build_signoff(draft, facts, report), target, force=force)

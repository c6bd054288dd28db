"""The thin public API: what the README and the user guide show, one call per task.

Each function is a few lines over the library, the same code the CLI runs::

    from speechwriter import Workspace, load_facts, validate_draft, export_draft

    facts = load_facts("群团工作汇报.yaml")
    result = Workspace().draft(facts)             # offline composer unless a profile says otherwise
    report = validate_draft(result.draft, facts)  # the same checks as `speechwriter validate`
    export_draft(result.draft, "docx", "汇报.docx")

Drafts and facts may be given as objects or as paths.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .draft import Draft
    from .engines.base import Engine
    from .evals.suite import RunOptions, SuiteResult
    from .facts.model import Facts
    from .refine import RefineSession
    from .validate.checks import Report
    from .workspace import Workspace

__all__ = ["export_draft", "refine_session", "run_suite", "validate_draft"]


def _facts(facts: Facts | str | Path) -> Facts:
    from .facts import load_facts

    return load_facts(facts) if isinstance(facts, str | Path) else facts


def _workspace(workspace: Workspace | None) -> Workspace:
    from .workspace import Workspace

    return workspace if workspace is not None else Workspace()


def validate_draft(draft: Draft | str | Path, facts: Facts | str | Path, *, genre: str | None = None,
                   workspace: Workspace | None = None) -> Report:
    """Check a draft (a Draft, or a .json/.docx/.md/.txt path) against its facts; returns the report.

    ``report.ok()`` is True when there are no errors; ``report.findings`` lists every finding with
    its code, severity, section, span, message and the fix.
    """
    from .validate import ValidatorConfig, load_speech, validate

    facts = _facts(facts)
    ws = _workspace(workspace)
    blueprint = ws.library().blueprint(genre or facts.meta.genre)
    if not hasattr(draft, "sections"):
        draft = load_speech(Path(draft), blueprint, facts)  # type: ignore[arg-type]
    config = ValidatorConfig(prompts_dirs=[str(d) for d in ws.prompt_dirs])
    return validate(draft, facts, blueprint, config)  # type: ignore[arg-type]


def export_draft(draft: Draft | str | Path, fmt: str, path: str | Path, *, force: bool = False,
                 **options: Any) -> Path:
    """Write a draft as ``docx``, ``reading``, ``pdf``, ``md`` or ``txt``; never overwrites unless ``force``.

    ``options`` are those of :func:`speechwriter.export.export_draft` (fonts, template, chars_per_minute …);
    a draft that still has 【待补】 gap markers is refused unless ``allow_gaps=True``.
    """
    from .draft import load_draft
    from .export import export_draft as _export

    if not hasattr(draft, "sections"):
        draft = load_draft(Path(draft))  # type: ignore[arg-type]
    return _export(draft, fmt, Path(path), force=force, **options)  # type: ignore[arg-type]


def refine_session(draft: Draft | str | Path, facts: Facts | str | Path, *, workspace: Workspace | None = None,
                   engine: Engine | None = None) -> RefineSession:
    """Open a refine session over a draft: ``session.propose(section, instruction)``, ``accept()``, ``undo()`` …

    The engine is the workspace's default (the offline composer unless a profile is configured).
    """
    from .draft import load_draft
    from .refine import RefineSession

    ws = _workspace(workspace)
    if not hasattr(draft, "sections"):
        draft = load_draft(Path(draft))  # type: ignore[arg-type]
    return RefineSession.start(draft, _facts(facts), engine or ws.engine(), ws)  # type: ignore[arg-type]


def run_suite(suite: str | Path, *, options: RunOptions | None = None) -> SuiteResult:
    """Run an eval suite file (every case, the suite's default variant) and return its results."""
    from .evals.suite import load_suite
    from .evals.suite import run_suite as _run

    return _run(load_suite(suite), options=options)

"""speechwriter: draft Chinese official speeches from a facts file and prove the draft right.

The public API is imported lazily so ``speechwriter --help`` stays fast::

    from speechwriter import load_facts
    facts = load_facts("fixtures/facts/work_report_gongqingfu.yaml")
"""

from __future__ import annotations

from importlib import import_module
from typing import Any


def _package_version() -> str:
    # One source of truth: the installed package's metadata (pyproject.toml's version).
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("speechwriter")
    except PackageNotFoundError:  # a source tree on sys.path without an install
        return "0+unknown"


_EXPORTS = {
    "load_facts": "speechwriter.facts",
    "parse_facts": "speechwriter.facts",
    "Facts": "speechwriter.facts",
    "InputError": "speechwriter.errors",
    "SpeechwriterError": "speechwriter.errors",
    "parse_quantity": "speechwriter.figures",
    "Quantity": "speechwriter.figures",
    "find_quantities": "speechwriter.figures",
    "Draft": "speechwriter.draft",
    "load_draft": "speechwriter.draft",
    "Report": "speechwriter.validate",
    "Finding": "speechwriter.validate",
    "validate_draft": "speechwriter.api",
    "export_draft": "speechwriter.api",
    "refine_session": "speechwriter.api",
    "run_suite": "speechwriter.api",
    "RefineSession": "speechwriter.refine",
    "Workspace": "speechwriter.workspace",
    "draft_speech": "speechwriter.workspace",
    "extract_facts": "speechwriter.extract",
}

__all__ = ["__version__", *_EXPORTS]


def __getattr__(name: str) -> Any:
    if name == "__version__":  # reading package metadata costs a third of a bare start: only when asked
        version = globals()["__version__"] = _package_version()
        return version
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'speechwriter' has no attribute {name!r}")
    return getattr(import_module(module), name)

"""speechwriter: draft Chinese official speeches from a facts file and prove the draft right.

The public API is imported lazily so ``speechwriter --help`` stays fast::

    from speechwriter import load_facts
    facts = load_facts("fixtures/facts/work_report_gongqingfu.yaml")
"""

from __future__ import annotations

from importlib import import_module
from typing import Any

__version__ = "0.1.0"

_EXPORTS = {
    "load_facts": "speechwriter.facts.model",
    "parse_facts": "speechwriter.facts.model",
    "Facts": "speechwriter.facts.model",
    "InputError": "speechwriter.errors",
    "SpeechwriterError": "speechwriter.errors",
    "parse_quantity": "speechwriter.figures.quantities",
    "Quantity": "speechwriter.figures.quantities",
}

__all__ = ["__version__", *_EXPORTS]


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'speechwriter' has no attribute {name!r}")
    return getattr(import_module(module), name)

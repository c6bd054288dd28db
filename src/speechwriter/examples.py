"""The example project shipped with speechwriter: facts files and eval suites a newcomer can run.

In a checkout they are the repository's ``fixtures/facts/`` and ``evals/suites/``; an installed
wheel carries copies under ``speechwriter/_examples/`` with the same relative layout, so a suite's
``../../fixtures/facts/…`` paths hold in both.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

from .errors import InputError

__all__ = ["example_facts", "examples_dir", "list_examples", "shipped_suite"]


@cache
def examples_dir() -> Path:
    """The folder holding ``fixtures/facts`` and ``evals/suites`` (package data or the checkout)."""
    here = Path(__file__).resolve().parent
    for candidate in (here / "_examples", here.parent.parent):
        if (candidate / "fixtures" / "facts").is_dir() and (candidate / "evals" / "suites").is_dir():
            return candidate
    raise FileNotFoundError("找不到随包提供的示例（fixtures/facts、evals/suites），安装可能不完整")


def _title(path: Path) -> str:
    for line in path.read_text(encoding="utf-8").splitlines():
        stripped = line.strip()
        if stripped.startswith("title:"):
            return stripped.partition(":")[2].strip().strip("'\"")
    return path.stem


def list_examples() -> list[tuple[str, str]]:
    """(name, title) of every example facts file."""
    return [(p.stem, _title(p)) for p in sorted((examples_dir() / "fixtures" / "facts").glob("*.yaml"))]


def example_facts(name: str) -> Path:
    """The example facts file called ``name``: its file name, or (part of) its title."""
    folder = examples_dir() / "fixtures" / "facts"
    examples = list_examples()
    exact = [n for n, t in examples if name in (n, t)]
    partial = [n for n, t in examples if name and (name in t or name in n)]
    chosen = exact or (partial if len(partial) == 1 else [])
    if not chosen:
        known = "；".join(f"{n}（{t}）" for n, t in examples)
        raise InputError(f"没有名为「{name}」的示例，可选：{known}")
    return folder / f"{chosen[0]}.yaml"


def shipped_suite(name: str) -> Path | None:
    """The shipped eval suite called ``name`` (``core``, ``validators``), or None."""
    path = examples_dir() / "evals" / "suites" / f"{Path(name).stem}.yaml"
    return path if path.is_file() and "/" not in name and not name.endswith((".yaml", ".yml")) else None

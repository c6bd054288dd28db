"""Builds Facts for a corpus text at run time from its reviewed figure list.

The repository keeps only the figures (``facts/NN.yaml``); each statement is made at run time
from the text by :func:`speechwriter.evals.facts_from_figures`: the figure plus the few Chinese
characters right before it, so a wrong figure can be blamed by context and no corpus sentence is
stored in the project.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import yaml

from speechwriter.blueprint import Blueprint, load_blueprint
from speechwriter.draft import Draft
from speechwriter.evals import facts_from_figures
from speechwriter.facts import Facts
from speechwriter.validate import Finding, draft_from_text, validate

HERE = Path(__file__).resolve().parent
CORPUS = HERE.parents[2] / "shared" / "corpus"


@dataclass
class CorpusCase:
    name: str
    text: str
    facts: Facts
    draft: Draft
    blueprint: Blueprint

    @property
    def chars(self) -> int:
        return len(re.sub(r"\s", "", self.text))

    def figure_errors(self, draft: Draft | None = None) -> list[Finding]:
        report = validate(draft or self.draft, self.facts, self.blueprint, checks=["figures"])
        return report.errors


def fact_files() -> list[Path]:
    return sorted((HERE / "facts").glob("*.yaml"))


def load_case(path: Path) -> CorpusCase:
    spec = yaml.safe_load(path.read_text(encoding="utf-8"))
    text = (CORPUS / spec["file"]).read_text(encoding="utf-8")
    bp = load_blueprint("work_report")
    facts = facts_from_figures(text, [str(f) for f in spec.get("figures") or []])
    return CorpusCase(spec["file"], text, facts, draft_from_text(text, bp), bp)

"""Builds Facts for a corpus text at run time from its reviewed figure list.

The repository keeps only the figures (``facts/NN.yaml``); each statement is made here from the
text: the figure plus the few Chinese characters right before it (no numerals, no punctuation),
so a wrong figure can be blamed by context and no corpus sentence is stored in the project.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import yaml

from speechwriter.blueprint import Blueprint, load_blueprint
from speechwriter.draft import Draft
from speechwriter.facts import Facts
from speechwriter.validate import Finding, draft_from_text, validate

HERE = Path(__file__).resolve().parent
CORPUS = HERE.parents[2] / "shared" / "corpus"
CONTEXT_CHARS = 6
_PLAIN_HAN = re.compile(r"[\u4e00-\u9fff]")
_NUMERAL = set("零〇一二两三四五六七八九十百千万亿")


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


def _context(text: str, start: int) -> str:
    out = []
    i = start - 1
    while i >= 0 and len(out) < CONTEXT_CHARS and _PLAIN_HAN.match(text[i]) and text[i] not in _NUMERAL:
        out.append(text[i])
        i -= 1
    return "".join(reversed(out))


def build_facts(text: str, figures: list[str]) -> Facts:
    """One item per declared figure: statement = a few characters of context + the figure."""
    items = []
    pos = 0
    for raw in figures:
        at = text.find(raw, pos)
        if at < 0:
            at = text.find(raw)
        context = _context(text, at) if at >= 0 else ""
        if at >= 0:
            pos = at + len(raw)
        items.append({"statement": context + raw, "figures": [raw]})
    data = {"meta": {"title": "语料", "speaker": {"role": "报告人"}, "addressees": ["各位代表"]},
            "highlights": [{"theme": "语料中的数字", "items": items}]}
    return Facts.model_validate(data)


def load_case(path: Path) -> CorpusCase:
    spec = yaml.safe_load(path.read_text(encoding="utf-8"))
    text = (CORPUS / spec["file"]).read_text(encoding="utf-8")
    bp = load_blueprint("work_report")
    facts = build_facts(text, [str(f) for f in spec.get("figures") or []])
    return CorpusCase(spec["file"], text, facts, draft_from_text(text, bp), bp)

"""Targeted repair: find the paragraphs a section's findings are about, and splice fixes back.

Resending a whole section to fix one figure costs nearly as much as writing it again. Instead
each finding is located in a paragraph (by its span, or — for a finding with no span, such as a
missing figure — by the paragraph that shares most wording with it), and only those paragraphs
go back to the model, with their findings and the facts they draw on. When a finding cannot be
placed, the caller falls back to repairing the whole section.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from itertools import pairwise
from typing import Any

__all__ = ["Paragraph", "locate_findings", "parse_paragraph_reply", "relevant_facts", "splice", "split_paragraphs"]

Paragraph = tuple[int, int]  # [start, end) in the section body

_MARKER = re.compile(r"^\s*【?段落\s*[0-9一二三四五六七八九十]+】?\s*[：:]?\s*$")


def split_paragraphs(body: str) -> list[Paragraph]:
    """Spans of the non-empty paragraphs of a section body (paragraphs are separated by blank lines)."""
    spans = []
    for m in re.finditer(r"[^\n]+(?:\n(?!\n)[^\n]*)*", body):
        if m.group().strip():
            spans.append((m.start(), m.end()))
    return spans


def _bigrams(text: str) -> set[str]:
    chars = [c for c in text if not c.isspace() and c not in "，。；：、！？“”（）《》"]
    return {a + b for a, b in pairwise(chars)}


def locate_findings(body: str, findings: Iterable[Any]) -> dict[int, list[Any]] | None:
    """Paragraph index → its findings; None when some finding belongs to no one paragraph."""
    spans = split_paragraphs(body)
    if not spans:
        return None
    grams = [_bigrams(body[a:b]) for a, b in spans]
    out: dict[int, list[Any]] = {}
    for f in findings:
        index = None
        if f.span:
            index = next((i for i, (a, b) in enumerate(spans) if a <= f.span[0] < b), None)
        else:
            wanted = _bigrams(f"{f.message}{f.suggestion}")
            scores = [len(wanted & g) for g in grams]
            best = max(scores)
            if best >= 2 and scores.count(best) == 1:
                index = scores.index(best)
        if index is None:
            return None
        out.setdefault(index, []).append(f)
    return dict(sorted(out.items()))


def relevant_facts(statements: Iterable[str], texts: Iterable[str], limit: int = 8) -> list[str]:
    """The fact statements that the given paragraphs and findings draw on, best first."""
    wanted = set().union(*(_bigrams(t) for t in texts))
    scored = []
    for n, s in enumerate(dict.fromkeys(statements)):
        g = _bigrams(s)
        if g:
            share = len(g & wanted) / len(g)
            if share >= 0.35:
                scored.append((-share, n, s))
    return [s for _, _, s in sorted(scored)[:limit]]


def parse_paragraph_reply(text: str, expected: int) -> list[str] | None:
    """The paragraphs of a repair reply, or None when the count does not match what was asked."""
    lines = [ln for ln in text.replace("\r\n", "\n").split("\n") if not _MARKER.match(ln)]
    paragraphs = [p.strip() for p in re.split(r"\n\s*\n", "\n".join(lines)) if p.strip()]
    if expected == 1 and paragraphs:  # one paragraph may come back as two: both replace it
        return ["\n\n".join(paragraphs)]
    return paragraphs if len(paragraphs) == expected else None


def splice(body: str, replacements: dict[int, str]) -> str:
    """``body`` with the paragraphs at the given indices replaced."""
    spans = split_paragraphs(body)
    out, last = [], 0
    for i, (a, b) in enumerate(spans):
        if i in replacements:
            out.append(body[last:a])
            out.append(replacements[i])
            last = b
    out.append(body[last:])
    return "".join(out)

"""Targeted repair: find the sentences a section's findings are about, and splice fixes back.

Resending a whole section to fix one figure costs nearly as much as writing it again. Instead
each finding is located in a sentence (by its span, or — for a finding with no span, such as a
missing figure — by the sentence that shares most wording with it), and only those sentences go
back to the model, with their findings and the facts they draw on. When a finding cannot be
placed, the caller falls back to repairing the whole section.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from itertools import pairwise
from typing import Any

__all__ = ["Span", "apply_replacements", "finding_brief", "locate_findings", "parse_paragraph_reply", "relevant_facts", "splice",
           "split_units"]

Span = tuple[int, int]  # [start, end) in the section body
_SENTENCE = re.compile(r"[^。！？；\n]+(?:[。！？；]+[”’」』）)]?|$)")

_MARKER = re.compile(r"^\s*【?段落\s*[0-9一二三四五六七八九十]+】?\s*[：:]?\s*$")


def split_units(body: str) -> list[Span]:
    """Spans of the sentences of a section body (a sentence ends at 。！？； or a line break)."""
    return [(m.start(), m.end()) for m in _SENTENCE.finditer(body) if m.group().strip()]


def _bigrams(text: str) -> set[str]:
    chars = [c for c in text if not c.isspace() and c not in "，。；：、！？“”（）《》"]
    return {a + b for a, b in pairwise(chars)}


def locate_findings(body: str, findings: Iterable[Any], spans: list[Span] | None = None) -> dict[int, list[Any]] | None:
    """Unit index → its findings (units: sentences by default); None when a finding fits no one unit."""
    spans = split_units(body) if spans is None else spans
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


def relevant_facts(statements: Iterable[str], texts: Iterable[str], limit: int = 3) -> list[str]:
    """The fact statements the given sentences draw on, best first.

    A statement the sentences already repeat almost word for word adds nothing to a repair
    prompt (the finding's suggestion names any figure to restore), so it is left out.
    """
    wanted = set().union(*(_bigrams(t) for t in texts))
    scored = []
    for n, s in enumerate(dict.fromkeys(statements)):
        g = _bigrams(s)
        if len(s) >= 12 and g:
            share = len(g & wanted) / len(g)
            if 0.5 <= share < 0.9:
                scored.append((-share, n, s))
    return [s for _, _, s in sorted(scored)[:limit]]


def finding_brief(finding: Any, sentence: str) -> dict[str, str]:
    """A finding as a repair prompt shows it: without the sentence it quotes (the prompt has it)."""
    message = finding.message
    core = sentence.strip()
    for quoted in (core, core.rstrip("。！？；")):
        if quoted and quoted in message:
            message = message.replace(quoted, "").rstrip("：: ")
            break
    return {"code": finding.code, "message": message, "suggestion": finding.suggestion}


def parse_paragraph_reply(text: str, expected: int) -> list[str] | None:
    """The paragraphs of a repair reply, or None when the count does not match what was asked."""
    lines = [ln for ln in text.replace("\r\n", "\n").split("\n") if not _MARKER.match(ln)]
    paragraphs = [p.strip() for p in re.split(r"\n\s*\n", "\n".join(lines)) if p.strip()]
    if expected == 1 and paragraphs:  # one paragraph may come back as two: both replace it
        return ["\n\n".join(paragraphs)]
    return paragraphs if len(paragraphs) == expected else None


def splice(body: str, replacements: dict[int, str], spans: list[Span] | None = None) -> str:
    """``body`` with the units (sentences by default) at the given indices replaced."""
    spans = split_units(body) if spans is None else spans
    out, last = [], 0
    for i, (a, b) in enumerate(spans):
        if i in replacements:
            out.append(body[last:a])
            out.append(replacements[i])
            last = b
    out.append(body[last:])
    return "".join(out)


def apply_replacements(body: str, findings: Iterable[Any]) -> str:
    """``body`` with each finding's ``replacement`` put in place of its span, exactly as written.

    Overlapping spans keep the first; a deleted sentence leaves no empty paragraph behind.
    """
    chosen: list[Any] = []
    for f in sorted((f for f in findings if f.span and f.replacement is not None), key=lambda f: f.span[0]):
        if chosen and f.span[0] < chosen[-1].span[1]:
            continue
        chosen.append(f)
    for f in reversed(chosen):
        a, b = f.span
        body = body[:a] + f.replacement + body[b:]
    body = re.sub(r"[ \t]+\n", "\n", body)
    return re.sub(r"\n{3,}", "\n\n", body).strip()


def __getattr__(name: str) -> Any:
    # The repeat codes (repaired in a round of their own) live with the validators, which a draft
    # needs only once its first replies are in: importing them here would delay the first request.
    if name == "REPEAT_CODES":
        from ..validate.repeats import CODES

        return CODES
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")

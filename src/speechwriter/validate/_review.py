"""Helpers shared by the review-family checks (核稿): texts to read, numerals, sentences."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

from ..blueprint import cn_ordinal

CN_NUMBER = {cn_ordinal(n): n for n in range(1, 100)} | {"两": 2}
"""Chinese numerals 一 … 九十九 (and 两) → int."""

SENTENCE_END = "。！？!?；;"


@dataclass(frozen=True)
class Text:
    """One text a review check reads: a section's body, or its heading (spans then are not given)."""

    sid: str
    text: str
    heading: bool

    def span(self, a: int, b: int) -> tuple[int, int] | None:
        """A finding's span: the place in the body; a heading has no body span."""
        return None if self.heading else (a, b)


def texts(ctx: object, headings: bool = True) -> Iterator[Text]:
    """Every heading and body of the draft, in order."""
    for s in ctx.draft.sections:  # type: ignore[attr-defined]
        if headings and s.heading:
            yield Text(s.id, s.heading, True)
        if s.body:
            yield Text(s.id, s.body, False)


def to_int(numeral: str) -> int | None:
    """一 … 九十九, 两, or Arabic digits → int; anything else → None."""
    if numeral.isdigit():
        return int(numeral)
    return CN_NUMBER.get(numeral)


def same_system(n: int, like: str) -> str:
    """``n`` written in the numeral system of ``like``: Arabic, or Chinese with 两 for a count of 2."""
    if like.isdigit():
        return str(n)
    return "两" if n == 2 else cn_ordinal(n)


_SENTENCE = re.compile(rf"[^{SENTENCE_END}\n]+[{SENTENCE_END}]?")


def sentences(text: str) -> Iterator[tuple[int, int]]:
    """Spans of the sentences of ``text`` (ended by 。！？； or a line break)."""
    for m in _SENTENCE.finditer(text):
        yield m.span()


_END = re.compile(rf"[{SENTENCE_END}\n]")


def sentence_around(text: str, a: int, b: int | None = None, reach: int = 200) -> tuple[int, int]:
    """The span of the sentence that holds ``text[a:b]`` (at most ``reach`` characters either side)."""
    b = a if b is None else b
    lo = max(0, a - reach)
    before = [m.end() for m in _END.finditer(text, lo, a)]
    start = before[-1] if before else (lo if lo else 0)
    after = _END.search(text, b, b + reach)
    return start, (after.end() if after else min(len(text), b + reach))


def short(text: str, limit: int = 30) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"

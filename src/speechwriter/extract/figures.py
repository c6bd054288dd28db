"""Which numbers in a source sentence are figures worth keeping, found by the validators' own finder.

Everything goes through :func:`speechwriter.figures.find_quantities`, so a figure the
extractor keeps is one the validators will find in the draft, and a number they ignore (ordinals,
dates, years, set phrases) is never extracted. On top of the finder, three kinds of mention are
not facts: counts of rhetoric (五大亮点), the period itself (四年来), and numbers inside quotation
marks (programme names and codes such as “1135”, which the draft must copy as names).
"""

from __future__ import annotations

import re
from functools import lru_cache

from ..figures import Mention, Quantity, QuantityError, find_quantities, parse_quantity

__all__ = ["figures_in", "name_spans", "numeral_names", "quoted_spans", "raw_matches", "written_whole"]

_QUOTED = re.compile(r"“[^“”]{1,40}”|「[^「」]{1,40}」|《[^《》]{1,40}》|\"[^\"]{1,40}\"")
_NUMERALS = "零〇一二两三四五六七八九十百千万亿％%"
_HAS_NUMBER = re.compile(r"[0-9０-９" + _NUMERALS + "]")
_PERIOD_AFTER = ("来", "以来", "中", "间", "多来", "里")
_PERIOD_BEFORE = ("今后", "未来", "过去", "近", "前", "后")
_POINTS_AFTER = ("方面",)


def quoted_spans(text: str) -> list[tuple[int, int]]:
    """Spans of short quoted segments (“…”, 「…」, 《…》)."""
    return [m.span() for m in _QUOTED.finditer(text)]


@lru_cache(maxsize=4096)
def _parses_to(raw: str) -> Quantity | None:
    try:
        return parse_quantity(raw)
    except QuantityError:
        return None


def raw_matches(raw: str, mention: Mention) -> bool:
    """``raw`` written in a facts file reads back as the quantity the finder saw."""
    q = _parses_to(raw)
    return q is not None and q.matches(mention.quantity) and q.high == mention.quantity.high


def name_spans(text: str, names: re.Pattern[str] | None) -> list[tuple[int, int]]:
    """Where names that contain numerals occur in ``text`` (the validators skip them too)."""
    return [m.span() for m in names.finditer(text)] if names is not None else []


def numeral_names(names: list[str]) -> re.Pattern[str] | None:
    """A pattern for the names that contain numerals, longest first (None when there are none)."""
    with_numerals = [n for n in names if any(ch.isdigit() or ch in _NUMERALS for ch in n)]
    if not with_numerals:
        return None
    return re.compile("|".join(re.escape(n) for n in sorted(with_numerals, key=len, reverse=True)))


def figures_in(text: str, names: re.Pattern[str] | None = None) -> tuple[list[Mention], int]:
    """The figures of ``text`` worth keeping, and how many found numbers had to be left out
    because their written form does not read back as the same quantity (for review).

    ``names`` (from :func:`numeral_names`): a number inside a must-appear name such as 三个关键
    is part of the name, as the validators read it, not a figure.
    """
    if not _HAS_NUMBER.search(text):
        return [], 0
    quoted = quoted_spans(text) + name_spans(text, names)
    mentions = find_quantities(text, skip_spans=quoted)
    strong_units = {m.quantity.unit for m in mentions if not m.weak}
    out: list[Mention] = []
    dropped = 0
    for m in mentions:
        q = m.quantity
        if q.unit == "大":
            continue  # 五大亮点, 四大基础工程: a count of the speaker's own points
        if q.unit == "年" and (text.startswith(_PERIOD_AFTER, m.end) or text[:m.start].endswith(_PERIOD_BEFORE)):
            continue  # 四年来, 五年间, 今后五年: the period, not a result
        if text.startswith(_POINTS_AFTER, m.end):
            continue  # 四个方面, 三点意见: the speaker's own points
        if m.weak and q.unit not in strong_units:
            continue  # 一个, 一次 as an article; kept beside 两次 (两次…，一次…)
        if not raw_matches(m.text, m):
            dropped += 1
            continue
        out.append(m)
    return out, dropped


def written_whole(raws: list[str], texts: list[str]) -> tuple[list[str], int]:
    """The figures whose every occurrence in ``texts`` is written without a qualifier they lack.

    The facts check refuses 「2座」 when the text says 「2座多」, yet the finder reads only 「2座」
    there; such a figure stays in the text (as prose the validators still read) but is not listed.
    Returns the kept figures and how many were left out.
    """
    from ..facts.model import dropped_qualifier

    kept = [raw for raw in raws if not any(raw in t and dropped_qualifier(raw, t) for t in texts)]
    return kept, len(raws) - len(kept)

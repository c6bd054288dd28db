"""Text metrics of a draft as a speech: how much is copied, how much repeats, how it reads.

Pure functions over strings, used by the evaluation suites (``evals.py``) and the tests:

- :func:`copy_ratio` — share of the draft's characters inside runs of at least ``min_run``
  characters copied verbatim from the facts' own text. A draft that is a list of the facts scores
  near 1; a speech that states the facts inside its own prose scores far lower.
- :func:`repeated_sentences` — sentences that occur in more than one section.
- :func:`sentence_overlap` — share of one draft's sentences that another draft also has (used to
  check that one facts file drafted in four genres gives four speeches, not one).
- :func:`style_lints` — phrases that read badly in 公文, e.g. 「要切实」 followed by a noun.
- :func:`ungrounded_sentences` — sentences that carry nothing of the facts file (filler), the
  grounding measure of the offline composer (see docs/offline-composer.md).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

__all__ = [
    "Grounding",
    "StyleLint",
    "copy_ratio",
    "grounding",
    "repeated_sentences",
    "sentence_overlap",
    "sentences",
    "shared_stock_sentences",
    "style_lints",
    "ungrounded_sentences",
]

_SPACE = re.compile(r"\s+")
_SENTENCE = re.compile(r"[^。！？；\n]+[。！？；]?")
_KEY_DROP = re.compile(r"[\W_]+")
_HAN = re.compile(r"[\u4e00-\u9fff]")
_HAN_RUN = re.compile(r"[\u4e00-\u9fff]+")
_SPEECH_SENTENCE = re.compile(r"[^。！？；：\n]+[。！？；：]?")
_SLOT = re.compile(r"\{\w+\}")


def _squeeze(text: str) -> str:
    return _SPACE.sub("", text.replace("\u3000", ""))


def copy_ratio(draft_text: str, sources: Iterable[str], min_run: int = 12) -> float:
    """Share of the draft's non-space characters that sit in runs of ≥ ``min_run`` characters
    found verbatim in one of ``sources``.

    A character is copied when some window of ``min_run`` characters covering it occurs in a
    source; the union of such windows is exactly the set of common runs of that length or more.
    """
    text = _squeeze(draft_text)
    if not text:
        return 0.0
    grams: set[str] = set()
    for src in sources:
        s = _squeeze(src)
        grams.update(s[i:i + min_run] for i in range(len(s) - min_run + 1))
    covered = [False] * len(text)
    for i in range(len(text) - min_run + 1):
        if text[i:i + min_run] in grams:
            for k in range(i, i + min_run):
                covered[k] = True
    return round(sum(covered) / len(text), 4)


def sentences(text: str, min_chars: int = 8) -> list[str]:
    """Sentences (split at 。！？； and line ends) as comparison keys: punctuation and spaces
    dropped; keys shorter than ``min_chars`` (bare markers, 谢谢大家) are left out."""
    out = []
    for m in _SENTENCE.finditer(text):
        key = _KEY_DROP.sub("", m.group())
        if len(key) >= min_chars:
            out.append(key)
    return out


def repeated_sentences(section_texts: Sequence[str], min_chars: int = 10) -> list[str]:
    """Sentences that appear in two or more of the given sections, in first-seen order."""
    where: dict[str, set[int]] = {}
    order: list[str] = []
    for n, body in enumerate(section_texts):
        for key in sentences(body, min_chars):
            if key not in where:
                where[key] = set()
                order.append(key)
            where[key].add(n)
    return [k for k in order if len(where[k]) > 1]


def sentence_overlap(a: str, b: str, min_chars: int = 8) -> float:
    """Share of ``a``'s sentences that ``b`` also contains (0 when ``a`` has none)."""
    sa = sentences(a, min_chars)
    if not sa:
        return 0.0
    sb = set(sentences(b, min_chars))
    return round(sum(1 for s in sa if s in sb) / len(sa), 4)


@dataclass(frozen=True)
class StyleLint:
    """A phrase that reads badly: where it is and why."""

    code: str
    start: int
    end: int
    excerpt: str
    message: str


# 「切实」 is an adverb: it must be followed by a verb (切实加强, 切实把…落到实处). Followed by a
# noun or by a second adverb (要切实粮食…, 要切实严格落实) the sentence has no verb for it.
_QIESHI = re.compile(r"切实(?=(.{2}))")
_VERB_STARTS = (
    "加强", "加大", "做好", "做到", "抓好", "抓实", "抓紧", "落实", "履行", "提高", "提升", "增强", "解决", "推动",
    "推进", "维护", "保障", "保护", "转变", "改进", "改善", "扛起", "担起", "担负", "承担", "发挥", "肩负", "减轻",
    "防范", "防止", "守住", "筑牢", "压实", "压紧", "强化", "加快", "把握", "贯彻", "执行", "负起", "树立", "形成",
    "加以", "关心", "帮助", "改变", "纠正", "整改", "消除", "化解", "保证", "确保", "规范", "严格执行", "用好", "管好",
    "满足", "回应", "服务", "为", "把", "将", "让", "使", "对", "从", "在", "以", "向", "与", "同", "按",
)


def style_lints(text: str) -> list[StyleLint]:
    """Style problems a reader would mark: 「切实」 not followed by a verb."""
    out = []
    for m in _QIESHI.finditer(text):
        after = text[m.end():m.end() + 4]
        if after.startswith(_VERB_STARTS):
            continue
        excerpt = text[max(0, m.start() - 1):m.end() + 6]
        out.append(StyleLint("T506", m.start(), m.end(), excerpt,
                             f"「切实」后面应接动词，这里接的是「{after[:2]}」"))
    return out


# --- grounding: does a sentence carry anything of the facts? ----------------------------------------

def _fact_strings(facts: Any) -> list[str]:
    """Every string in a facts file: a Facts model, a mapping or list of them, or plain text."""
    if hasattr(facts, "model_dump"):
        facts = facts.model_dump()
    if isinstance(facts, str):
        return [facts]
    if isinstance(facts, dict):
        return [s for v in facts.values() for s in _fact_strings(v)]
    if isinstance(facts, (list, tuple)):
        return [s for v in facts for s in _fact_strings(v)]
    return []


def _bigrams(text: str) -> set[str]:
    return {r[i:i + 2] for r in _HAN_RUN.findall(text) for i in range(len(r) - 1)}


def _structural_patterns(structural: Iterable[str]) -> list[re.Pattern[str]]:
    """A structural template (``下面，我就{parts}讲几点意见。``) as a whole-sentence pattern."""
    out = []
    for t in structural:
        pieces = [_KEY_DROP.sub("", p) for p in _SLOT.split(t)]
        out.append(re.compile("^" + ".*?".join(re.escape(p) for p in pieces) + "$"))
    return out


def _without_gaps(text: str) -> str:
    from .gaps import GAP_PATTERN

    return GAP_PATTERN.sub("\n", text)


def ungrounded_sentences(text: str, facts: Any, structural: Iterable[str] = (), *,
                         min_han: int = 6, threshold: float = 0.35) -> list[str]:
    """Sentences of ``text`` that carry nothing of ``facts``: filler.

    A sentence (split at 。！？；： and line ends) counts when it has at least ``min_han`` Han
    characters and fewer than ``threshold`` of its Han character bigrams occur anywhere in the
    facts file's strings. Gap markers are not sentences of the speech and are removed first;
    sentences matching one of the ``structural`` templates (slots written ``{name}``) are excepted.
    """
    known: set[str] = set()
    for s in _fact_strings(facts):
        known |= _bigrams(s)
    patterns = _structural_patterns(structural)
    out = []
    for m in _SPEECH_SENTENCE.finditer(_without_gaps(text)):
        sentence = m.group().strip()
        if len(_HAN.findall(sentence)) < min_han:
            continue
        grams = _bigrams(sentence)
        if grams and len(grams & known) / len(grams) >= threshold:
            continue
        key = _KEY_DROP.sub("", sentence)
        if any(p.match(key) for p in patterns):
            continue
        out.append(sentence)
    return out


@dataclass(frozen=True)
class Grounding:
    """How much of a draft is filler: ungrounded sentences per 1,000 characters and their share."""

    chars: int
    ungrounded: tuple[str, ...]

    @property
    def per_thousand(self) -> float:
        return round(1000 * len(self.ungrounded) / self.chars, 2) if self.chars else 0.0

    @property
    def share(self) -> float:
        return round(sum(len(_squeeze(s)) for s in self.ungrounded) / self.chars, 4) if self.chars else 0.0


def grounding(text: str, facts: Any, structural: Iterable[str] = ()) -> Grounding:
    """:func:`ungrounded_sentences` of ``text`` with the length they are measured against
    (characters without white space and without gap markers)."""
    return Grounding(len(_squeeze(_without_gaps(text))), tuple(ungrounded_sentences(text, facts, structural)))


def shared_stock_sentences(texts: Sequence[str], structural: Iterable[str] = (), min_chars: int = 8) -> list[str]:
    """Sentences that two or more of ``texts`` (drafts of different facts files) share word for
    word, structural templates excepted: the stock phrases a composer carries from speech to speech."""
    patterns = _structural_patterns(structural)
    where: dict[str, set[int]] = {}
    for n, t in enumerate(texts):
        for key in sentences(_without_gaps(t), min_chars):
            where.setdefault(key, set()).add(n)
    return sorted(k for k, ns in where.items() if len(ns) > 1 and not any(p.match(k) for p in patterns))

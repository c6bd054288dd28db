"""The outline of a whole speech, built before any section is written.

Sections are drafted concurrently, each from its own prompt. For the speech to read as one piece
(transitions, the 成绩 → 不足 → 打算 logic, no part repeating another) every section must know the
whole plan: each part's heading, role, point themes in order and length budget. ``build_outline``
computes that plan from the facts and the blueprint, and ``section_links`` picks the few facts a
section's logic needs from outside its own slice (the assessment sums up the highlights' themes,
the plans answer the shortcomings, the closing speaks to the occasion and the addressees).

Everything here is pure: facts and blueprint in, plain data out.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

from .blueprint import Blueprint, Enumerator, SectionSpec, enumerator_word
from .facts import Facts

__all__ = ["ROLE_LABELS", "Outline", "OutlinePart", "OutlinePoint", "build_outline", "facts_budget",
           "facts_chars", "point_budgets", "point_markers", "section_links"]

# A speech restates its facts in fuller sentences, with a topic sentence per point and a join per
# part; these factors bound what the facts of a section can honestly fill. Beyond that a writer
# pads, so the budget stops there and the rest of the target is left to a human (a gap marker).
RESTATE_FACTOR = 1.3
POINT_ALLOWANCE = 30
SECTION_ALLOWANCE = 100

ROLE_LABELS = {
    "salutation": "称呼", "opening": "开场", "achievements": "回顾成绩", "assessment": "总结与不足",
    "situation": "形势与问题", "plans": "部署打算", "requirements": "提出要求", "closing": "结束语",
    "body": "正文",
}


@dataclass(frozen=True)
class OutlinePoint:
    """One point of a part: its enumerator word, its theme and its share of the length."""

    marker: str
    theme: str
    chars: int
    budget: int = 0  # what the point's facts can carry, at most ``chars`` (0: not computed)


@dataclass(frozen=True)
class OutlinePart:
    """One part of the speech as the outline sees it."""

    id: str
    title: str
    role: str
    heading: str | None
    chars: int
    points: tuple[OutlinePoint, ...]
    budget: int = 0  # what the section's facts can carry, at most ``chars``

    @property
    def label(self) -> str:
        return ROLE_LABELS.get(self.role, self.role)


@dataclass(frozen=True)
class Outline:
    """Every part of one speech in order, with the length budgets."""

    genre: str
    name: str
    target_chars: int
    parts: tuple[OutlinePart, ...]

    def part(self, section_id: str) -> OutlinePart:
        return next(p for p in self.parts if p.id == section_id)

    def to_data(self) -> list[dict[str, Any]]:
        """JSON-ready parts (for the ``<section>`` data block)."""
        out = []
        for p in self.parts:
            if p.role == "salutation":
                continue
            d = asdict(p)
            d["label"] = p.label
            d["points"] = [asdict(pt) for pt in p.points]
            out.append(d)
        return out


FILLED_SHARE = 0.9  # facts text at least this share of the target: the facts hold the whole speech


def holds_whole_speech(facts: Facts, blueprint: Blueprint) -> bool:
    """Whether ``facts`` hold a whole speech: taken from one source text (their points cite it) and
    as long as the speech's target, so what they do not say, the speech did not say. Facts
    written by hand, or from several sources, are never taken so, however short their target."""
    cited = [p.file for h in facts.highlights for i in h.items for p in i.provenance] + \
        [p.file for x in [*facts.plans, *(y for part in facts.parts for y in part.points)] for p in x.provenance]
    # one source: its speech; several are material for a new one, never a whole speech
    target = facts.meta.target.resolved_chars(blueprint.chars_per_minute)
    return len(set(cited)) == 1 and sum(map(len, facts.prose())) >= target * FILLED_SHARE


def with_facts_parts(blueprint: Blueprint, facts: Facts) -> Blueprint:
    """The genre as drafted for ``facts``: its sections plus one for each part of the source's own
    (``facts.parts``), placed where the source had it, a part's share of the length its share of
    the facts' text. Facts that hold a whole speech drop the requirements no fact feeds (提出要求):
    that section would only ask, in a gap, for a part its source never had."""
    if holds_whole_speech(facts, blueprint) and any(s.role == "requirements" and not s.feeds
                                                    for s in blueprint.sections):
        kept = [s for s in blueprint.sections if s.role != "requirements" or s.feeds]
        blueprint = blueprint.model_copy(update={"sections": kept})
    if not facts.parts or any(s.part is not None for s in blueprint.sections):
        return blueprint
    total = sum(len(t) for t in facts.prose()) or 1
    parts = [(p.heading, p.after, sum(len(x.theme) + sum(map(len, x.measures)) for x in p.points) / total)
             for p in facts.parts]
    return blueprint.with_parts(parts)


def point_budgets(section_chars: int, weights: list[int], lead_share: float) -> list[int]:
    """Split a section's length between its points, after the lead/summary share, by weight."""
    if not weights:
        return []
    body = section_chars * (1 - lead_share)
    total = sum(weights)
    return [max(40, round(body * w / total)) for w in weights]


def point_markers(enumerator: Enumerator, styles: list[str | None]) -> list[str]:
    """The word that opens each point: the source's own marking where the facts record it
    (``style``), the genre's ``enumerator`` otherwise.

    A run of points marked alike is counted on its own (——……，then 一是…… 二是……); a plain
    paragraph (``none``) and a dash bullet take no number. Headings of a layer (（一）, 1.) count
    on across what stands between them (（一）…… a paragraph …… （二）); a run-in list counts on
    after another list inside its point (第一…… 一是…… 二是…… 第二), not after a plain paragraph.
    """
    if not any(styles):
        return [enumerator_word(enumerator, k, len(styles)) for k in range(1, len(styles) + 1)]
    out: list[str] = []
    k = 0
    counted: dict[str, int] = {}  # style -> its last number
    filled = [s or enumerator for s in styles]
    for n, style in enumerate(filled):
        k = k + 1 if n and filled[n - 1] == style else 1
        last = max((j for j in range(n) if filled[j] == style), default=None)
        # （一） and 1. are the section's own layer, counted across whatever stands between; a run-in
        # list resumes after a list that began inside it (第一……一是……二是……第二), but starts anew
        # under the next outer point (第二……一是) or after a plain paragraph.
        inner = last is not None and all(y != "none" and filled.index(y) > filled.index(style)
                                         for y in filled[last + 1:n])
        if last is not None and (style in ("paren", "arabic") or inner):
            k = counted[style] + 1
        counted[style] = k
        run = k + next((j for j, s in enumerate(filled[n + 1:]) if s != style), len(filled) - n - 1)
        out.append("——" if style == "dash" else enumerator_word(style, k, run))  # type: ignore[arg-type]
    return out


def _point_sources(facts: Facts, section: SectionSpec) -> list[tuple[str, int, str | None]]:
    """(theme, amount of facts text, the source's marking) for each point of a section, in order."""
    if section.role == "achievements":
        return [(h.theme, len(h.lead or "") + sum(len(i.statement) for i in h.items), h.style)
                for h in facts.highlights if section.takes_highlight(h.theme)]
    if section.role == "plans":
        plans = facts.parts[section.part].points if section.part is not None and section.part < len(facts.parts) \
            else facts.plans
        # leads are unnumbered
        return [(p.theme, sum(len(m) for m in p.measures), p.style) for p in plans if not p.lead]
    if section.role in ("assessment", "situation") and section.enumerator != "none":
        return [(s, len(s), None) for s in facts.shortcomings]
    return []


_NOT_PROSE = frozenset({"figures", "org", "id", "kind", "required", "quoted", "source", "provenance"})


def _strings(value: Any) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):  # the prose of a fact, not its bookkeeping (figures repeat the statement)
        return [s for k, v in value.items() if k not in _NOT_PROSE for s in _strings(v)]
    if isinstance(value, list):
        return [s for v in value for s in _strings(v)]
    return []


def facts_chars(facts: Facts, section: SectionSpec) -> int:
    """Characters of facts text a section is written from (its fed fields, the meta excepted)."""
    return _fed_chars(facts.model_dump(mode="json", exclude={"notes"}), section)


def _fed_chars(dumped: dict[str, Any], section: SectionSpec) -> int:
    # A copy: the dump is shared by every section of one plan, and each section takes its own highlights.
    dumped = {**dumped, "highlights": [h for h in dumped.get("highlights") or [] if section.takes_highlight(h["theme"])]}
    return sum(len(s) for name in section.feeds if name != "meta" for s in _strings(dumped.get(name)))


def facts_budget(n_chars: int, n_points: int = 0) -> int:
    """The length ``n_chars`` of facts can fill without padding, with room for topic sentences and joins."""
    return round(n_chars * RESTATE_FACTOR) + POINT_ALLOWANCE * n_points + SECTION_ALLOWANCE


def build_outline(facts: Facts, blueprint: Blueprint, headings: dict[str, str]) -> Outline:
    """The outline of ``facts`` drafted as ``blueprint``; ``headings`` are the numbered headings.

    ``chars`` is each part's share of the target; ``budget`` is what its facts can carry, never
    more than ``chars``. Prompts ask for the budget: a length the facts cannot fill is not asked for.
    """
    target = facts.meta.target.resolved_chars(blueprint.chars_per_minute)
    dumped = facts.model_dump(mode="json", exclude={"notes"})  # once, not once per section
    parts = []
    for spec in blueprint.sections:
        chars = max(20, round(target * spec.share))
        sources = _point_sources(facts, spec)
        # A point's weight grows with its facts, but a thin point still gets a paragraph.
        shares = point_budgets(chars, [80 + n for _, n, _ in sources], spec.lead_share)
        markers = point_markers(spec.enumerator, [style for _, _, style in sources])
        points = tuple(OutlinePoint(marker, theme, share, min(share, facts_budget(n, 1) - SECTION_ALLOWANCE))
                       for marker, (theme, n, _), share in zip(markers, sources, shares, strict=True))
        # Requirements and a salutation are written from no facts: their share is their budget.
        # With points, the section's budget is theirs plus what its other facts (a summary, a
        # context) carry; the point facts are not counted twice.
        own = _fed_chars(dumped, spec) - sum(n for _, n, _ in sources)
        budget = chars if spec.role in ("requirements", "salutation") or not spec.feeds else \
            min(chars, facts_budget(max(0, own)) + sum(p.budget for p in points))
        parts.append(OutlinePart(spec.id, spec.title, spec.role, headings.get(spec.id), chars, points,
                                 max(20, budget)))
    return Outline(blueprint.id, blueprint.name, target, tuple(parts))


def section_links(facts: Facts, blueprint: Blueprint, section: SectionSpec) -> dict[str, Any]:
    """The facts from outside its own slice that a section's logic needs (for joins, not to restate)."""
    fed = set(section.feeds)
    links: dict[str, Any] = {}
    if section.role in ("assessment", "situation", "closing", "requirements", "plans"):
        links["highlight_themes"] = [h.theme for h in facts.highlights]
    # Achievements see the shortcomings too: praise must never claim what the speech later admits
    # is lacking (调查研究 praised in part one, 调查研究不够深入 confessed in part two).
    if section.role in ("plans", "requirements", "achievements") and "shortcomings" not in fed:
        links["shortcomings"] = list(facts.shortcomings)
    if section.role in ("closing", "requirements", "assessment"):
        links["plan_themes"] = [p.theme for p in facts.plans]
    if section.role in ("opening", "closing"):
        meta = facts.meta
        links["occasion"] = meta.occasion
        links["addressees"] = list(meta.addressees)
        links["speaker_role"] = meta.speaker.role
    if section.role == "closing":
        # What the opening says: a request the opening makes (不妥之处请批评指正) is the closing's to say.
        links["opening"] = list(facts.opening)
    if section.role == "opening":
        # The parts the opening may announce (下面，我讲三个方面…), and the closing's requests: a
        # request the opening makes is said once, in the closing when the closing asks it too.
        links["parts"] = [s.title for s in blueprint.sections if s.heading]
        links["requests"] = list(facts.closing.requests)
    return links

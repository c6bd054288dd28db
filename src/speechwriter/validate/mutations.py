"""Mutants of a good draft, each breaking one thing a validator must catch.

Used by the test suite and by the ``validators`` evaluation suite to measure the validators
themselves (recall per check on mutants, precision on clean texts).
"""

from __future__ import annotations

import itertools
import random
import re
from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal

from ..blueprint import Blueprint
from ..draft import Draft
from ..facts.model import Facts
from ..figures.quantities import (
    INNER_QUALIFIERS,
    PREFIX_QUALIFIERS,
    SUFFIX_QUALIFIERS,
    Quantity,
    find_quantities,
    parse_quantity,
    write_quantity,
)

__all__ = ["ALL_EXPECTED_CODES", "CHECK_OF_CODE", "EXPECTED_CODES", "REVIEW_CODES", "Mutant", "consistency_mutants",
           "figure_mutants", "mutants", "review_mutants"]

EXPECTED_CODES: dict[str, set[str]] = {
    "drop_section": {"S101"},
    "swap_sections": {"S102"},
    "break_heading": {"S103"},
    "skip_enumerator": {"S104"},
    "change_digit": {"F201", "F203", "F204"},
    "drop_qualifier": {"F201", "F202"},
    "remove_figure": {"F201"},
    "insert_invented": {"F204"},
    "invent_cn_eleven": {"F204"},
    "invent_in_quotes": {"F204"},
    "drop_wan_yu": {"F201", "F202"},
    "change_heading_figure": {"F201", "F203", "F204"},
    "drop_compound_half": {"F201"},
    "misspell_brand": {"N302", "N303"},
    "part_over_total": {"D401"},
    "share_over_100": {"D402"},
    "negative_growth": {"D403"},
    "flip_direction": {"D403"},
}
"""Mutation kind -> the finding codes that count as catching it."""

CHECK_OF_CODE = {"S": "structure", "F": "figures", "N": "names", "L": "length", "T": "style", "D": "consistency",
                 "U": "usage", "E": "counts", "P": "period", "A": "claims"}

_INVENTIONS = ["新增投入386万元", "覆盖率达到百分之九十七点三", "建成站点二十七个", "同比增长12.5%", "培训4300余人次"]
# Chinese numerals holding 十一 / 五一 / 七一, which holiday names must not swallow.
_CN_ELEVEN = ["新建二十一个服务站", "引进五十一家企业", "建成三十一所学校", "改造七十一座桥梁", "新增十一艘渔船",
              "培训九十一人次", "完成四十一栋楼改造"]
# An invented figure with a unit inside quotes: quotes hold names, but not ones with such a figure.
_QUOTED = [("启动“投资{v}万元”工程", "元", 10**4), ("开展“新增{v}万人”行动", "人", 10**4),
           ("落实“减负{v}亿元”举措", "元", 10**8), ("推进“新建{v}个站点”工程", "个", 1)]


@dataclass(frozen=True)
class Mutant:
    kind: str
    what: str
    draft: Draft

    @property
    def check(self) -> str:
        """The check family expected to catch it."""
        return CHECK_OF_CODE[next(iter({**EXPECTED_CODES, **REVIEW_CODES}[self.kind]))[0]]


def _replace_body(draft: Draft, sid: str, body: str) -> Draft:
    return draft.model_copy(update={"sections": [s.model_copy(update={"body": body}) if s.id == sid else s
                                                 for s in draft.sections]})


def _replace_figure(body: str, raw: str, new: str) -> str:
    """Replace the first occurrence of ``raw`` that is a figure (not 第一次 when raw is 一次)."""
    for m in find_quantities(body):
        if body.startswith(raw, m.start):
            return body[: m.start] + new + body[m.start + len(raw):]
    return body.replace(raw, new, 1)


def _changed_figure(raw: str) -> str | None:
    digits = [k for k, ch in enumerate(raw) if ch.isdigit()]
    if digits:
        k = digits[0]
        return raw[:k] + str(int(raw[k]) % 9 + 1) + raw[k + 1:]
    cn = next((k for k, ch in enumerate(raw) if ch in "一两三四五六七八九百千"), None)
    if cn is None:
        return None
    return raw[:cn] + {"两": "六", "一": "七", "百": "千", "千": "万"}.get(raw[cn], "八") + raw[cn + 1:]


def mutants(draft: Draft, facts: Facts, blueprint: Blueprint, rng: random.Random | None = None) -> Iterator[Mutant]:
    """Every mutant of ``draft``: structure, figures and names broken one at a time."""
    rng = rng or random.Random(7)
    for spec in blueprint.sections:
        if spec.required and spec.role != "salutation" and draft.section(spec.id) is not None:
            yield Mutant("drop_section", spec.id, draft.model_copy(
                update={"sections": [s for s in draft.sections if s.id != spec.id]}))
    headed = [i for i, s in enumerate(draft.sections) if s.heading]
    if len(headed) >= 2:
        i, j = headed[0], headed[1]
        swapped = list(draft.sections)
        swapped[i], swapped[j] = swapped[j], swapped[i]
        yield Mutant("swap_sections", f"{swapped[i].id}<->{swapped[j].id}",
                     draft.model_copy(update={"sections": swapped}))
    for k in headed:
        s = draft.sections[k]
        broken = re.sub(r"^[一二三四五六七八九十]+、", "九、", s.heading or "")
        yield Mutant("break_heading", s.heading or "", draft.model_copy(update={"sections": [
            x.model_copy(update={"heading": broken}) if x.id == s.id else x for x in draft.sections]}))
    for s in draft.sections:
        for pattern, repl in (("二是", "三是"), ("（二）", "（三）"), ("第二，", "第三，")):
            if pattern in s.body:
                yield Mutant("skip_enumerator", f"{s.id}:{pattern}",
                             _replace_body(draft, s.id, s.body.replace(pattern, repl, 1)))
    yield from figure_mutants(draft, facts, rng)
    yield from consistency_mutants(draft, rng)
    for name in facts.required_names():
        if len(name.text) < 3 or not any(name.text in s.body for s in draft.sections):
            continue
        k = rng.randrange(len(name.text))
        wrong = name.text[:k] + ("甲" if name.text[k] != "甲" else "乙") + name.text[k + 1:]
        yield Mutant("misspell_brand", f"{name.text}->{wrong}", draft.model_copy(update={"sections": [
            x.model_copy(update={"body": x.body.replace(name.text, wrong)}) for x in draft.sections]}))


_QUALIFIER_RE = re.compile("|".join(sorted({*PREFIX_QUALIFIERS, *SUFFIX_QUALIFIERS, *INNER_QUALIFIERS, "数", "几", "上"},
                                             key=len, reverse=True)))


def _explained_values(facts: Facts) -> set[tuple[object, str]]:
    out = {(q.value, q.unit) for r in facts.figure_refs() for q in r.figure.parts}
    for text in facts.prose():
        out |= {(m.quantity.value, m.quantity.unit) for m in find_quantities(text)}
    return out


def _insert(draft: Draft, rng: random.Random, sentence: str) -> tuple[str, Draft]:
    body_sections = [s for s in draft.sections if s.role != "salutation" and s.body]
    s = rng.choice(body_sections)
    stops = [i + 1 for i, ch in enumerate(s.body) if ch == "。"] or [len(s.body)]
    cut = rng.choice(stops[:50])
    return s.id, _replace_body(draft, s.id, s.body[:cut] + f"此外，{sentence}。" + s.body[cut:])


def figure_mutants(draft: Draft, facts: Facts, rng: random.Random | None = None,
                   per_kind: int | None = None) -> Iterator[Mutant]:
    """Mutants that break one figure each: changed, qualifier dropped, removed, invented …

    ``per_kind`` caps how many mutants of each kind are made (a random sample); on a long real
    text with hundreds of figures the sample keeps the run short.
    """
    rng = rng or random.Random(7)
    refs = [r for r in facts.figure_refs() if r.figure.required]
    if per_kind is not None and len(refs) > per_kind:
        # Figures with a qualifier are few: sample them apart so drop_qualifier gets its share.
        qualified = [r for r in refs if r.figure.quantity.qualifier]
        plain = [r for r in refs if not r.figure.quantity.qualifier]
        refs = rng.sample(plain, min(per_kind, len(plain))) + rng.sample(qualified, min(per_kind, len(qualified)))
    taken: dict[str, int] = {}

    def room(kind: str) -> bool:
        taken[kind] = taken.get(kind, 0) + 1
        return per_kind is None or taken[kind] <= per_kind

    spots = {s.id: {m.start: m for m in find_quantities(s.body)} for s in draft.sections}
    for ref in refs:
        raw = ref.figure.raw
        holder = next((s for s in draft.sections
                       if any(s.body.startswith(raw, at) for at in spots[s.id])), None)
        if holder is None:
            continue
        changed = _changed_figure(raw)
        if changed and changed != raw and room("change_digit"):
            yield Mutant("change_digit", f"{raw}->{changed}",
                         _replace_body(draft, holder.id, _replace_figure(holder.body, raw, changed)))
        dropped = _QUALIFIER_RE.sub("", raw, count=1)
        if ref.figure.quantity.qualifier and dropped != raw and room("drop_qualifier"):
            yield Mutant("drop_qualifier", f"{raw}->{dropped}",
                         _replace_body(draft, holder.id, _replace_figure(holder.body, raw, dropped)))
        if room("remove_figure"):
            yield Mutant("remove_figure", raw,
                         _replace_body(draft, holder.id, _replace_figure(holder.body, raw, "若干")))
    for ref in facts.figure_refs():
        raw = ref.figure.raw
        if re.search(r"万(?:余|多)", raw) and ref.figure.required and room("drop_wan_yu"):
            holder = next((s for s in draft.sections if raw in s.body), None)
            if holder is not None:
                dropped = re.sub(r"万(?:余|多)", "万", raw, count=1)
                yield Mutant("drop_wan_yu", f"{raw}->{dropped}",
                             _replace_body(draft, holder.id, _replace_figure(holder.body, raw, dropped)))
    yield from _heading_mutants(draft)
    yield from _compound_mutants(draft, spots, room)
    known = _explained_values(facts)
    body_sections = [s for s in draft.sections if s.role != "salutation" and s.body]
    if not body_sections:
        return
    fresh = [t for t in _CN_ELEVEN if (parse_quantity(t[2:]).value, parse_quantity(t[2:]).unit) not in known]
    for text in rng.sample(fresh, min(len(fresh), per_kind or len(fresh))):
        sid, mutated = _insert(draft, rng, text)
        yield Mutant("invent_cn_eleven", f"{sid}:{text}", mutated)
    for template, unit, scale in _QUOTED:
        if not room("invent_in_quotes"):
            break
        text = template.format(v=_fresh_value(known, rng, unit, scale))
        sid, mutated = _insert(draft, rng, text)
        yield Mutant("invent_in_quotes", f"{sid}:{text}", mutated)
    for text in _INVENTIONS:
        q = _invented_quantity(text)
        if q is not None and (q.value, q.unit) in known:
            continue
        sid, mutated = _insert(draft, rng, text)
        yield Mutant("insert_invented", text, mutated)


def _invented_quantity(text: str) -> Quantity | None:
    found = find_quantities(text)
    return found[0].quantity if found else None


def _fresh_value(known: set[tuple[object, str]], rng: random.Random, unit: str, scale: int) -> str:
    """A number that, times ``scale`` and in ``unit``, is a quantity the facts do not state."""
    from decimal import Decimal

    while True:
        v = f"{rng.randint(101, 989)}.{rng.randint(1, 9)}" if scale > 1 else str(rng.randint(13, 97))
        if (Decimal(v) * scale, unit) not in known:
            return v


def _heading_mutants(draft: Draft) -> Iterator[Mutant]:
    for s in draft.sections:
        if not s.heading:
            continue
        for m in find_quantities(s.heading):
            if m.weak:
                continue
            changed = _changed_figure(m.text)
            if changed and changed != m.text:
                heading = s.heading[:m.start] + changed + s.heading[m.end:]
                yield Mutant("change_heading_figure", f"{s.heading}->{heading}", draft.model_copy(update={
                    "sections": [x.model_copy(update={"heading": heading}) if x.id == s.id else x
                                 for x in draft.sections]}))


def _compound_mutants(draft: Draft, spots: dict[str, dict[int, object]], room: object) -> Iterator[Mutant]:
    """Half of a compound figure (301户611人: two figures written back to back) removed."""
    for s in draft.sections:
        mentions = sorted(spots[s.id].values(), key=lambda m: m.start)  # type: ignore[attr-defined]
        for a, b in itertools.pairwise(mentions):
            if a.end == b.start and a.quantity.unit and b.quantity.unit and not b.weak \
                    and room("drop_compound_half"):  # type: ignore[operator]
                body = s.body[:b.start] + s.body[b.end:]
                yield Mutant("drop_compound_half", f"{a.text}{b.text}->{a.text}", _replace_body(draft, s.id, body))


# --- 数据打架: figures made to contradict each other ------------------------------------------------

_SENTENCE_RE = re.compile(r"[^。！？；\n]+")
_SHARE_RE = re.compile(r"占[^，。；、\d]{0,12}?(?P<num>[0-9]+(?:\.[0-9]+)?)(?:%|％)")
_GROWTH_RE = re.compile(r"(?:增长|提高|增加)(?P<num>[0-9]+(?:\.[0-9]+)?)(?:%|％)")
_CHANGE_RE = re.compile(r"[由从][^，。；0-9]{0,8}?(?P<a>[0-9]+(?:\.[0-9]+)?)(?P<u>%|％|亿元|万元|个|家|万人)"
                        r"(?P<verb>提高|增长|增加|上升|提升|下降|降低|减少)(?:到|至)[^，。；0-9]{0,6}?"
                        r"(?P<b>[0-9]+(?:\.[0-9]+)?)(?P=u)")
_NOT_A_SHARE = re.compile(r"计划|目标|任务|预算|指标|上年|去年|同期")


def consistency_mutants(draft: Draft, rng: random.Random | None = None,
                        per_kind: int | None = None) -> Iterator[Mutant]:
    """Mutants that make the figures of one sentence contradict each other (数据打架): a part of a
    total (其中…) pushed past the total, a share pushed past 100%, a growth given a minus sign, a
    change (由 A 提高到 B) turned the other way. Found by plain patterns, not by the check under test."""
    rng = rng or random.Random(7)
    found: dict[str, list[Mutant]] = {}
    for s in draft.sections:
        body = s.body
        mentions = [m for m in find_quantities(body) if not m.weak]
        for sentence in _SENTENCE_RE.finditer(body):
            a, b = sentence.span()
            at = body.find("其中", a, b)
            if at >= 0:
                for mut in _part_over_total(draft, s.id, body, at, b, [m for m in mentions if a <= m.start < b]):
                    found.setdefault("part_over_total", []).append(mut)
        for m in _SHARE_RE.finditer(body):
            if _NOT_A_SHARE.search(m.group()):
                continue
            new = _plus_hundred(m.group("num"))
            mutated = body[:m.start("num")] + new + body[m.end("num"):]
            found.setdefault("share_over_100", []).append(
                Mutant("share_over_100", f"{s.id}:{m.group()}->{new}%", _replace_body(draft, s.id, mutated)))
        for m in _GROWTH_RE.finditer(body):
            mutated = body[:m.start("num")] + "-" + body[m.start("num"):]
            found.setdefault("negative_growth", []).append(
                Mutant("negative_growth", f"{s.id}:{m.group()}", _replace_body(draft, s.id, mutated)))
        for m in _CHANGE_RE.finditer(body):
            if m.group("a") == m.group("b"):
                continue
            up = m.group("verb") in ("提高", "增长", "增加", "上升", "提升")
            verb = "下降" if up else "提高"
            mutated = body[:m.start("verb")] + verb + body[m.end("verb"):]
            found.setdefault("flip_direction", []).append(
                Mutant("flip_direction", f"{s.id}:{m.group()}", _replace_body(draft, s.id, mutated)))
    for kind in sorted(found):
        picked = found[kind]
        if per_kind is not None and len(picked) > per_kind:
            picked = rng.sample(picked, per_kind)
        yield from picked


def _plus_hundred(num: str) -> str:
    whole, dot, frac = num.partition(".")
    return str(int(whole) + 100) + dot + frac


def _part_over_total(draft: Draft, sid: str, body: str, at: int, end: int, here: list) -> Iterator[Mutant]:
    """The first part after 其中 with the unit of a total before it, rewritten as 1.5 times that total."""
    totals = {m.quantity.unit: m for m in here if m.start < at and m.quantity.unit
              and m.quantity.unit not in ("%", "‰", "百分点", "倍") and m.quantity.high is None}
    for m in here:
        total = totals.get(m.quantity.unit)
        if m.start < at or total is None or m.quantity.qualifier or m.quantity.high is not None:
            continue
        if not m.text[:1].isdigit() or not total.quantity.value:
            continue
        magnitude = next((w for w in ("万亿", "亿", "万") if w in m.text), "")
        value = total.quantity.value * 3 / 2
        try:
            new = write_quantity(Quantity(value.quantize(Decimal("0.01")) if magnitude else value.to_integral_value(),
                                          m.quantity.unit), magnitude=magnitude)
        except ValueError:
            continue
        mutated = body[:m.start] + new + body[m.end:]
        yield Mutant("part_over_total", f"{sid}:{total.text} 其中 {m.text}->{new}", _replace_body(draft, sid, mutated))
        return


# --- the review family (核稿): usage, counts, period, claims ------------------------------------------

REVIEW_CODES: dict[str, set[str]] = {
    "two_to_er": {"U601"},
    "double_char": {"U602"},
    "repeat_clause": {"U603"},
    "double_adverbial": {"U604"},
    "count_vs_list": {"E701"},
    "heading_year": {"P802"},
    "insert_claim": {"A901"},
}
"""Review-family mutation kind -> the codes that catch it (any severity: U604 and A901 are warnings)."""

ALL_EXPECTED_CODES: dict[str, set[str]] = {**EXPECTED_CODES, **REVIEW_CODES}

# Invented claims (firsts, ranks, honours, gap-filling, influence) no facts file holds.
_CLAIMS = ["组建了全国首支青年突击队", "多项成果填补了国内空白", "相关工作位居全省第一", "被评为全国先进集体",
           "这项工作的影响不断扩大", "在全省率先建成服务网络", "荣获全国创新示范奖"]
_TWO = re.compile(r"(?<![零〇一二两三四五六七八九十百千万亿第0-9])两(个|项|条|名|家|件|所|支|方面|大|座|台|户|种)")
# Where a doubled character is still right Chinese (是是否 reads 是 + 是否; 为了了解), no slip to make.
_WORD_AFTER = {"是": "否非以日", "的": "确士", "了": "解结却如然"}


def review_mutants(draft: Draft, rng: random.Random | None = None, per_kind: int | None = None) -> Iterator[Mutant]:
    """Mutants that break one thing a 核稿 reviewer circles: 两→二, a doubled 是/的, a repeated clause,
    an adverbial twice, a count against its list, a heading year, an invented claim."""
    from ._review import same_system
    from .counts import _counts_in, _items
    from .period import _HEADING_LINE, _PLAN, _REVIEW, _YEAR

    rng = rng or random.Random(7)
    taken: dict[str, int] = {}

    def room(kind: str) -> bool:
        taken[kind] = taken.get(kind, 0) + 1
        return per_kind is None or taken[kind] <= per_kind

    bodies = [s for s in draft.sections if s.body and s.role != "salutation"]
    spots: dict[str, list[tuple[str, int, str]]] = {k: [] for k in REVIEW_CODES}
    for s in bodies:
        body = s.body
        for m in _TWO.finditer(body):
            spots["two_to_er"].append((s.id, m.start(), body[:m.start()] + "二" + body[m.start() + 1:]))
        for m in re.finditer("[是的了]", body):
            ch, a = m.group(), m.start()
            nxt = body[a + 1] if a + 1 < len(body) else ""
            if nxt == ch or nxt in _WORD_AFTER[ch] or (a and body[a - 1] == ch):
                continue
            spots["double_char"].append((s.id, a, body[:a] + ch + body[a:]))
        for m in re.finditer(r"(?<=[，。；：\n])([\u4e00-\u9fff]{3,8})(?=，)", body):
            spots["repeat_clause"].append((s.id, m.start(), body[:m.end()] + "，" + m.group(1) + body[m.end():]))
        for m in re.finditer(r"(?<![全努])(力争|确保|切实)([\u4e00-\u9fff]{2,10})(?=[，。；])", body):
            mutated = body[:m.end()] + m.group(1) + body[m.end():]
            spots["double_adverbial"].append((s.id, m.start(), mutated))
        for c, at in _counts_in(body):
            while at < len(body) and body[at] in " \u3000\n\t":
                at += 1
            found = _items(body, at)
            if found and found[1] == c.value:
                wrong = c.value + (1 if rng.random() < 0.5 or c.value <= 2 else -1)
                numeral = same_system(wrong, c.numeral)
                spots["count_vs_list"].append((s.id, c.start, body[:c.start] + numeral
                                               + body[c.start + len(c.numeral):]))
        stops = [i + 1 for i, ch in enumerate(body) if ch == "。"][:40]
        for text in _CLAIMS:
            if stops:
                cut = rng.choice(stops)
                spots["insert_claim"].append((s.id, cut, body[:cut] + f"此外，{text}。" + body[cut:]))
    for kind in ("two_to_er", "double_char", "repeat_clause", "double_adverbial", "count_vs_list", "insert_claim"):
        chosen = spots[kind] if per_kind is None or len(spots[kind]) <= per_kind else rng.sample(spots[kind], per_kind)
        for sid, at, body in chosen:
            if room(kind):
                yield Mutant(kind, f"{sid}@{at}", _replace_body(draft, sid, body))
    yield from _heading_year_mutants(draft, _HEADING_LINE, _YEAR, _REVIEW, _PLAN)


def _heading_year_mutants(draft: Draft, line_re: re.Pattern[str], year_re: re.Pattern[str],
                          review_re: re.Pattern[str], plan_re: re.Pattern[str]) -> Iterator[Mutant]:
    """A review heading's year one earlier, a plan heading's one later (last year's text reused)."""
    for s in draft.sections:
        places = [("heading", 0, s.heading)] if s.heading else []
        places += [("body", m.start(1), m.group(1)) for m in line_re.finditer(s.body)]
        for where, at, line in places:
            years = year_re.findall(line or "")
            if len(set(years)) != 1 or not line:
                continue
            kind = "plan" if plan_re.search(line) else "review" if review_re.search(line) else ""
            if not kind:
                continue
            y = int(years[0])
            new_line = line.replace(str(y), str(y - 1 if kind == "review" else y + 1), 1)
            if where == "heading":
                mutated = draft.model_copy(update={"sections": [
                    x.model_copy(update={"heading": new_line}) if x.id == s.id else x for x in draft.sections]})
            else:
                mutated = _replace_body(draft, s.id, s.body[:at] + new_line + s.body[at + len(line):])
            yield Mutant("heading_year", f"{line}->{new_line}", mutated)

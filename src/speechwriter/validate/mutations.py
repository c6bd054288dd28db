"""Mutants of a good draft, each breaking one thing a validator must catch.

Used by the test suite and by the ``validators`` evaluation suite to measure the validators
themselves (recall per check on mutants, precision on clean texts).
"""

from __future__ import annotations

import random
import re
from collections.abc import Iterator
from dataclasses import dataclass

from ..blueprint import Blueprint
from ..draft import Draft
from ..facts.model import Facts
from ..figures.quantities import find_quantities

__all__ = ["CHECK_OF_CODE", "EXPECTED_CODES", "Mutant", "mutants"]

EXPECTED_CODES: dict[str, set[str]] = {
    "drop_section": {"S101"},
    "swap_sections": {"S102"},
    "break_heading": {"S103"},
    "skip_enumerator": {"S104"},
    "change_digit": {"F201", "F203", "F204"},
    "drop_qualifier": {"F201", "F202"},
    "remove_figure": {"F201"},
    "insert_invented": {"F204"},
    "misspell_brand": {"N302", "N303"},
}
"""Mutation kind -> the finding codes that count as catching it."""

CHECK_OF_CODE = {"S": "structure", "F": "figures", "N": "names", "L": "length", "T": "style"}

_INVENTIONS = ["新增投入386万元", "覆盖率达到百分之九十七点三", "建成站点二十七个", "同比增长12.5%", "培训4300余人次"]


@dataclass(frozen=True)
class Mutant:
    kind: str
    what: str
    draft: Draft

    @property
    def check(self) -> str:
        """The check family expected to catch it."""
        return CHECK_OF_CODE[next(iter(EXPECTED_CODES[self.kind]))[0]]


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
    for ref in (r for r in facts.figure_refs() if r.figure.required):
        raw = ref.figure.raw
        holder = next((s for s in draft.sections
                       if any(s.body.startswith(raw, m.start) for m in find_quantities(s.body))), None)
        if holder is None:
            continue
        changed = _changed_figure(raw)
        if changed and changed != raw:
            yield Mutant("change_digit", f"{raw}->{changed}",
                         _replace_body(draft, holder.id, _replace_figure(holder.body, raw, changed)))
        if ref.figure.quantity.qualifier:
            dropped = re.sub(r"余|多|近|超过|左右|以上|数", "", raw, count=1)
            yield Mutant("drop_qualifier", f"{raw}->{dropped}",
                         _replace_body(draft, holder.id, _replace_figure(holder.body, raw, dropped)))
        yield Mutant("remove_figure", raw, _replace_body(draft, holder.id, _replace_figure(holder.body, raw, "若干")))
    body_sections = [s for s in draft.sections if s.role != "salutation" and s.body]
    for text in _INVENTIONS:
        s = rng.choice(body_sections)
        cut = s.body.find("。") + 1 or len(s.body)
        yield Mutant("insert_invented", text, _replace_body(draft, s.id, s.body[:cut] + f"此外，{text}。" + s.body[cut:]))
    for name in facts.required_names():
        if len(name.text) < 3 or not any(name.text in s.body for s in draft.sections):
            continue
        k = rng.randrange(len(name.text))
        wrong = name.text[:k] + ("甲" if name.text[k] != "甲" else "乙") + name.text[k + 1:]
        yield Mutant("misspell_brand", f"{name.text}->{wrong}", draft.model_copy(update={"sections": [
            x.model_copy(update={"body": x.body.replace(name.text, wrong)}) for x in draft.sections]}))

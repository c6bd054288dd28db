"""Keeping extracted facts within what a facts file may hold (``facts.model.MAX_COUNTS``).

A long report yields more headings and sentences than one speech can use. Rather than write a
file that ``facts check`` refuses, the extractor merges neighbouring highlights (or plans) with
the fewest items until the count fits — marked for review, since the merged theme needs a
person's words — and, only if still needed, leaves out items without figures, then the last ones,
saying how many in a warning.
"""

from __future__ import annotations

from typing import Any

from ..facts.model import MAX_COUNTS

__all__ = ["fit_limits"]

MERGED = "由相邻几部分合并（一个事实文件最多 {limit} 个{what}），请提炼主题"


def _merge(groups: list[dict[str, Any]], limit: int, absorb: Any) -> int:
    merges = 0
    while len(groups) > limit:
        i = min(range(len(groups) - 1), key=lambda k: (_size(groups[k]) + _size(groups[k + 1]), k))
        absorb(groups[i], groups.pop(i + 1))
        merges += 1
    return merges


def _size(group: dict[str, Any]) -> int:
    return len(group.get("items") or group.get("measures") or ()) + 1


def _absorb_highlight(a: dict[str, Any], b: dict[str, Any]) -> None:
    # b's theme is kept as a statement of its own, so the merged point still says it.
    heading = [{"org": None, "statement": b["theme"], "figures": [], "provenance": []}] \
        if b["theme"] != a["theme"] and not b["theme"].startswith("（待") else []
    a["items"] = a["items"] + heading + b["items"]
    a["_review"] = MERGED.format(limit=MAX_COUNTS["highlights"], what="亮点")


def _absorb_plan(a: dict[str, Any], b: dict[str, Any]) -> None:
    a["measures"] = [*a["measures"], b["theme"], *b["measures"]]  # b's theme keeps its figures stated
    a["figures"] = a["figures"] + b["figures"]
    a["provenance"] = a["provenance"] + b["provenance"]
    if a["provenance"]:
        a["provenance"][0] = {**a["provenance"][0], "review": MERGED.format(limit=MAX_COUNTS["plans"], what="打算")}


def fit_limits(highlights: list[dict[str, Any]], plans: list[dict[str, Any]], lists: dict[str, list[Any]],
               warnings: list[str], more_plans: list[dict[str, Any]] | None = None) -> None:
    """Shrink the extracted lists in place to the facts file's limits; say what was done."""
    merged = _merge(highlights, MAX_COUNTS["highlights"], _absorb_highlight)
    if merged:
        warnings.append(f"亮点过多，已把相邻的 {merged} 处合并（标为待核）")
    merged = _merge(plans, MAX_COUNTS["plans"], _absorb_plan)
    if merged:
        warnings.append(f"打算过多，已把相邻的 {merged} 处合并（标为待核）")
    every_plan = plans + (more_plans or [])  # the points of the source's own parts count too
    _cap_items(highlights, warnings, sum(len(p["figures"]) for p in every_plan))
    _cap_plan_figures(highlights, every_plan, warnings)
    for plan in every_plan:
        limit = MAX_COUNTS["list"]
        if len(plan["measures"]) > limit:
            text = plan["theme"] + "".join(plan["measures"][:limit])
            plan["measures"] = plan["measures"][:limit]
            plan["figures"] = [f for f in plan["figures"] if f in text]
            warnings.append(f"打算「{plan['theme']}」的措施过多，只保留前 {limit} 条")
    for name, values in lists.items():
        limit = MAX_COUNTS.get(name, MAX_COUNTS["list"])
        if len(values) > limit:
            warnings.append(f"{name} 过多（{len(values)} 条），只保留前 {limit} 条")
            del values[limit:]


def _cap_plan_figures(highlights: list[dict[str, Any]], plans: list[dict[str, Any]], warnings: list[str]) -> None:
    """The figure cap counts the plans' figures too: drop the last measures until it holds."""
    total = sum(len(i["figures"]) for hl in highlights for i in hl["items"]) + sum(len(p["figures"]) for p in plans)
    dropped = 0
    for plan in reversed(plans):
        while total > MAX_COUNTS["figures"] and plan["measures"]:
            plan["measures"].pop()
            text = plan["theme"] + "".join(plan["measures"])
            kept = [f for f in plan["figures"] if f in text]
            total -= len(plan["figures"]) - len(kept)
            plan["figures"] = kept
            dropped += 1
        if total > MAX_COUNTS["figures"] and plan["figures"]:
            total -= len(plan["figures"])
            plan["figures"] = []  # the theme's own target stays as words
    if dropped:
        warnings.append(f"数字超过一个事实文件的上限（{MAX_COUNTS['figures']} 个），已略去后面 {dropped} 条措施；"
                        "材料过多时请分篇抽取")


def _cap_items(highlights: list[dict[str, Any]], warnings: list[str], reserved: int = 0) -> None:
    """Keep the items within their cap, and their figures within what the plans leave of the cap
    (the plans keep at least half of it)."""
    budget = max(MAX_COUNTS["figures"] // 2, MAX_COUNTS["figures"] - reserved)

    def total() -> tuple[int, int]:
        items = [i for hl in highlights for i in hl["items"]]
        return len(items), sum(len(i["figures"]) for i in items)

    n_items, n_figures = total()
    if n_items <= MAX_COUNTS["highlights.items"] and n_figures <= budget:
        return
    dropped = 0
    for hl in reversed(highlights):  # first what holds no figure, from the end
        while n_items > MAX_COUNTS["highlights.items"]:
            plain = next((i for i in reversed(hl["items"]) if not i["figures"]), None)
            if plain is None:
                break
            hl["items"].remove(plain)
            dropped += 1
            n_items -= 1
    for hl in reversed(highlights):
        while hl["items"] and (n_items > MAX_COUNTS["highlights.items"] or n_figures > budget):
            item = hl["items"].pop()
            dropped += 1
            n_items -= 1
            n_figures -= len(item["figures"])
    highlights[:] = [hl for hl in highlights if hl["items"]]
    warnings.append(f"事项过多，已略去 {dropped} 条（先略去不含数字的）；请对照材料补充需要的内容")

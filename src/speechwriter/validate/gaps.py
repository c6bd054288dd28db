"""The gaps check: every 【待补】 marker still in a draft is a warning (G701) at its place.

A gap is honest — the composer or the model wrote it where the facts ran out — but a draft that
still has one is not finished: the warning says where it is, what is wanted and how much.
"""

from __future__ import annotations

from ..gaps import find_gaps
from .checks import Finding, _Context

CHECK_NAME = "gaps"


def check(ctx: _Context) -> list[Finding]:
    """A warning per remaining gap marker, with its section and span."""
    out: list[Finding] = []
    for g in find_gaps(ctx.draft.title):
        out.append(Finding(code="G701", severity="warning", section=None, span=(g.start, g.end),
                           excerpt=ctx.draft.title[g.start:g.end], message=f"标题待补：{g.wanted or '标题'}",
                           suggestion="据实拟定标题后删去标记；导出前须补齐，或导出时加 --allow-gaps"))
    for s in ctx.draft.sections:
        for g in find_gaps(s.body):
            size = f"，约 {g.chars} 字" if g.chars else ""
            out.append(Finding(code="G701", severity="warning", section=s.id, span=(g.start, g.end),
                               excerpt=s.body[g.start:g.end],
                               message=f"待补：{g.wanted or '内容'}{size}",
                               suggestion="据实补写后删去标记；导出前须补齐，或导出时加 --allow-gaps"))
    return out

"""Custom checks for evaluation suites: ``function(draft, facts) -> (score, reason)``."""

from __future__ import annotations

from typing import Any


def closes_properly(draft: Any, facts: Any) -> tuple[float, str]:
    """The last paragraph ends a speech: a sentence end, and no open enumeration."""
    closing = draft.section("closing")
    last = closing.paragraphs[-1] if closing and closing.paragraphs else ""
    if not last:
        return 0.0, "没有结束语"
    if not last.endswith(("。", "！")):
        return 0.0, f"结束语没有以句号或叹号结尾：{last[-10:]}"
    return 1.0, "结束语完整"


closes_properly.label = "结束语完整"  # type: ignore[attr-defined]  # the report's column header

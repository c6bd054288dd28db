"""The live view of a drafting run: one row per section with its state, size and time."""

from __future__ import annotations

from typing import Any, ClassVar

from ..pipeline.drafting import SectionProgress

__all__ = ["ProgressBoard"]


class ProgressBoard:
    """Receives :class:`SectionProgress` updates; rich renders it (``Live(board)``)."""

    LABELS: ClassVar[dict[str, str]] = {"queued": "排队", "streaming": "生成中", "validating": "校验中",
                                        "repairing": "修复中", "done": "完成", "failed": "失败", "resumed": "已续用"}
    STYLES: ClassVar[dict[str, str]] = {"done": "green", "failed": "red", "repairing": "yellow", "streaming": "cyan",
                                        "resumed": "green"}

    def __init__(self) -> None:
        self.rows: dict[str, SectionProgress] = {}

    def update(self, state: SectionProgress) -> None:
        self.rows[state.id] = state

    def __rich__(self) -> Any:
        from rich.table import Table

        table = Table(show_edge=False, box=None, pad_edge=False)
        for col, justify in (("章节", "left"), ("状态", "left"), ("字数", "right"), ("tokens", "right"),
                             ("用时", "right"), ("", "left")):
            table.add_column(col, justify=justify)  # type: ignore[arg-type]
        for st in self.rows.values():
            label = self.LABELS.get(st.state, st.state)
            style = self.STYLES.get(st.state, "")
            note = "缓存命中" if st.cached else ""
            note = "；".join(x for x in (note, st.note) if x)
            table.add_row(st.title, f"[{style}]{label}[/{style}]" if style else label, str(st.chars),
                          str(st.tokens), f"{st.elapsed:.1f}s", note)
        return table

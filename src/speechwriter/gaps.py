"""Visible gaps: where the facts run out, a draft says so instead of filling with stock sentences.

A gap marker is written into the text as 【待补：what is wanted，约N字】. It is plain text on purpose:
it survives every editor, every engine and every export format, and a reader cannot miss it.
Everything that needs to know about gaps (the composer, the validator, export, refine, the evals)
reads them with :func:`find_gaps`, so the form is defined here once.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

__all__ = ["GAP_PATTERN", "Gap", "find_gaps", "gap_marker"]

# 【待补：典型事例或群众评价，约150字】 — the size part is optional (a model may omit it).
GAP_PATTERN = re.compile(r"【待补[：:]\s*(?P<wanted>[^】]*?)(?:[，,]\s*约\s*(?P<chars>\d+)\s*字)?\s*】")


@dataclass(frozen=True)
class Gap:
    """One marker in a text: where it is, what a person must add, and about how much."""

    start: int
    end: int
    wanted: str
    chars: int | None

    @property
    def text(self) -> str:
        return gap_marker(self.wanted, self.chars)


def gap_marker(wanted: str, chars: int | None = None) -> str:
    """The marker for a gap: 【待补：wanted，约N字】 (or without the size)."""
    wanted = wanted.strip().replace("】", "")
    return f"【待补：{wanted}，约{chars}字】" if chars else f"【待补：{wanted}】"


def find_gaps(text: str) -> list[Gap]:
    """Every gap marker in ``text``, in order."""
    return [Gap(m.start(), m.end(), m.group("wanted").strip(),
                int(m.group("chars")) if m.group("chars") else None)
            for m in GAP_PATTERN.finditer(text)]

"""Export cost per paragraph at 4,000 and 40,000 paragraphs (md, txt, docx, reading copy).

A long draft is made of the reference draft's paragraphs repeated; each format is timed in CPU time
of this process, sizes alternated in every round, judged on the minima. Linear: the cost per
paragraph at 40k is about the cost at 4k (it was 80 s for 40k docx paragraphs, a quadratic path).
"""

from __future__ import annotations

import io
import sys
import time

from _common import ROOT, report
from speechwriter.export.writers import build_docx, build_reading_copy
from speechwriter.facts import load_facts
from speechwriter.workspace import draft_speech

SIZES = (4_000, 40_000)
ROUNDS = 3


def long_draft(paragraphs: int):
    draft = draft_speech(load_facts(ROOT / "fixtures" / "facts" / "work_report_gongqingfu.yaml"))
    body = [s for s in draft.sections if s.role != "salutation"]
    source = [p for s in body for p in s.paragraphs]
    per = paragraphs // len(body)
    for s in body:
        s.body = "\n\n".join((source * (per // len(source) + 1))[:per])
    return draft


FORMATS = {
    "md": lambda d: d.to_markdown(),
    "txt": lambda d: d.to_text(),
    "docx": lambda d: build_docx(d).save(io.BytesIO()),
    "reading": lambda d: build_reading_copy(d).save(io.BytesIO()),
}


def main() -> None:
    drafts = {n: long_draft(n) for n in SIZES}
    for fmt, write in FORMATS.items():
        times: dict[int, list[float]] = {n: [] for n in SIZES}
        for r in range(ROUNDS):
            for n in (SIZES if r % 2 == 0 else SIZES[::-1]):
                start = time.process_time()
                write(drafts[n])
                times[n].append(time.process_time() - start)
        per = {n: min(times[n]) / n for n in SIZES}
        ratio = per[SIZES[-1]] / per[SIZES[0]]
        report(f"export {fmt}: per paragraph {SIZES[-1]} / {SIZES[0]}",
               f"{ratio:.2f} ({min(times[SIZES[-1]]):.2f} s for {SIZES[-1]})", "≤ 1.3 (linear)", ratio <= 1.3)


if __name__ == "__main__":
    sys.exit(main())

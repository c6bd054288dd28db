"""Offline drafting speed: what a user waits for, render + compose + validate, per draft.

- every fixture drafted with the offline composer through the workspace (no cache, no record);
- a long draft: the reference facts with every highlight three times (~4,000 characters).
≥ 7 rounds each, alternated; min / median / spread. Target for the long draft: < 50 ms median.
"""

from __future__ import annotations

from _common import FIXTURES, alternate, report
from speechwriter.facts import load_facts, parse_facts
from speechwriter.workspace import Workspace


def long_facts():
    text = (FIXTURES / "work_report_gongqingfu.yaml").read_text(encoding="utf-8")
    head, rest = text.split("highlights:\n", 1)
    block, tail = rest.split("\nnames:", 1)
    blocks = block + block.replace("theme: ", "theme: 再") + block.replace("theme: ", "theme: 又")
    return parse_facts(head + "highlights:\n" + blocks + "\nnames:" + tail)


def main() -> None:
    ws = Workspace()
    engine = ws.engine("offline")
    facts = [load_facts(p) for p in sorted(FIXTURES.glob("*.yaml"))]
    big = long_facts()

    def draft(f):
        return ws.draft(f, engine=engine, record=False, use_cache=False)

    chars = len(draft(big).draft.to_text())
    t = alternate({f"{len(facts)} fixtures, one draft each": lambda: [draft(f) for f in facts],
                   f"one {chars}-character draft": lambda: draft(big)}, rounds=9)
    each = t[f"{len(facts)} fixtures, one draft each"].median / len(facts) * 1000
    report("offline draft per fixture (render+compose+validate)", f"{each:.1f} ms median", "(time)", True)
    long_ms = t[f"one {chars}-character draft"].median * 1000
    report(f"offline {chars}-character draft (render+compose+validate)", f"{long_ms:.1f} ms median", "< 50 ms",
           long_ms < 50)


if __name__ == "__main__":
    main()

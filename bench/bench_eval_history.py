"""Rerun and rescore against the full run they save: 100 offline cases, timed side by side in one process.

- rerun of the one failed case out of 100 (``--rerun-failed``) ÷ the full run: target ≤ 5%;
- rescore of the 100 stored cases (today's checks, no generation) ÷ regenerating them offline: target ≤ 10%.
Rounds alternate the variants (≥ 5) and report medians; the machine's cores are shared, so ratios are what count.
"""

from __future__ import annotations

import tempfile
import time
from pathlib import Path

from _common import FIXTURES, report
from speechwriter.evals import RunOptions, load_suite, run_suite
from speechwriter.evals.history import rerun_selection, rescore
from speechwriter.workspace import Workspace

ROUNDS = 5


def suite_text(n: int) -> str:
    fixtures = sorted(FIXTURES.glob("*.yaml"))
    lines = ["name: history", "cases:"]
    for i in range(n):
        extra = ", assert: {contains: [不会出现的一句话]}" if i == 37 else ""
        lines.append(f"  - {{id: case{i:03d}, facts: {fixtures[i % len(fixtures)]}{extra}}}")
    return "\n".join(lines) + "\n"


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        path = folder / "history.yaml"
        path.write_text(suite_text(100), encoding="utf-8")
        suite = load_suite(path)
        ws = Workspace(folder)
        full, rerun, rescored = [], [], []
        result = None
        for _ in range(ROUNDS):
            start = time.perf_counter()
            result = run_suite(suite, options=RunOptions(workdir=folder, _workspace=ws))
            full.append(time.perf_counter() - start)
            only = rerun_selection(result)
            start = time.perf_counter()
            run_suite(suite, options=RunOptions(workdir=folder, only=only, _workspace=ws))
            rerun.append(time.perf_counter() - start)
            start = time.perf_counter()
            rescore(result, suite, ws)
            rescored.append(time.perf_counter() - start)
        assert result is not None and len(rerun_selection(result)) == 1
        med = sorted
        f, r, s = med(full)[ROUNDS // 2], med(rerun)[ROUNDS // 2], med(rescored)[ROUNDS // 2]
        print(f"full run {f:.2f} s, rerun of 1 failed {r * 1000:.0f} ms, rescore of 100 {s:.2f} s (medians)")
        report("rerun 1 failed of 100 / full run", f"{r / f:.1%}", "<= 5%", r / f <= 0.05)
        report("rescore 100 / regenerate 100", f"{s / f:.1%}", "<= 10%", s / f <= 0.10)


if __name__ == "__main__":
    main()

"""Rerun and rescore against the full run they save: 100 offline cases, timed side by side in one process.

- rerun of the one failed case out of 100 (``--rerun-failed``) ÷ the full run: target ≤ 5%;
- rescore of the 100 stored cases (today's checks, no generation) ÷ regenerating them offline: target ≤ 10%.
  The offline composer writes one text per facts file, so the 100 stored drafts are 5 texts and a rescore
  checks each once; a second line measures 100 distinct texts (each draft given a sentence of its own),
  as a model's drafts are, where every text is validated: that is the validators' own cost.
Rounds alternate the variants (≥ 5) and report medians; the machine's cores are shared, so ratios are what count.
"""

from __future__ import annotations

import json
import tempfile
import time
from pathlib import Path

from _common import FIXTURES, report
from speechwriter.evals import RunOptions, SuiteResult, load_suite, run_suite
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


def distinct_drafts(result: SuiteResult) -> SuiteResult:
    """The run with every stored draft made a text of its own (one more sentence in its last section)."""
    rows = []
    for n, r in enumerate(result.results):
        draft = json.loads(json.dumps(r.draft))
        draft["sections"][-1]["body"] += f"第{n + 1}项工作要继续抓好。"
        rows.append(r.model_copy(update={"draft": draft}))
    return result.model_copy(update={"results": rows})


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        path = folder / "history.yaml"
        path.write_text(suite_text(100), encoding="utf-8")
        suite = load_suite(path)
        ws = Workspace(folder)
        full, rerun, rescored, distinct = [], [], [], []
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
            varied = distinct_drafts(result)
            start = time.perf_counter()
            rescore(varied, suite, ws)
            distinct.append(time.perf_counter() - start)
        assert result is not None and len(rerun_selection(result)) == 1
        med = sorted
        f, r, s = med(full)[ROUNDS // 2], med(rerun)[ROUNDS // 2], med(rescored)[ROUNDS // 2]
        d = med(distinct)[ROUNDS // 2]
        print(f"full run {f:.2f} s, rerun of 1 failed {r * 1000:.0f} ms, rescore of 100 {s:.2f} s, "
              f"of 100 distinct texts {d:.2f} s (medians)")
        report("rerun 1 failed of 100 / full run", f"{r / f:.1%}", "<= 5%", r / f <= 0.05)
        report("rescore 100 / regenerate 100", f"{s / f:.1%}", "<= 10%", s / f <= 0.10)
        report("rescore 100 distinct texts / regenerate 100", f"{d / f:.1%}", "<= 10%", d / f <= 0.10)


if __name__ == "__main__":
    main()

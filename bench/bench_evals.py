"""Evaluation runner speed: 100 offline cases now vs before the Workspace (same suite, same machine).

The baseline is the code at BASELINE (the last commit before prompt libraries, blueprints and
phrase banks were loaded once per workspace), checked out into a temporary git worktree and run
in its own process; the current code runs the same way. The two alternate over ≥ 7 rounds and
each process reports only the time of ``run_suite`` (imports and interpreter start excluded).
Target: ≥ 2× faster. ``--also REV`` times further revisions in the same alternation (e.g. the
commit before a change, to give that change's own ratio). Also: 100 cases over HTTP at
concurrency 16 vs the ideal (``--offline-only`` leaves it out).
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from _common import FIXTURES, PYTHON, ROOT, Timing, composer_brain, report
from speechwriter.evals import RunOptions, Variant, load_suite, run_suite
from speechwriter.testing.fakeserver import FakeLLMServer

BASELINE = "6629332"
LATENCY = 0.3
RUN = """
import sys, time
from pathlib import Path
from speechwriter.evals import RunOptions, load_suite, run_suite
suite = load_suite(Path(sys.argv[1]))
start = time.perf_counter()
result = run_suite(suite, options=RunOptions(concurrency=4, workdir=Path(sys.argv[2])))
print(time.perf_counter() - start, sum(r.status == "passed" for r in result.results))
"""


def suite_text(n: int) -> str:
    fixtures = sorted(FIXTURES.glob("*.yaml"))
    lines = ["name: bench", "cases:"]
    for i in range(n):
        lines.append(f"  - {{id: case{i:03d}, facts: {fixtures[i % len(fixtures)]}}}")
    return "\n".join(lines) + "\n"


def _run_in(src: Path, suite: Path, workdir: Path) -> tuple[float, int]:
    env = {**os.environ, "PYTHONPATH": str(src)}
    out = subprocess.run([PYTHON, "-c", RUN, str(suite), str(workdir)], env=env, capture_output=True, text=True,
                         check=True).stdout.split()
    return float(out[0]), int(out[1])


def _checkout(rev: str, folder: Path) -> Path | None:
    """``rev`` in a temporary git worktree at ``folder``; None (with a note) when git cannot."""
    made = subprocess.run(["git", "-C", str(ROOT), "worktree", "add", "--detach", "-q", str(folder), rev],
                          capture_output=True, text=True)
    if made.returncode != 0:
        print(f"       {rev} not available ({made.stderr.strip()[:80]}); not timed")
        return None
    return folder


def offline_vs_baseline(suite: Path, tmp: Path, also: list[str]) -> None:
    sources = {"now": ROOT / "src"}
    made = []
    for label, rev in [(f"baseline {BASELINE}", BASELINE), *((f"at {r}", r) for r in also)]:
        folder = _checkout(rev, tmp / f"rev-{rev}")
        if folder is not None:
            made.append(folder)
            sources[label] = folder / "src"
    try:
        times: dict[str, list[float]] = {k: [] for k in sources}
        passed: dict[str, int] = {}
        names = list(sources)
        for r in range(7):
            for name in names[r % len(names):] + names[:r % len(names)]:
                seconds, ok = _run_in(sources[name], suite, tmp)
                times[name].append(seconds)
                passed[name] = ok
        timings = {k: Timing(k, v) for k, v in times.items()}
        for t in timings.values():
            print("       " + t.line(1, "s ") + f"  {passed[t.name]} passed")
        now = timings["now"].median
        report(f"100 offline cases ({passed['now']} passed)", f"{now:.2f} s", "(time)", True)
        for name in names[1:]:
            before = timings[name].median
            if name.startswith("baseline"):
                report("100 offline cases: baseline / now", f"{before:.2f} s / {now:.2f} s = {before / now:.2f}x",
                       "≥ 2x", before / now >= 2)
            else:
                report(f"100 offline cases: {name} / now", f"{before:.2f} s / {now:.2f} s = {before / now:.2f}x",
                       "(ratio)", True)
    finally:
        for folder in made:
            subprocess.run(["git", "-C", str(ROOT), "worktree", "remove", "--force", str(folder)],
                           capture_output=True)


def http_run(suite, tmp: Path) -> None:
    """The same suite with the OpenAI-compatible engine against the scripted server."""
    concurrency = 16
    saved = dict(os.environ)
    os.environ.update({"SPEECHWRITER_LOCAL_ONLY": "1", "OPENAI_API_KEY": "bench-key",
                       "SPEECHWRITER_MODEL": "fake-model"})
    try:
        with FakeLLMServer(composer_brain(), latency=LATENCY) as server:
            os.environ["OPENAI_BASE_URL"] = server.base_url
            start = time.perf_counter()
            result = run_suite(suite, [Variant(engine="openai")],
                               RunOptions(concurrency=concurrency, use_cache=False, workdir=tmp))
            seconds = time.perf_counter() - start
            calls = server.calls / 100
    finally:  # the other bench scripts run in this process: leave no endpoint configured
        os.environ.clear()
        os.environ.update(saved)
    ideal = 100 * calls * LATENCY / concurrency
    passed = sum(r.status == "passed" for r in result.results)
    report(f"100 cases over HTTP, concurrency {concurrency} ({passed} passed)",
           f"{seconds:.1f} s / ideal {ideal:.1f} s = {seconds / ideal:.2f}x", "(ratio, lower is better)", True)


def main(argv: list[str] | None = None) -> None:
    import argparse

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--also", action="append", default=[], metavar="REV", help="also time this git revision")
    parser.add_argument("--offline-only", action="store_true", help="leave out the HTTP run")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "bench.yaml"
        path.write_text(suite_text(100), encoding="utf-8")
        offline_vs_baseline(path, Path(tmp), args.also)
        if not args.offline_only:
            http_run(load_suite(path), Path(tmp))


if __name__ == "__main__":
    sys.exit(main())

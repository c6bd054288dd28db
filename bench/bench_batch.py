"""Client-side wall time of a 1,000-case suite: live at concurrency 16 vs the Batch API (scripted server).

Live: every request over HTTP with 100 ms latency. Batch: the collecting pass, upload, polling,
download and the final pass from the cache; the scripted server's own time answering the batch
lines is subtracted (a provider does that work on its machines). Both runs use the same
scripted replies. Seven alternating rounds of 1,000 cases would take most of an hour here, so each
runs once after a 50-case warm-up, in the same process, and the two numbers are printed side by side.
"""

from __future__ import annotations

import os
import sys
import tempfile
import time
from pathlib import Path

import openai

from _common import FIXTURES, composer_brain, report
from speechwriter.evals import RunOptions, Variant, load_suite, run_suite
from speechwriter.evals.batch import collect_batch, submit_batch
from speechwriter.testing.batchserver import BatchFate, FakeBatchServer

N = 1000
LATENCY = 0.1


def suite_file(folder: Path, n: int) -> Path:
    fixtures = sorted(FIXTURES.glob("*.yaml"))
    lines = ["name: batchbench", "cases:"] + [f"  - {{id: c{i:04d}, facts: {fixtures[i % len(fixtures)]}}}"
                                              for i in range(n)]
    path = folder / f"suite{n}.yaml"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def batch_run(suite, root: Path, server: FakeBatchServer) -> tuple[float, int]:
    client = openai.OpenAI(base_url=server.base_url, api_key="bench-key", max_retries=0)
    before = server.run_seconds
    start = time.perf_counter()
    folder, _, _ = submit_batch(suite, [Variant(engine="openai")], RunOptions(concurrency=16, workdir=root),
                                client_for=lambda e: client)
    result = None
    while result is None:
        folder, _, result, _ = collect_batch(folder, root, lambda e: client)
    wall = time.perf_counter() - start - (server.run_seconds - before)
    return wall, sum(r.status == "passed" for r in result.results)


def main() -> None:
    saved = dict(os.environ)
    os.environ.update({"SPEECHWRITER_LOCAL_ONLY": "1", "OPENAI_API_KEY": "bench-key", "SPEECHWRITER_MODEL": "fake-model"})
    try:
        with tempfile.TemporaryDirectory() as tmp, FakeBatchServer(
                composer_brain(), latency=LATENCY, fates=[BatchFate(polls_to_finish=1) for _ in range(8)]) as server:
            os.environ["OPENAI_BASE_URL"] = server.base_url
            root = Path(tmp)
            warm = load_suite(suite_file(root, 50))
            run_suite(warm, [Variant(engine="openai")], RunOptions(concurrency=16, use_cache=False, workdir=root))
            suite = load_suite(suite_file(root, N))
            start = time.perf_counter()
            live = run_suite(suite, [Variant(engine="openai")], RunOptions(concurrency=16, use_cache=False,
                                                                            workdir=root / "live"))
            live_s = time.perf_counter() - start
            (root / "batch").mkdir()
            batch_s, passed = batch_run(suite, root / "batch", server)
    finally:
        os.environ.clear()
        os.environ.update(saved)
    live_ok = sum(r.status == "passed" for r in live.results)
    report(f"{N} cases live, concurrency 16, {LATENCY * 1000:.0f} ms ({live_ok} passed)", f"{live_s:.1f} s", "(time)",
           True)
    report(f"{N} cases by batch, client side ({passed} passed)", f"{batch_s:.1f} s = {batch_s / live_s:.2f}x live",
           "(ratio)", True)


if __name__ == "__main__":
    sys.exit(main())

"""Evaluation runner speed: 100 cases offline, and 100 cases against the scripted server (300 ms)."""

from __future__ import annotations

import os
import sys
import tempfile
import time
from pathlib import Path

from _common import FIXTURES, composer_brain, report
from speechwriter.evals import RunOptions, Variant, load_suite, run_suite
from speechwriter.testing.fakeserver import FakeLLMServer

LATENCY = 0.3


def suite_text(n: int) -> str:
    fixtures = sorted(FIXTURES.glob("*.yaml"))
    lines = ["name: bench", "cases:"]
    for i in range(n):
        lines.append(f"  - {{id: case{i:03d}, facts: {fixtures[i % len(fixtures)]}}}")
    return "\n".join(lines) + "\n"


def brain():
    return composer_brain()


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "bench.yaml"
        path.write_text(suite_text(100), encoding="utf-8")
        suite = load_suite(path)
        start = time.perf_counter()
        result = run_suite(suite, options=RunOptions(concurrency=4, workdir=Path(tmp)))
        seconds = time.perf_counter() - start
        passed = sum(r.status == "passed" for r in result.results)
        report(f"100 cases, offline engine ({passed} passed)", f"{seconds:.1f} s", "< 10 s", seconds < 10)

        saved = dict(os.environ)
        os.environ.update({"SPEECHWRITER_LOCAL_ONLY": "1", "OPENAI_API_KEY": "bench-key",
                           "SPEECHWRITER_MODEL": "fake-model"})
        try:
            http_run(suite, Path(tmp))
        finally:  # the other bench scripts run in this process: leave no endpoint configured
            os.environ.clear()
            os.environ.update(saved)


def http_run(suite, tmp: Path) -> None:
    """The same suite with the OpenAI-compatible engine against the scripted server."""
    concurrency = 16
    with FakeLLMServer(brain(), latency=LATENCY) as server:
        os.environ["OPENAI_BASE_URL"] = server.base_url
        start = time.perf_counter()
        result = run_suite(suite, [Variant(engine="openai")],
                           RunOptions(concurrency=concurrency, use_cache=False, workdir=tmp))
        seconds = time.perf_counter() - start
        calls = server.calls / 100
    ideal = 100 * calls * LATENCY / concurrency
    passed = sum(r.status == "passed" for r in result.results)
    report(f"100 cases over HTTP, concurrency {concurrency} ({passed} passed)",
           f"{seconds:.1f} s / ideal {ideal:.1f} s = {seconds / ideal:.2f}x", "(ratio, lower is better)", True)


if __name__ == "__main__":
    sys.exit(main())

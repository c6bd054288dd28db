"""Helpers for bench scripts: timing that prints ratios measured side by side in one run."""

from __future__ import annotations

import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = ROOT / "fixtures" / "facts"


def best_of(func: Callable[[], object], repeat: int = 5) -> float:
    """Best wall time of ``repeat`` calls, in seconds (the least disturbed by a noisy machine)."""
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        func()
        times.append(time.perf_counter() - start)
    return min(times)


def process_ms(argv: list[str], repeat: int = 15) -> float:
    """Median wall time of starting a process, in ms."""
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        subprocess.run(argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False)
        times.append(time.perf_counter() - start)
    return statistics.median(times) * 1000


def largest_fixture() -> Path:
    return max(FIXTURES.glob("*.yaml"), key=lambda p: p.stat().st_size)


def report(name: str, value: str, target: str, ok: bool) -> None:
    mark = "OK  " if ok else "MISS"
    print(f"[{mark}] {name:<48} {value:<28} target {target}")


PYTHON = sys.executable


def composer_brain():
    """A scripted-server responder whose replies the offline composer writes, memoised so the
    server's own CPU time stays out of the measurement."""
    from speechwriter.engines.offline import OfflineComposer
    from speechwriter.testing.fakeserver import Step

    composer = OfflineComposer.from_prompts()
    memo: dict[str, str] = {}

    def respond(request):
        key = request["messages"][-1]["content"]
        if key not in memo:
            memo[key] = composer.complete([{"role": m["role"], "content": m["content"]}
                                           for m in request["messages"]]).text
        return Step(reply=memo[key])

    return respond

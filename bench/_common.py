"""Helpers for bench scripts: timing that prints ratios measured side by side in one run."""

from __future__ import annotations

import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
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


@dataclass
class Timing:
    """One variant's times over the rounds of :func:`alternate`, in seconds."""

    name: str
    times: list[float]

    @property
    def min(self) -> float:
        return min(self.times)

    @property
    def median(self) -> float:
        return statistics.median(self.times)

    @property
    def spread(self) -> float:
        """(max - min) / median: how noisy the rounds were."""
        return (max(self.times) - min(self.times)) / self.median if self.median else 0.0

    def line(self, scale: float = 1000, unit: str = "ms") -> str:
        return (f"{self.name:<40} min {self.min * scale:8.2f} {unit}  median {self.median * scale:8.2f} {unit}  "
                f"spread {self.spread:5.0%}  ({len(self.times)} rounds)")


def alternate(variants: dict[str, Callable[[], object]], rounds: int = 7, warmup: int = 1,
              quiet: bool = False) -> dict[str, Timing]:
    """Time each variant once per round, alternating them (the order rotates every round).

    Alternating in one process puts every variant through the same machine noise, so their
    ratio means something on a shared 2-core machine. Prints min / median / spread per variant.
    """
    names = list(variants)
    for _ in range(warmup):
        for name in names:
            variants[name]()
    times: dict[str, list[float]] = {n: [] for n in names}
    for r in range(max(7, rounds)):
        order = names[r % len(names):] + names[:r % len(names)]
        for name in order:
            start = time.perf_counter()
            variants[name]()
            times[name].append(time.perf_counter() - start)
    out = {n: Timing(n, t) for n, t in times.items()}
    if not quiet:
        for timing in out.values():
            print("       " + timing.line())
    return out


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

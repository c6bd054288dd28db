"""Facts loading throughput (cold start is in bench_startup.py)."""

from __future__ import annotations

from _common import best_of, largest_fixture, report
from speechwriter.facts import load_facts


def main() -> None:
    path = largest_fixture()
    n = 1000
    seconds = best_of(lambda: [load_facts(path) for _ in range(n)], repeat=3)
    report(f"load+validate {path.name} x{n}", f"{n / seconds:,.0f} facts/s", "(throughput)", True)


if __name__ == "__main__":
    main()

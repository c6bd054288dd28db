"""Facts loading throughput and CLI cold start (issue: foundation)."""

from __future__ import annotations

from pathlib import Path

from _common import PYTHON, best_of, largest_fixture, process_ms, report
from speechwriter.facts import load_facts


def main() -> None:
    path = largest_fixture()
    n = 1000
    seconds = best_of(lambda: [load_facts(path) for _ in range(n)], repeat=3)
    report(f"load+validate {path.name} x{n}", f"{n / seconds:,.0f} facts/s", "(throughput)", True)

    exe = str(Path(PYTHON).with_name("speechwriter"))
    bare = process_ms([PYTHON, "-c", "pass"])
    helps = process_ms([exe, "--help"])
    ratio = helps / bare
    report("speechwriter --help vs python -c pass", f"{helps:.0f} ms / {bare:.0f} ms = {ratio:.1f}x",
           "< 3x", ratio < 3)


if __name__ == "__main__":
    main()

"""Offline extraction throughput over the whole corpus (../shared/corpus), in characters per second.

Three figures, measured side by side in one run: the rules alone (sources → facts data), the
extraction as the library returns it (rules, facts model, commented YAML), and the full path the
command takes (the YAML loaded back through ``facts check``). The target applies to the second.
"""

from __future__ import annotations

from _common import ROOT, best_of, report
from speechwriter.extract import extract_facts, read_source
from speechwriter.extract.offline import extract_offline
from speechwriter.workspace import Workspace

TARGET = 200_000
CORPUS = ROOT.parent / "shared" / "corpus"


def main() -> None:
    files = sorted(CORPUS.glob("*.txt"))
    if not files:
        print(f"[SKIP] {CORPUS} not present")
        return
    sources = [read_source(f) for f in files]
    chars = sum(s.chars for s in sources)
    ws = Workspace()
    rules = best_of(lambda: [extract_offline([s], []) for s in sources], repeat=5)
    library_path = best_of(lambda: [extract_facts([s], workspace=ws, verify=False) for s in sources], repeat=5)
    full = best_of(lambda: [extract_facts([s], workspace=ws) for s in sources], repeat=5)
    label = f"{len(files)} texts, {chars:,} chars"
    report(f"rules only ({label})", f"{chars / rules:,.0f} chars/s", "(for comparison)", True)
    rate = chars / library_path
    report("offline extraction to facts + YAML", f"{rate:,.0f} chars/s", f">= {TARGET:,} chars/s", rate >= TARGET)
    report("with the YAML checked back (facts check)", f"{chars / full:,.0f} chars/s", "(for comparison)", True)
    print(f"       ratio to target: {rate / TARGET:.2f}x; checking the YAML back costs {full / library_path:.2f}x")


if __name__ == "__main__":
    main()

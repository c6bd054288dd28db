"""Offline composer speed: drafts/second over every fixture, and a 4,000-character draft."""

from __future__ import annotations

from _common import FIXTURES, best_of, report
from speechwriter.engines.offline import OfflineComposer
from speechwriter.facts import load_facts, parse_facts
from speechwriter.pipeline import draft_speech
from speechwriter.prompts import PromptLibrary


def main() -> None:
    library = PromptLibrary()
    engine = OfflineComposer.from_prompts()
    facts = [load_facts(p) for p in sorted(FIXTURES.glob("*.yaml"))]
    n = 20
    seconds = best_of(lambda: [draft_speech(f, engine=engine, library=library) for _ in range(n) for f in facts],
                      repeat=3)
    report(f"offline draft of {len(facts)} fixtures x{n}", f"{n * len(facts) / seconds:,.0f} drafts/s",
           "(throughput)", True)

    # A long draft: the reference facts with every highlight repeated until ~4,000 characters.
    text = (FIXTURES / "work_report_gongqingfu.yaml").read_text(encoding="utf-8")
    head, rest = text.split("highlights:\n", 1)
    block, tail = rest.split("\nnames:", 1)
    blocks = block + block.replace("theme: ", "theme: 再") + block.replace("theme: ", "theme: 又")
    big = parse_facts(head + "highlights:\n" + blocks + "\nnames:" + tail)
    draft = draft_speech(big, engine=engine, library=library)
    composer_ms = sum(draft.timings_ms.values())
    best = min(sum(draft_speech(big, engine=engine, library=library).timings_ms.values()) for _ in range(5))
    report(f"composer time for a {draft.chars}-character draft", f"{best:.1f} ms (first {composer_ms:.1f})",
           "< 50 ms", best < 50)


if __name__ == "__main__":
    main()

"""Offline composer speed: drafts/second over every fixture, and a 4,000-character draft."""

from __future__ import annotations

from _common import FIXTURES, best_of, report
from speechwriter.engines.offline import OfflineComposer
from speechwriter.facts import load_facts, parse_facts
from speechwriter.prompts import PromptLibrary
from speechwriter.workspace import draft_speech


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
    # Composer time alone: the engine called on every section's rendered prompt, nothing else.
    bp = library.blueprint(big.meta.genre)
    prompts = [library.render(big, bp, spec).messages for spec in bp.sections if spec.role != "salutation"]
    best = best_of(lambda: [engine.complete(m) for m in prompts], repeat=5) * 1000
    report(f"composer time for a {draft.chars}-character draft", f"{best:.1f} ms", "< 50 ms", best < 50)


if __name__ == "__main__":
    main()

"""How grounded the offline composer's drafts are, in numbers (a quality report, not a speed bench).

For every fixture drafted in its own genre, and for facts extracted offline (``facts extract``)
from corpus texts of different kinds in ../shared/corpus, prints:

- ungrounded sentences per 1,000 characters (a sentence of >= 6 Han characters whose character
  bigrams are < 35% present in the facts file's strings; structural sentences and gap markers
  excepted: :func:`speechwriter.metrics.ungrounded_sentences`) — target <= 3;
- the share of characters in them — target <= 8%;
- gaps written and the characters they ask for; length against the target;
- validate errors (target 0; gap warnings are expected);

then the stock sentences shared by drafts of two different facts files — target 0.

    .venv/bin/python bench/offline_prose.py          # the table
    .venv/bin/python bench/offline_prose.py -v       # and every ungrounded sentence
"""

from __future__ import annotations

import sys
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))

from speechwriter.draft import Draft  # noqa: E402
from speechwriter.engines.offline import OfflineComposer  # noqa: E402
from speechwriter.facts import Facts, load_facts  # noqa: E402
from speechwriter.metrics import Grounding, grounding, shared_stock_sentences  # noqa: E402
from speechwriter.prompts import PromptLibrary  # noqa: E402
from speechwriter.validate import validate  # noqa: E402
from speechwriter.workspace import Workspace  # noqa: E402

FIXTURES = sorted((ROOT / "fixtures" / "facts").glob("*.yaml"))
CORPUS = ROOT.parent / "shared" / "corpus"
from speechwriter.testing.corpus import GROUNDING_CASES as CORPUS_CASES  # noqa: E402

TARGET_PER_THOUSAND = 3.0
TARGET_SHARE = 0.08


@dataclass(frozen=True)
class Row:
    """One draft measured."""

    name: str
    draft: Draft
    facts: Facts
    grounding: Grounding
    errors: int

    @property
    def body(self) -> str:
        return prose(self.draft)


def prose(draft: Draft) -> str:
    """The draft's prose: every section but the salutation (the facts' own line, not the composer's)."""
    return "\n".join(s.body for s in draft.sections if s.role != "salutation")


def _measure(name: str, facts: Facts, genre: str, ws: Workspace, lib: PromptLibrary,
             structural: list[str]) -> Row:
    draft = ws.draft(facts, genre=genre, record=False, use_cache=False).draft
    report = validate(draft, facts, lib.blueprint(genre))
    return Row(name, draft, facts, grounding(prose(draft), facts, structural),
               sum(1 for f in report.findings if f.severity == "error"))


def corpus_facts(ws: Workspace) -> list[tuple[str, Facts, str]]:
    """(name, facts extracted offline, genre) for each corpus case that is present."""
    from speechwriter.extract import extract_facts

    out = []
    for name, genre in CORPUS_CASES:
        path = CORPUS / name
        if path.is_file():
            out.append((name.split("_")[0], extract_facts([path], genre=genre, workspace=ws, verify=False).facts, genre))
    return out


def measure_all(include_corpus: bool = True) -> tuple[list[Row], list[str]]:
    """Every fixture and corpus case measured, and the stock sentences drafts share."""
    ws, lib = Workspace(), PromptLibrary()
    structural = OfflineComposer.from_prompts().structural_templates()
    rows = [_measure(p.stem, load_facts(p), load_facts(p).meta.genre, ws, lib, structural) for p in FIXTURES]
    if include_corpus:
        rows += [_measure(f"corpus {n} ({g})", f, g, ws, lib, structural) for n, f, g in corpus_facts(ws)]
    return rows, shared_stock_sentences([r.body for r in rows], structural)


def main() -> None:
    verbose = "-v" in sys.argv[1:]
    rows, shared = measure_all()
    print(f"{'draft':36} {'chars':>6} {'target':>6} {'ungr/1k':>8} {'share':>6} {'gaps':>5} {'gap chars':>9} {'errors':>6}")
    for r in rows:
        gaps = r.draft.gaps
        target = r.facts.meta.target.resolved_chars(PromptLibrary().blueprint(r.draft.genre).chars_per_minute)
        print(f"{r.name:36} {r.draft.chars:6d} {target:6d} {r.grounding.per_thousand:8.2f} "
              f"{r.grounding.share:6.1%} {len(gaps):5d} {sum(g.chars or 0 for g in gaps):9d} {r.errors:6d}")
        if verbose:
            for s in r.grounding.ungrounded:
                print("      ", s)
    worst = max(r.grounding.per_thousand for r in rows)
    worst_share = max(r.grounding.share for r in rows)
    print(f"worst: {worst:.2f} ungrounded per 1,000 chars (target <= {TARGET_PER_THOUSAND}), "
          f"{worst_share:.1%} of characters (target <= {TARGET_SHARE:.0%})")
    print(f"stock sentences shared by two drafts beyond the structural list: {len(shared)} (target 0)")
    for s in shared:
        print("  ", s)


if __name__ == "__main__":
    main()

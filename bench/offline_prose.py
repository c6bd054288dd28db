"""How the offline composer's drafts read, in numbers (not a speed bench: a quality report).

Prints, per fixture drafted in its own genre: length as % of target, copy ratio, the worst
sentence overlap among the four genres drafted from it, the number of phrase-bank templates used
more than once in the draft (however filled), and the number of template sentences in it; then
the sentences the two annual-summary fixtures share word for word.

    .venv/bin/python bench/offline_prose.py
"""

from __future__ import annotations

import itertools
import re
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))

from speechwriter.facts import load_facts  # noqa: E402
from speechwriter.metrics import copy_ratio, sentence_overlap, sentences  # noqa: E402
from speechwriter.prompts import PromptLibrary  # noqa: E402
from speechwriter.validate import validate  # noqa: E402
from speechwriter.workspace import Workspace  # noqa: E402

GENRES = ["work_report", "leader_speech", "duty_report", "annual_summary"]
FIXTURES = sorted((ROOT / "fixtures" / "facts").glob("*.yaml"))


def _strings(node: Any) -> list[str]:
    if isinstance(node, str):
        return [node]
    if isinstance(node, dict):
        return [s for v in node.values() for s in _strings(v)]
    if isinstance(node, list):
        return [s for v in node for s in _strings(v)]
    return []


def template_patterns() -> list[re.Pattern[str]]:
    """Every whole-sentence phrase of the bank as a pattern (slots match anything)."""
    import yaml

    bank = yaml.safe_load((ROOT / "prompts" / "offline" / "phrases.yaml").read_text(encoding="utf-8"))
    bank.pop("words", None)
    out = []
    for text in set(_strings(bank)):
        text = text.strip()
        if len(re.sub(r"\{\w+\}", "", text)) < 8:
            continue
        pieces = re.split(r"\{\w+\}", text.rstrip("。！"))
        out.append(re.compile(".+?".join(re.escape(p) for p in pieces)))
    return out


def template_uses(body: str, patterns: list[re.Pattern[str]]) -> dict[str, int]:
    """Template pattern -> how many sentences of ``body`` it produced."""
    uses: dict[str, int] = {}
    for sent in re.findall(r"[^。！？\n]+[。！？]?", body):
        for pat in patterns:
            if pat.search(sent):
                uses[pat.pattern] = uses.get(pat.pattern, 0) + 1
    return uses


def main() -> None:
    ws, lib = Workspace(), PromptLibrary()
    patterns = template_patterns()
    bodies: dict[tuple[str, str], str] = {}
    rows = []
    for path in FIXTURES:
        facts = load_facts(path)
        for genre in GENRES:
            draft = ws.draft(facts, genre=genre, record=False, use_cache=False).draft
            bodies[(path.stem, genre)] = "\n".join(s.body for s in draft.sections)
        own = facts.meta.genre
        draft = ws.draft(facts, genre=own, record=False, use_cache=False).draft
        report = validate(draft, facts, lib.blueprint(own))
        body = bodies[(path.stem, own)]
        uses = template_uses(body, patterns)
        worst = max(sentence_overlap(bodies[(path.stem, a)], bodies[(path.stem, b)])
                    for a, b in itertools.permutations(GENRES, 2))
        rows.append((path.stem, report.chars / report.target_chars, copy_ratio(body, facts.prose()), worst,
                     sum(1 for n in uses.values() if n > 1), sum(uses.values())))
    print(f"{'fixture':28} {'length':>7} {'copy':>6} {'x-genre':>8} {'tpl>1':>6} {'tpl':>5}")
    for stem, length, copied, worst, multi, total in rows:
        print(f"{stem:28} {length:7.0%} {copied:6.2f} {worst:8.0%} {multi:6d} {total:5d}")
    a = bodies[("annual_summary_agri", "annual_summary")]
    b = bodies[("annual_summary_hailar", "annual_summary")]
    shared = set(sentences(a)) & set(sentences(b))
    print(f"sentences shared by the two annual summaries: {len(shared)}")
    for s in sorted(shared):
        print("  ", s)


if __name__ == "__main__":
    main()

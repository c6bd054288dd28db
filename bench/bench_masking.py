"""脱敏 on real texts: does masking touch the instructions, and does any declared value stay in the data?

For every text of ../shared/corpus (and the reference work report): offline facts, then every
section prompt of its genre, masked for all four kinds as a request would be. Counted over all
messages: how many had their instruction text (outside the data blocks) changed, how many
placeholders were written into instructions, how many declared values are left in the data, and
how many facts the templates print into the instruction text (where masking of the data alone does
not reach: they must live in the blocks).
Runs against whichever speechwriter is on the path: PYTHONPATH=OTHER_CHECKOUT/src measures an older one.
"""

from __future__ import annotations

import json
import re
import sys

from _common import ROOT, report
from speechwriter.extract import extract_facts, read_source
from speechwriter.masking import MASK_KINDS, Masker
from speechwriter.prompts import PromptLibrary
from speechwriter.resources import builtin_prompts_dir
from speechwriter.workspace import Workspace

CORPUS = ROOT.parent / "shared" / "corpus"
REFERENCE = ROOT.parent / "shared" / "reference" / "work-report-clean.txt"
_OPEN = re.compile(r"(?m)^<([A-Za-z][A-Za-z0-9_-]*)>[ \t]*\n")
_PH = re.compile(r"〔(?:数|单位|人名|地名)\d+〕")


def _split(text: str) -> tuple[str, str]:
    """(instructions, data) of a message: the text outside the JSON data blocks, and their strings.

    Written here rather than imported, so that the same count runs on code that predates
    ``speechwriter.datablock.outside_blocks``.
    """
    spans, pos = [], 0
    while (m := _OPEN.search(text, pos)) is not None:
        end = re.compile(rf"(?m)\n</{re.escape(m.group(1))}>[ \t]*$").search(text, m.end() - 1)
        try:
            ok = end is not None and json.loads(text[m.end():end.start()]) is not None
        except json.JSONDecodeError:
            ok = False
        if not ok:
            pos = m.end()
            continue
        spans.append((m.end(), end.start()))
        pos = end.end()
    outside = "\n".join(text[a:b] for a, b in zip([0, *(e for _, e in spans)], [*(s for s, _ in spans), len(text)],
                                                 strict=True))
    data = "\n".join(_strings(json.loads(text[a:b])) for a, b in spans)
    return outside, data


def _strings(value: object) -> str:
    """The string values of a JSON value, one a line: the data (numbers there are budgets, not facts)."""
    if isinstance(value, str):
        return value
    if isinstance(value, list):
        return "\n".join(_strings(v) for v in value)
    if isinstance(value, dict):
        return "\n".join(_strings(v) for v in value.values())
    return ""


def _masked(masker: Masker, messages: list[dict]) -> list[dict]:
    return masker.mask_messages(messages)


def main() -> None:
    files = [*sorted(CORPUS.glob("*.txt")), REFERENCE]
    files = [f for f in files if f.is_file()]
    if not files:
        print(f"[SKIP] {CORPUS} not present")
        return
    library = PromptLibrary()
    words = "\n".join(p.read_text(encoding="utf-8") for p in builtin_prompts_dir().rglob("*")
                      if p.is_file() and p.suffix in (".j2", ".yaml", ".txt"))
    ws = Workspace()
    totals = {"messages": 0, "changed": 0, "placeholders": 0, "left_in_data": 0, "facts_in_instructions": 0,
              "facts_in_plain_instructions": 0}
    for path in files:
        genre = "leader_speech" if "speech" in path.name or "address" in path.name else "work_report"
        facts = extract_facts([read_source(path)], workspace=ws, genre=genre, verify=False).facts
        masker = Masker.from_facts(facts, MASK_KINDS)
        blueprint = library.blueprint(facts.meta.genre or genre)
        for section in blueprint.sections:
            if section.role == "salutation":
                continue
            try:
                prompt = library.render(facts, blueprint, section)
            except Exception:  # a section these facts cannot feed is not sent either
                continue
            for before, after in zip(prompt.messages, _masked(masker, prompt.messages), strict=True):
                totals["messages"] += 1
                plain_out, _ = _split(before["content"])
                masked_out, masked_data = _split(after["content"])
                totals["changed"] += plain_out != masked_out
                totals["placeholders"] += len(_PH.findall(masked_out))
                totals["left_in_data"] += len(masker.leaks(masked_data))
                if masker.leaks(masked_data) and "-v" in sys.argv:
                    print(path.name, section.id, masker.leaks(masked_data))
                totals["facts_in_instructions"] += len([v for v in masker.leaks(masked_out) if v not in words])
                totals["facts_in_plain_instructions"] += len([v for v in masker.leaks(plain_out) if v not in words])
    label = f"{len(files)} texts, {totals['messages']} messages"
    report(f"messages whose instructions masking changed ({label})", str(totals["changed"]), "0",
           totals["changed"] == 0)
    report("placeholders written into instructions", str(totals["placeholders"]), "0", totals["placeholders"] == 0)
    report("declared values left in the data", str(totals["left_in_data"]), "0", totals["left_in_data"] == 0)
    report("facts left in the masked instructions", str(totals["facts_in_instructions"]), "0",
           totals["facts_in_instructions"] == 0)
    plain = totals["facts_in_plain_instructions"]
    report("facts the templates print outside the data blocks", str(plain), "0", plain == 0)
    sys.stdout.flush()


if __name__ == "__main__":
    main()

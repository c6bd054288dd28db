"""``facts check --sources``: every figure traced back to the sentence it came from.

For each figure of the facts: the item's provenance must name one of the sources, the named line
must hold the recorded sentence, and the sentence must state the figure (by value, unit and
qualifier, found by the validators' own finder). A figure that no source sentence states at all
is an error; one that is stated elsewhere than its provenance says is a warning with the place.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from ..facts import Facts, FigureRef, Provenance
from ..figures import Quantity, find_quantities
from .outline import outline_of
from .sources import Source
from .text import strip_note_marks

__all__ = ["ProvenanceFinding", "check_provenance"]


@dataclass(frozen=True)
class ProvenanceFinding:
    """One problem with a figure's provenance."""

    code: str
    severity: Literal["error", "warning"]
    path: str
    figure: str
    message: str


def _norm(text: str) -> str:
    return "".join(text.split())


def _states(sentence: str, q: Quantity) -> bool:
    # Read as the extractor reads it: a footnote mark (定位[22]) hides no figure of the statement.
    return any(m.quantity.matches(q) and m.quantity.high == q.high
               for m in find_quantities(strip_note_marks(sentence)))


def _source_for(name: str, sources: list[Source]) -> Source | None:
    for s in sources:
        if s.name == name:
            return s
    wanted = Path(name)
    for s in sources:
        if Path(s.name).resolve() == wanted.resolve() or Path(s.name).name == wanted.name:
            return s
    return None


def _provenance_of(facts: Facts, ref: FigureRef) -> list[Provenance]:
    parts = ref.path.split(".")
    if ref.path.startswith("highlights"):
        h = int(parts[0][len("highlights["):-1])
        i = int(parts[1][len("items["):-1])
        return facts.highlights[h].items[i].provenance
    if ref.path.startswith("parts"):  # parts[k].points[p].figures[f]
        k = int(parts[0][len("parts["):-1])
        p = int(parts[1][len("points["):-1])
        return facts.parts[k].points[p].provenance
    p = int(parts[0][len("plans["):-1])
    return facts.plans[p].provenance


def check_provenance(facts: Facts, sources: list[Source]) -> list[ProvenanceFinding]:
    """Findings for every figure whose provenance does not hold up (empty when all do)."""
    sentences: list[tuple[Source, int, str]] = []
    for source in sources:
        outline = outline_of(source)
        sentences += [(source, s.line, s.text) for s in outline.sentences]
        sentences += [(source, n.line, n.sentence) for n in outline.nodes[1:] if not n.runin]
    out: list[ProvenanceFinding] = []
    for ref in facts.figure_refs():
        q = ref.figure.quantity
        raw = ref.figure.raw
        provenance = _provenance_of(facts, ref)
        problem = _check_recorded(provenance, q, sources)
        if problem is None:
            continue
        elsewhere = next(((s, line) for s, line, text in sentences if raw in text and _states(text, q)), None) or \
            next(((s, line) for s, line, text in sentences if _states(text, q)), None)
        if elsewhere is None:
            out.append(ProvenanceFinding("P601", "error", ref.path, raw,
                                         f"数字「{raw}」在所有材料中都找不到出处（{problem}）"))
        else:
            source, line = elsewhere
            out.append(ProvenanceFinding("P602", "warning", ref.path, raw,
                                         f"数字「{raw}」的出处记录有误（{problem}），材料中见于 {source.name}:{line}"))
    return out


def _check_recorded(provenance: list[Provenance], q: Quantity, sources: list[Source]) -> str | None:
    """None when one recorded provenance holds the figure, else what is wrong."""
    if not provenance:
        return "没有记录出处"
    problems = []
    for p in provenance:
        source = _source_for(p.file, sources)
        if source is None:
            problems.append(f"来源文件「{p.file}」不在所给材料中")
            continue
        line = source.line_text(p.line)
        if line is None or _norm(p.sentence) not in _norm(line):
            problems.append(f"{p.file}:{p.line} 没有记录的原句")
            continue
        if _states(p.sentence, q):
            return None
        problems.append(f"{p.file}:{p.line} 的原句中没有这个数字")
    return "；".join(dict.fromkeys(problems))

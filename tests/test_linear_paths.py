"""Long inputs take linear paths: each fast algorithm is checked against the simple one it replaced.

The simple implementations live here, as the reference: the fast code must give the same answer on
the real corpus, the reference speech and the fixtures, and on every paragraph of them.
"""

from __future__ import annotations

import pytest

from speechwriter.blueprint import load_blueprint
from speechwriter.draft import Draft
from speechwriter.facts import load_facts
from speechwriter.validate import draft_from_text, validate
from speechwriter.validate.checks import Finding
from speechwriter.validate.locations import _paragraph_at, locate_all
from speechwriter.workspace import draft_speech

from .conftest import REFERENCE_FACTS, shared_path
from .corpus.loader import fact_files, load_case
from .test_export import _unit_template


def reference_locate(source: str, draft: Draft, finding: Finding) -> tuple[int, int] | None:
    """The line scan per finding that made a 4 MB speech take minutes (kept as the reference)."""
    lines = source.splitlines()
    section = draft.section(finding.section) if finding.section else None
    if section is not None and finding.span is not None:
        paragraph, within = _paragraph_at(section.body, finding.span[0])
        needle = paragraph.strip()
        if not needle:
            return None
        lead = len(paragraph) - len(paragraph.lstrip())
        for n, line in enumerate(lines, 1):
            at = line.find(needle)
            if at >= 0:
                return n, at + max(0, within - lead) + 1
        return None
    if finding.excerpt:
        for n, line in enumerate(lines, 1):
            at = line.find(finding.excerpt)
            if at >= 0:
                return n, at + 1
    return None


def _every_paragraph(draft: Draft) -> list[Finding]:
    """A finding at the start, the middle and the end of every paragraph, and one by excerpt each."""
    out = []
    for s in draft.sections:
        pos = 0
        for para in s.body.split("\n"):
            for at in (pos, pos + len(para) // 2, pos + max(0, len(para) - 1)):
                out.append(Finding(code="X", severity="info", section=s.id, span=(at, at + 1), message=""))
            if para.strip():
                out.append(Finding(code="X", severity="info", message="", excerpt=para.strip()[:12]))
            pos += len(para) + 1
    return out


def _texts() -> list[tuple[str, Draft, object]]:
    shared_path("corpus", "SOURCES.md")
    cases = [load_case(p) for p in fact_files()]
    bp = load_blueprint("work_report")
    ref = shared_path("reference", "work-report-clean.txt").read_text(encoding="utf-8")
    facts = load_facts(REFERENCE_FACTS)
    offline = draft_speech(facts).to_markdown()
    return [(c.text, c.draft, validate(c.draft, c.facts, c.blueprint)) for c in cases] + [
        (t, d, validate(d, facts, bp)) for t in (ref, offline) for d in [draft_from_text(t, bp)]]


def test_locations_equal_the_line_scan_on_real_text() -> None:
    compared = 0
    for source, draft, report in _texts():
        findings = [*report.findings, *_every_paragraph(draft)]
        _same_or_better(source, draft, findings)
        compared += len(findings)
    assert compared > 5000


def _same_or_better(source: str, draft: Draft, findings: list[Finding]) -> None:
    """The same place as the line scan, except where the scan stopped at an earlier line that merely
    contains the paragraph as a part: there the paragraph's own line is named (the scan's was wrong)."""
    lines = source.splitlines()
    for f, got in zip(findings, locate_all(source, draft, findings), strict=True):
        want = reference_locate(source, draft, f)
        if got == want:
            continue
        assert f.span is not None and got is not None and want is not None, (f, got, want)
        needle = _paragraph_at(draft.section(f.section).body, f.span[0])[0].strip()
        assert lines[got[0] - 1].strip() == needle and lines[want[0] - 1].strip() != needle
        assert got[0] > want[0]


def test_locations_of_odd_paragraphs_equal_the_line_scan() -> None:
    """Full-width spaces, a paragraph that is part of a longer line, markdown marks, an excerpt across lines."""
    bp = load_blueprint("work_report")
    source = ("标题\n\u3000\u3000同志们：\n## 开场一句话。\n甲乙丙。甲乙丙丁戊。\n一、第一部分\n一是甲乙丙。\n"
              "\u3000\u3000二是做了\u3000很多。\n  缩进的一段。\n")
    draft = draft_from_text(source, bp)
    findings = [*_every_paragraph(draft), Finding(code="X", severity="info", message="", excerpt="甲乙丙。\n一"),
                Finding(code="X", severity="info", message="", excerpt="没有这句")]
    assert locate_all(source, draft, findings) == [reference_locate(source, draft, f) for f in findings]


def test_a_short_paragraph_inside_an_earlier_line_is_placed_on_its_own_line() -> None:
    bp = load_blueprint("work_report")
    source = "标题\n开场：今年我们加强学习。这是长的一段。\n一、第一部分\n一是甲。\n加强学习。\n"
    draft = draft_from_text(source, bp)
    sid = next(s.id for s in draft.sections if "加强学习。" in s.body.split("\n"))
    at = draft.section(sid).body.split("\n").index("加强学习。")
    start = sum(len(p) + 1 for p in draft.section(sid).body.split("\n")[:at])
    finding = Finding(code="X", severity="info", section=sid, span=(start, start + 1), message="")
    assert locate_all(source, draft, [finding]) == [(5, 1)]
    assert reference_locate(source, draft, finding) == (2, 8)  # the old scan named the opening line


# --- export ---------------------------------------------------------------------------------------

class ReferenceAppender:
    """python-docx's own way, paragraph by paragraph (quadratic on 40,000 paragraphs): the reference."""

    def __init__(self, doc) -> None:
        self.doc = doc

    def add_paragraph(self, style=None):
        return self.doc.add_paragraph(style=style)

    def repeat(self, kind: str, text: str, build):
        return build(text)


def _odd_draft() -> Draft:
    """The reference draft with paragraphs python-docx treats specially: tabs, spaces at the ends,
    a line break inside, a run-in heading, an empty paragraph."""
    d = draft_speech(load_facts(REFERENCE_FACTS))
    body = next(s for s in d.sections if s.role not in ("salutation",) and s.body)
    body.body += "\n\n  前后有空格  \n\n甲\t乙\n\n（五）段首标题。正文接着写。\n\n 、"
    return d


def _xml(doc) -> tuple[str, str]:
    return doc.element.xml, doc.styles.element.xml


@pytest.mark.parametrize("kind", ["docx", "docx on a template", "reading copy"])
def test_export_writes_the_same_xml_as_python_docx_paragraph_by_paragraph(kind, monkeypatch, tmp_path) -> None:
    from speechwriter.export import writers

    template = _unit_template(tmp_path / "unit.docx") if kind == "docx on a template" else None
    bp = load_blueprint("work_report")
    shared_path("reference", "work-report-clean.txt")
    real = draft_from_text(shared_path("reference", "work-report-clean.txt").read_text(encoding="utf-8"), bp)
    for draft in (_odd_draft(), real):
        def build(d=draft):
            if kind == "reading copy":
                return writers.build_reading_copy(d)
            return writers.build_docx(d, template=template)
        fast = _xml(build())
        with monkeypatch.context() as m:
            m.setattr(writers, "_Appender", ReferenceAppender)
            slow = _xml(build())
        assert fast == slow
        assert fast[0].count("<w:p>") + fast[0].count("<w:p ") > 20

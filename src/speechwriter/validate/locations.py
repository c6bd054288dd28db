"""Where a finding is in the file the user wrote: line and column in a .md/.txt speech or a .docx.

A speech read from text is split into sections (:func:`speechwriter.validate.checks.draft_from_text`)
whose paragraphs are the file's lines, so a finding's section and span map back to a line of the
file. For a .docx the "lines" are its paragraphs, in order (as ``docx_lines`` reads them).
Line and column are 1-based and count characters, as editors and compilers print them.
"""

from __future__ import annotations

from ..draft import Draft
from .checks import Finding

__all__ = ["locate"]


def _paragraph_at(body: str, offset: int) -> tuple[str, int]:
    """The paragraph (line) of ``body`` holding ``offset``, and the offset within it."""
    start = body.rfind("\n", 0, offset) + 1
    end = body.find("\n", offset)
    return body[start:end if end >= 0 else len(body)], offset - start


def locate(source: str, draft: Draft, finding: Finding) -> tuple[int, int] | None:
    """(line, column) of ``finding`` in ``source`` (the text ``draft`` was read from); None if not placed."""
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

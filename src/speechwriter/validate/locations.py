"""Where a finding is in the file the user wrote: line and column in a .md/.txt speech or a .docx.

A speech read from text is split into sections (:func:`speechwriter.validate.checks.draft_from_text`)
whose paragraphs are the file's lines, so a finding's section and span map back to a line of the
file. For a .docx the "lines" are its paragraphs, in order (as ``docx_lines`` reads them).
Line and column are 1-based and count characters, as editors and compilers print them.

:class:`Locator` reads the source once: a finding is placed by a dictionary look-up of its
paragraph, not by a scan of every line (a scan per finding made a 4 MB speech take minutes).
"""

from __future__ import annotations

import bisect
from collections.abc import Iterable

from ..draft import Draft
from .checks import Finding

__all__ = ["Locator", "locate", "locate_all"]


def _paragraph_at(body: str, offset: int) -> tuple[str, int]:
    """The paragraph (line) of ``body`` holding ``offset``, and the offset within it."""
    start = body.rfind("\n", 0, offset) + 1
    end = body.find("\n", offset)
    return body[start:end if end >= 0 else len(body)], offset - start


class Locator:
    """Places findings in ``source`` (the text ``draft`` was read from); the source is indexed once."""

    def __init__(self, source: str, draft: Draft) -> None:
        self.draft = draft
        lines = source.splitlines()
        # "\n" between lines: a needle has no line break, so a match in the joined text is inside one line
        self._joined = "\n".join(lines)
        self._starts: list[int] = []
        self._exact: dict[str, int] = {}  # a line's text without its outer spaces -> its first index
        pos = 0
        for n, line in enumerate(lines):
            self._starts.append(pos)
            pos += len(line) + 1
            self._exact.setdefault(line.strip(), n)
        self._found: dict[tuple[str, bool], tuple[int, int] | None] = {}

    def _first(self, needle: str, paragraph: bool) -> tuple[int, int] | None:
        """(0-based line, 0-based column) of ``needle``; None if no line holds it.

        A ``paragraph`` is placed on the first line that is that paragraph, and only when none is, on
        the first line holding it (a short paragraph can also be a part of an earlier, longer line);
        an excerpt is placed where it first occurs.
        """
        key = (needle, paragraph)
        if key not in self._found:
            self._found[key] = self._search(needle, paragraph)
        return self._found[key]

    def _search(self, needle: str, paragraph: bool) -> tuple[int, int] | None:
        if needle.splitlines() != [needle]:  # a line break of any kind: no single line holds it
            return None
        n = self._exact.get(needle) if paragraph else None
        if n is not None:
            line_start = self._starts[n]
            return n, self._joined.find(needle, line_start) - line_start
        at = self._joined.find(needle)
        if at < 0:
            return None
        n = bisect.bisect_right(self._starts, at) - 1
        return n, at - self._starts[n]

    def place(self, finding: Finding) -> tuple[int, int] | None:
        """(line, column) of ``finding``, 1-based; None if it cannot be placed."""
        section = self.draft.section(finding.section) if finding.section else None
        if section is not None and finding.span is not None:
            paragraph, within = _paragraph_at(section.body, finding.span[0])
            needle = paragraph.strip()
            if not needle:
                return None
            lead = len(paragraph) - len(paragraph.lstrip())
            found = self._first(needle, True)
            return None if found is None else (found[0] + 1, found[1] + max(0, within - lead) + 1)
        if finding.excerpt:
            found = self._first(finding.excerpt, False)
            return None if found is None else (found[0] + 1, found[1] + 1)
        return None


def locate_all(source: str, draft: Draft, findings: Iterable[Finding]) -> list[tuple[int, int] | None]:
    """(line, column) of each finding, reading ``source`` once."""
    locator = Locator(source, draft)
    return [locator.place(f) for f in findings]


def locate(source: str, draft: Draft, finding: Finding) -> tuple[int, int] | None:
    """(line, column) of one finding in ``source`` (the text ``draft`` was read from); None if not placed."""
    return Locator(source, draft).place(finding)

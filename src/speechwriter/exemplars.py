"""Exemplars: paragraphs from the user's own past speeches, retrieved per section as style references.

A user points ``--examples DIR`` (or ``examples = [...]`` in the config) at a folder of past
speeches (``.txt``/``.md``). Each file is split into paragraphs and every paragraph gets the role it
plays in its speech (opening, achievements, assessment, situation, plans, requirements, closing),
from the headings it sits under and from its own wording. For a section, the few paragraphs of the
same role most like the section's facts are retrieved with BM25 over character bigrams and put in
the prompt, marked as style references and not a source of facts; the validators still reject any
figure that comes from them, since no exemplar is part of the facts.

Why character bigrams and not a word segmenter: on the bundled measurement (``bench/bench_exemplars.py``,
the 27 corpus texts, ~1,650 paragraphs, half of a paragraph as the query) bigram BM25 finds the source
paragraph as often as jieba-segmented BM25 (top-1 0.996 vs 0.989), builds its index 4-6x faster and is
ready about 10x sooner (jieba loads a 20 MB dictionary on first use). BM25 itself is a few lines of
pure Python (:mod:`speechwriter.ranking`, an inverted index), so retrieval needs no numpy.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .errors import InputError
from .files import folder_problem, inside_folder, read_text

__all__ = ["Exemplar", "ExemplarIndex", "bigrams", "classify_paragraphs", "section_query"]

EXAMPLE_SUFFIXES = (".txt", ".md", ".markdown")
MAX_EXEMPLAR_CHARS = 220

MAX_EXAMPLE_ENTRIES = 20_000
"""Directory entries (files and folders) looked at under all example folders together."""
MAX_EXAMPLE_FILES = 2_000
"""Speeches read: a unit's past speeches for some years, with room to spare."""
MAX_EXAMPLE_BYTES = 64 * 1024 * 1024
MAX_EXAMPLE_FILE_BYTES = 4 * 1024 * 1024
MIN_PARAGRAPH_CHARS = 30

_HEADING1 = re.compile(r"^\s*[一二三四五六七八九十]+、")
_HEADING2 = re.compile(r"^\s*[（(][一二三四五六七八九十]+[）)]")
_CJK_RUN = re.compile(r"[\u4e00-\u9fff]+")
_HEADING_ROLES = (
    ("assessment", re.compile(r"问题|不足|差距|短板")),
    ("situation", re.compile(r"形势|认识|紧迫")),
    ("plans", re.compile(r"安排|任务|打算|思路|目标|重点|今后|明年|下一步|部署|建议")),
    ("requirements", re.compile(r"要求|保障|落实|组织领导|责任担当")),
    ("achievements", re.compile(r"回顾|成绩|成效|工作情况|主要工作|过去|总结|进展")),
)
_SHORTCOMING = re.compile(r"^(?:同时|但是?|当然|我们也|也要看到|在看到成绩|在肯定成绩).{0,40}(?:问题|不足|差距|短板|困难)")
_CALL = re.compile(r"让我们|同志们|各位代表|奋斗|谢谢")
_FIGURE = re.compile(r"[0-9０-９]")


@dataclass(frozen=True)
class Exemplar:
    """One paragraph of a past speech, with the role it plays there and where it comes from."""

    text: str
    role: str
    source: str
    line: int

    def to_data(self) -> dict[str, Any]:
        return {"text": self.text, "role": self.role, "source": f"{Path(self.source).name}:{self.line}"}


def bigrams(text: str) -> list[str]:
    """Character bigrams of the Chinese runs of ``text`` (digits, Latin and punctuation dropped)."""
    out: list[str] = []
    for run in _CJK_RUN.findall(text):
        out.extend(run[i:i + 2] for i in range(len(run) - 1))
    return out


def _heading_role(heading: str) -> str | None:
    for role, pattern in _HEADING_ROLES:
        if pattern.search(heading):
            return role
    return None


def _trim(text: str) -> str:
    """At most MAX_EXEMPLAR_CHARS, cut at a sentence end when there is one."""
    if len(text) <= MAX_EXEMPLAR_CHARS:
        return text
    cut = text[:MAX_EXEMPLAR_CHARS]
    end = max(cut.rfind("。"), cut.rfind("；"), cut.rfind("！"))
    return cut[:end + 1] if end >= MAX_EXEMPLAR_CHARS // 3 else cut + "……"


def _pieces(line: str, size: int = 240) -> list[str]:
    """A line far longer than a paragraph (a text whose paragraph breaks were lost) in sentence groups."""
    if len(line) <= 4 * size:
        return [line]
    out, current = [], ""
    for sentence in re.findall(r"[^。！？]+[。！？]?", line):
        if current and len(current) + len(sentence) > size:
            out.append(current)
            current = ""
        current += sentence
    return [*out, current] if current else out


def classify_paragraphs(text: str, source: str = "") -> list[Exemplar]:
    """Split one speech into paragraphs and give each its role.

    Headings decide first (一、工作回顾 → achievements, 二、工作安排 → plans, …); inside a part, a
    paragraph that turns to shortcomings (同时也要看到……问题) is an assessment. Text before the first
    heading is the opening; the last paragraphs that call or thank (让我们…, 同志们…) are the closing.
    A speech without headings is read by position: opening first, closing last, body by wording.
    """
    lines = [(n, piece) for n, ln in enumerate(text.splitlines(), 1)
             for piece in _pieces(ln.strip().replace("\u3000", ""))]
    # Tables, markup, and the dated subtitle line (——2019年3月4日在…会议上) are not speech.
    lines = [(n, ln) for n, ln in lines if ln and not ln.startswith(("|", "#", "<", "—", "-", "，", "、"))]
    has_headings = any(_HEADING1.match(ln) and len(ln) <= 40 for _, ln in lines)
    out: list[Exemplar] = []
    role = "opening"
    for n, ln in lines:
        if _HEADING1.match(ln) and len(ln) <= 40:
            role = _heading_role(ln) or "body"
            continue
        if _HEADING2.match(ln) and len(ln) <= 40:
            continue
        if len(ln) < MIN_PARAGRAPH_CHARS:
            continue
        para_role = role
        if _SHORTCOMING.search(ln) and role not in ("plans", "closing", "requirements"):
            para_role = "assessment"
        elif not has_headings:
            para_role = "body" if out else "opening"
            if "要" in ln and ln.count("要") >= 3:
                para_role = "plans"
            elif len(_FIGURE.findall(ln)) >= 3:
                para_role = "achievements"
        out.append(Exemplar(_trim(ln), para_role, source, n))
    # The closing: trailing paragraphs that call, thank or close, after the last part.
    for k in range(len(out) - 1, max(-1, len(out) - 3), -1):
        if _CALL.search(out[k].text) and not _FIGURE.search(out[k].text):
            out[k] = Exemplar(out[k].text, "closing", out[k].source, out[k].line)
        else:
            break
    return out


# A section role may borrow the paragraphs of a close role when its own has none.
_FALLBACK = {"requirements": "plans", "situation": "assessment", "assessment": "situation", "body": "achievements"}


@dataclass
class ExemplarIndex:
    """Paragraphs of past speeches grouped by role, each group with its BM25 model."""

    paragraphs: list[Exemplar]
    _models: dict[str, tuple[Any, list[Exemplar]]] = field(default_factory=dict, repr=False)

    @classmethod
    def from_folders(cls, folders: Iterable[str | Path]) -> ExemplarIndex:
        """Read every .txt/.md speech under the folders (recursively, links not followed out of them).

        Bounded: at most :data:`MAX_EXAMPLE_ENTRIES` directory entries looked at, :data:`MAX_EXAMPLE_FILES`
        speeches and :data:`MAX_EXAMPLE_BYTES` read in all, so ``--examples /`` ends at once with the
        reason instead of walking the whole file system. Unreadable files are skipped.
        """
        paragraphs: list[Exemplar] = []
        budget = _Budget()
        for folder in folders:
            for path in _example_files(Path(folder), budget):
                try:
                    text = read_text(path, what="范文", max_bytes=MAX_EXAMPLE_FILE_BYTES)
                except InputError:
                    continue
                budget.spend_bytes(len(text.encode("utf-8")), Path(folder))
                paragraphs.extend(classify_paragraphs(text, str(path)))
        return cls(paragraphs)

    def roles(self) -> dict[str, int]:
        """Role -> number of paragraphs (for the CLI and the tests)."""
        counts: dict[str, int] = {}
        for p in self.paragraphs:
            counts[p.role] = counts.get(p.role, 0) + 1
        return counts

    def _model(self, role: str) -> tuple[Any, list[Exemplar]] | None:
        if role not in self._models:
            group = [p for p in self.paragraphs if p.role == role]
            if not group:
                return None
            from .ranking import BM25

            self._models[role] = (BM25([bigrams(p.text) for p in group]), group)
        return self._models[role]

    def search(self, role: str, query: str, k: int = 2) -> list[Exemplar]:
        """The ``k`` paragraphs of ``role`` (or a close role) most like ``query``, best first."""
        model = self._model(role) or (self._model(_FALLBACK[role]) if role in _FALLBACK else None)
        tokens = bigrams(query)
        if model is None or not tokens or k <= 0:
            return []
        bm25, group = model
        scores = bm25.scores(tokens)
        ranked = sorted(range(len(group)), key=lambda i: (-scores[i], i))
        out: list[Exemplar] = []
        for i in ranked:
            if scores[i] <= 0 or len(out) >= k:
                break
            if all(group[i].source != o.source for o in out):  # one paragraph per speech
                out.append(group[i])
        return out


class _Budget:
    """What reading the example folders may still spend (entries, files, bytes)."""

    def __init__(self) -> None:
        self.entries = self.files = self.bytes = 0

    def _over(self, what: str, limit: int, folder: Path) -> InputError:
        return InputError(f"范文目录过大：{what}超过 {limit}，已停止读取；请用 --examples 指定只放范文的目录",
                          path=str(folder))

    def spend_entry(self, folder: Path) -> None:
        self.entries += 1
        if self.entries > MAX_EXAMPLE_ENTRIES:
            raise self._over("文件和子目录总数", MAX_EXAMPLE_ENTRIES, folder)

    def spend_file(self, folder: Path) -> None:
        self.files += 1
        if self.files > MAX_EXAMPLE_FILES:
            raise self._over("范文文件数", MAX_EXAMPLE_FILES, folder)

    def spend_bytes(self, n: int, folder: Path) -> None:
        self.bytes += n
        if self.bytes > MAX_EXAMPLE_BYTES:
            raise self._over("范文总大小（字节）", MAX_EXAMPLE_BYTES, folder)


def _example_files(folder: Path, budget: _Budget) -> Iterable[Path]:
    """The .txt/.md files under ``folder`` in name order, without following links to folders or out of it."""
    import os

    problem = folder_problem(folder, "范文目录")
    if problem:
        raise InputError(problem, path=str(folder))
    for root, dirs, files in os.walk(folder, followlinks=False):
        dirs.sort()
        for _ in dirs:
            budget.spend_entry(folder)
        for name in sorted(files):
            budget.spend_entry(folder)
            path = Path(root) / name
            if path.suffix.lower() not in EXAMPLE_SUFFIXES or not inside_folder(folder, path):
                continue
            budget.spend_file(folder)
            yield path


def section_query(data: dict[str, Any]) -> str:
    """The text a section is about: themes, statements, measures, shortcomings of its facts slice."""
    parts: list[str] = []
    for hl in data.get("highlights") or []:
        parts += [hl.get("theme", ""), hl.get("lead") or "", *(i.get("statement", "") for i in hl.get("items") or [])]
    for plan in data.get("plans") or []:
        parts += [plan.get("theme", ""), *plan.get("measures", [])]
    for key in ("shortcomings", "context", "opening"):
        parts += list(data.get(key) or [])
    for key in ("summary", "summing_up"):
        if data.get(key):
            parts.append(data[key])
    closing = data.get("closing") or {}
    parts += [*(closing.get("wishes") or []), *(closing.get("requests") or [])]
    return "，".join(p for p in parts if p)

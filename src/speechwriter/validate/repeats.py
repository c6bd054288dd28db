"""Speech-level repeats: what one section says that another already said (核稿, review family).

Sections drafted in parallel do not see each other, so each tends to close itself off: the
request for guidance in the opening and again in the closing, thanks in two parts, the summing-up
written at the end of the achievements and again in the assessment, two endings stacked in the
closing. A reader hears these as one speech and circles every second one. The check finds:

- R801 the same formula kind (request, thanks, ending, summing-up) in two sections;
- R802 one sentence written in two sections;
- R803 two endings of the same kind stacked in the closing (two requests, two paragraphs opening 同志们);
- R804 a closing request in the wrong register for the genre (a 述职报告 asks 请予评议, a
  report to a 大会 asks 请予审议, a leader's speech asks nothing of its audience).

Each finding points at the repeat (the copy that is not at home), with ``replacement`` set when
the fix is mechanical: the repeated formula's clauses are cut from their sentence (the whole
sentence when it is nothing but the formula, and never a figure), a register fix swaps the formula. All start as warnings: measured on the corpus first.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .checks import Finding

__all__ = ["CHECK_NAME", "CODES", "KIND_LABELS", "Sentence", "check", "formula_kind", "load_formulas", "removal", "sentences"]

CHECK_NAME = "repeats"
CODES = frozenset({"R801", "R802", "R803", "R804"})

FORMULA_FILE = "repeats.yaml"  # prompts/common/repeats.yaml, extended from the user's prompts folders


@functools.lru_cache(maxsize=16)
def load_formulas(dirs: tuple[str, ...] = ()) -> dict[str, re.Pattern[str]]:
    """Formula kinds → one pattern: the built-in lexicon extended by ``common/repeats.yaml`` in ``dirs``."""
    import yaml

    from ..errors import InputError
    from ..files import read_text
    from ..resources import builtin_prompts_dir

    merged: dict[str, list[str]] = {}
    for folder in [builtin_prompts_dir(), *map(Path, dirs)]:
        path = folder / "common" / FORMULA_FILE
        if not path.is_file():
            continue
        try:
            data = yaml.safe_load(read_text(path, what="套话词库")) or {}
        except yaml.YAMLError as exc:
            raise InputError(f"套话词库 YAML 格式错误（{exc}）", path=str(path)) from None
        kinds = data.get("kinds") if isinstance(data, dict) else None
        if not isinstance(kinds, dict):
            raise InputError("套话词库应有 kinds: 映射（类别: 正则表达式列表）", path=str(path), field="kinds")
        for kind, patterns in kinds.items():
            if kind not in KIND_LABELS or not isinstance(patterns, list):
                raise InputError(f"套话词库的类别「{kind}」无效，应为 {'、'.join(KIND_LABELS)} 之一，值为列表",
                                 path=str(path), field=f"kinds.{kind}")
            for pattern in patterns:
                try:
                    re.compile(str(pattern))
                except re.error as exc:
                    raise InputError(f"套话词库中的正则表达式「{pattern}」无效（{exc}）", path=str(path),
                                     field=f"kinds.{kind}") from None
            merged.setdefault(kind, []).extend(str(p) for p in patterns)
    return {kind: re.compile("|".join(f"(?:{p})" for p in merged[kind])) for kind in KIND_LABELS if kind in merged}


KIND_LABELS = {"request": "请求", "ending": "结束语", "thanks": "致谢", "summing_up": "总结成绩的话"}

_SENTENCE = re.compile(r"[^。！？!?\n]+(?:[。！？!?]+[”’」』）)]?|$)")
_HAN = re.compile(r"[\u4e00-\u9fff]")
# The register of a closing request, by genre: the formula it should use, the ones it must not.
_AUDIENCE_CONGRESS = re.compile(r"向大会|各位代表")


@dataclass(frozen=True)
class Sentence:
    """One sentence of a section body: its span, its text and its formula kind (None for prose)."""

    section: str
    start: int
    end: int
    text: str
    kind: str | None
    paragraph_start: bool

    @property
    def key(self) -> str:
        """The sentence's Han characters: two sentences are the same when their keys are."""
        return "".join(_HAN.findall(self.text))


def formula_kind(text: str, kinds: dict[str, re.Pattern[str]] | None = None) -> str | None:
    """The formula kind of a sentence (request, ending, thanks, summing_up), or None."""
    core = text.strip()
    for kind, pattern in (kinds or load_formulas()).items():
        if pattern.search(core):
            return kind
    return None


def sentences(section: str, body: str, kinds: dict[str, re.Pattern[str]] | None = None) -> list[Sentence]:
    """The sentences of a body in order, each with its formula kind."""
    out = []
    for m in _SENTENCE.finditer(body):
        if not m.group().strip():
            continue
        start = m.start() + (len(m.group()) - len(m.group().lstrip()))
        end = m.end()
        text = body[start:end]
        j = start - 1  # look back over spaces only: copying the prefix would make this quadratic
        while j >= 0 and body[j] in " \t":
            j -= 1
        para = j < 0 or body[j] == "\n"
        out.append(Sentence(section, start, end, text, formula_kind(text, kinds), para))
    return out


def _deletable(s: Sentence) -> bool:
    """A sentence whose deletion loses no fact: the formula and no figure (digits) with it."""
    return not re.search(r"[0-9０-９]", s.text) and len(s.text) <= 200


_CLAUSE = re.compile(r"[^，,；;]+[，,；;]?")
_END = re.compile(r"[。！？!?]+[”’」』）)]?$")


def removal(s: Sentence, kinds: dict[str, re.Pattern[str]] | None = None) -> str | None:
    """What replaces a repeated formula sentence: the sentence without its formula clauses.

    A request or ending is usually a clause of its own after what the sentence says
    (……作个简要汇报，不妥之处，请批评指正。): only those clauses go, the rest stays a sentence.
    Thanks and summing-up are the whole sentence. "" deletes the sentence; None when the
    sentence holds a figure, which only a writer may decide to drop.
    """
    if s.kind in ("request", "ending"):
        end = _END.search(s.text)
        body = s.text[:end.start()] if end else s.text
        clauses = [m.group() for m in _CLAUSE.finditer(body)]
        kept = [c for c in clauses if formula_kind(c.rstrip("，,；;"), kinds) is None]
        if kept and len(kept) < len(clauses) and len(_HAN.findall("".join(kept))) >= 6:
            return "".join(kept).rstrip("，,；; ") + (end.group() if end else "。")
    return "" if _deletable(s) else None


def _excerpt(s: Sentence) -> str:
    return s.text if len(s.text) <= 40 else s.text[:38] + "……"


def _finding(code: str, s: Sentence, message: str, suggestion: str, replacement: str | None) -> Finding:
    return Finding(code=code, severity="warning", section=s.section, span=(s.start, s.end), message=message,
                   suggestion=suggestion, excerpt=_excerpt(s), replacement=replacement)


def _titles(ctx: Any) -> dict[str, str]:
    return {s.id: (s.heading or s.title or s.id) for s in ctx.draft.sections}


def _home(kind: str, hits: list[Sentence], closing: str | None) -> str:
    """The section a formula belongs to: a request or ending in the closing when it has one; else the first."""
    if kind in ("request", "ending") and closing and any(h.section == closing for h in hits):
        congress = [h for h in hits if "审议" in h.text]
        return congress[0].section if congress else closing
    return hits[0].section


def _cross_section(ctx: Any, all_sentences: list[Sentence], closing: str | None,
                   kinds: dict[str, re.Pattern[str]]) -> list[Finding]:
    titles = _titles(ctx)
    out: list[Finding] = []
    flagged: set[tuple[str, int]] = set()
    for kind, label in KIND_LABELS.items():
        hits = [s for s in all_sentences if s.kind == kind]
        if len({h.section for h in hits}) < 2:
            continue
        home = _home(kind, hits, closing)
        for h in hits:
            if h.section == home:
                continue
            flagged.add((h.section, h.start))
            out.append(_finding(
                "R801", h, f"{label}在「{titles.get(home, home)}」中已经说过，「{titles.get(h.section, h.section)}」"
                f"又说了一遍：{_excerpt(h)}", f"删去这里的{label}，全文只在「{titles.get(home, home)}」说一次",
                removal(h, kinds)))
    seen: dict[str, Sentence] = {}
    for s in all_sentences:
        key = s.key
        if len(key) < 12:
            continue
        first = seen.get(key)
        if first is None:
            seen[key] = s
            continue
        if first.section == s.section or (s.section, s.start) in flagged:
            continue
        flagged.add((s.section, s.start))
        out.append(_finding("R802", s, f"这句话在「{titles.get(first.section, first.section)}」中已经出现：{_excerpt(s)}",
                            "删去重复的这一句", ""))
    return out


def _stacked(ctx: Any, closing_sentences: list[Sentence], kinds: dict[str, re.Pattern[str]]) -> list[Finding]:
    """Two endings of one kind in the closing; two of its paragraphs opening with 同志们."""
    out: list[Finding] = []
    seen: dict[str, Sentence] = {}
    for s in closing_sentences:
        if s.kind is None:
            continue
        if s.kind in seen and s.kind != "summing_up":
            label = KIND_LABELS[s.kind]
            out.append(_finding("R803", s, f"结束语中叠了两处{label}：「{_excerpt(seen[s.kind])}」之后又有「{_excerpt(s)}」",
                                f"{label}只留一处，删去这一句", removal(s, kinds)))
        else:
            seen[s.kind] = s
    calls = [s for s in closing_sentences if s.paragraph_start and s.text.startswith("同志们")]
    for s in calls[1:]:
        # The mechanical fix drops the second vocative (同志们， / 同志们！), the paragraph stays.
        vocative = re.match(r"同志们[，,！!：:]?", s.text)
        assert vocative is not None
        out.append(Finding(code="R803", severity="warning", section=s.section,
                           span=(s.start, s.start + vocative.end()), excerpt=_excerpt(s),
                           message="结束语中两段都以“同志们”开头，像是两个结尾叠在一起",
                           suggestion="“同志们”只用一次，删去第二处", replacement=""))
    return out


def _wrong_register(genre: str, congress: bool, said: str) -> tuple[bool, str | None]:
    """(wrong, the formula to use instead) for a closing request ``said`` in ``genre``."""
    if congress:  # a report to a 大会 is deliberated
        return said != "请予审议", "请予审议"
    if genre == "leader_speech":  # a leader asks nothing of the meeting
        return True, None
    if genre == "duty_report":  # a duty report is appraised (评议), not deliberated
        return said == "请予审议", "请予评议"
    return said in ("请予审议", "请予评议"), "请批评指正"


def _register(ctx: Any, closing_sentences: list[Sentence], text: str,
              kinds: dict[str, re.Pattern[str]]) -> list[Finding]:
    """The closing request against the genre (and a report to a 大会 against 请予审议)."""
    title = f"{ctx.draft.title or ''}{ctx.facts.meta.title}"
    congress = "政府工作报告" in title or bool(_AUDIENCE_CONGRESS.search(text))
    out: list[Finding] = []
    for s in closing_sentences:
        found = re.search(r"请予(?:审议|评议)|批评指正", s.text) if s.kind == "request" else None
        if not found:
            continue
        said = found.group()
        wrong, wanted = _wrong_register(ctx.blueprint.id, congress, said)
        if not wrong:
            continue
        if wanted is None:
            out.append(_finding("R804", s, f"{ctx.blueprint.name}的结尾不向听众请求「{said}」：{_excerpt(s)}",
                                "改为号召或表态的话，或删去这一句", removal(s, kinds)))
            continue
        a, b = s.start + found.start(), s.start + found.end()
        out.append(Finding(code="R804", severity="warning", section=s.section, span=(a, b), excerpt=said,
                           message=f"{ctx.blueprint.name}的结尾一般说「{wanted}」，这里写了「{said}」",
                           suggestion=f"改为「{wanted}」", replacement=wanted))
    return out


def check(ctx: Any) -> list[Finding]:
    """Repeats between sections, stacked endings, and the closing's register (all warnings)."""
    sections = [s for s in ctx.draft.sections if s.role != "salutation" and s.body.strip()]
    if not sections:
        return []
    closing = next((s.id for s in sections if s.role == "closing"), None)
    kinds = load_formulas(tuple(ctx.config.prompts_dirs))
    all_sentences = [x for s in sections for x in sentences(s.id, s.body, kinds)]
    closing_sentences = [x for x in all_sentences if x.section == closing]
    text = "\n".join(s.body for s in sections)
    out = _cross_section(ctx, all_sentences, closing, kinds)
    out += _stacked(ctx, closing_sentences, kinds)
    out += _register(ctx, closing_sentences, text, kinds)
    return out

"""Which genre a source is, from its own words (``facts extract --genre auto``).

The rules are data (``prompts/genres/detect.yaml``, overridable from the user's prompts folder):
patterns looked for in the title lines, the head or the whole text, tried in order. The guess says
why, so the user can tell a wrong one at once and pass ``--genre``.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..errors import InputError
from .sources import Source

__all__ = ["AUTO", "GenreGuess", "detect_genre", "load_detect_rules"]

AUTO = "auto"
RULES_FILE = "genres/detect.yaml"
HEAD_CHARS = 800
TITLE_LINES = 3


@dataclass(frozen=True)
class GenreGuess:
    """The genre a text was taken for, and why (in Chinese, for the user)."""

    genre: str
    reason: str
    found: str | None = None  # the words the rule found; None for the fallback


@dataclass(frozen=True)
class _Rule:
    genre: str
    why: str
    where: str
    patterns: tuple[re.Pattern[str], ...]
    min: int
    parts: int = 0  # numbered parts (一、 二、 …) the text must have


def load_detect_rules(prompts_dirs: list[Path]) -> tuple[list[_Rule], GenreGuess]:
    """The detection rules of the first prompts folder that has them (the built-in one last)."""
    from ..prompts import _load_yaml_mapping

    path = next((d / RULES_FILE for d in prompts_dirs if (d / RULES_FILE).is_file()), None)
    if path is None:
        raise InputError(f"找不到文种识别规则 {RULES_FILE}")
    data = _load_yaml_mapping(path, "文种识别规则")
    fallback = data.get("fallback") or {}
    rules = []
    for n, raw in enumerate(data.get("rules") or [], 1):
        rules.append(_rule(raw, n, path))
    if not isinstance(fallback, dict) or not fallback.get("genre"):
        raise InputError("文种识别规则缺少 fallback.genre", path=str(path))
    return rules, GenreGuess(str(fallback["genre"]), str(fallback.get("why") or ""))


def _rule(raw: Any, n: int, path: Path) -> _Rule:
    if not isinstance(raw, dict) or not raw.get("genre") or not raw.get("patterns"):
        raise InputError(f"文种识别规则第 {n} 条应有 genre 和 patterns", path=str(path))
    where = str(raw.get("where") or "head")
    if where not in ("title", "head", "all"):
        raise InputError(f"文种识别规则第 {n} 条的 where 应为 title、head 或 all", path=str(path))
    patterns = []
    for p in raw["patterns"]:
        try:
            patterns.append(re.compile(str(p), re.M))
        except re.error as exc:
            raise InputError(f"文种识别规则第 {n} 条的正则表达式有误（{exc}）：{p}", path=str(path)) from None
    return _Rule(str(raw["genre"]), str(raw.get("why") or ""), where, tuple(patterns), int(raw.get("min") or 1),
                 int(raw.get("parts") or 0))


def _where(source: Source, where: str) -> str:
    text = "\n".join(b.text for b in source.blocks)
    if where == "title":
        return "\n".join(b.text for b in source.blocks[:TITLE_LINES])[:200]
    return text[:HEAD_CHARS] if where == "head" else text


_PART = re.compile(r"(?:^|[。！？”\n])\s*([一二三四五六七八九十]{1,2})、")


def _parts(source: Source) -> int:
    """How many numbered parts (一、 二、 … in order) the text has, headings run in included."""
    expected = 1
    for m in _PART.finditer("\n".join(b.text for b in source.blocks)):
        if m.group(1) == "一二三四五六七八九十"[expected - 1:expected]:
            expected += 1
    return expected - 1


def _guess_one(source: Source, rules: list[_Rule], fallback: GenreGuess, known: set[str]) -> GenreGuess:
    for rule in rules:
        if rule.genre not in known:
            continue  # a rule for a genre this library does not have
        text = _where(source, rule.where)
        found = [m.group(0).strip() for p in rule.patterns if (m := p.search(text))]
        if len(found) >= rule.min and (not rule.parts or _parts(source) >= rule.parts):
            words = "」「".join(f[:30] for f in found[:2])
            return GenreGuess(rule.genre, rule.why.replace("{found}", words), words)
    return fallback


def detect_genre(sources: list[Source], prompts_dirs: list[Path], known: set[str]) -> GenreGuess:
    """The genre of ``sources`` (the one most of them are taken for; on a tie, the fallback).

    ``known`` are the genre ids the library has; a rule naming another is skipped."""
    rules, fallback = load_detect_rules(prompts_dirs)
    guesses = [_guess_one(s, rules, fallback, known) for s in sources]
    if not guesses:
        return fallback
    counts = Counter(g.genre for g in guesses)
    top = counts.most_common()
    if len(top) > 1 and top[0][1] == top[1][1]:
        return GenreGuess(fallback.genre, f"几份材料的文种不一致（{'、'.join(g for g, _ in top)}），按默认文种处理")
    return next(g for g in guesses if g.genre == top[0][0])

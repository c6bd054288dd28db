"""规范用语 (usage): 二 where 两 is due, doubled words, GB/T 15835 number forms, a misspelling lexicon.

Codes U601–U610. Each finding's ``replacement`` replaces its span exactly as written where the
fix is mechanical (二个 → 两个; 是是 → 是; 10-20% → 10%～20%; 布署 → 部署).

The lexicon is data: ``prompts/common/usage.yaml`` (wrong → right, note, source, exceptions),
extended by ``common/usage.yaml`` in each of the user's prompts folders.
"""

from __future__ import annotations

import functools
import itertools
import re
from dataclasses import dataclass
from pathlib import Path

from ..errors import InputError
from ..files import read_text
from ._review import SENTENCE_END, Text, texts
from .checks import Finding, _Context

CHECK_NAME = "usage"
LEXICON_FILE = "usage.yaml"

__all__ = ["CHECK_NAME", "UsageEntry", "check", "load_usage_lexicon"]

# --- 二 + measure word -------------------------------------------------------------------------

# Measure words after which a cardinal 2 is written 两 (两个方面, 两项, 两名). Left out on purpose:
# 级 次 类 批 轮 部 期 (二级公路, 二次创业, 二类水质, 本科二批: ordinal-like), 位 (二位 is polite usage).
_MEASURES = "个|种|项|条|名|家|件|所|支|方面|大|点|座|台|辆|张|份|户|只|本|套|场|栋|幢|处|门|句|层"
_ER = re.compile(rf"二({_MEASURES})")
_NUMERAL_BEFORE = set("零〇一二两三四五六七八九十百千万亿第0123456789初高周期星礼")
_NUMERAL_AFTER = set("零〇一二两三四五六七八九十百千万亿0123456789")


def _er_measure(t: Text) -> list[Finding]:
    out = []
    for m in _ER.finditer(t.text):
        a = m.start()
        before = t.text[a - 1] if a else ""
        after = t.text[m.end()] if m.end() < len(t.text) else ""
        if before in _NUMERAL_BEFORE:
            continue  # 十二个, 第二个, 一二个, 初二, 周二
        unit = m.group(1)
        if unit == "点" and after in _NUMERAL_AFTER:
            continue  # 二点五: a decimal
        if unit == "大" and (before == "的" or after in "会代届"):
            continue  # 党的二大: the second congress
        if unit == "大" and not ("\u4e00" <= after <= "\u9fff"):
            continue
        out.append(Finding(code="U601", severity="error", section=t.sid, span=t.span(a, a + 1), excerpt=m.group(),
                           message=f"「{m.group()}」中基数 2 在量词前应写作“两”",
                           suggestion=f"改为「两{unit}」", replacement="两"))
    return out


# --- doubled characters and phrases --------------------------------------------------------------

# Function characters that are never doubled in prose, with the characters before them that make a
# word ending in the same character (一个现在在座的: 现在 + 在) and so no doubling.
_DOUBLED: dict[str, str] = {
    "是": "求",
    "的": "目",
    "了": "不为除罢",
    "和": "温平缓饱调总柔谐共讲",
    "与": "参给赠授",
    "把": "一",
    "被": "棉",
    "从": "服听随盲自",
    "也": "",
    "又": "",
    "对": "面应针反绝相核比校",
    "在": "存现所正实内外潜自旨好意重贵难不志",
}
_DOUBLED_RE = re.compile("(" + "|".join(f"{c}{c}" for c in _DOUBLED) + ")")
# AABB reduplication that puts two function characters side by side: 是是非非, 的的确确, 和和美美.
_AABB_AFTER = {"是": "非", "的": "确", "和": "美", "对": "错"}
# Or the second character begins a word: 就是是否 (是 + 是否), 为了了解, 有的的士 is rare but 的确 is not.
_WORD_AFTER = {"是": "否非以日为", "的": "确士", "了": "解结却如然", "在": "于"}


def _doubled_chars(t: Text) -> list[Finding]:
    out = []
    text = t.text
    for m in _DOUBLED_RE.finditer(text):
        a = m.start()
        ch = text[a]
        before = text[a - 1] if a else ""
        if before in _DOUBLED[ch] or before == ch:
            continue
        after = text[a + 2] if a + 2 < len(text) else ""
        if _AABB_AFTER.get(ch) == after or (after and after in _WORD_AFTER.get(ch, "")):
            continue
        if ch == "了" and after == "之":
            continue  # 不了了之
        out.append(Finding(code="U602", severity="error", section=t.sid, span=t.span(a, a + 2), excerpt=m.group(),
                           message=f"重复用字「{m.group()}」", suggestion=f"删去一个“{ch}”", replacement=ch))
    return out


_HAN = "\u4e00-\u9fff"
_HAN_ONLY = re.compile(rf"[{_HAN}]+")
# Clause boundaries, all mapped to one character so that str.split (fast, in C) cuts the clauses.
_BOUNDARY_CHARS = f"，,、：:{SENTENCE_END}\n"
_COMMAS = ("，", ",", "、")


# On the text with every clause boundary turned into a line break (same length, same places):
# a clause written twice over, and a clause said twice in a row.
_TWICE_OVER = re.compile(r"([^\n]{3,20})\1")
_SAID_TWICE = re.compile(r"^([^\n]{2,40})\n\1$", re.M)


def _doubled_phrases(t: Text) -> list[Finding]:
    """A clause said twice (总起来讲，总起来讲) or written twice over (总起来讲总起来讲).

    A clause that is one word of two characters twice is reduplication (研究研究), and so is
    一X一X (一个一个, 一项一项).
    """
    out = []
    text = t.text
    cut = text
    for ch in _BOUNDARY_CHARS:  # str.replace per character: much faster than translate on long texts
        if ch in cut:
            cut = cut.replace(ch, "\n")
    pos = 0
    for line in cut.split("\n"):  # a clause twice over has an even length: the regex runs on those only
        n = len(line)
        start, pos = pos, pos + n + 1
        if n < 6 or n % 2 or line[: n // 2] != line[n // 2:]:
            continue
        m = _TWICE_OVER.match(cut, start, start + n)
        half = m.group(1) if m else ""
        if half and half[0] != "一" and _HAN_ONLY.fullmatch(half):
            a = m.start() + len(half)
            out.append(Finding(code="U603", severity="error", section=t.sid, span=t.span(a, m.end()),
                               excerpt=m.group(), message=f"词语重复「{m.group()}」", suggestion=f"删去重复的「{half}」",
                               replacement=""))
    pos = 0
    while (m := _SAID_TWICE.search(cut, pos)) is not None:
        clause = m.group(1)
        sep = m.start() + len(clause)
        pos = sep + 1
        if text[sep] in _COMMAS and _HAN_ONLY.search(clause):
            out.append(Finding(code="U603", severity="error", section=t.sid, span=t.span(sep, m.end()),
                               excerpt=text[m.start():m.end()], message=f"分句重复「{text[m.start():m.end()]}」",
                               suggestion=f"删去重复的「{clause}」", replacement=""))
    return out


# Adverbials of intent that a clause states once: 力争年内力争 is a slip, 进一步A、进一步B a parallel.
_ADVERBIALS = ("力争", "争取", "力求", "务求", "确保", "尽快", "切实", "全力")
_ADVERBIAL_RE = re.compile("|".join(_ADVERBIALS))
_CLAUSE_BREAK = re.compile(rf"[，,、；;：:“”‘’{SENTENCE_END}\n]")


def _doubled_adverbials(t: Text) -> list[Finding]:
    out = []
    text = t.text
    last: dict[str, re.Match[str]] = {}
    for y in _ADVERBIAL_RE.finditer(text):
        x = last.get(y.group())
        last[y.group()] = y
        if x is None or _CLAUSE_BREAK.search(text, x.end(), y.start()):
            continue
        a, b = y.span()
        lo = max(text.rfind(ch, 0, x.start()) for ch in "，,、；;：:“”‘’。！？!?\n") + 1
        out.append(Finding(code="U604", severity="warning", section=t.sid, span=t.span(a, b),
                           excerpt=text[lo:b].strip()[:30],
                           message=f"同一分句中“{y.group()}”用了两次", suggestion=f"删去一个“{y.group()}”"))
    return out


# --- GB/T 15835 number forms ---------------------------------------------------------------------

_NUM = r"\d+(?:\.\d+)?"
# 10-20% or 10~20% (the first % lost) → 10%～20%; 3-5万元 → 3万～5万元 is not required, 3～5万元 is.
_RANGE = re.compile(rf"(?<![\d.\-])({_NUM})(%|％)?\s*(-|~|～|〜)\s*({_NUM})(%|％)")
_UNIT_RANGE = re.compile(rf"(?<![\d.\-/])({_NUM})\s*-\s*({_NUM})(?=[万亿千百]?(?:元|个|人|家|项|公里|米|吨|亩|天|倍|次|岁))")
# A year in Chinese numerals with an Arabic 0 or a letter O for 〇 (二0二三年, 二OO八年).
_YEAR_RUN = re.compile(r"(?<![\d一二三四五六七八九十〇零OoО])[一二三四五六七八九〇零0OoО]{4}")
_ZERO_LOOKALIKES = frozenset("0OoО")
_DASHES = re.compile("-|~|～|〜")


_HYPHEN = re.compile("-")


def _around(pattern: re.Pattern[str], text: str, anchor: re.Pattern[str], reach: int = 14) -> list[re.Match[str]]:
    """Matches of ``pattern`` that hold a match of ``anchor`` (searched first: a literal is fast)."""
    out: list[re.Match[str]] = []
    for a in anchor.finditer(text):
        if out and out[-1].end() > a.start():
            continue
        for m in pattern.finditer(text, max(0, a.start() - reach), a.end() + reach):
            if m.start() <= a.start() < m.end() and (not out or m.start() >= out[-1].end()):
                out.append(m)
                break
    return out


def _year_runs(text: str) -> list[re.Match[str]]:
    """Four numeral-like characters before each 年 (found from the 年s: a literal search is fast)."""
    out = []
    for m in re.finditer("年", text):
        run = _YEAR_RUN.match(text, max(0, m.start() - 4), m.start())
        if run and run.end() == m.start():
            out.append(run)
    return out
_CN_DIGITS = frozenset("一二三四五六七八九")
_PERCENT_WORDS = re.compile(r"百分之[零〇一二两三四五六七八九十百点]+")
_PERCENT_SIGN = re.compile(rf"{_NUM}\s*[%％]")


def _number_forms(t: Text) -> list[Finding]:
    out = []
    text = t.text
    for m in _around(_RANGE, text, _DASHES):
        lo, first_pct, dash, hi, pct = m.groups()
        if dash in "～〜" and first_pct:
            continue
        if dash == "-" and not first_pct and "." not in lo + hi and len(lo) == 4 and len(hi) == 4:
            continue  # a span of years
        want = f"{lo}{pct}～{hi}{pct}"
        out.append(Finding(code="U605", severity="error", section=t.sid, span=t.span(*m.span()), excerpt=m.group(),
                           message=f"百分数范围「{m.group()}」写法不规范（GB/T 15835：用浪纹线，前后都写%）",
                           suggestion=f"改为「{want}」", replacement=want))
    for m in _around(_UNIT_RANGE, text, _HYPHEN):
        want = f"{m.group(1)}～{m.group(2)}"
        out.append(Finding(code="U605", severity="error", section=t.sid, span=t.span(*m.span()), excerpt=m.group(),
                           message=f"数值范围「{m.group()}」应用浪纹线“～”连接（GB/T 15835）",
                           suggestion=f"改为「{want}」", replacement=want))
    for m in _year_runs(text):
        run = set(m.group())
        if not (run & _ZERO_LOOKALIKES and run & _CN_DIGITS):
            continue
        a, b = m.span()
        want = "".join("〇" if ch in "0OoО" else ch for ch in m.group())
        out.append(Finding(code="U608", severity="error", section=t.sid, span=t.span(a, b), excerpt=m.group(),
                           message=f"汉字数字中混入了阿拉伯数字或字母「{m.group()}」（GB/T 15835：零写作“〇”）",
                           suggestion=f"改为「{want}」", replacement=want))
    return out


def _percent_mix(ctx: _Context) -> list[Finding]:
    """百分之 in words and % in digits in the same speech: one finding, at the first written in words."""
    words = []
    for t in texts(ctx):
        if "百分之" in t.text:
            words += [(t, m) for m in _PERCENT_WORDS.finditer(t.text)]
    if not words:
        return []
    signs = sum(len(_PERCENT_SIGN.findall(t.text)) for t in texts(ctx) if "%" in t.text or "％" in t.text)
    if not signs:
        return []
    t, m = words[0]
    return [Finding(code="U606", severity="warning", section=t.sid, span=t.span(*m.span()), excerpt=m.group(),
                    message=f"百分数写法不统一：「{m.group()}」等 {len(words)} 处用汉字，另有 {signs} 处用“%”",
                    suggestion="全文统一用阿拉伯数字加“%”（GB/T 15835）")]


# A list of counts in Arabic digits with one in Chinese numerals (新建学校3所、医院五所).
_LIST_COUNT = re.compile(r"(\d+|[两三四五六七八九十]{1,3})(所|个|家|座|项|条|处|名|台|辆|支)([、，,；])")
# The measure word and separator come first in the search (a literal start is fast); the numeral is read back.
_MEASURE_SEP = re.compile(r"(?:所|个|家|座|项|条|处|名|台|辆|支)(?=[、，,；])")
_NUMERAL_BACK = re.compile(r"(?:\d+|[两三四五六七八九十]{1,3})$")
_HAN_RE = re.compile(rf"[{_HAN}]")


def _list_counts(text: str) -> list[re.Match[str]]:
    out = []
    for m in _MEASURE_SEP.finditer(text):
        num = _NUMERAL_BACK.search(text, max(0, m.start() - 8), m.start())
        if num:
            item = _LIST_COUNT.match(text, num.start())
            if item:
                out.append(item)
    return out


def _mixed_list(t: Text) -> list[Finding]:
    """Two neighbouring items of one list (a few characters of name, a count, 、) in different systems."""
    out = []
    text = t.text
    items = [m for m in _list_counts(text) if m.start() and _HAN_RE.match(text, m.start() - 1)
             and not (m.group(1)[0] in "两三四五六七八九十" and text[m.start() - 1] in "第十零〇一二两三四五六七八九")]
    for x, y in itertools.pairwise(items):
        between = text[x.end():y.start()]
        if not 1 <= len(between) <= 8 or not _HAN_RE.fullmatch(between[0]) or re.search(r"[^\u4e00-\u9fff]", between):
            continue
        if x.group(1).isdigit() != y.group(1).isdigit():
            cn = y if x.group(1).isdigit() else x
            out.append(Finding(code="U607", severity="warning", section=t.sid, span=t.span(*cn.span(1)),
                               excerpt=text[x.start():y.end() - 1],
                               message=f"同一列举中数字写法不一：「{x.group(1)}{x.group(2)}」与「{y.group(1)}{y.group(2)}」",
                               suggestion="同一组计量数字统一用阿拉伯数字（GB/T 15835）"))
            break
    return out


# --- the lexicon -----------------------------------------------------------------------------------

@dataclass(frozen=True)
class UsageEntry:
    """One lexicon row: ``wrong`` is written ``right``; ``exceptions`` are longer strings that are right."""

    wrong: str
    right: str
    note: str = ""
    source: str = ""
    exceptions: tuple[str, ...] = ()


@dataclass(frozen=True)
class UsageLexicon:
    entries: dict[str, UsageEntry]
    pattern: re.Pattern[str] | None


def _parse_entries(text: str, path: Path) -> list[UsageEntry]:
    import yaml

    try:
        data = yaml.safe_load(text) or {}
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"{path}:{mark.line + 1}" if mark else str(path)
        raise InputError(f"规范用语词库格式错误（{where}）：应为 YAML", path=str(path)) from None
    rows = data.get("entries") if isinstance(data, dict) else None
    if not isinstance(rows, list):
        raise InputError(f"规范用语词库 {path} 中应有列表 entries（每项含 wrong、right）", path=str(path))
    out = []
    for i, row in enumerate(rows, 1):
        if not isinstance(row, dict) or not isinstance(row.get("wrong"), str) or not isinstance(row.get("right"), str) \
                or not row["wrong"].strip():
            raise InputError(f"规范用语词库 {path} 第 {i} 条：应有文字字段 wrong 和 right", path=str(path))
        exc = row.get("exceptions") or []
        if not isinstance(exc, list):
            raise InputError(f"规范用语词库 {path} 第 {i} 条：exceptions 应为列表", path=str(path))
        out.append(UsageEntry(row["wrong"].strip(), row["right"].strip(), str(row.get("note") or ""),
                              str(row.get("source") or ""), tuple(str(e) for e in exc)))
    return out


@functools.lru_cache(maxsize=16)
def load_usage_lexicon(dirs: tuple[str, ...] = ()) -> UsageLexicon:
    """The shipped lexicon extended by ``common/usage.yaml`` in each of ``dirs`` (a later row wins)."""
    from ..resources import builtin_prompts_dir

    entries: dict[str, UsageEntry] = {}
    for d in (builtin_prompts_dir(), *map(Path, dirs)):
        path = Path(d) / "common" / LEXICON_FILE
        if path.is_file():
            for e in _parse_entries(read_text(path, what="规范用语词库"), path):
                entries[e.wrong] = e
    entries = {w: e for w, e in entries.items() if e.right != e.wrong}
    pattern = re.compile("|".join(map(re.escape, sorted(entries, key=len, reverse=True)))) if entries else None
    return UsageLexicon(entries, pattern)


def _lexicon(t: Text, lexicon: UsageLexicon) -> list[Finding]:
    if lexicon.pattern is None:
        return []
    out = []
    text = t.text
    for m in lexicon.pattern.finditer(text):
        e = lexicon.entries[m.group()]
        if any(_covers(text, m.start(), m.end(), x) for x in e.exceptions):
            continue
        note = f"（{e.note}）" if e.note else ""
        out.append(Finding(code="U610", severity="error", section=t.sid, span=t.span(*m.span()), excerpt=m.group(),
                           message=f"「{e.wrong}」应为「{e.right}」{note}",
                           suggestion=f"改为「{e.right}」" + (f"（依据：{e.source}）" if e.source else ""),
                           replacement=e.right))
    return out


def _covers(text: str, a: int, b: int, longer: str) -> bool:
    """``longer`` is written at a place that holds ``text[a:b]``."""
    start = max(0, b - len(longer))
    i = text.find(longer, start, a + len(longer))
    return 0 <= i <= a and i + len(longer) >= b


def check(ctx: _Context) -> list[Finding]:
    """All usage findings of the draft (headings and bodies)."""
    lexicon = load_usage_lexicon(tuple(ctx.config.prompts_dirs))
    out: list[Finding] = []
    for t in texts(ctx):
        out += _er_measure(t)
        out += _doubled_chars(t)
        out += _doubled_phrases(t)
        out += _doubled_adverbials(t)
        out += _number_forms(t)
        out += _mixed_list(t)
        out += _lexicon(t, lexicon)
    out += _percent_mix(ctx)
    return out

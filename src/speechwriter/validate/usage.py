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
# The same 3+ characters twice in a row (not 一个一个 / 一项一项: 一X一X is reduplication).
_BACK_TO_BACK = re.compile(rf"([{_HAN}]{{3,12}})\1")
_CLAUSE = re.compile(rf"[^，,、：:{SENTENCE_END}\n]+")


def _doubled_phrases(t: Text) -> list[Finding]:
    out = []
    text = t.text
    for m in _BACK_TO_BACK.finditer(text):
        phrase = m.group(1)
        if phrase[0] == "一" or len(set(phrase)) == 1:
            continue
        a = m.start() + len(phrase)
        out.append(Finding(code="U603", severity="error", section=t.sid, span=t.span(a, m.end()), excerpt=m.group(),
                           message=f"词语重复「{m.group()}」", suggestion=f"删去重复的「{phrase}」", replacement=""))
    clauses = list(_CLAUSE.finditer(text))
    for prev, cur in itertools.pairwise(clauses):
        p, c = prev.group().strip(), cur.group().strip()
        gap = text[prev.end():cur.start()]
        if len(p) >= 2 and p == c and gap.strip() in ("，", ",", "、") and re.search(rf"[{_HAN}]", p):
            a = prev.end()
            out.append(Finding(code="U603", severity="error", section=t.sid, span=t.span(a, cur.end()),
                               excerpt=f"{p}{gap.strip()}{c}", message=f"分句重复「{p}，{c}」",
                               suggestion=f"删去重复的「{c}」", replacement=""))
    return out


# Adverbials of intent that a clause states once: 力争年内力争 is a slip, 进一步A、进一步B a parallel.
_ADVERBIALS = ("力争", "争取", "力求", "务求", "确保", "尽快", "切实", "全力")
_ADVERBIAL_RE = re.compile("|".join(_ADVERBIALS))
_PLAIN_CLAUSE = re.compile(rf"[^，,、；;：:“”‘’{SENTENCE_END}\n]+")


def _doubled_adverbials(t: Text) -> list[Finding]:
    out = []
    for clause in _PLAIN_CLAUSE.finditer(t.text):
        seen: dict[str, int] = {}
        for m in _ADVERBIAL_RE.finditer(clause.group()):
            word = m.group()
            if word in seen:
                a = clause.start() + m.start()
                out.append(Finding(code="U604", severity="warning", section=t.sid, span=t.span(a, a + len(word)),
                                   excerpt=clause.group().strip()[:30],
                                   message=f"同一分句中“{word}”用了两次", suggestion=f"删去一个“{word}”"))
                break
            seen[word] = m.start()
    return out


# --- GB/T 15835 number forms ---------------------------------------------------------------------

_NUM = r"\d+(?:\.\d+)?"
# 10-20% or 10~20% (the first % lost) → 10%～20%; 3-5万元 → 3万～5万元 is not required, 3～5万元 is.
_RANGE = re.compile(rf"(?<![\d.\-])({_NUM})(%|％)?\s*(-|~|～|〜)\s*({_NUM})(%|％)")
_UNIT_RANGE = re.compile(rf"(?<![\d.\-/])({_NUM})\s*-\s*({_NUM})(?=[万亿千百]?(?:元|个|人|家|项|公里|米|吨|亩|天|倍|次|岁))")
# A year in Chinese numerals with an Arabic 0 or a letter O for 〇 (二0二三年, 二OO八年).
_MIXED_YEAR = re.compile(r"(?<![\d一二三四五六七八九十〇零OoО])(?=[^年]*[一二三四五六七八九])(?=[^年]*[0OoО])"
                         r"[一二三四五六七八九〇零0OoО]{4}(?=年)")
_PERCENT_WORDS = re.compile(r"百分之[零〇一二两三四五六七八九十百点]+")
_PERCENT_SIGN = re.compile(rf"{_NUM}\s*[%％]")


def _number_forms(t: Text) -> list[Finding]:
    out = []
    text = t.text
    for m in _RANGE.finditer(text):
        lo, first_pct, dash, hi, pct = m.groups()
        if dash in "～〜" and first_pct:
            continue
        if dash == "-" and not first_pct and "." not in lo + hi and len(lo) == 4 and len(hi) == 4:
            continue  # a span of years
        want = f"{lo}{pct}～{hi}{pct}"
        out.append(Finding(code="U605", severity="error", section=t.sid, span=t.span(*m.span()), excerpt=m.group(),
                           message=f"百分数范围「{m.group()}」写法不规范（GB/T 15835：用浪纹线，前后都写%）",
                           suggestion=f"改为「{want}」", replacement=want))
    for m in _UNIT_RANGE.finditer(text):
        want = f"{m.group(1)}～{m.group(2)}"
        out.append(Finding(code="U605", severity="error", section=t.sid, span=t.span(*m.span()), excerpt=m.group(),
                           message=f"数值范围「{m.group()}」应用浪纹线“～”连接（GB/T 15835）",
                           suggestion=f"改为「{want}」", replacement=want))
    for m in _MIXED_YEAR.finditer(text):
        a, b = m.span()
        want = "".join("〇" if ch in "0OoО" else ch for ch in m.group())
        out.append(Finding(code="U608", severity="error", section=t.sid, span=t.span(a, b), excerpt=m.group(),
                           message=f"汉字数字中混入了阿拉伯数字或字母「{m.group()}」（GB/T 15835：零写作“〇”）",
                           suggestion=f"改为「{want}」", replacement=want))
    return out


def _percent_mix(ctx: _Context) -> list[Finding]:
    """百分之 in words and % in digits in the same speech: one finding, at the first written in words."""
    words, signs = [], 0
    for t in texts(ctx):
        words += [(t, m) for m in _PERCENT_WORDS.finditer(t.text)]
        signs += len(_PERCENT_SIGN.findall(t.text))
    if not words or not signs:
        return []
    t, m = words[0]
    return [Finding(code="U606", severity="warning", section=t.sid, span=t.span(*m.span()), excerpt=m.group(),
                    message=f"百分数写法不统一：「{m.group()}」等 {len(words)} 处用汉字，另有 {signs} 处用“%”",
                    suggestion="全文统一用阿拉伯数字加“%”（GB/T 15835）")]


# A list of counts in Arabic digits with one in Chinese numerals (新建学校3所、医院五所).
_LIST_ITEM = re.compile(rf"([{_HAN}]{{1,8}}?)(\d+|[两三四五六七八九十]{{1,3}})(所|个|家|座|项|条|处|名|台|辆|支)(?=[、，,；])")


def _mixed_list(t: Text) -> list[Finding]:
    out = []
    for a, b in _sentence_spans(t.text):
        items = list(_LIST_ITEM.finditer(t.text, a, b))
        for x, y in itertools.pairwise(items):
            gap = t.text[x.end():y.start()]
            if gap not in ("、", "，", ","):
                continue
            dx, dy = x.group(2).isdigit(), y.group(2).isdigit()
            if dx != dy:
                cn = y if dx else x
                out.append(Finding(code="U607", severity="warning", section=t.sid, span=t.span(*cn.span(2)),
                                   excerpt=f"{x.group()}{gap}{y.group()}",
                                   message=f"同一列举中数字写法不一：「{x.group()}」与「{y.group()}」",
                                   suggestion="同一组计量数字统一用阿拉伯数字（GB/T 15835）"))
                break
    return out


def _sentence_spans(text: str) -> list[tuple[int, int]]:
    return [m.span() for m in re.finditer(rf"[^{SENTENCE_END}\n]+", text)]


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

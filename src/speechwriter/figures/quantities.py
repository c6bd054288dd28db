"""Quantities in Chinese official text: parsing figures and finding them in prose.

A *figure* such as ``1500余万元`` is a value (15 000 000), a unit (元) and a qualifier (余).
The same figure can be written many ways (``1500多万元``, ``一千五百余万元``), so everything
downstream compares :class:`Quantity` objects, never raw strings.

One grammar (``_FINDER``) reads both sides: :func:`parse_figure` reads what a facts file
declares and :func:`find_quantities` finds what a draft writes, so the two are compared like for
like. Numbers that are not figures are left out by rules (see :func:`find_quantities`) and by a
lexicon of fixed phrases kept as data (``prompts/common/fixed_phrases.txt``, extended from the
user's prompts folder). :func:`write_quantity` writes a quantity in the forms reports use; every
form reads back as itself on both sides (a property test holds the two together).

The Chinese numeral grammar is written here rather than taken from ``cn2an``: that package
costs ~150 ms to import (ten interpreter starts), rejects mixed forms that real reports use
(``1.37万亿``, ``2700多万``) and knows nothing of qualifiers sitting inside the number
(``一千五百余万``).
"""

from __future__ import annotations

import bisect
import functools
import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from pathlib import Path

__all__ = [
    "Lexicon",
    "Mention",
    "Quantity",
    "QuantityError",
    "canonical_qualifier",
    "canonical_unit",
    "cn_numeral",
    "find_quantities",
    "load_lexicon",
    "normalize_digits",
    "parse_figure",
    "parse_number",
    "parse_quantity",
    "write_quantity",
]


class QuantityError(ValueError):
    """A string that should be a figure but cannot be read as one."""


_CN_DIGITS = {
    "零": 0, "〇": 0, "○": 0, "Ｏ": 0,
    "一": 1, "壹": 1, "幺": 1,
    "二": 2, "两": 2, "贰": 2, "貳": 2,
    "三": 3, "叁": 3, "參": 3,
    "四": 4, "肆": 4,
    "五": 5, "伍": 5,
    "六": 6, "陆": 6, "陸": 6,
    "七": 7, "柒": 7,
    "八": 8, "捌": 8,
    "九": 9, "玖": 9,
}
_CN_SMALL_UNITS = {"十": 10, "拾": 10, "百": 100, "佰": 100, "千": 1000, "仟": 1000}
_CN_BIG_UNITS = {"万": 10_000, "萬": 10_000, "亿": 100_000_000, "億": 100_000_000}
CN_NUMERAL_CHARS = "".join(_CN_DIGITS) + "".join(_CN_SMALL_UNITS) + "".join(_CN_BIG_UNITS) + "点"

# Qualifier spellings -> canonical class. Two figures match only when their classes match,
# so "1500余万元" equals "1500多万元" but "300余" differs from "300".
_QUALIFIERS = {
    "余": "余", "多": "余", "来": "余",
    "近": "近", "将近": "近", "接近": "近", "逼近": "近",
    "约": "约", "大约": "约", "左右": "约", "上下": "约", "约为": "约",
    "超": "超", "超过": "超", "逾": "超", "以上": "超", "突破": "超", "多于": "超",
    "不足": "不足", "不到": "不足", "以下": "不足", "以内": "不足", "未满": "不足",
    "数": "数", "几": "数",
    "上": "上",
}
PREFIX_QUALIFIERS = ("将近", "接近", "逼近", "大约", "超过", "突破", "多于", "不足", "不到",
                     "未满", "近", "约", "超", "逾")
INNER_QUALIFIERS = ("余", "多", "来")
SUFFIX_QUALIFIERS = ("以上", "以下", "以内", "左右", "上下", "余", "多")

# Units and measure words, longest first when matched. Values are canonical spellings.
_UNITS = {
    "元": "元", "美元": "美元", "块钱": "元",
    "平方米": "平方米", "平米": "平方米", "㎡": "平方米", "m²": "平方米", "m2": "平方米",
    "平方公里": "平方公里", "k㎡": "平方公里", "km²": "平方公里", "㎢": "平方公里",
    "公里": "公里", "千米": "公里", "km": "公里", "㎞": "公里", "米": "米",
    "kV": "千伏", "kv": "千伏", "KV": "千伏", "kW": "千瓦", "kw": "千瓦", "KW": "千瓦", "MW": "兆瓦",
    "kWh": "千瓦时", "GW": "吉瓦", "吉瓦": "吉瓦", "周岁": "岁",
    "公顷": "公顷", "亩": "亩", "吨": "吨", "千克": "千克", "公斤": "千克", "斤": "斤",
    "千瓦": "千瓦", "千瓦时": "千瓦时", "千伏": "千伏", "伏": "伏", "兆瓦": "兆瓦", "千伏安": "千伏安", "度": "度", "立方米": "立方米", "标箱": "标箱",
    "%": "%", "％": "%", "‰": "‰", "个百分点": "百分点", "百分点": "百分点", "倍": "倍",
    "人次": "人次", "户次": "户次", "人": "人", "名": "名", "位": "位", "户": "户", "家": "家",
    "个": "个", "项": "项", "次": "次", "场": "场", "期": "期", "批": "批", "支": "支",
    "件": "件", "条": "条", "所": "所", "座": "座", "处": "处", "间": "间", "栋": "栋",
    "幢": "幢", "套": "套", "台": "台", "辆": "辆", "架": "架", "艘": "艘", "篇": "篇",
    "部": "部", "册": "册", "本": "本", "份": "份", "张": "张", "种": "种", "类": "类",
    "块": "块", "棵": "棵", "株": "株", "头": "头", "只": "只", "口": "口", "盏": "盏",
    "门": "门", "轮": "轮", "届": "届", "首": "首", "片": "片", "节": "节", "课时": "课时",
    "小时": "小时", "天": "天", "周": "周", "个月": "个月", "年": "年", "岁": "岁",
    "所学校": "所", "个村": "个", "万人": "人", "家次": "家次", "笔": "笔", "单": "单",
    "床": "床", "张床": "张", "起": "起", "眼": "眼", "宗": "宗", "枚": "枚", "列": "列", "蒸吨": "蒸吨",
    "微克/立方米": "微克/立方米", "分钟": "分钟", "成": "成", "千人": "人", "人数": "人",
}
UNIT_SPELLINGS = tuple(sorted(_UNITS, key=len, reverse=True))

# Magnitude words that may follow a number (Arabic or Chinese) and multiply it.
_MAGNITUDES = {"万亿": 10**12, "千亿": 10**11, "百亿": 10**10, "亿": 10**8, "千万": 10**7,
               "百万": 10**6, "万": 10**4, "千": 10**3, "百": 10**2, "十": 10}
MAGNITUDE_SPELLINGS = tuple(sorted(_MAGNITUDES, key=len, reverse=True))


def canonical_unit(unit: str) -> str:
    """Return the canonical spelling of a unit or measure word ('㎡' -> '平方米')."""
    return _UNITS.get(unit, unit)


def canonical_qualifier(qualifier: str) -> str:
    """Return the qualifier class of a spelling ('多' -> '余', '左右' -> '约')."""
    return _QUALIFIERS.get(qualifier, qualifier)


_FULL_WIDTH = {ch: unicodedata.normalize("NFKC", ch) for ch in "０１２３４５６７８９．％＋－"}
_FULL_WIDTH_RE = re.compile("[０-９．％＋－]+")


def normalize_digits(text: str) -> str:
    """Fold full-width digits and signs to ASCII; other characters are kept (same length)."""
    # Only the full-width runs are rewritten: str.translate would look up every character.
    return _FULL_WIDTH_RE.sub(lambda m: "".join(_FULL_WIDTH[ch] for ch in m.group()), text)


def _parse_cn_integer(text: str) -> int:
    """Parse a Chinese integer numeral such as 一千五百, 两万三千, 十二, 一〇二四."""
    if not text:
        raise QuantityError("空的数字")
    if all(ch in _CN_DIGITS for ch in text) and len(text) > 1:
        # Digit-by-digit spelling (一〇二四, 二〇二二).
        return int("".join(str(_CN_DIGITS[ch]) for ch in text))
    total = 0  # completed big-unit sections
    section = 0  # value inside the current 万/亿 section
    digit: int | None = None
    last_big = 10**16
    for ch in text:
        if ch in _CN_DIGITS:
            if digit is not None and digit != 0 and _CN_DIGITS[ch] != 0:
                raise QuantityError(f"数字写法有误：{text}")
            digit = _CN_DIGITS[ch]
        elif ch in _CN_SMALL_UNITS:
            section += (1 if digit is None else digit) * _CN_SMALL_UNITS[ch]
            digit = None
        elif ch in _CN_BIG_UNITS:
            big = _CN_BIG_UNITS[ch]
            section += digit or 0
            digit = None
            if big >= last_big:
                # 一万亿: the earlier sections belong under the bigger unit too.
                total = (total + section) * big
                last_big = big
            else:
                total += (section or (1 if total == 0 else 0)) * big
                last_big = big
            section = 0
        else:
            raise QuantityError(f"无法识别的数字字符「{ch}」")
    return total + section + (digit or 0)


_ARABIC_PREFIX = re.compile(r"([0-9]+(?:\.[0-9]+)?)(.*)", re.S)


def parse_number(text: str) -> Decimal:
    """Parse a bare number in Arabic or Chinese numerals, with 万/亿 allowed.

    >>> parse_number("一千五百")
    Decimal('1500')
    >>> parse_number("1.37万亿")
    Decimal('1370000000000.00')
    """
    s = normalize_digits(text.strip()).replace(",", "").replace("，", "").replace(" ", "")
    if not s:
        raise QuantityError("空的数字")
    neg = s.startswith(("-", "负"))
    if neg:
        s = s[1:]
    if s.isascii() and s.isdigit():
        return -Decimal(s) if neg else Decimal(s)
    m = _ARABIC_PREFIX.fullmatch(s)
    if m:
        value = Decimal(m.group(1))
        rest = m.group(2)
        while rest:
            for mag in MAGNITUDE_SPELLINGS:
                if rest.startswith(mag):
                    value *= _MAGNITUDES[mag]
                    rest = rest[len(mag):]
                    break
            else:
                raise QuantityError(f"无法识别的数字：{text}")
    else:
        if "点" in s:
            int_part, _, frac = s.partition("点")
            if not frac or any(ch not in _CN_DIGITS for ch in frac):
                raise QuantityError(f"无法识别的小数：{text}")
            # 十二点五万: the magnitude after the decimals applies to the whole number.
            value = Decimal(_parse_cn_integer(int_part or "零"))
            value += Decimal("0." + "".join(str(_CN_DIGITS[ch]) for ch in frac))
        else:
            value = Decimal(_parse_cn_integer(s))
    return -value if neg else value


@dataclass(frozen=True, slots=True)
class Quantity:
    """A parsed figure: value with magnitude applied, canonical unit and qualifier class.

    ``high`` is set for ranges (30－50). ``noun`` is what the figure counts when it is
    written after the unit (``56个项目`` -> noun ``项目``); it plays no part in matching.
    """

    value: Decimal
    unit: str = ""
    qualifier: str = ""
    high: Decimal | None = None
    noun: str = ""

    def matches(self, other: Quantity) -> bool:
        """Same value, qualifier class and unit (a missing unit on either side is allowed)."""
        if self.value != other.value or self.high != other.high:
            return False
        if self.qualifier != other.qualifier:
            return False
        return not self.unit or not other.unit or self.unit == other.unit

    def describe(self) -> str:
        """Short Chinese description, e.g. '15000000 元（余）'."""
        value = format(self.value.normalize(), "f")
        text = value if self.high is None else f"{value}–{format(self.high.normalize(), 'f')}"
        if self.unit:
            text += f" {self.unit}"
        if self.qualifier:
            text += f"（{self.qualifier}）"
        return text


def parse_quantity(raw: str) -> Quantity:
    """Parse one figure written as in a facts file (``1500余万元``, ``两次``, ``数千名``).

    The same grammar as :func:`find_quantities` reads it, so what a facts file declares and what
    a draft writes are compared like for like. Raises :class:`QuantityError` (a Chinese message)
    when ``raw`` holds no number. For a compound figure (``301户611人``) this is its first part;
    :func:`parse_figure` returns every part.

    >>> parse_quantity("1500余万元")
    Quantity(value=Decimal('15000000'), unit='元', qualifier='余', high=None, noun='')
    """
    return parse_figure(raw)[0]


_RATIO_NEXT = re.compile(r"[:：∶](?=[0-9])")


def parse_figure(raw: str) -> list[Quantity]:
    """Every quantity of a declared figure: one, or several for a compound (``301户611人``)."""
    text = normalize_digits(raw.strip())
    if not text:
        raise QuantityError("数字为空")
    parts: list[Quantity] = []
    pos = 0
    while True:
        m = _FINDER.match(text, pos)
        q = _quantity_of(m) if m and m.end() > pos else None
        if q is None:
            if not parts:
                raise QuantityError(f"「{raw}」中没有可识别的数字")
            break
        end = m.end()  # type: ignore[union-attr]
        product = _multiplied(text, m)  # type: ignore[arg-type]
        if product is not None:
            q, end = product
            parts.append(Quantity(q.value, q.unit, q.qualifier, q.high, text[end:].strip()))
            break
        nxt = _FINDER.match(text, end)
        compound = (q.unit and nxt is not None and nxt.end() > end and nxt.group("unit")
                    and (nxt.group("num") or "")[:1].isdigit() == (m.group("num") or "x")[:1].isdigit())
        if compound:
            parts.append(q)
            pos = end
            continue
        ratio = _RATIO_NEXT.match(text, end)
        if ratio:  # a ratio 22.2：46.4：31.4 is one figure of several parts, as the text finds them
            parts.append(q)
            pos = ratio.end()
            continue
        parts.append(Quantity(q.value, q.unit, q.qualifier, q.high, text[end:].strip()))
        break
    return parts


# --- writing quantities ---------------------------------------------------------------------

_CN_WRITE_DIGITS = "零一二三四五六七八九"
_PREFIX_SPELLING = {"近": "近", "约": "约", "超": "超过", "不足": "不足"}
_SUFFIX_SPELLING = {"约": "左右", "超": "以上", "不足": "以下"}


def cn_numeral(n: int) -> str:
    """A non-negative integer in Chinese numerals as reports write it (1500 → 一千五百, 10 → 十)."""
    if n < 0:
        raise ValueError("负数不能写成中文数字")
    if n == 0:
        return "零"
    out = ""
    for big, name in ((10**8, "亿"), (10**4, "万")):
        if n >= big:
            out += _cn_section(n // big, bool(out)) + name
            n %= big
            if n and n < big // 10:
                out += "零"
    if n:
        out += _cn_section(n, bool(out))
    return out.replace("零零", "零")


def _cn_section(n: int, inner: bool) -> str:
    """1 … 9999 in Chinese; a leading 一十 is written 十 unless the section follows a bigger unit."""
    if n >= 10**4:
        return cn_numeral(n)
    out = ""
    zero = False
    for unit, name in ((1000, "千"), (100, "百"), (10, "十"), (1, "")):
        d = n // unit % 10
        if d:
            if zero:
                out += "零"
            out += _CN_WRITE_DIGITS[d] + name
            zero = False
        elif out:
            zero = True
    if out.startswith("一十") and not inner:
        out = out[1:]
    return out


def write_quantity(q: Quantity, *, chinese: bool = False, magnitude: str = "", suffix: bool = False,
                   spaced: bool = False) -> str:
    """Write ``q`` the way reports do: ``1.3万余件``, ``近 4000人``, ``一千五百余万元``, ``6%左右``.

    ``magnitude`` (万, 亿, 万亿 …) divides the value; ``chinese`` writes the number in Chinese
    numerals (integers only); ``suffix`` puts the qualifier after the unit (左右, 以上, 以下)
    when it has such a spelling; ``spaced`` adds the stray spaces real text has. Every form
    reads back as ``q`` with :func:`parse_quantity` and :func:`find_quantities`.
    """
    if q.high is not None or q.unit in ("分数",):
        raise ValueError("区间和分数没有统一写法")
    number = q.value / _MAGNITUDES[magnitude] if magnitude else q.value
    if chinese:
        if number != number.to_integral_value():
            raise ValueError("中文数字只写整数")
        if q.unit.startswith("千") and not magnitude:
            raise ValueError("中文数字后接「千伏」等单位有歧义（二千伏），请用阿拉伯数字")
        num = cn_numeral(int(number))
    else:
        num = format(number.normalize(), "f")
    sp = " " if spaced else ""
    pre = inner = suf = ""
    if q.qualifier == "余":
        inner = "余"
    elif suffix and q.qualifier in _SUFFIX_SPELLING:
        suf = _SUFFIX_SPELLING[q.qualifier]
    elif q.qualifier:
        pre = _PREFIX_SPELLING[q.qualifier] + sp
    body = f"{num}{sp}{magnitude}{inner}" if magnitude else f"{num}{inner}"
    return f"{pre}{body}{q.unit}{suf}"


def _fraction(part: Decimal, whole: Decimal) -> Decimal:
    if whole == 0:
        raise QuantityError("分母不能为零")
    return (part / whole).quantize(Decimal("0.0001"))


# --- finding quantities in prose --------------------------------------------------------------

@dataclass(frozen=True, slots=True)
class Mention:
    """A quantity found in text. ``weak`` marks 一 + measure word (一个, 一次): usually an article."""

    quantity: Quantity
    start: int
    end: int
    text: str
    weak: bool = False


_SP = r"[ \u00a0\u3000]?"  # real text has stray spaces inside figures: 1.13 亿元, 近 4000
_FIND_UNITS = tuple(sorted(
    (u for u in _UNITS if u not in ("届", "万人", "千人", "所学校", "个村", "张床", "人数", "块钱")),
    key=len, reverse=True))
_ARABIC_FIND = r"[0-9](?:[0-9,]|[ \u00a0](?=[0-9]{3}(?![0-9])))*(?:\.[0-9]+)?"
_CN_FIND = "[零〇○一二两三四五六七八九十百千万亿]+(?:点[零〇○一二三四五六七八九]+)?"
_NUM = _ARABIC_FIND + "|" + _CN_FIND
# Every match starts with a digit, a Chinese numeral or a qualifier's first character; testing
# that first (a lookahead) spares the engine trying every alternative at every other position.
_FIRST_CHARS = "".join(sorted(set("0123456789零〇○一二两三四五六七八九十百千万亿数几上"
                                  + "".join(q[0] for q in PREFIX_QUALIFIERS))))
_FINDER = re.compile(
    "(?=[" + _FIRST_CHARS + "])"
    r"(?:(?P<pct>百分之|千分之)(?P<pnum>" + _NUM + ")"
    r"|(?P<fden>" + _CN_FIND + r")分之(?P<fnum>" + _CN_FIND + ")"
    r"|(?P<sa>[0-9]+)/(?P<sb>[0-9]+)"
    r"|(?:(?P<pre>" + "|".join(PREFIX_QUALIFIERS) + r")" + _SP + ")?"
    r"(?P<vague>(?:数|几|上)(?=[十百千万亿]))?"
    r"(?P<num>" + _NUM + r")"
    r"(?:(?P<rsep>-|－|—|~|～|至|到)(?P<high>" + _NUM + r"))?"
    r"(?P<inner>余|多|来)?" + _SP +
    r"(?P<mag>万亿|千亿|百亿|亿|千万|百万|万)?"
    r"(?P<inner2>余|多)?"
    r"(?P<unit>" + "|".join(re.escape(u) for u in _FIND_UNITS) + r"|大(?=[\u4e00-\u9fff]|$)"
    # 点 counts points (3点倡议, 三点意见) unless it tells the time (3点钟, 8点半) or is a decimal point
    r"|点(?=[\u4e00-\u9fff]|$)(?![钟半整前后起至到多左以零〇一二三四五六七八九十]))?"
    r"(?P<suf>以上|以下|以内|左右|上下)?)"
)


def _quantity_of(m: re.Match[str] | None, g: dict[str, str | None] | None = None) -> Quantity | None:
    """The quantity a finder match spells, or None when its number cannot be read."""
    if m is None:
        return None
    g = g if g is not None else m.groupdict()
    try:
        if g["pct"]:
            return Quantity(parse_number(g["pnum"]), "%" if g["pct"] == "百分之" else "‰")
        if g["fden"]:
            return Quantity(_fraction(parse_number(g["fnum"]), parse_number(g["fden"])), "分数")
        if g["sa"]:
            return Quantity(_fraction(Decimal(g["sa"]), Decimal(g["sb"])), "分数")
        num = g["num"]
        if not num or num == "点":
            return None
        value = parse_number(num.replace(" ", "").replace("\u00a0", ""))
        high = parse_number(g["high"]) if g["high"] else None
    except (QuantityError, InvalidOperation):
        return None
    if g["mag"]:
        scale = _MAGNITUDES[g["mag"]]
        value *= scale
        high = high * scale if high is not None else None
    qualifier = ""
    for k in ("pre", "vague", "inner", "inner2", "suf"):
        if g[k]:
            qualifier = canonical_qualifier(g[k])
            break
    return Quantity(value, canonical_unit(g["unit"] or ""), qualifier, high)


# --- the lexicon of fixed phrases -------------------------------------------------------------

LEXICON_FILE = "fixed_phrases.txt"


@dataclass(frozen=True)
class Lexicon:
    """Fixed phrases whose numerals are not figures (八项规定, 三个代表, 零部件 …).

    Shipped as ``prompts/common/fixed_phrases.txt``; a user adds phrases with a file of the same
    name in their own prompts folder (``common/fixed_phrases.txt``), which extends the built-in one.
    """

    phrases: tuple[str, ...]

    @classmethod
    def from_texts(cls, *texts: str) -> Lexicon:
        """Phrases from lexicon files' text: one a line, ``#`` starts a comment."""
        out: dict[str, None] = {}
        for text in texts:
            for line in text.splitlines():
                phrase = line.split("#", 1)[0].strip()
                if phrase:
                    out[normalize_digits(phrase)] = None
        return cls(tuple(out))

    @property
    def pattern(self) -> re.Pattern[str] | None:
        return _lexicon_pattern(self.phrases)


@functools.lru_cache(maxsize=16)
def _lexicon_pattern(phrases: tuple[str, ...]) -> re.Pattern[str] | None:
    if not phrases:
        return None
    return re.compile("|".join(map(re.escape, sorted(phrases, key=len, reverse=True))))


@functools.lru_cache(maxsize=16)
def load_lexicon(dirs: tuple[str, ...] = ()) -> Lexicon:
    """The built-in lexicon extended by ``common/fixed_phrases.txt`` in each of ``dirs``."""
    from ..resources import builtin_prompts_dir

    texts = []
    for d in (builtin_prompts_dir(), *map(Path, dirs)):
        path = Path(d) / "common" / LEXICON_FILE
        if path.is_file():
            texts.append(path.read_text(encoding="utf-8"))
    return Lexicon.from_texts(*texts)


_NUMERAL_CHARS = frozenset("零〇一二两三四五六七八九十百千万亿0123456789")


def _lexicon_spans(norm: str, lexicon: Lexicon) -> list[tuple[int, int]]:
    """Spans of fixed phrases; a phrase inside a longer numeral (二十一个 holds 十一) is no phrase."""
    pattern = lexicon.pattern
    if pattern is None:
        return []
    out = []
    n = len(norm)
    for m in pattern.finditer(norm):
        a, b = m.span()
        phrase = m.group()
        if phrase[0] in _NUMERAL_CHARS and a and norm[a - 1] in _NUMERAL_CHARS:
            continue
        if phrase[-1] in _NUMERAL_CHARS and b < n and _numeral_goes_on(norm, b):
            continue
        if b < n and norm[b] == "之" and phrase.endswith("分"):
            continue  # 十分之一, 万分之五: a fraction, not the adverb 十分
        out.append((a, b))
    return out


# Words that begin with a unit's character but are no unit: 十一期间 is the holiday, not eleven phases.
_UNIT_LOOKALIKES = ("期间", "长假", "黄金周", "前夕", "当天")


def _numeral_goes_on(norm: str, pos: int) -> bool:
    """The numeral ending before ``pos`` continues as a figure (more digits, a unit, or 余/多 then a unit).

    Spaces are skipped as the finder skips them inside a figure (十一 万元 is 11万元).
    """
    while pos < len(norm) and norm[pos] in " \u3000":
        pos += 1
    if pos >= len(norm):
        return False
    if norm.startswith(_UNIT_LOOKALIKES, pos):
        return False
    if norm[pos] in _NUMERAL_CHARS or _unit_at(norm, pos):
        return True
    nxt = pos + 1
    return norm[pos] in "余多" and nxt < len(norm) and (norm[nxt] in "万亿" or _unit_at(norm, nxt))


def _unit_at(norm: str, pos: int) -> bool:
    m = _UNIT_AT.match(norm, pos)
    return m is not None


_UNIT_AT = re.compile("|".join(re.escape(u) for u in _FIND_UNITS if len(u) > 0))


# --- spans that hold names, not figures ------------------------------------------------------

_QUOTE_RE = re.compile(r'“[^“”\n]{1,40}”|「[^「」\n]{1,40}」|『[^『』\n]{1,40}』|‘[^‘’\n]{1,40}’'
                       r'|《[^《》\n]{1,80}》|〈[^〈〉\n]{1,40}〉|"[^"\n]{1,40}"')
# Counters that slogans and programme names are made of (“四个不摘”, “保才18条”, “五大行动”):
# inside quotes a number with one of these and nothing more is part of the name.
NAME_COUNTERS = frozenset({"", "个", "条", "项", "大", "点", "种", "类", "件", "化", "张", "场", "次", "批", "位"})


# A glossary line under the text explains a footnote's term: "[27] 11258：…"; the term is a name.
_GLOSSARY_RE = re.compile(r"^[ \u3000]*\^?[\[［【〔][0-9]{1,3}[\]］】〕][ \u3000]*([^：:\n]{1,30})[：:]", re.M)


# A term in Chinese numerals followed by a footnote mark is explained in the notes: 四个发展定位[22].
# (An Arabic count before a footnoted noun, 建成5个示范区[2], stays a figure.)
_FOOTNOTED_TERM = re.compile(r"[\u4e00-\u9fff]{1,8}[”」\"]?[ \u3000]*\^?[\[［【〔][0-9]{1,3}[\]］】〕]")


def _glossary_terms(norm: str) -> list[tuple[int, int]]:
    return [m.span(1) for m in _GLOSSARY_RE.finditer(norm)]


_CLOSING_QUOTES = frozenset("”」』’》〉\"")


def _quote_spans(norm: str) -> list[tuple[int, int]]:
    return [m.span() for m in _QUOTE_RE.finditer(norm)]


class _Intervals:
    """Sorted, merged spans with an O(1) overlap test (prefix sums over covered characters)."""

    def __init__(self, n: int, spans: Iterable[tuple[int, int]]) -> None:
        covered = bytearray(n + 1)
        for a, b in spans:
            a, b = max(0, a), min(n, b)
            if a < b:
                covered[a:b] = b"\x01" * (b - a)
        self._covered = covered

    def overlaps(self, start: int, end: int) -> bool:
        return self._covered.find(1, start, end) >= 0


def find_quantities(text: str, *, skip_spans: list[tuple[int, int]] | None = None,
                    lexicon: Lexicon | None = None) -> list[Mention]:
    """Every quantity written in ``text``: Arabic or Chinese numerals, percentages, fractions,
    ranges and vague quantities, with their character spans.

    Numbers that are not figures are left out, by rule (see README, 数字识别规则): ordinals
    (第一, 一是, （一）, 一、), dates and years (2022年, 1月21日, 5·12, 7.19), anniversaries
    (90周年), session numbers (十四届五次全会), project phases (城改二期), footnote marks (^[3],
    【1】, ［1］), formulas (1+N), codes (PM2.5, 5G), hotline numbers (12345热线), quoted names
    (“四个不摘”, “1530”) and the fixed phrases of the lexicon (八项规定, 零部件 …).
    ``skip_spans`` adds spans to ignore (names from the facts, such as 四大基础工程).
    """
    norm = normalize_digits(text)
    lexicon = lexicon if lexicon is not None else load_lexicon()
    skips = _Intervals(len(norm), [*(skip_spans or ()), *_lexicon_spans(norm, lexicon)])
    quote_list = _quote_spans(norm)
    quotes = _Intervals(len(norm), [*quote_list, *_glossary_terms(norm)])
    out: list[Mention] = []
    for m in _FINDER.finditer(norm):
        num = m.group("num")
        if num is not None and m.end("num") == m.end() and not num[0].isdigit() and m.start("num") == m.start():
            continue  # a bare Chinese numeral (一是, 统一, 三圈层): the commonest match, never a figure
        pre = m.group("pre")
        if pre and m.start() and norm[m.start() - 1] in NOT_QUALIFIER_BEFORE.get(pre, ""):
            m = _FINDER.match(norm, m.start("num"))  # 相约十四冬, 节约: the word only ends in 约
            if m is None:
                continue
        start, end = m.span()
        if start == end or skips.overlaps(start, end):
            continue
        product = _multiplied(norm, m)
        if product is not None:  # 4×60万千瓦: one figure, the product (7×24小时 is a service formula)
            out.append(Mention(product[0], start, product[1], text[start:product[1]]))
            continue
        g = m.groupdict()
        mention = _mention_from(m, norm, text, g)
        if mention is None:
            continue
        if quotes.overlaps(start, end) and (_name_like(m, mention.quantity, g, norm)
                                            or _slogan_part(norm, quote_list, m, mention.quantity, g)):
            continue
        if _name_like(m, mention.quantity, g, norm) and not mention.text[:1].isdigit() \
                and _FOOTNOTED_TERM.match(norm, end):
            continue
        out.append(mention)
    return out


# Units a multiplied figure may carry (4×60万千瓦, 2×300吨): capacities and sizes, not time (7×24小时).
_MULTIPLIED_UNITS = frozenset({"千瓦", "兆瓦", "吉瓦", "千伏安", "千伏", "吨", "蒸吨", "立方米", "米", "平方米",
                               "公里", "标箱", "台", "千瓦时"})


def _multiplied(norm: str, m: re.Match[str]) -> tuple[Quantity, int] | None:
    """``N×M unit`` starting at ``m`` (a bare Arabic count): the product as one quantity and where it ends."""
    num = m.group("num")
    at = m.end("num") if num else -1
    if not num or not num.isdigit() or m.end() != at or norm[at:at + 1] not in ("×", "*"):
        return None
    factor = _FINDER.match(norm, at + 1)
    if factor is None or (factor.group("unit") or "") not in _MULTIPLIED_UNITS:
        return None
    q = _quantity_of(factor)
    if q is None or q.high is not None:
        return None
    return Quantity(q.value * int(num), q.unit, q.qualifier), factor.end()


# Money, shares and multiples inside quotes are figures even at a slogan's start (“投资8000万元”).
_MEASURED_UNITS = frozenset({"元", "美元", "%", "‰", "百分点", "倍"})
_SLOGAN_SEPARATORS = frozenset("，、；")
_MAX_SLOGAN_CHARS = 16


def _slogan_part(norm: str, quotes: list[tuple[int, int]], m: re.Match[str], q: Quantity,
                 g: dict[str, str | None]) -> bool:
    """A number that opens a short quoted formula and counts its parts: “四篇文章”, “十年禁渔”,
    “15分钟健身圈”, “八项工程，35件民生实事”. What follows the number is the formula's noun, so the
    number is a count of the slogan, not a statistic. A number after a verb (“新建12个站点”), with a
    magnitude, a qualifier, a decimal point or a money or percentage unit stays a figure."""
    if g["mag"] or q.qualifier or g["pct"] or g["fden"] or g["sa"] or q.unit in _MEASURED_UNITS:
        return False
    num = g["num"] or ""
    if "." in num:
        return False
    start, end = m.span()
    i = bisect.bisect_right(quotes, (start, len(norm))) - 1
    if i < 0:
        return False
    qs, qe = quotes[i]
    if not qs < start < qe or qe - qs - 2 > _MAX_SLOGAN_CHARS:
        return False
    opens_phrase = start == qs + 1 or norm[start - 1] in _SLOGAN_SEPARATORS
    return opens_phrase and end < qe - 1 and _is_han(norm[end])


def _name_like(m: re.Match[str], q: Quantity, g: dict[str, str | None], norm: str) -> bool:
    """Inside quotes, a number names something when it has no magnitude, no qualifier and no
    measuring unit, and it is written as names are: a bare code (“1530”), Chinese numerals with a
    counter (“四个不摘”, “五大行动”), a policy's article count closing the name (“保才18条”), or a
    count of numbers (“5个1000”).
    An Arabic count such as “新建12个站点” inside quotes is still a figure."""
    if g["mag"] or q.qualifier or q.unit not in NAME_COUNTERS or g["pct"]:
        return False
    num = g["num"] or ""
    if not q.unit or not num[:1].isdigit():
        return True
    after = norm[m.end():m.end() + 1]
    # “保才18条”: the article count closes the name; “5个1000”: a count of numbers is a slogan.
    return (q.unit == "条" and after in _CLOSING_QUOTES) or (bool(after) and after in _NUMERAL_CHARS)


def _mention_from(m: re.Match[str], norm: str, text: str, g: dict[str, str | None]) -> Mention | None:
    start, end = m.span()
    before = norm[start - 1] if start else ""
    after = norm[end] if end < len(norm) else ""
    if g["sa"] and ((before and before in "+＋") or (after and after in "+＋")
                          or _is_date_like(norm, start, end)):
        return None
    if g["pct"] or g["fden"] or g["sa"]:
        q = _quantity_of(m, g)
        return Mention(q, start, end, text[start:end]) if q else None
    num = g["num"]
    if not num or num == "点":
        return None
    arabic = num[0].isdigit()
    if g["unit"] == "年" and not g["pre"] and not g["inner"] and not g["high"] and (
            (arabic and len(num) == 4 and num.isdigit()) or _digits_only_cn(num)):
        return None  # a year (2022年, 二〇二二年): the commonest number that is not a figure
    unit_raw = g["unit"] or ""
    if unit_raw == "大" and (arabic or g["inner"] or g["mag"]):
        end = m.start("unit")  # 300余大学生: 大 starts the noun, it counts nothing
        unit_raw = ""
    has_context = bool(g["pre"] or g["vague"] or g["inner"] or g["mag"] or g["inner2"] or g["suf"] or unit_raw)
    if not arabic and not has_context:
        return None  # a bare Chinese numeral: 三圈层, 一城一都, 一是 …
    if not arabic and not any(ch in _CN_DIGITS or ch in _CN_SMALL_UNITS for ch in num) \
            and not g["pre"] and not g["vague"]:
        return None  # 亿万人民, 亿元以上项目: a magnitude word alone counts nothing
    if _not_a_figure(m, g, norm, start, end, before, arabic):
        return None
    q = _quantity_of(m, g)
    if q is None:
        return None
    if unit_raw != (g["unit"] or ""):
        q = Quantity(q.value, "", q.qualifier, q.high)
    # Trailing spaces are not part of the figure.
    while end > start and norm[end - 1] in " \u00a0\u3000":
        end -= 1
    weak = (not arabic and q.value == 1 and bool(unit_raw) and not q.qualifier and not g["mag"]
            and not _counted_after_noun(norm, start, end, q.unit))
    return Mention(q, start, end, text[start:end], weak)


# A measure word after its noun counts (泵站一座。 每户一人); before a noun 一个/一项 is an article.
_TIME_UNITS = frozenset({"年", "天", "周", "个月", "小时", "分钟", "岁"})
_NOT_A_NOUN_END = frozenset("的了这那是每之有再又同某哪任何单唯另其中统样就也还都")
_PAUSE_AFTER = frozenset("，。、；：！？,;:!?)）\n")


def _counted_after_noun(norm: str, start: int, end: int, unit: str) -> bool:
    if unit in _TIME_UNITS or unit == "批" or not start:
        return False  # 过去的一年，: a time phrase; 建成一批: "some", not a count
    if norm.find("一" + unit, end, end + 6) >= 0 or norm.find("一" + unit, max(0, start - 6), start) >= 0:
        return False  # 干一件、成一件: a parallel formula, not a count
    before = norm[start - 1]
    if not _is_han(before) or before in _NOT_A_NOUN_END:
        return False
    if start >= 2 and norm[start - 2] == "每" and before not in "当逢到":
        return True  # 每户一人: one per household (每当一项任务完成 is "whenever")
    return end >= len(norm) or norm[end] in _PAUSE_AFTER


def _is_date_like(norm: str, start: int, end: int) -> bool:
    after = norm[end:end + 1]
    return after in ("月", "日", "号")


# A qualifier's character that ends a longer word is no qualifier (节约, 相约, 最近, 赶超).
NOT_QUALIFIER_BEFORE = {"约": "节制签合违履大相预特", "近": "最附就临邻将接逼亲靠", "超": "赶高", "逾": ""}
_CODE_AFTER = ("国道", "省道", "县道", "路", "号线", "号楼", "号", "强", "世纪")
_SECOND_DATE = re.compile(r"[、和至][0-9]{1,2}[月日]")
_SESSION_BEFORE = re.compile(r"届[\u4e00-\u9fff]{0,6}$")  # 届, then at most a body's name (人大, 市委)
_SESSION_AFTER = ("全会", "会议", "全体会议", "常委会", "党代会", "代表大会", "中全会")
_PROJECT_TAILS = frozenset("改程目园区厂场站线路港城馆院楼苑湾库桥地心村镇街片校厦网道头仓房坝渠闸塔堂所")
_PROJECT_AFTER = ("工程", "项目", "治理", "扩建", "改造", "续建", "建设", "开工", "竣工", "投产")
# Before N期, a verb or an event noun makes it a count of sessions (举办培训班三期, 已完成两期).
_PHASE_COUNT_BEFORE = frozenset("班办训了共计等各每分成完期批年届次个座会课刊讲")
_LIST_GO_ON = frozenset("、，。；和及与等")
# N大 / N年 / N条 / N个 followed by these name a strategy, a system or a formula, not a count.
_NAME_AFTER = {
    "大": ("战略", "主体战略", "攻坚战", "战役", "工程", "行动", "主体", "理念"),
    "年": ("教育", "义务教育", "制", "一贯制"),
    "条": ("线",),  # 收支两条线
    "个": ("文明",),
}
_HOTLINE_WORDS = ("热线", "服务热线", "便民", "政务服务", "专线", "电话", "平台", "服务平台")
_BRACKETS_OPEN = frozenset("[〔【［(（")
_BRACKETS_CLOSE = frozenset("]〕】］)）")


def _not_a_figure(m: re.Match[str], g: dict[str, str | None], norm: str, start: int, end: int, before: str,
                  arabic: bool) -> bool:
    num = g["num"]
    num_end = m.end("num")
    after_num = norm[num_end:num_end + 2]
    after = norm[end:end + 2]
    unit = g["unit"] or ""
    bare = not unit and not (g["pre"] or g["vague"] or g["inner"] or g["mag"] or g["inner2"] or g["suf"])

    if before == "第" or (_one_of(before, "（(") and _one_of(norm[num_end:num_end + 1], "）)")):
        return True  # ordinal
    if not unit and _one_of(norm[num_end:num_end + 1], "是、") and not arabic:
        return True  # enumerator 一是 / heading 一、
    if bare and arabic and norm[num_end:num_end + 1] == "、" and (start == 0 or norm[start - 1] in "\n \u3000"):
        return True  # list number 1、 at the start of a line
    if (before.isascii() and before.isalpha() and not g["pre"]) or \
            (after[:1].isascii() and after[:1].isalpha() and arabic):
        return True  # PM2.5, 5G, COVID-19
    if before == "每":
        return True  # a rate's base: 每百户, 每万人, 每10万人口
    if norm[end:end + 1] == "级" and not (arabic or any(ch in _CN_DIGITS for ch in num)):
        return True  # a size class without a number: 百亿级, 千亿元级 (50亿级 states 50亿, a figure)
    if _one_of(before, "+＋·•.．×*") or _one_of(after_num[:1], "+＋·•．×*"):
        return True  # 1+N, 5·12
    if arabic and after_num[:1] == "." and not num.count("."):
        return True  # list number "1." in a heading
    if bare and (_one_of(before, _BRACKETS_OPEN) and _one_of(norm[num_end:num_end + 1], _BRACKETS_CLOSE)):
        return True  # footnote marks ^[3], 〔9〕, 【1】, ［1］
    if _one_of(before, "[〔【［") or _one_of(after[:1], "]〕】］"):
        return True
    if after_num[:1] in ("月", "日", "号", "时") or after_num.startswith("周年") or \
            (unit.startswith("周") and norm[end:end + 1] == "年"):
        return True  # dates, times, anniversaries
    is_year = (arabic and len(num.replace(",", "")) == 4) or _digits_only_cn(num)
    if unit == "年" and not g["pre"] and not g["inner"] and is_year:
        return True  # a year: 2022年, 二〇二二年
    if is_year and g["high"] and norm[end:end + 1] == "年":
        return True  # 2021—2025年
    if unit == "年" and norm[end:end + 1] == "度":
        return True  # 2025年度
    if bare and arabic and _is_day_month(num) and (_is_han(norm[end:end + 1]) or _one_of(norm[end:end + 1], "”\"")):
        return True  # a date written 7.19 (7.19特大暴雨)
    if unit == "次" and not arabic and (_SESSION_BEFORE.search(norm, max(0, start - 8), start)
                                        or (before == "、" and norm.startswith(_SESSION_AFTER, end))):
        return True  # session number: 十四届五次全会, 十七届人大二次会议, 六届三次、四次全会
    if unit == "次" and norm.startswith(_SESSION_AFTER, end) and norm[max(0, start - 2):start] in ("人大", "政协"):
        return True
    if unit == "期" and not arabic and not g["pre"] and not g["mag"] and (
            _one_of(before, _PROJECT_TAILS) or norm.startswith(_PROJECT_AFTER, end)
            or _phase_after_name(norm, num, before, end) or _next_phase(norm, num, start)):
        return True  # project phase: 城改二期, 一期工程, 某河三期治理, 某公司二期、, 改造一期、二期
    if not arabic and unit in _NAME_AFTER and not (g["pre"] or g["inner"] or g["suf"] or g["vague"]) \
            and _names_a_formula(norm, start, end, unit):
        return True  # a name or formula: 三大主体战略, 学前三年教育, 五年制, 收支两条线, 两个文明
    if bare and arabic and "." not in num and norm.startswith(_CODE_NAME_AFTER, end):
        return True  # a programme's code name: 518工程, 1025计划
    if not arabic and unit in NAME_COUNTERS and norm[end:end + 1] == "不" and norm[end + 1:end + 2] in _SET_VERBS:
        return True  # a set phrase: 一户不落, 两个不少, 一项不漏
    if not arabic and len(num) == 1 and not (g["pre"] or g["mag"] or g["inner"] or g["suf"]) and (
            (unit in _PLACE_UNITS and _PLACE_NAME.match(norm, end))
            or (unit == "元" and norm.startswith(_FIRM_WORDS, end))):
        return True  # names: 三间房乡, 五棵松路, 三家店村 (a place); 三元食品 (a company)
    if _admission_batch(norm, num, unit, before, g, num_end):
        return True  # 本一, 本二以上, 二本上线: abbreviations of 本科一批 / 本科二批
    if unit == "点" and (norm[max(0, start - 2):start].endswith(("上午", "下午", "晚上", "凌晨", "中午", "早上"))
                        or norm[max(0, start - 1):start] in ("晚", "早")):
        return True  # a time of day: 下午3点开会
    if bare and arabic and (norm.startswith("版", end) or (num.endswith(".0") and _is_han(norm[end:end + 1]))):
        return True  # a version: 4.0版, 教育信息化2.0行动
    if bare and arabic and _SECOND_DATE.match(norm, end):
        return True  # the first of two dates: 3、4月份
    if bare and arabic and len(num) >= 3 and num[0] == "0" and "." not in num:
        return True  # a telephone area code or a number with a leading zero: 0312-…
    if arabic and norm[num_end:num_end + 1] == "." and norm[num_end + 1:num_end + 2].isdigit():
        return True  # a dotted date or version: 2022.1.27, 1.2.3
    if g["high"] and norm[end:end + 1] in ("月", "日", "号"):
        return True  # a range of months or days: 1—11月
    if bare and arabic and norm.startswith(_CODE_AFTER, end):
        return True  # road and bus numbers (107国道, 506路), list names (500强), centuries (21世纪)
    if bare and arabic and len(num) == 4 and num.isdigit() and 1900 <= int(num) <= 2100:
        return True  # a year written without 年: 奋战2020, 2023中国国际数字经济博览会
    if bare and arabic and len(num) == 5 and num.startswith("12"):
        return True  # public service numbers 12345, 12319 …
    # hotline number: 12345热线
    return bare and arabic and "." not in num and "," not in num and 3 <= len(num) <= 8 and (
        norm.startswith(_HOTLINE_WORDS, end) or norm[max(0, start - 4):start].endswith(("热线", "电话", "拨打")))


_CLAUSE_ENDS = "，。；：！？\n"
# A list just given in the clause: 甲、乙和丙 or 等 / a closing quote right before the number.
# (二、 at the start of a heading is a list number, not a list.)
_LIST_BEFORE = re.compile(r"[^\W零〇一二两三四五六七八九十0-9][、和及与]|[等”」』》](?=[零〇一二两三四五六七八九十])")


def _names_a_formula(norm: str, start: int, end: int, unit: str) -> bool:
    """N大/N年/N条/N个 + a name word that ends there, not restating a list just given
    (科技、人才、开放三大战略 and 等十大工程 count; 实施三大主体战略 names a formula)."""
    word = next((w for w in sorted(_NAME_AFTER[unit], key=len, reverse=True) if norm.startswith(w, end)), "")
    if not word:
        return False
    nxt = norm[end + len(word):end + len(word) + 1]
    if unit == "条":
        return nxt != "路"  # 三条线路 counts lines
    if unit != "大":
        return True
    if _is_han(nxt) and nxt not in "的和与及等建":
        return False  # 三大战略支撑产业: the word only starts a longer noun
    clause_start = max(norm.rfind(ch, 0, start) for ch in _CLAUSE_ENDS) + 1
    return not any(_LIST_BEFORE.match(norm, i) for i in range(clause_start, start))


# A one-digit numeral, a measure word, one character and a place's suffix name a place (三间房乡).
_PLACE_UNITS = frozenset({"间", "棵", "家", "道", "台", "门", "座", "头", "口", "眼"})
_PLACE_NAME = re.compile(r"[\u4e00-\u9fff](?<![新大小老])(?:村|乡|镇|路|街|河|沟|峪|屯|堡|营|庄)")
_FIRM_WORDS = ("食品", "集团", "公司", "股份", "实业", "科技", "药业", "乳业", "化工", "电器")
_CODE_NAME_AFTER = ("工程", "计划", "行动", "战略", "工作法", "模式")
_SET_VERBS = frozenset("落漏少减摘变松丢让降缺")
_ADMISSION_AFTER = ("以上", "上线", "线", "达线", "批次", "院校", "录取")


def _admission_batch(norm: str, num: str, unit: str, before: str, g: dict[str, str | None], num_end: int) -> bool:
    """本一 / 本二 (本科一批, 本科二批) and 二本 (the same batch said the other way) before a word of
    admissions; 教材二本 stays a count of books."""
    if len(num) != 1 or num not in "一二三" or g["mag"] or g["pre"]:
        return False
    if before == "本" and not unit:
        return bool(g["suf"]) or norm.startswith(_ADMISSION_AFTER, num_end)
    if unit != "本":
        return False
    if g["suf"]:  # 二本以上上线
        return g["suf"] == "以上" and norm.startswith(("上线", "线"), num_end + 3)
    return norm.startswith(_ADMISSION_AFTER, num_end + 1)


def _next_phase(norm: str, num: str, start: int) -> bool:
    """The second phase of a list (改造一期、二期; 绿道二期和三期): the first one was a phase."""
    if len(num) != 1 or start < 4 or norm[start - 1] not in "、和及与" or norm[start - 2] != "期":
        return False
    first = norm[start - 3]
    if first not in "一二两三四五六七八九":
        return False
    name_end = norm[start - 4]
    return _one_of(name_end, _PROJECT_TAILS) or (_is_han(name_end) and name_end not in _PHASE_COUNT_BEFORE)


def _phase_after_name(norm: str, num: str, before: str, end: int) -> bool:
    """N期 right after a name (某公司二期、 “某某工程”二期) and closing a list item is a phase."""
    if len(num) != 1:
        return False  # phases are 一 … 九; 十二期 is a count of issues or sessions
    if before in _CLOSING_QUOTES:
        return True
    return _is_han(before) and before not in _PHASE_COUNT_BEFORE and (end >= len(norm) or norm[end] in _LIST_GO_ON)


def _one_of(ch: str, chars: str | frozenset[str]) -> bool:
    """``ch`` (one character, or '' at either end of the text) is one of ``chars``."""
    return bool(ch) and ch in chars


def _is_han(ch: str) -> bool:
    return bool(ch) and "\u4e00" <= ch <= "\u9fff"


def _is_day_month(num: str) -> bool:
    month, dot, day = num.partition(".")
    return bool(dot) and month.isdigit() and day.isdigit() and 1 <= int(month) <= 12 \
        and 1 <= int(day) <= 31 and len(day) == 2


def _digits_only_cn(num: str) -> bool:
    return len(num) > 1 and all(ch in "零〇○一二三四五六七八九" for ch in num)

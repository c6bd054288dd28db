"""Quantities in Chinese official text: parsing figures and finding them in prose.

A *figure* such as ``1500余万元`` is a value (15 000 000), a unit (元) and a qualifier (余).
The same figure can be written many ways (``1500多万元``, ``一千五百余万元``), so everything
downstream compares :class:`Quantity` objects, never raw strings.

The Chinese numeral grammar is written here rather than taken from ``cn2an``: that package
costs ~150 ms to import (ten interpreter starts), rejects mixed forms that real reports use
(``1.37万亿``, ``2700多万``) and knows nothing of qualifiers sitting inside the number
(``一千五百余万``).
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

__all__ = [
    "Quantity",
    "QuantityError",
    "canonical_qualifier",
    "canonical_unit",
    "normalize_digits",
    "parse_number",
    "parse_quantity",
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
    "公顷": "公顷", "亩": "亩", "吨": "吨", "千克": "千克", "公斤": "千克", "斤": "斤",
    "千瓦": "千瓦", "千瓦时": "千瓦时", "度": "度", "立方米": "立方米", "标箱": "标箱",
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
    "床": "床", "张床": "张", "千人": "人", "人数": "人",
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


def normalize_digits(text: str) -> str:
    """Fold full-width digits and signs to ASCII; other characters are kept."""
    out = []
    for ch in text:
        if "０" <= ch <= "９" or ch in "．％＋－":
            out.append(unicodedata.normalize("NFKC", ch))
        else:
            out.append(ch)
    return "".join(out)


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
    m = re.fullmatch(r"([0-9]+(?:\.[0-9]+)?)(.*)", s)
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


_ARABIC = r"[0-9][0-9,]*(?:\.[0-9]+)?"
_CN = "[" + CN_NUMERAL_CHARS + "]+"
_VAGUE = r"(?:数|几|上)(?=[十百千万亿])"
_FIGURE_RE = re.compile(
    r"(?P<pre>" + "|".join(PREFIX_QUALIFIERS) + r")?"
    r"(?P<vague>" + _VAGUE + r")?"
    r"(?P<num>" + _ARABIC + "|" + _CN + r")"
    r"(?P<inner>" + "|".join(INNER_QUALIFIERS) + r")?"
    r"(?P<mag>" + "|".join(MAGNITUDE_SPELLINGS) + r")?"
    r"(?P<unit>" + "|".join(re.escape(u) for u in UNIT_SPELLINGS) + r")?"
    r"(?P<suf>" + "|".join(SUFFIX_QUALIFIERS) + r")?"
    r"(?P<noun>.*)",
    re.S,
)


def parse_quantity(raw: str) -> Quantity:
    """Parse one figure written as in a facts file (``1500余万元``, ``两次``, ``数千名``).

    Raises :class:`QuantityError` (a Chinese message) when ``raw`` holds no number.

    >>> parse_quantity("1500余万元")
    Quantity(value=Decimal('15000000'), unit='元', qualifier='余', high=None, noun='')
    """
    text = normalize_digits(raw.strip()).replace(" ", "")
    if not text:
        raise QuantityError("数字为空")
    range_m = re.fullmatch(r"(" + _ARABIC + "|" + _CN + r")(?:-|－|—|~|～|至|到)(.+)", text)
    if range_m:
        low = parse_number(range_m.group(1))
        high_q = parse_quantity(range_m.group(2))
        return Quantity(low, high_q.unit, high_q.qualifier, high_q.value, high_q.noun)
    frac_m = re.fullmatch(r"(?:(百分之|千分之)|(" + _CN + r")分之)(" + _CN + r"|" + _ARABIC + r")(.*)",
                          text)
    if frac_m:
        part = parse_number(frac_m.group(3))
        if frac_m.group(1):
            unit = "%" if frac_m.group(1) == "百分之" else "‰"
            return Quantity(part, unit, _suffix_class(frac_m.group(4)), None, "")
        whole = parse_number(frac_m.group(2))
        return Quantity(_fraction(part, whole), "分数", "", None, frac_m.group(4))
    slash_m = re.fullmatch(r"([0-9]+)/([0-9]+)(.*)", text)
    if slash_m:
        value = _fraction(Decimal(slash_m.group(1)), Decimal(slash_m.group(2)))
        return Quantity(value, "分数", "", None, slash_m.group(3))
    m = _FIGURE_RE.fullmatch(text)
    if not m or (m.group("num") == "点"):
        raise QuantityError(f"「{raw}」中没有可识别的数字")
    return _quantity_from_match(m, raw)


def _fraction(part: Decimal, whole: Decimal) -> Decimal:
    if whole == 0:
        raise QuantityError("分母不能为零")
    return (part / whole).quantize(Decimal("0.0001"))


def _suffix_class(rest: str) -> str:
    for suf in SUFFIX_QUALIFIERS:
        if rest.startswith(suf):
            return canonical_qualifier(suf)
    return ""


def _quantity_from_match(m: re.Match[str], raw: str) -> Quantity:
    num = m.group("num")
    try:
        value = parse_number(num)
    except (QuantityError, InvalidOperation) as exc:
        raise QuantityError(f"「{raw}」中的数字无法解析：{exc}") from None
    qualifiers = [q for q in (m.group("pre"), m.group("vague"), m.group("inner"), m.group("suf")) if q]
    if m.group("mag"):
        value *= _MAGNITUDES[m.group("mag")]
    qualifier = canonical_qualifier(qualifiers[0]) if qualifiers else ""
    unit = canonical_unit(m.group("unit") or "")
    if m.group("unit") in ("万人", "千人"):
        value *= 10_000 if m.group("unit") == "万人" else 1000
    return Quantity(value, unit, qualifier, None, (m.group("noun") or "").strip())


# --- finding quantities in prose --------------------------------------------------------------

@dataclass(frozen=True, slots=True)
class Mention:
    """A quantity found in text. ``weak`` marks 一 + measure word (一个, 一次): usually an article."""

    quantity: Quantity
    start: int
    end: int
    text: str
    weak: bool = False


# Set phrases whose numerals are not figures. Political formulas, idioms, fixed expressions.
NON_FIGURE_PHRASES = (
    "一如既往", "进一步", "第一线", "统一", "一体化", "一系列", "一条龙", "一揽子", "一站式", "一盘棋",
    "千家万户", "千方百计", "成千上万", "万无一失", "三番五次", "三令五申", "五湖四海", "四面八方",
    "七上八下", "一五一十", "九牛一毛", "一心一意", "三天两头", "百年大计", "十年磨一剑", "百尺竿头",
    "两个维护", "两个确立", "四个意识", "四个自信", "四个全面", "两个一百年", "五位一体", "一带一路",
    "一国两制", "三大攻坚战", "十四五", "十五五", "十三五", "二十大", "十九大", "十八大", "十七大",
    "一把手", "一岗双责", "一票否决", "两手抓", "两手都要硬", "一张蓝图", "一次性", "一件事", "一网通办",
    "一网统管", "最多跑一次", "一口价", "百分百", "十分", "万分", "一流", "一线", "一致", "一起", "一道",
    "唯一", "同一", "一切", "一直", "一定", "一般", "一贯", "一律", "一同", "一旦", "一度", "一些",
    "一方面", "另一方面", "一大批", "一代人", "一方水土", "七一", "五一", "十一", "五四", "三八",
)

_FIND_UNITS = tuple(u for u in UNIT_SPELLINGS if u not in ("届", "年", "天", "周", "个月", "岁"))
_DURATION_UNITS = ("个月", "年", "天", "周", "岁")
_ARABIC_FIND = r"[0-9](?:[0-9,]|[ \u00a0](?=[0-9]{3}(?![0-9])))*(?:\.[0-9]+)?"
_CN_FIND = "[零〇一二两三四五六七八九十百千万亿]+(?:点[零〇一二三四五六七八九]+)?"
_FINDER = re.compile(
    r"(?P<pct>百分之|千分之)(?P<pnum>" + _ARABIC_FIND + "|" + _CN_FIND + ")"
    r"|(?P<fden>" + _CN_FIND + r")分之(?P<fnum>" + _CN_FIND + ")"
    r"|(?P<sa>[0-9]+)/(?P<sb>[0-9]+)"
    r"|(?P<pre>" + "|".join(PREFIX_QUALIFIERS) + r")?"
    r"(?P<vague>(?:数|几|上)(?=[十百千万亿]))?"
    r"(?P<num>" + _ARABIC_FIND + "|" + _CN_FIND + r")"
    r"(?:(?P<rsep>-|－|—|~|～|至|到)(?P<high>" + _ARABIC_FIND + "|" + _CN_FIND + r"))?"
    r"(?P<inner>余|多|来)?"
    r"(?P<mag>万亿|千亿|百亿|亿|千万|百万|万)?"
    r"(?P<unit>" + "|".join(re.escape(u) for u in _FIND_UNITS) + "|"
    + "|".join(_DURATION_UNITS) + r"|大(?=[\u4e00-\u9fff]))?"
    r"(?P<suf>以上|以下|以内|左右|上下)?"
)
_NON_FIGURE_RE = re.compile("|".join(sorted(map(re.escape, NON_FIGURE_PHRASES), key=len, reverse=True)))


def _digits_only_cn(num: str) -> bool:
    return len(num) > 1 and all(ch in "零〇一二三四五六七八九" for ch in num)


def find_quantities(text: str, *, skip_spans: list[tuple[int, int]] | None = None) -> list[Mention]:
    """Every quantity written in ``text``: Arabic or Chinese numerals, percentages, fractions,
    ranges and vague quantities, with their character spans.

    Numbers that are not figures are left out: ordinals (第一, 一是, （一）, 一、), dates and
    years (2022年, 1月21日, 5·12), anniversaries (90周年), footnote marks (^[3], 〔9〕), formulas
    (1+N), codes (PM2.5, 5G) and set phrases (一如既往, 十四五, 千家万户 …). ``skip_spans`` adds
    spans to ignore (names from the facts, such as 四大基础工程).
    """
    norm = normalize_digits(text)
    skips = list(skip_spans or [])
    skips += [m.span() for m in _NON_FIGURE_RE.finditer(norm)]
    out: list[Mention] = []
    for m in _FINDER.finditer(norm):
        start, end = m.span()
        if start == end:
            continue
        if any(a < end and start < b for a, b in skips):
            continue
        mention = _mention_from(m, norm, text)
        if mention is not None:
            out.append(mention)
    return out


def _mention_from(m: re.Match[str], norm: str, text: str) -> Mention | None:
    start, end = m.span()
    before = norm[start - 1] if start else ""
    after = norm[end] if end < len(norm) else ""
    raw = text[start:end]
    try:
        if m.group("pct"):
            value = parse_number(m.group("pnum"))
            return Mention(Quantity(value, "%" if m.group("pct") == "百分之" else "‰"), start, end, raw)
        if m.group("fden"):
            q = Quantity(_fraction(parse_number(m.group("fnum")), parse_number(m.group("fden"))), "分数")
            return Mention(q, start, end, raw)
        if m.group("sa"):
            if (before and before in "+＋") or (after and after in "+＋") or _is_date_like(norm, start, end):
                return None
            q = Quantity(_fraction(Decimal(m.group("sa")), Decimal(m.group("sb"))), "分数")
            return Mention(q, start, end, raw)
    except (QuantityError, InvalidOperation):
        return None
    num = m.group("num")
    if not num or num == "点":
        return None
    arabic = num[0].isdigit()
    unit_raw = m.group("unit") or ""
    if unit_raw == "大" and (arabic or m.group("inner") or m.group("mag")):
        unit_raw, end = "", m.start("unit")  # 300余大学生: 大 starts the noun, it counts nothing
    has_context = any(m.group(g) for g in ("pre", "vague", "inner", "mag", "suf")) or unit_raw
    if not arabic and not has_context:
        return None  # a bare Chinese numeral: 三圈层, 一城一都, 一是 …
    if _not_a_figure(m, norm, start, end, before, arabic):
        return None
    try:
        value = parse_number(num.replace(" ", ""))
        high = parse_number(m.group("high")) if m.group("high") else None
    except (QuantityError, InvalidOperation):
        return None
    if m.group("mag"):
        scale = parse_number("1" + m.group("mag"))
        value *= scale
        high = high * scale if high is not None else None
    qualifier = ""
    for g in ("pre", "vague", "inner", "suf"):
        if m.group(g):
            qualifier = canonical_qualifier(m.group(g))
            break
    unit = canonical_unit(unit_raw)
    if unit_raw in ("万人", "千人"):
        value *= 10_000 if unit_raw == "万人" else 1000
    weak = (not arabic and value == 1 and bool(unit_raw) and not qualifier and not m.group("mag"))
    return Mention(Quantity(value, unit, qualifier, high), start, end, text[start:end], weak)


def _is_date_like(norm: str, start: int, end: int) -> bool:
    after = norm[end:end + 1]
    return after in ("月", "日", "号")


def _not_a_figure(m: re.Match[str], norm: str, start: int, end: int, before: str, arabic: bool) -> bool:
    num = m.group("num")
    num_end = m.end("num")
    after_num = norm[num_end:num_end + 2]
    after = norm[end:end + 2]
    def one_of(ch: str, chars: str) -> bool:
        return bool(ch) and ch in chars

    if before == "第" or (one_of(before, "（(") and one_of(norm[num_end:num_end + 1], "）)")):
        return True  # ordinal
    if not m.group("unit") and one_of(norm[num_end:num_end + 1], "是、") and not arabic:
        return True  # enumerator 一是 / heading 一、
    if (before.isascii() and before.isalpha()) or (after[:1].isascii() and after[:1].isalpha() and arabic):
        return True  # PM2.5, 5G, COVID-19
    if one_of(before, "+＋·•.．") or one_of(after_num[:1], "+＋·•．"):
        return True  # 1+N, 5·12
    if arabic and after_num[:1] == "." and not m.group("num").count("."):
        return True  # list number "1." in a heading
    if one_of(before, "[〔【") or one_of(after[:1], "]〕】"):
        return True  # footnote marks ^[3], 〔9〕
    if after_num[:1] in ("月", "日", "号", "时") or after_num.startswith("周年") or \
            ((m.group("unit") or "").startswith("周") and norm[end:end + 1] == "年"):
        return True  # dates, times, anniversaries
    is_year = (arabic and len(num.replace(",", "")) == 4) or _digits_only_cn(num)
    if m.group("unit") == "年" and not m.group("pre") and not m.group("inner") and is_year:
        return True  # a year: 2022年, 二〇二二年
    return m.group("unit") == "年" and norm[end:end + 1] == "度"  # 2025年度

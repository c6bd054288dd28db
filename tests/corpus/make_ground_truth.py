"""Ground truth for the corpus test: the figures each real text states, by a deliberately simple rule.

This script does NOT use speechwriter's finder (that would make the test circular). It is a
plain regular expression over Arabic and Chinese numerals with its own unit list, plus a few
transparent exclusions (ordinals, years, dates, anniversaries, footnote marks, 一 + measure
word). Its output was then reviewed by hand; the corrections live in ``review.yaml`` next to
this file (figures the rule missed, non-figures the rule took, each with a reason) and are
applied when the facts files are written.

    python tests/corpus/make_ground_truth.py            # (re)write tests/corpus/facts/*.yaml
    python tests/corpus/make_ground_truth.py --check    # exit 1 when the files are stale

A facts file holds only the figures as written, in text order, one per occurrence: no
sentences of the corpus (the test builds the statements at run time from the text).
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

import yaml

HERE = Path(__file__).resolve().parent
CORPUS = HERE.parents[2] / "shared" / "corpus"
OUT = HERE / "facts"

# Units and measure words, longest first. Independent of speechwriter's own list.
_UNIT_LIST = """
万亿元 亿元 万元 元 美元 亿美元 万美元 % ％ ‰ 个百分点 百分点 倍 人次 户次 家次 万人 人 名 位 户 家 个月 个 项 次 场 批
所 座 处 间 套 台 辆 架 艘 条 件 亩 公顷 吨 千瓦时 千瓦 兆瓦 千伏安 千伏 平方米 ㎡ 平方公里 公里 千米 米 立方米 斤 公斤
千克 年 天 周 小时 岁 篇 部 本 份 张 种 类 株 棵 头 只 口 门 轮 期 支 标箱 床 栋 幢 片 笔 单 课时 节 首 盏 块 册 度
起 眼 宗 枚 列 蒸吨 微克/立方米 届 分钟 成 kV GW kW MW
"""
UNITS = sorted(_UNIT_LIST.split(), key=len, reverse=True)
PRE = ["将近", "接近", "超过", "突破", "不足", "不到", "近", "约", "超", "逾"]
SUF = ["以上", "以下", "以内", "左右"]
CN = "零〇一二两三四五六七八九十百千万亿"
NUM = r"[0-9０-９]+(?:[.．][0-9０-９]+)?|[" + CN + "]+"
FIGURE = re.compile(
    "(?P<pre>" + "|".join(PRE) + ")?"
    r"(?P<num>(?:" + NUM + r")(?:[-－—~～至到](?:" + NUM + r"))?(?:/[0-9]+)?)"
    r"(?P<inner>余|多)?"
    r"(?P<mag>万亿|亿|千万|百万|万)?"
    r"(?P<inner2>余|多)?"
    r"(?P<unit>" + "|".join(map(re.escape, UNITS)) + ")?"
    r"(?P<suf>" + "|".join(SUF) + ")?"
)


def candidates(text: str) -> list[str]:
    """Every figure the simple rule sees, as written, in order."""
    return [raw for _, raw in located(text)]


def located(text: str) -> list[tuple[int, str]]:
    """Every figure the simple rule sees with where it starts."""
    out: list[tuple[int, str]] = []
    for m in FIGURE.finditer(text):
        num, unit = m.group("num"), m.group("unit") or ""
        arabic = num[0] in "0123456789０１２３４５６７８９"
        before = text[m.start() - 1] if m.start() else ""
        after = text[m.end():m.end() + 2]
        qualified = m.group("mag") or m.group("pre") or m.group("inner") or m.group("suf")
        qualified = m.group("mag") or m.group("pre") or m.group("inner") or m.group("suf")
        if not arabic and not any(c in "零〇一二两三四五六七八九十百千" for c in num) and not (
                m.group("pre") or text[m.start() - 1:m.start()] in ("上", "数", "几")):
            continue  # 万人, 亿万: a magnitude word alone is not a number (超亿元, 上亿, 数亿人 are)
        if not unit and after[:1] == "大" and (_in_short_quote(text, m.start(), m.end() + 1)
                                                or (not arabic and _cn_value(num) >= 11)):
            continue  # “五大战役”: a name; 十九大, 二十大: a party congress
        if not unit and after[:1] == "大" and num == "一":
            continue  # 一大亮点: "a major", not a count
        if not unit and after[:1] == "大" and _is_han(text[m.end() + 1:m.end() + 2]):
            out.append((m.start(), m.group() + "大"))  # 三大主导产业: a count
            continue
        ratio = re.match(r"[:：∶]\s*[0-9]", text[m.end():m.end() + 3]) or before in ":：∶"
        shared = re.match(r"(?:和|、|与|或)\s*[0-9.]+\s*(?:" + "|".join(map(re.escape, UNITS)) + ")", after + text[
            m.end() + 2:m.end() + 12])
        if not unit and arabic and ("/" in num or ratio or shared):
            out.append((m.start(), m.group().strip()))  # a fraction, a part of a ratio, or a number sharing the next unit
            continue
        if not unit and not (arabic and qualified) and not (not arabic and qualified and len(num) > 1):
            continue  # a bare number is not a figure here (list numbers, codes, bare Chinese numerals)
        if not arabic and num == "一" and not qualified:
            continue  # 一个, 一项: an article
        if after[:1] == "级" and not re.search("[0-9一二两三四五六七八九]", num):
            continue  # a size class with no number: 千亿元级产业集群 (50亿级 states 50亿)
        if num == "零":
            continue  # 零部件, 零售: 零 alone counts nothing
        if (unit == "届" and not arabic) or (unit == "次" and "届" in text[max(0, m.start() - 8):m.start()]):
            continue  # a session: 十九届, 十四届三次全会
        if not arabic and after[:1] == "大" and _cn_value(num) >= 11:
            continue  # a party congress: 十九大, 二十大
        if unit and not qualified and _in_short_quote(text, m.start(), m.end()) and unit in (
                "个", "条", "项", "件", "种", "类", "次", "场", "位", "大"):
            continue  # a slogan or programme name in quotes: “四个意识”, “雄才16条”
        if unit and not qualified and "." not in num and unit not in ("元", "美元", "%", "％", "‰", "倍", "个百分点") \
                and _opens_short_quote(text, m.start(), m.end()):
            continue  # a quoted formula counting its parts: “三篇文章”, “十年禁渔”, “15分钟生活圈”
        if before == "第" or before in "[［【〔" or after[:1] in "]］】〕":
            continue  # ordinal or footnote mark
        if unit in ("年", "周") and ((len(num) == 4 and arabic) or (
                all(c in "〇零一二三四五六七八九" for c in num) and len(num) > 1)):
            continue  # a year: 2022年, 二〇二二年
        if (not unit and after[:1] in ("月", "日", "号")) or (unit == "周" and after[:1] == "年"):
            continue  # a date or an anniversary
        vague = text[m.start() - 1:m.start()] if m.start() else ""
        if not arabic and not m.group("pre") and vague in ("上", "数", "几") and num[0] in "十百千万亿":
            out.append((m.start() - 1, vague + m.group().strip()))  # 数亿人, 上百年: a vague quantity
            continue
        out.append((m.start(), m.group().strip()))
    return out


def _cn_value(num: str) -> int:
    """Value of a small Chinese numeral (up to 99); 0 when it is something else."""
    digits = dict(zip("零一二两三四五六七八九", (0, 1, 2, 2, 3, 4, 5, 6, 7, 8, 9), strict=True))
    if num == "十":
        return 10
    if "十" in num:
        tens, _, ones = num.partition("十")
        return digits.get(tens, 1) * 10 + digits.get(ones, 0) if all(c in digits for c in tens + ones) else 0
    return digits.get(num, 0) if len(num) == 1 else 0


def _in_short_quote(text: str, start: int, end: int) -> bool:
    """Inside “…” / "…" / 「…」 of at most 12 characters on the same line."""
    for left, right in (("“", "”"), ('"', '"'), ("「", "」")):
        a = text.rfind(left, max(0, start - 12), start)
        if a < 0 or "\n" in text[a:start]:
            continue
        b = text.find(right, end, end + 12)
        if b >= 0 and "\n" not in text[end:b] and b - a <= 13:
            return True
    return False


def _opens_short_quote(text: str, start: int, end: int) -> bool:
    """The number opens a phrase of a short “…” (right after the quote mark, or after 、，；inside it)
    and a Chinese character follows it inside the quote."""
    a = text.rfind("“", max(0, start - 16), start)
    if a < 0 or "”" in text[a:start] or "\n" in text[a:start]:
        return False
    b = text.find("”", end, end + 16)
    if b < 0 or b - a > 17 or "\n" in text[end:b] or end >= b or not _is_han(text[end]):
        return False
    return start == a + 1 or text[start - 1] in "，、；"


def _is_han(ch: str) -> bool:
    return bool(ch) and "\u4e00" <= ch <= "\u9fff"


def reviewed(name: str, text: str, found: list[tuple[int, str]], review: dict) -> list[str]:
    """Apply the hand review: drop candidates inside a reviewed non-figure, add figures the rule missed.

    ``not_figures`` entries name a piece of text (``text``) in which no number is a figure, with
    the reason; they apply to every corpus file. ``add`` lists, per file, figures the rule missed;
    one with ``near`` (a few characters of the text around it) takes its place in text order,
    one without goes at the end.
    """
    out = kept(text, found, review)
    tail = []
    for add in (review.get("add", {}) or {}).get(name[:2], []):
        raw = str(add["raw"])
        near = str(add.get("near", ""))
        at = text.find(near) if near else -1
        if near and (at < 0 or raw not in near):
            raise ValueError(f"{name}: add {raw!r}: near {near!r} is not in the text or does not hold it")
        if at < 0:
            tail.append(raw)
        else:
            out.append((at + near.index(raw), raw))
    return [raw for _, raw in sorted(out, key=lambda item: item[0])] + tail


def kept(text: str, found: list[tuple[int, str]], review: dict) -> list[tuple[int, str]]:
    """The candidates that do not start inside a reviewed non-figure."""
    spans = []
    for entry in review.get("not_figures", []):
        start = text.find(entry["text"])
        while start >= 0:
            spans.append((start, start + len(entry["text"])))
            start = text.find(entry["text"], start + 1)
    return [(at, raw) for at, raw in found if not any(a <= at < b for a, b in spans)]


def main() -> int:
    review = yaml.safe_load((HERE / "review.yaml").read_text(encoding="utf-8")) or {}
    stale = []
    OUT.mkdir(exist_ok=True)
    for path in sorted(CORPUS.glob("*.txt")):
        text = path.read_text(encoding="utf-8")
        figures = reviewed(path.name, text, located(text), review)
        body = f"# {path.name}: figures as written, in text order (tests/corpus/make_ground_truth.py + review.yaml)\n"
        body += yaml.safe_dump({"file": path.name, "figures": figures}, allow_unicode=True, width=120)
        target = OUT / (path.name[:2] + ".yaml")
        if "--check" in sys.argv:
            if not target.is_file() or target.read_text(encoding="utf-8") != body:
                stale.append(target.name)
            continue
        target.write_text(body, encoding="utf-8")
    if stale:
        print("stale:", ", ".join(stale))
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

"""The offline composer: a rule-based engine that needs no LLM.

It reads the same prompt an LLM gets, takes the ``<section>`` and ``<facts>`` data blocks out of
it, and writes the section from the facts and a small phrase bank (``prompts/offline/phrases.yaml``).

What it writes, and nothing else:

- **fact sentences** — the facts file's own statements, themes, measures, shortcomings, wishes and
  requests, each framed at most by a word that names who did it (the organisation, 我们, 我);
- **evaluations computed from the data**, and only next to the comparison they rest on — a target
  and a result both stated (计划10个，完成12个) read 超额完成目标任务; a rate or a rank alone is left to
  speak for itself; nothing is praised that a figure does not show, and a shortcoming is written
  only where the facts name one;
- **structural sentences** — the salutation, one announcement of the parts, one lead-in at the
  start of each part, the ending the facts ask for (the short list under ``structural`` in the
  phrase bank, see :func:`structural_templates`);
- **gap markers** — where the outline's budget for a point wants more than its facts hold, a
  visible 【待补：…，约N字】 (:func:`speechwriter.gaps.gap_marker`) says what a person should add.

So a draft is shorter than its target when the facts are thin, and says by how much; it never
fills the difference with sentences that could stand in any speech.
"""

from __future__ import annotations

import functools
import json
import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..blueprint import enumerator_word
from ..datablock import parse_data_block
from ..gaps import gap_marker
from .base import Completion, Engine, EngineError, Message, Request

__all__ = ["OfflineComposer", "Speaker", "cn_count", "evaluation", "speaker_model", "structural_templates"]

_END = "。；，、：！？ "

# A point is left with a gap marker when its facts fall short of its budget by at least this many
# characters and this share of the budget: a small shortfall is no reason to interrupt the text.
GAP_MIN_CHARS = 50
GAP_MIN_SHARE = 0.3


def _sentence(text: str, end: str = "。") -> str:
    """End a clause as a sentence: exactly one ``end`` mark; none after a quotation that ends one
    (……盛德。”); a fact that exclaims or asks (大家好！) keeps its own mark."""
    text = text.strip()
    own = {"！": "！", "!": "！", "？": "？", "?": "？"}.get(text[-1:], "")
    text = text.rstrip(_END)
    if _QUOTE_ENDS.search(text):
        return text
    return text + (own or end) if text else ""


# 「维护群众权益，是群团组织的基本职能」 and 「解决“三农”问题是……重中之重」 say what a task is, not
# what will be done: no 我们将 in front. A 是 inside a word (实事求是, 特别是, 还是, 是否) is not one,
# nor one inside what a verb holds to (坚持发展是第一要务).
_JUDGEMENT = re.compile(
    r"^(?:[^，,。；]{2,24}[，,]\s*(?:是|就是|乃是)"
    r"|(?!坚持|树立|牢记|牢固树立|认识到|明确|确立|把握|强调|突出|体现|深刻认识)"
    r"[^，,。；：:是]{3,24}(?<!特别)(?<!尤其)(?<!实事求)(?<![还但凡于就也更总不])是(?!否|非))")
# A call to the hall opening a line (各位代表！ 同志们，): the speaker's turn, a new paragraph.
_CALL_START = re.compile(r"^(?:(?:各位代表|各位委员|同志们|女士们|先生们|朋友们|各位来宾|各位嘉宾)[、，,]?)+[！!，,]")
_SUB_POINT = re.compile(r"^(?:[0-9]{1,2}[.．](?![0-9])|[（(][0-9]{1,2}[）)])")
_QUOTE_ENDS = re.compile(r"[。！？!?][”’」』]$")


# 两个站位, 三个关键, 四个坚持, 三项要求: a count and what it counts.
_LABEL = re.compile(r"^[一二三四五六七八九十两几]+(?:个|项|大|点|条|种|类|方面)[\u4e00-\u9fff“”]{1,8}$")


def _is_label(theme: str, numbered: bool, measures: list[str]) -> bool:
    """An unnumbered line that only counts what follows (两个站位, 三个关键), with nothing under it:
    the label of the list after it, said with its colon."""
    return not numbered and not measures and bool(_LABEL.match(theme))


def _clause(text: str) -> str:
    return text.strip().rstrip(_END)


def _quote(name: dict[str, Any]) -> str:
    return f"“{name['text']}”" if name.get("quoted", True) else name["text"]


_DIGITS = "零一二三四五六七八九"


def cn_count(n: int) -> str:
    """A cardinal in Chinese numerals, as a count is said: 两个方面, not 二个方面 (1–99)."""
    if n == 2:
        return "两"
    if n < 10:
        return _DIGITS[n]
    tens, ones = divmod(n, 10)
    return ("" if tens == 1 else _DIGITS[tens]) + "十" + (_DIGITS[ones] if ones else "")


def _marker_kind(marker: str) -> str:
    """一是 / 第一 / （一） / 1. / 首先: which numbering a marker belongs to."""
    if marker.endswith("是"):
        return "yishi"
    if marker.startswith("第"):
        return "diyi"
    if marker.startswith(("（", "(")):
        return "paren"
    if marker[:1].isdigit():
        return "arabic"
    return "word"


# An extracted facts file marks what it could not find with a placeholder in full-width brackets
# (（待补充：…）): that is a gap, not a sentence of the speech.
# A sentence that announces the points after it: 重点在以下四个方面……。 / 我讲三点意见。 / 提几点希望。
# 「重点抓好以下四个方面：」「落实总体要求，我们必须做到：」: the source announces the points that follow.
_ANNOUNCES = re.compile(r"(?:(?:以下|下面|[0-9一二三四五六七八九十两几]+(?:个方面|个重点|大亮点|大成效|点|项|件))[^。；：]{0,16}"
                        r"|(?:我们|我)(?:必须|要|应当|务必)做到)[。：]$")
# A theme that is only a time phrase (40年来) opens its sentence; it is no heading to stop after.
_TIME_ONLY = re.compile(r"(?:近|过去)?[0-9一二三四五六七八九十两几多]+年(?:来|以来|中)|一年来|近年来|多年来")
# A summary that opens with a time of its own (过去一年是……) takes no period in front of it.
_TIME_OPENING = re.compile(r"^(?:[0-9]{4}年|[0-9一二三四五六七八九十两几]+年(?:来|以来|中)|过去|近年来|一年来|这一年|今年|去年|"
                           r"本届|[^，。]{0,8}以来)")
# Ordinals that are words of their own take a comma before the point (第一，…/首先，…); 一是 and （一） run on.
_WORD_ORDINAL = re.compile(r"^(?:第[一二三四五六七八九十]+|首先|其次|再次|再者|最后)$")
_PLACEHOLDER = re.compile(r"^[（(]待补充[：:]?(?P<what>[^）)]*)[）)]$")


def _placeholder(text: str) -> str | None:
    m = _PLACEHOLDER.match(text.strip())
    return m.group("what").strip() if m else None


@functools.lru_cache(maxsize=16)
def _load_phrases(path: str, mtime_ns: int) -> dict[str, Any]:
    """Parse a phrase bank once per file version (evals build many composers)."""
    import yaml

    text = Path(path).read_text(encoding="utf-8")
    return yaml.load(text, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader)) or {}


def _strings(node: Any) -> list[str]:
    if isinstance(node, str):
        return [node]
    if isinstance(node, dict):
        return [s for v in node.values() for s in _strings(v)]
    if isinstance(node, list):
        return [s for v in node for s in _strings(v)]
    return []


def structural_templates(phrases: dict[str, Any]) -> list[str]:
    """The structural sentences of a phrase bank (slots as ``{name}``): the only sentences the
    composer writes that need not carry a fact; the grounding metric excepts them."""
    return [s for s in _strings(phrases.get("structural") or {}) if s.strip()]


class OfflineComposer(Engine):
    """Deterministic, rule-based drafting. Honest about what it is: ``rule_based = True``."""

    name = "offline"
    rule_based = True

    @property
    def model_name(self) -> str:
        return "rule-based"

    def __init__(self, phrases: dict[str, Any]) -> None:
        self.phrases = phrases

    @classmethod
    def from_prompts(cls, prompts_dirs: Iterable[str | Path] | None = None) -> OfflineComposer:
        """Load the phrase bank from the first prompts folder that has one."""
        from ..resources import builtin_prompts_dir

        for folder in [*(Path(d) for d in prompts_dirs or []), builtin_prompts_dir()]:
            path = folder / "offline" / "phrases.yaml"
            if path.is_file():
                return cls(_load_phrases(str(path), path.stat().st_mtime_ns))
        raise EngineError("找不到离线撰稿器的措辞库 offline/phrases.yaml")

    def structural_templates(self) -> list[str]:
        """This composer's structural sentences (see :func:`structural_templates`)."""
        return structural_templates(self.phrases)

    # --- Engine interface -----------------------------------------------------------------

    def complete(self, messages: list[Message], request: Request | None = None) -> Completion:
        user = next((m["content"] for m in reversed(messages) if m["role"] == "user"
                     and "<section>" in m["content"]), "")
        try:
            section = parse_data_block(user, "section")
            facts = parse_data_block(user, "facts")
        except json.JSONDecodeError as exc:
            raise EngineError(f"离线撰稿器无法读取提示词中的数据块：{exc.msg}") from None
        if section is None or facts is None:
            raise EngineError("离线撰稿器需要提示词中的 <section> 和 <facts> 数据块，"
                              "自定义模板请保留 {{ section_block }} 与 {{ facts_block }}")
        text = self.compose(section, facts)
        return Completion(text=text, model=self.model_name,
                          usage={"prompt_chars": sum(len(m["content"]) for m in messages),
                                 "completion_chars": len(text)})

    # --- composition ----------------------------------------------------------------------

    def compose(self, section: dict[str, Any], facts: dict[str, Any]) -> str:
        """Write one section body from its spec and facts slice."""
        writer = _Writer(self.phrases, section, facts)
        role = section.get("role", "body")
        method = getattr(writer, f"write_{role}", writer.write_body)
        paragraphs = [p for p in method() if p]
        return "\n\n".join(paragraphs)


# --- evaluations computed from the data -----------------------------------------------------------

# A target stated with its value (目标新建5万亩, 计划改造10个, 任务40件), and any other value of the
# same unit in the statement (实际新建5.8万亩, 完成8个): the comparison a verdict rests on.
_NUMBER = r"(\d+(?:\.\d+)?)\s*(万|亿)?([^\d\s，。；、%％])"
_TARGET_VALUE = re.compile(r"(?:目标|计划|任务)(?:为|是)?[^\d，。；]{0,8}?" + _NUMBER)
_VALUE = re.compile(_NUMBER)
_SIGNED = re.compile(r"同比([+\-－＋])\s*(\d+(?:\.\d+)?\s*[%％])")


def evaluation(statement: str) -> str:
    """What the figures of one statement show, as a clause ('' when they show nothing to judge).

    A verdict is written only next to the comparison it rests on: the statement gives the target
    and the result (计划改造10个，完成12个 → 超额完成目标任务; equal → 全面完成目标任务). A rate alone
    (完成年度任务的116%) or a rank (排名全省第2位) already says all it says: a verdict after it is
    套话 to a reader, so none is added.
    """
    target = _TARGET_VALUE.search(statement)
    if not target:
        return ""
    goal, unit = float(target.group(1)) * _SCALE[target.group(2) or ""], target.group(3)
    done = [float(m.group(1)) * _SCALE[m.group(2) or ""] for m in _VALUE.finditer(statement, target.end())
            if m.group(3) == unit]
    if not done:
        return ""
    if done[0] > goal:
        return "超额完成目标任务"
    return "全面完成目标任务" if done[0] == goal else ""


_SCALE = {"": 1.0, "万": 1e4, "亿": 1e8}


def signed_change(statement: str) -> str:
    """同比+5.2% / 同比-3% said in words: 同比增长5.2% / 同比下降3%."""
    return _SIGNED.sub(lambda m: ("同比增长" if m.group(1) in "+＋" else "同比下降") + m.group(2), statement)


# --- measures ---------------------------------------------------------------------------------------

# Words that open a verb phrase: a statement starting with one needs a subject in front of it.
_VERB_START = re.compile(
    r"^(?:要|将|把|对|以|在|向|为|从|按|坚持|严格|深入|深化|加强|加大|加快|完善|健全|建立|建设|建成|推进|推动|推行|"
    r"开展|组织|组建|引进|引导|培育|培训|提升|提高|增强|强化|压紧|压实|落实|实施|抓好|做好|做强|做大|擦亮|打造|"
    r"瞄准|紧盯|聚焦|围绕|统筹|招录|招引|再建|新建|扩大|拓展|拓宽|优化|规范|整治|治理|排查|督促|动员|宣传|集中|"
    r"协助|多办|化解|解决|带头|带动|参加|参与|盘活|完成|创建|争创|保障|维护|提供|开设|打好|守牢|筑牢|发挥|持续|"
    r"全面|进一步|着力|力争|确保|推广|查处|检查|清理|挂牌|稳[就妥住]|扩|巩固|改善|让|牵头|承办|举办|帮助|服务)")
# An honour or rating reported without its winner (获评…, 被评为…).
_WON = re.compile(r"^(?:获|荣获|被评为|被授予|被命名为|入选)")
# A measure that already says how it is meant (要/将/力争/确保 near its start) gets no lead word:
# 力争 + 年内力争… would say it twice.
_MODAL = re.compile(r"^[^，；]{0,6}?(?:要|将|力争|确保|争取|务必|必须)")

def _join_list(items: list[str]) -> str:
    """A、B和C (or A以及B和C when an item already has 和)."""
    if len(items) <= 1:
        return "".join(items)
    glue = "以及" if any("和" in i for i in items) else "和"
    return "、".join(items[:-1]) + glue + items[-1]


# --- the speaker ------------------------------------------------------------------------------------

_SOBER = ("安全", "应急", "消防", "防汛", "信访", "事故")
_GOV_HEAD = re.compile(r"(?:区|县|市|旗|州|镇|乡)长$")
_DEPT_HEAD = re.compile(r"(?:局|站|委|办|所|中心|院|科|处|部)(?:副)?(?:局长|站长|主任|书记|院长|所长|科长|处长|部长)$")


@dataclass(frozen=True)
class Speaker:
    """Who speaks, as far as the wording depends on it.

    ``own``: names of the speaker's own unit (written 我们 after the first time); ``dept``: a
    department head, who reports to a meeting others convene (no 「我们召开」); ``deputy``: a
    deputy; ``sober``: a safety-type occasion.
    """

    own: tuple[str, ...] = ()
    dept: bool = False
    deputy: bool = False
    sober: bool = False


def speaker_model(meta: dict[str, Any], organisations: list[dict[str, Any]]) -> Speaker:
    """The speaker model from the facts' meta: own unit, level, principal or deputy, tone."""
    role = str((meta.get("speaker") or {}).get("role") or "")
    own: list[str] = []
    for org in organisations:
        names = [n for n in (org.get("name"), org.get("short")) if n]
        # The role names the unit, often without its place name (县农业农村局局长, 区人民政府代区长).
        if any(len(n[k:]) >= 4 and n[k:] in role for n in names for k in range(len(n) - 3)):
            own.extend(names)
    where = f"{meta.get('occasion') or ''}{meta.get('title') or ''}"
    return Speaker(own=tuple(own), dept=bool(_DEPT_HEAD.search(role)) and not _GOV_HEAD.search(role)
                   and "街道" not in role, deputy="副" in role, sober=any(w in where for w in _SOBER))


def _convenes(meta: dict[str, Any], speaker: Speaker) -> bool:
    """Whether the speaker may say 我们召开 of the occasion: not a department head at a meeting
    of a government or party committee above him (a bureau chief does not convene 县政府常务会议)."""
    occasion = str(meta.get("occasion") or "")
    if speaker.dept:
        return False
    if any(occasion.startswith(name) for name in speaker.own):
        return True  # 区长 at 区政府…会: his own meeting
    return not re.search(r"[县区市省州旗镇乡](?:人民)?(?:政府|委|人大|政协)", occasion[:8])


_REGION_START = re.compile(r"^(?:全县|全区|全市|全省|全旗|全镇|全街道|全乡|全州|全盟|全国|农村居民|城镇居民|城乡居民)")


_KEY = re.compile(r"[\W_]+")


def _topic(theme: str) -> str:
    """A point's theme, short enough to name it inside a gap (its first clause; '' when long)."""
    head = re.split(r"[，,；;。：:]", _clause(theme), maxsplit=1)[0].strip()
    # no figures in a gap: the figure checks read them as the draft's own
    return head if 2 <= len(head) <= 16 and _placeholder(theme) is None and not re.search(r"\d", head) else ""
_OPENING_REQUEST = re.compile(r"[，,]?\s*(?:不妥之处[，,]?\s*)?(?:请|敬请|恳请)[^，。；]{0,12}?(?:批评指正|指正|指导)$")


class _Writer:
    """Composes one section from its spec and facts; deterministic."""

    def __init__(self, phrases: dict[str, Any], section: dict[str, Any], facts: dict[str, Any]) -> None:
        self.phrases = phrases
        self.section = section
        self.facts = facts
        self.meta = facts.get("meta", {})
        self.genre = section.get("genre", "work_report")
        self.blueprint = str(section.get("blueprint") or self.genre)
        self.role = section.get("role", "body")
        self.section_id = str(section.get("id") or "")
        self.markers: list[str] = section.get("markers") or []
        self.points: list[dict[str, Any]] = section.get("points") or []
        self.links: dict[str, Any] = section.get("links") or {}
        self.target = int(section.get("target_chars") or 0)
        # What the section's facts can carry, measured by the outline, against its share of the target.
        # The whole speech counts too: when all the facts together fill the target (a complete speech
        # extracted), a section or point below its even share is how the source weighed it.
        self.facts_fill_section = (bool(self.target) and int(section.get("budget_chars") or 0) >= self.target) or \
            bool(section.get("facts_fill_target"))
        self.speaker = speaker_model(self.meta, facts.get("organisations") or [])
        self.own_named = False

    # phrase bank ---------------------------------------------------------------------------

    def phrase(self, path: str, **fields: Any) -> str:
        """The phrase at ``path`` for this genre, its slots filled ('' when the bank has none): the
        blueprint's own first, then the genre whose phrasing it borrows, then the default."""
        node: Any = self.phrases
        for key in path.split("."):
            node = node.get(key, {}) if isinstance(node, dict) else {}
        if isinstance(node, dict):
            node = node.get(self.blueprint, node.get(self.genre, node.get("default", "")))
        if not isinstance(node, str):
            return ""
        try:
            return node.format(**fields)
        except (KeyError, IndexError):
            return ""

    def gap_text(self, key: str, topic: str = "", **fields: Any) -> str:
        """What a gap asks for, in this genre's terms: ``gaps.<key>`` of the phrase bank, looked up
        by this section's id, then its genre, then ``default``; ``{topic}`` is the point's theme."""
        node = (self.phrases.get("gaps") or {}).get(key)
        if isinstance(node, dict):
            node = node.get(self.section_id) or node.get(self.genre) or node.get("default")
        if not isinstance(node, str):
            return ""
        try:
            fallback = ((self.phrases.get("gaps") or {}).get("topic_fallback") or {}).get(key) or "这项工作"
            return node.format(topic=_topic(topic) or fallback, **fields)
        except (KeyError, IndexError):
            return ""

    def gap(self, budget: int, written: int, role: str | None = None, wanted: str | None = None,
            topic: str = "") -> str:
        """A gap marker for what a point's facts leave short of its budget ('' when they nearly fill it)."""
        missing = budget - written
        if missing < GAP_MIN_CHARS or missing < budget * GAP_MIN_SHARE:
            return ""
        if wanted is None and self.facts_fill_section:
            # The section's facts fill its share (a whole speech extracted): a point shorter than its
            # even share is how the source wrote it, not a shortfall to ask the writer to pad.
            return ""
        what = wanted or self.gap_text(role or self.role, topic) or self.gap_text("body")
        return gap_marker(what, max(GAP_MIN_CHARS, round(missing, -1)))

    def marker(self, n: int) -> str:
        """The n-th point's opening word, with the comma a word ordinal takes (第一，/首先，; 一是 and （一） take none)."""
        word = self.markers[n] if n < len(self.markers) else ""
        return word + "，" if _WORD_ORDINAL.match(word) else word

    def budget(self, n: int) -> int:
        return int(self.points[n].get("chars") or 0) if n < len(self.points) else 0

    @property
    def period(self) -> str:
        return self.meta.get("period") or ""

    @property
    def whole_speech(self) -> bool:
        """The facts hold a whole speech (extracted from a complete text): it is said as its source
        said it, with no stock lead-in, preview, count or thanks the source never had."""
        return bool(self.section.get("facts_fill_target"))

    @property
    def first_person(self) -> bool:
        return self.genre == "duty_report"

    def count_lead(self, path: str, n: int, **fields: Any) -> str:
        """The part's lead-in before a list of ``n`` points (none for a single point, and none in a
        part whose points are not numbered: an address's 意义 is not 「几个方面的工作」)."""
        markers = self.markers[:n]
        # Only a list numbered as one run is counted: plain paragraphs, dash bullets or two runs
        # (——…… then 一是……) announce no 「几个方面」 the source never said; nor does a whole
        # speech, whose own words lead into its points where it had any.
        if self.whole_speech or n < 2 or len(markers) < n or not all(markers) or "——" in markers or len(set(markers)) < n \
                or len({_marker_kind(m) for m in markers}) > 1:
            return ""
        text = self.phrase(path, count=cn_count(n), **fields)
        return text.lstrip("，") if text.startswith("，") else text

    # fact sentences -----------------------------------------------------------------------

    def statement(self, item: dict[str, Any], org: str | None, first_of_org: bool) -> str:
        """One item as written in the facts, with who did it in front when the facts leave it out,
        and what its figures show (:func:`evaluation`) after it."""
        st = signed_change(_clause(item["statement"]))
        own = bool(org) and org in self.speaker.own
        if _REGION_START.match(st):
            pass  # 全市事故起数…: a region-wide figure is nobody's
        elif own and first_of_org:
            if not st.startswith(org or "") and _VERB_START.match(st):
                st = (org if not self.own_named else "我们") + st
            self.own_named = True
        elif org and first_of_org and org not in st and _VERB_START.match(st):
            st = org + st
        elif not org and self.first_person and _VERB_START.match(st):
            st = "我" + st
        elif not org and _WON.match(st):
            st = self.actor(None) + st  # 获评…: an honour is always somebody's
        verdict = evaluation(st)
        return st + ("，" + verdict if verdict and verdict not in st else "")

    def items_text(self, items: list[dict[str, Any]]) -> str:
        """The items of a highlight, one sentence each; an organisation is named before the first
        of its items that has no subject of its own.

        The speaker's own unit, unattributed and region-wide items come first: an item written
        全县… names no unit, so no other unit's name may stand before its figures in the paragraph.
        """
        own = set(self.speaker.own)
        items = sorted(items, key=lambda i: 0 if (i.get("org_name") in own or not i.get("org_name")
                                                  or _REGION_START.match(i["statement"])) else 1)
        groups: list[tuple[str | None, list[str]]] = []
        for item in items:
            org = item.get("org_name")
            first = not groups or groups[-1][0] != org
            st = self.statement(item, org, first_of_org=first)
            if first:
                groups.append((org, [st]))
                continue
            if org and st.startswith(org) and _VERB_START.match(st[len(org):]):
                st = st[len(org):]  # the run already names it: no three sentences open with one name
            groups[-1][1].append(st)
        out = []
        for _, statements in groups:
            joined = "；".join(statements)
            out.append(_sentence(joined) if len(joined) <= 110 else "".join(_sentence(x) for x in statements))
        return "".join(out)

    def measures_text(self, measures: list[str]) -> str:
        """Measures as written, joined by ；, the first with the genre's lead word (要/我们将/我将)
        unless it already says how it is meant. A measure that opens with a number (1.…, （1）…) is
        the source's sub-point: it starts a paragraph of its own, with the measures under it."""
        groups: list[list[str]] = [[]]
        for m in measures:
            if _SUB_POINT.match(m):
                groups.append([])
            groups[-1].append(m)
        first = self._measures_run(groups[0])
        subs = [_sentence(g[0]) + self._measures_run(g[1:], lead=False) for g in groups[1:]]
        if not subs:
            return first
        # The point's own measures, then each sub-point a paragraph (the point's heading stays alone
        # on its line when it has no measures before its sub-points).
        return "\n\n".join([first, *subs]) if first else "\n\n" + "\n\n".join(subs)

    def _measures_run(self, measures: list[str], lead: bool = True) -> str:
        out = []
        # A whole speech's measures are its source's sentences as said (深化……改革): a 我们将 put in
        # front of some of them is a word the speaker never said.
        lead = lead and not self.whole_speech
        for k, m in enumerate(_clause(x) for x in measures):
            if not m:
                continue
            if lead and k == 0 and not _MODAL.match(m) and _VERB_START.match(m) and not _JUDGEMENT.match(m):
                m = self.phrase("measure_lead") + m
            out.append(m)
        joined = "；".join(out)
        # Whole sentences (a quotation among them, or too long to read as one) stay sentences: 「……动力；
        # “富有之谓大业……”；……」 turns the source's full stops into semicolons.
        if len(joined) > 110 or any(_QUOTE_ENDS.search(m) or "。" in m for m in out):
            return "".join(_sentence(m) for m in out)
        return joined + "。" if out else ""

    def actor(self, org: str | None) -> str:
        """Who did it, for a sentence the facts give no subject: another unit by its name, the
        speaker's own unit by name the first time and 我们 after, 我们 when the facts name nobody."""
        if org and org not in self.speaker.own:
            return org
        if self.own_named or not self.speaker.own:
            return "我们"
        self.own_named = True
        return org or self.speaker.own[-1]

    def honour_form(self, text: str) -> str:
        """Which honour sentence fits the name: 受到…表彰, 获得…称号, or 获得“…”荣誉 (the default)."""
        endings = self.phrases.get("honour_endings") or {}
        for form in ("commended", "titled"):
            if text.endswith(tuple(endings.get(form) or ())):
                return form
        return "one"

    def names_sentence(self, written: str) -> str:
        """Every name and honour this section must state that its facts have not stated yet."""
        names = [n for n in self.facts.get("names") or [] if n.get("text") and n["text"] not in written]
        honours = [n for n in self.facts.get("honours") or [] if n.get("text") and n["text"] not in written]
        out = ""
        groups: dict[str, list[dict[str, Any]]] = {}
        for honour in honours:  # one sentence per actor, in the order the facts list them
            groups.setdefault(self.actor(honour.get("org_name")), []).append(honour)
        for actor, won in groups.items():
            if len(won) > 1:
                out += self.phrase("facts.honours_many", actor=actor, honours="、".join(_quote(n) for n in won))
                continue
            out += self.phrase(f"facts.honours_{self.honour_form(won[0]['text'])}", actor=actor,
                               honours=_quote(won[0]))
        # A name the facts only list says nothing on its own (「相关工作还有“河长制”」): the writer is
        # asked for what was done under it, with the name written in the request.
        if names:
            out += gap_marker(self.gap_text("names", names="、".join(_quote(n) for n in names)))
        return out

    # roles ------------------------------------------------------------------------------

    def write_salutation(self) -> list[str]:
        return [self.meta.get("salutation_line", "同志们：")]

    def write_opening(self) -> list[str]:
        occasion = _clause(self.links.get("occasion") or self.meta.get("occasion") or "")
        body = []
        for raw in self.facts.get("opening") or []:
            exclaims = raw.strip().endswith(("！", "!"))  # 大家好！ is said so, not 大家好。
            text = _clause(raw)
            if self.genre == "duty_report":  # 请予评议 belongs to the closing of a duty report
                text = re.sub(r"[，,]?\s*请予(?:评议|审议)$", "", text)
            text = self.without_moved_request(text)
            if text:
                body.append(_sentence(text, "！" if exclaims else "。"))
        if self.facts.get("summary"):  # only present when the blueprint feeds it here
            body.append(_sentence(self.facts["summary"]))
        lead = ""
        # A greeting or welcome of the facts' own (大家好, 值此……之际) opens the speech itself: no
        # 「今天，我们召开……」 is put in front of it.
        greets = any(w in "".join(body[:1]) for w in self.phrases.get("greetings") or [])
        if occasion and self.genre == "leader_speech" and occasion.endswith(("会", "会议")) \
                and not any(occasion in b for b in body) and not greets and not self.whole_speech:
            kind = "convener" if _convenes(self.meta, self.speaker) else "guest"
            lead = self.phrase(f"structural.meeting.{kind}", occasion=occasion)
        text = lead + "".join(body)
        # A whole speech opens as its source did: no 「今天，我们召开……」, no preview of its parts.
        parts = [] if self.whole_speech else [p for p in self.links.get("parts") or [] if p]
        # An opening the facts already make announce what follows (再作归纳并介绍今后思路, 向大会
        # 报告工作) is not announced a second time.
        announced = [w for w in self.phrases.get("announced_by") or [] if w]
        if parts and not any(w in text for w in announced):
            at = occasion and not lead and not any(occasion in b for b in body)
            meeting = bool(occasion) and occasion.endswith(("会", "会议", "大会", "论坛", "仪式"))
            path = ("structural.announce_at" if meeting else "structural.announce_at_event") if at \
                else "structural.announce"
            text += self.phrase(path, parts=_join_list(parts), occasion=occasion)
        if not body:
            # the opening the facts do not give is asked for, even where its share is too small to
            # size (a speech that is all one part): a section is never left empty
            text += self.gap(self.target, len(text), "opening") or gap_marker(self.gap_text("opening"))
        return [text]

    def write_achievements(self) -> list[str]:
        highlights = self.facts.get("highlights") or []
        summary = self.facts.get("summary")
        if summary:
            # 「2021年，过去一年是……」 says the time twice: a summary that opens with one gets none.
            intro = (f"{self.period}，" if self.period and not _clause(summary).startswith(self.period)
                     and not _TIME_OPENING.match(summary) else "")
            if _ANNOUNCES.search(_sentence(summary)):  # 「……主要有五大亮点。」 announces them: said once
                intro += _clause(summary) + "："
            else:
                intro += _sentence(summary) + self.count_lead("structural.lead.achievements_after_summary",
                                                              len(highlights))
        else:
            intro = self.count_lead("structural.lead.achievements", len(highlights), period=self.period or "这一时期")
        paragraphs = [intro]
        written = intro
        for n, hl in enumerate(highlights):
            para = self._highlight(n, hl)
            paragraphs.append(para)
            written += para
        tail = self.names_sentence(written)
        if self.facts.get("summing_up"):
            tail += _sentence(self.facts["summing_up"])
        if tail:
            paragraphs.append(tail)
        if not highlights:
            paragraphs.append(self.gap(self.target, sum(map(len, paragraphs)), wanted=self.gap_text("no_highlights")))
        return paragraphs

    def _highlight(self, n: int, hl: dict[str, Any]) -> str:
        theme = _clause(hl["theme"])
        if _placeholder(theme) is not None:
            theme = ""
        items = hl.get("items") or []
        first = _clause(items[0]["statement"]) if items else ""
        if theme and _KEY.sub("", first).startswith(_KEY.sub("", theme)):
            theme = ""  # the first fact opens with the theme itself: said once, not twice
        text = f"{self.marker(n)}{theme}。" if theme else self.marker(n)
        if hl.get("lead"):
            text += _sentence(hl["lead"])
        text += self.items_text(items)
        return text + self.gap(self.budget(n), len(text), topic=theme)  # '' when the fact says it

    def _shortcoming_points(self, shortcomings: list[str]) -> list[str]:
        """One paragraph per shortcoming (numbered), with the plan that answers it when there is one."""
        paragraphs = []
        for i, s in enumerate(shortcomings):
            marker = self.marker(i) if len(shortcomings) > 1 else ""
            what = _placeholder(s)
            if what is not None:
                paragraphs.append(marker + gap_marker(what or self.gap_text("shortcomings"),
                                                            self.budget(i) or None))
                continue
            text = f"{marker}{s}。"
            # No 「对此，下一步将……」: which plan answers which shortcoming is the writer's call, not
            # a fact (a blind review found every such link unsupported, some of them wrong).
            # the gap follows the shortcoming itself: 这一问题, not the shortcoming said again
            paragraphs.append(text + self.gap(self.budget(i), len(text)))
        return paragraphs

    def write_assessment(self) -> list[str]:
        shortcomings = [_clause(s) for s in self.facts.get("shortcomings") or []]
        paragraphs = []
        if self.facts.get("summing_up"):
            paragraphs.append(_sentence(self.facts["summing_up"]))
        if not shortcomings:
            # A section of its own (体会与问题) with nothing to say from the facts is a gap, never empty.
            return paragraphs or [self.gap(self.target, 0, "assessment") or gap_marker(self.gap_text("assessment"))]
        if self.section.get("enumerator", "none") == "none":
            real = [s for s in shortcomings if _placeholder(s) is None]
            text = ""
            if real:
                shift = all(x.endswith("转变") for x in real)
                lead = self.shortcomings_lead(len(real)) or \
                    self.phrase("structural.lead.shortcomings_shift" if shift else "structural.lead.shortcomings")
                if len(real) > 1 and any("。" in x for x in real):
                    # Problems of several sentences each are points, numbered as the source did
                    # (一是……。……。二是……), not one clause chain joined by ；.
                    text = lead + "".join(f"{enumerator_word('yishi', i, len(real))}{x}。"
                                          for i, x in enumerate(real, 1))
                else:
                    text = lead + "；".join(real) + "。"
            if len(real) < len(shortcomings):
                text += gap_marker(self.gap_text("shortcomings"))
            if not self.facts_fill_section:  # a whole speech extracted says as much as its source did
                text += self.gap(self.target, len(text) + sum(map(len, paragraphs)),
                                 wanted=self.gap_text("assessment_all"))
            paragraphs.append(text)
            return paragraphs
        lead = self.shortcomings_lead(len(shortcomings))
        return paragraphs + ([lead] if lead else []) + self._shortcoming_points(shortcomings)

    def shortcomings_lead(self, n: int) -> str:
        """What leads into ``n`` shortcomings: the source's own words when the facts keep them, else
        the genre's lead-in for a list (none before a single one)."""
        own = _clause(self.facts.get("shortcomings_lead") or "")
        if own:
            return own + "："
        return self.phrase("structural.lead.shortcomings") if n > 1 else ""

    def context_paragraphs(self) -> list[str]:
        """The facts' context as paragraphs: one, except that a line opening with a call (各位代表！
        ……) starts a new one, where the speaker turned to the hall."""
        paragraphs: list[str] = []
        for c in self.facts.get("context") or []:
            text = _sentence(c)
            if text and (not paragraphs or _CALL_START.match(text)):
                paragraphs.append(text)
            elif text:
                paragraphs[-1] += text
        return paragraphs

    def write_situation(self) -> list[str]:
        context = self.context_paragraphs()
        shortcomings = [_clause(s) for s in self.facts.get("shortcomings") or []]
        lead = self.shortcomings_lead(len(shortcomings)) if shortcomings else ""
        if context:
            return [*context[:-1], context[-1] + lead, *self._shortcoming_points(shortcomings)]
        # The situation is the speaker's judgement, not a fact the composer has: asked for, once.
        wanted = self.gap_text("context")
        situation = gap_marker(wanted, max(GAP_MIN_CHARS, int(round(self.target * 0.3, -1)))) if wanted else ""
        return [situation, lead, *self._shortcoming_points(shortcomings)]

    def write_plans(self) -> list[str]:
        everything = self.facts.get("plans") or []
        # What the source says before its points (the targets, a part's lead) comes first, unnumbered,
        # and is not counted: the count is the number of the points it introduces.
        # Each of them a paragraph of its own, as in the source (总体要求, 预期目标 …).
        intro = self.context_paragraphs()
        for lead in (p for p in everything if p.get("lead")):
            measures = [_clause(m) for m in lead.get("measures") or [] if _clause(m)]
            intro.append(self.lead_point(_clause(lead["theme"]), measures))
        last = intro[-1] if intro else ""
        plans = [p for p in everything if not p.get("lead")]
        hopes = len(plans) > 1 and all(_clause(p["theme"]).startswith("希望") for p in plans)
        if _ANNOUNCES.search(last):
            # The source already announces its points (重点在以下四个方面……): said once, as it said it.
            paragraphs = [*intro[:-1], last[:-1] + "："]
        else:
            lead = self.count_lead("structural.lead.hopes" if hopes else "structural.lead.plans", len(plans))
            if "下一步" in "".join(intro):
                lead = lead.removeprefix("下一步，")  # 「下一步……。下一步，要……」 says it twice
            paragraphs = [*intro[:-1], last + lead] if intro else [lead]
        context = "".join(intro)
        for n, plan in enumerate(plans):
            theme = _clause(plan["theme"])
            what = _placeholder(theme)
            if what is not None:
                paragraphs.append(self.marker(n) + gap_marker(what or self.gap_text("plans"), self.budget(n) or None))
                continue
            measures = plan.get("measures") or []
            if _is_label(theme, bool(self.marker(n)), measures):  # 「三个关键：」 announces the list after it: no gap
                paragraphs.append(theme + "：")
                continue
            if measures and _KEY.sub("", measures[0]).startswith(_KEY.sub("", theme)):
                text = self.marker(n)  # the first measure opens with the theme: said once
                theme = ""
            else:
                # 「——40年来，深圳……」: a point opening with a time phrase runs on into its words
                text = f"{self.marker(n)}{theme}" + ("，" if _TIME_ONLY.fullmatch(theme) and measures else "。")
            text += self.measures_text(measures)
            paragraphs.append(text + self.gap(self.budget(n), len(text), topic=theme))
        if not plans:
            paragraphs.append(self.gap(self.target, len(context), wanted=self.gap_text("no_plans")))
        return paragraphs

    @staticmethod
    def lead_point(theme: str, measures: list[str]) -> str:
        """A lead before the points (总体要求, 预期目标): a label (主要预期目标) introduces its items
        with ：; a theme that is a sentence of its own (今年是……的关键之年) is followed by its
        sentences, not by a colon that makes them its list."""
        if not measures:
            return theme + ("：" if _is_label(theme, False, measures) else "。")
        if len(theme) <= 16 and not re.search(r"[，,；;]", theme):
            return theme + "：" + "；".join(measures) + "。"
        return _sentence(theme) + "".join(_sentence(m) for m in measures)

    def write_requirements(self) -> list[str]:
        """No facts feed the requirements: the lead-in, then one gap for the requirements the
        speaker must state. One thing is missing, so one marker asks for it (three identical
        markers under 一是/二是/三是 said the same thing three times)."""
        lead = self.phrase("structural.lead.requirements")
        wanted = self.gap_text("requirements")
        return [lead, gap_marker(wanted, max(GAP_MIN_CHARS, round(max(0, self.target - len(lead)), -1)))]

    def write_closing(self) -> list[str]:
        closing = self.facts.get("closing") or {}
        wishes = [_clause(w) for w in closing.get("wishes") or [] if _clause(w)]
        requests = [_clause(r) for r in closing.get("requests") or [] if _clause(r)]
        if not requests and self.opening_request():
            requests = [self.opening_request()]  # moved from the opening, not lost
        paragraphs = []
        own = [w for w in closing.get("wishes") or [] if _clause(w)]  # with the marks they were said with
        # The speaker's thanks as said: 「感谢大家……」 before the wishes (where speeches say it), the
        # parting 「谢谢大家」 last; with either, no 谢谢！ of the genre's is added.
        thanks = [t for t in closing.get("thanks") or [] if _clause(t)]
        parting = [t for t in thanks if _clause(t).startswith("谢谢")]
        gratitude = "".join(_sentence(t) for t in thanks if t not in parting)
        if gratitude and not wishes:
            paragraphs.append((_sentence(closing["call"], "！") if closing.get("call") else "") + gratitude)
        if wishes:
            end = "！" if self.genre == "leader_speech" else "。"
            # 同志们， only before an audience the salutation calls so (not 各位来宾 at a summit)
            addressed = [*(self.links.get("addressees") or []), *(self.meta.get("addressees") or [])]
            lead = self.phrase("structural.wish_lead")
            if lead and addressed and not any(lead.rstrip("，,") in a for a in addressed):
                lead = ""
            if closing.get("call"):  # the source's own call before its last words (女士们、先生们！)
                lead = _sentence(closing["call"], "！")
            paragraphs.append(lead + gratitude + "".join(_sentence(w) for w in own[:-1]) + _sentence(own[-1], end))
        for r in requests:
            lead = self.phrase("facts.request_lead") if not r.startswith(("请", "恳请", "敬请")) or paragraphs else ""
            if lead and r.startswith(lead.rstrip("，, ")):
                lead = ""  # 「在此，在此，也希望……」: the request already opens so
            paragraphs.append(lead + _sentence(r))
        if not paragraphs:
            paragraphs.append(self.gap(self.target, 0, "closing") or gap_marker(self.gap_text("closing")))
        if thanks:
            if parting:
                paragraphs.append("".join(_sentence(t) for t in parting))
            return paragraphs
        asked = any(w in "".join(requests) for w in ("评议", "审议", "指正", "指导"))
        end = self.phrase("structural.end")  # empty where the genre closes on its call (政府工作报告)
        # A whole speech extracted ends as its source did: a 谢谢！ it never said is not added.
        whole = self.whole_speech and bool(wishes or requests)
        if end and not whole and (self.genre == "leader_speech" or not asked):
            paragraphs.append(end)
        return paragraphs

    def without_moved_request(self, text: str) -> str:
        """An opening line without the request for guidance it ends with (不妥之处请批评指正) when
        the closing says that request (its own, or this one moved there); a request the closing
        does not say stays where it was said (敬请光源主席和同志们多多指导 before a closing that asks
        the inspecting leaders something else)."""
        m = _OPENING_REQUEST.search(text)
        if m is None:
            return text
        asked = re.sub(r"^.*?(?:请|敬请|恳请)", "", m.group(0))  # 批评指正, 光源主席和同志们多多指导
        requests = self.links.get("requests") or []
        moved = self.genre != "leader_speech" and not requests  # opening_request() says it in the closing
        if moved or any(asked in r for r in requests):
            return _clause(text[:m.start()])
        return text

    def opening_request(self) -> str:
        """The request the opening's facts make (不妥之处请批评指正): the opening leaves it out, so
        the closing says it when the facts' closing asks nothing itself; never in a leader's speech."""
        if self.genre == "leader_speech":
            return ""
        for text in self.links.get("opening") or []:
            m = _OPENING_REQUEST.search(_clause(text))
            if m:
                return _clause(m.group(0).lstrip("，, "))
        return ""

    def write_body(self) -> list[str]:
        return [_sentence(str(v)) for v in self.facts.values() if isinstance(v, str)]

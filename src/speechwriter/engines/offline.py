"""The offline composer: a rule-based engine that needs no LLM.

It reads the same prompt an LLM gets, takes the ``<section>`` and ``<facts>`` data blocks out of
it, and writes the section from phrase banks (``prompts/offline/phrases.yaml``). Phrasing is
chosen by a random generator seeded with the section's data, so one facts file always gives the
same speech and different files read differently.

What it writes is prose, but rule-based prose: every fact sentence comes from the facts file
(statements, measures, themes), joined and framed by the genre's phrase bank; the rest is the
allowed kind of expansion — summary, evaluation, significance, transition, 排比 built from the
facts' own themes — sized to the point budgets of the outline. It states every required figure
exactly as written, names every organisation and every must-appear name, numbers points as the
blueprint says, and never writes a number, a name or an action of its own.
"""

from __future__ import annotations

import functools
import hashlib
import json
import random
import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..blueprint import cn_ordinal
from ..datablock import parse_data_block
from .base import Completion, Engine, EngineError, Message, Request

_END = "。；，、：！？ "


def _sentence(text: str) -> str:
    """End a clause as a sentence (exactly one 。)."""
    text = text.strip().rstrip(_END)
    return text + "。" if text else ""


def _clause(text: str) -> str:
    return text.strip().rstrip(_END)


def _quote(name: dict[str, Any]) -> str:
    return f"“{name['text']}”" if name.get("quoted", True) else name["text"]


@functools.lru_cache(maxsize=16)
def _load_phrases(path: str, mtime_ns: int) -> dict[str, Any]:
    """Parse a phrase bank once per file version (the C loader; evals build many composers)."""
    import yaml

    text = Path(path).read_text(encoding="utf-8")
    return yaml.load(text, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader)) or {}


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
        seed = hashlib.sha256(json.dumps([section, facts], ensure_ascii=False, sort_keys=True)
                              .encode()).digest()
        writer = _Writer(self.phrases, random.Random(seed), section, facts)
        role = section.get("role", "body")
        method = getattr(writer, f"write_{role}", writer.write_body)
        paragraphs = [p for p in method() if p]
        return "\n\n".join(paragraphs)


# Words that open a verb phrase: a measure starting with one can follow 要/将/着力 directly;
# any other measure is read as a clause with its own subject and gets 确保/力争 instead.
_VERB_START = re.compile(
    r"^(?:要|将|把|对|以|在|向|为|从|按|坚持|严格|深入|深化|加强|加大|加快|完善|健全|建立|建设|建成|推进|推动|推行|"
    r"开展|组织|组建|引进|引导|培育|培训|提升|提高|增强|强化|压紧|压实|落实|实施|抓好|做好|做强|做大|擦亮|打造|"
    r"瞄准|紧盯|聚焦|围绕|统筹|招录|招引|再建|新建|扩大|拓展|拓宽|优化|规范|整治|治理|排查|督促|动员|宣传|集中|"
    r"协助|多办|化解|解决|带头|带动|参加|参与|盘活|完成|创建|争创|保障|维护|提供|开设|打好|守牢|筑牢|发挥|持续|"
    r"全面|进一步|着力|力争|确保|推广|查处|检查|清理|挂牌|稳[就妥住]|扩|巩固|改善|让)")
_FRAMED = re.compile(r"^(?:围绕|瞄准|紧盯|聚焦|再|进一步|持续|全面|着力|力争|确保|严格|深入|切实|坚决)")


def _first_clause(theme: str) -> str:
    return re.split(r"[，；。]", theme, maxsplit=1)[0]


_RESULT_START = re.compile(r"^(?:化解|带动|实现|达到|增长|下降|惠及|完成|建设|建成|推动|促进|提升|提高)")
_LINKED = ("还", "并", "又", "同时", "也", "再", "此外", "其中", "以及", "和")


def _link_clauses(statement: str) -> str:
    """Join the verb-led clauses of a long statement with 还/同时/并, as one would say them.

    Only clauses that open with a verb get a linking word, so a clause with its own subject
    (or one already linked) is left as written; nothing is added but the linking words.
    """
    clauses = statement.split("，")
    if len(clauses) < 3:
        return statement
    linked = False
    out = [clauses[0]]
    for clause in clauses[1:]:
        # One linking word per sentence, and never before a result or a purpose (化解 is what
        # 推行 achieved, 带动 what 引进 brought): those are not one more thing that was done.
        if (not linked and _VERB_START.match(clause) and not clause.startswith(_LINKED)
                and not _RESULT_START.match(clause) and "“" not in out[-1]):
            clause = "还" + clause
            linked = True
        out.append(clause)
    return "，".join(out)


_COMMON_BIGRAMS = {"工作", "进一步", "一步", "加强", "不断", "推进", "持续", "提升", "能力", "建设", "发展", "落实"}


# Words of one field of work: a plan and a shortcoming that share a field are linked even when
# they share no word (招商 answers 抓经济发展的办法不多; 作风 answers 以会议落实会议).
_FIELDS = (
    ("经济", "招商", "项目", "投资", "产业", "增长动力"),
    ("作风", "形式主义", "官僚主义", "调查研究", "会议", "规矩意识", "担当"),
    ("监管", "督查", "问责", "宽松软", "执法"),
    ("人才", "队伍", "人员", "干部"),
    ("财力", "债务", "化债", "财政"),
    ("主体责任", "企业", "安全投入"),
    ("应急", "救援", "处置"),
    ("加工", "产业链", "链条", "品牌"),
)


def _grams(text: str) -> set[str]:
    runs = re.findall(r"[\u4e00-\u9fff]+", text)
    grams = {r[i:i + 2] for r in runs for i in range(len(r) - 1)} - _COMMON_BIGRAMS
    # A shared field counts as two shared words: enough for a link on its own.
    grams |= {f"#{n}{k}" for n, words in enumerate(_FIELDS) if any(w in text for w in words) for k in (0, 1)}
    return grams


def _match_shortcomings(plans: list[dict[str, Any]], shortcomings: list[str],
                        least: int = 2) -> dict[int, str]:
    """Plan index -> the clause of the shortcoming it answers, by the words they share.

    A link needs at least ``least`` shared word pairs (宁缺毋错: a wrong link reads worse than
    none); each shortcoming answers one plan; the clause quoted is the one that shares most with
    the plan (化债 answers 历史债务偿还压力, not the first clause 可用财力偏紧)."""
    pairs = []
    for n, plan in enumerate(plans):
        mine = _grams(plan.get("theme", "") + "".join(plan.get("measures") or []))
        for k, s in enumerate(shortcomings):
            shared = len(mine & _grams(s))
            if shared >= least:
                pairs.append((-shared, n, k))
    out: dict[int, str] = {}
    taken: set[int] = set()
    for _, n, k in sorted(pairs):
        if n not in out and k not in taken:
            mine = _grams(plans[n].get("theme", "") + "".join(plans[n].get("measures") or []))
            clauses = [c for c in re.split(r"[，；]", shortcomings[k]) if c]
            out[n] = max(clauses, key=lambda c: (len(mine & _grams(c)), -clauses.index(c)))
            taken.add(k)
    return out


def _answered_by(plans: list[dict[str, Any]], shortcomings: list[str]) -> dict[int, int]:
    """Plan index -> index of the shortcoming it answers (same matching as the plans part)."""
    quoted = _match_shortcomings(plans, shortcomings)
    return {n: next(k for k, s in enumerate(shortcomings) if clause in s) for n, clause in quoted.items()}


def _join_list(items: list[str]) -> str:
    """A、B和C (or A以及B和C when an item already has 和)."""
    if len(items) <= 1:
        return "".join(items)
    glue = "以及" if any("和" in i for i in items) else "和"
    return "、".join(items[:-1]) + glue + items[-1]


_SOBER = ("安全", "应急", "消防", "防汛", "信访", "事故")
_GOV_HEAD = re.compile(r"(?:区|县|市|旗|州|镇|乡)长$")
_DEPT_HEAD = re.compile(r"(?:局|站|委|办|所|中心|院)(?:副)?(?:局长|站长|主任|书记|院长|所长)$")


@dataclass(frozen=True)
class Speaker:
    """Who speaks, as far as the wording depends on it.

    ``own``: names of the speaker's own unit (written 我们, never 「××方面」); ``dept``: a
    department head (全系统, 科室 are his words; a 区长 says 全区上下, 各部门); ``deputy``: 分管 fits
    only a deputy; ``sober``: a safety-type occasion, where praise is measured.
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


_REGION_START = re.compile(r"^(?:全县|全区|全市|全省|全旗|全镇|全街道|全乡|农村居民|城镇居民|城乡居民)")
_ACTION = re.compile(r"(?:推广|建成|建设|开展|组建|组织|引进|实施|推行|培训|举办|创建|打造|改造|完成|新建|"
                     r"整治|铺设|拆除|化解|追讨|盘活|检查|督促|挂牌|排查|查处|投入|投资|购置|招录|参加|讲)")
_SUBJECT_STRIP = re.compile(r"^(?:还|并|同时|全[县区市省镇乡旗州]|全街道|全年|当年|累计|共)")
_SUBJECT_TAIL = re.compile(r"(?:稳定在|达到|达|增长|压减至|突破|超过|为|占比|同比|新增|累计|共|约|近|逾|总额|"
                           r"完成|实现|增速|、)+$")


# Words a subject must not carry: an honour or a leading role said twice would be a claim of ours.
# …nor anything a figure check could read as a number of ours (十三件, 一期, 首批).
_NOT_SUBJECT = re.compile(r"牵头|率先|首创|获|表彰|表扬|排名|预计|惠及|受到|首批|首期|[二三四五六七八九十两百千万亿余○零]"
                          r"|一[个名项次户人家所件批期座条套处位]")


def _subject(clause: str, orgs: Iterable[str]) -> str:
    """What a fact clause is about, in its own words, without the figure (粮食播种面积, 新建高标准农田)."""
    for org in orgs:
        clause = clause.removeprefix(org)
    clause = _SUBJECT_STRIP.sub("", clause)
    head = re.split(r"[0-9０-９]", clause, maxsplit=1)[0]
    head = _SUBJECT_TAIL.sub("", head)
    if (not 3 <= len(head) <= 10 or re.search(r"[、，；：（(]", head) or len(head) == len(clause) > 10
            or head.endswith("的") or _NOT_SUBJECT.search(head) or head.count("“") != head.count("”") or re.match(r"[一二两三四五六七八九十]次", head)):
        return ""
    return head


def item_subjects(items: list[dict[str, Any]], limit: int = 4) -> list[str]:
    """Up to ``limit`` distinct subjects of a point's items, one per item first."""
    orgs = [o for i in items for o in [i.get("org_name")] if o]
    out: list[str] = []
    for item in items:
        for clause in _clause(item["statement"]).split("，"):
            subject = _subject(clause, orgs)
            if subject and subject not in out:
                out.append(subject)
                break
    for item in items:
        for clause in _clause(item["statement"]).split("，")[1:]:
            subject = _subject(clause, orgs)
            if subject and subject not in out and len(out) < limit:
                out.append(subject)
    return out[:limit]


_PREDICATE = re.compile(r"(?:再...|(?:持续|不断|明显|取得|加快|稳步|全面|显著|大幅|有效|逐步|更加|日益|扎实|成效)..)$")


def theme_topic(theme: str) -> str:
    """The field a result-shaped theme is about: 粮食生产再获丰收 -> 粮食生产 ('' if none)."""
    if "，" in theme or len(theme) < 6:
        return ""
    head = _PREDICATE.sub("", theme)
    return head if head != theme and 2 <= len(head) <= 8 else ""


def _topic_like(theme: str) -> bool:
    """A theme that reads as a topic (粮食生产再获丰收), not a slogan of two verb phrases."""
    return "，" not in theme and len(theme) <= 12 and not re.match(r"(?:坚持|推动|在|把|以)", theme)


class _Words(dict):  # type: ignore[type-arg]
    """Format fields: named values, plus fresh four-character words drawn on demand."""

    def __init__(self, writer: _Writer, fields: dict[str, str]) -> None:
        super().__init__(fields)
        self.writer = writer

    def __missing__(self, key: str) -> str:
        if key == "period":  # any phrase may name the period (四年来, 今年以来, 2025年): never a fixed 一年来
            return self.writer.period
        kind = {"e": "effort", "g": "good", "w": "demand", "m": "method"}.get(key[:1])
        if kind is None:
            raise KeyError(key)
        value = self.writer.word(kind)
        self[key] = value
        return value


class _Writer:
    """Composes one section; holds the seeded choice so phrasing is reproducible."""

    def __init__(self, phrases: dict[str, Any], rng: random.Random, section: dict[str, Any],
                 facts: dict[str, Any]) -> None:
        self.phrases = phrases
        self.rng = rng
        self.section = section
        self.facts = facts
        self.meta = facts.get("meta", {})
        self.genre = section.get("genre", "work_report")
        self.markers: list[str] = section.get("markers") or []
        self.points: list[dict[str, Any]] = section.get("points") or []
        self.links: dict[str, Any] = section.get("links") or {}
        self.target = int(section.get("target_chars") or 0)
        self.uses: dict[str, int] = {}
        self.said: set[str] = set()
        self.words_left: dict[str, list[str]] = {}
        self.tags: dict[str, dict[str, Any]] = {}
        self.credited = False
        self.said_pasts: set[str] = set()
        self.work_named = False
        self.own_named = False
        self.shortcomings = [_clause(x) for x in
                             (facts.get("shortcomings") or self.links.get("shortcomings") or [])]
        self.speaker = speaker_model(self.meta, facts.get("organisations") or [])
        # What the phrase preconditions are checked against; per point facts are set by the writer.
        self.ctx: dict[str, Any] = {"dept": self.speaker.dept, "deputy": self.speaker.deputy,
                                    "principal": not self.speaker.deputy, "sober": self.speaker.sober}

    # phrase choice ------------------------------------------------------------------------

    def options(self, path: str) -> list[str]:
        """The phrases of ``path`` whose preconditions hold here (see :meth:`fits`)."""
        node: Any = self.phrases
        for key in path.split("."):
            node = node.get(key, {}) if isinstance(node, dict) else {}
        if isinstance(node, dict):
            node = node.get(self.genre) or node.get("default") or []
        out = []
        for entry in node:
            text = entry["t"] if isinstance(entry, dict) else entry
            if len(node) >= 8 and self._set_aside(text):
                continue
            if isinstance(entry, dict):
                if self.fits(entry):
                    out.append(entry["t"])
                    self.tags[entry["t"]] = entry
            else:
                out.append(entry)
        return out

    def _set_aside(self, text: str) -> bool:
        """A quarter of every large bank is left out, chosen by the facts file: two reports of one
        genre then draw on different phrases instead of sharing the whole bank word for word."""
        key = f"{self.meta.get('title', '')}|{self.meta.get('occasion', '')}|{text}".encode()
        return hashlib.sha256(key).digest()[0] % 4 == 0

    def fits(self, entry: dict[str, Any]) -> bool:
        """A tagged phrase is used only where what it presupposes is true of this point and speaker.

        ``if``: conditions that must all hold (``action`` the point states an action, not only
        results; ``multi`` two or more items; ``orgs2`` two or more organisations; ``dept`` a
        department-level speaker (全系统, 科室); ``deputy`` a deputy; ``principal`` not a deputy;
        ``sober``/``not_sober`` a safety-type occasion or not). ``claims``: words the phrase says
        of the speaker's work; it is dropped when a listed shortcoming names any of them.
        ``credit``: thanks others for the work; one such sentence per section.
        """
        ctx = self.ctx
        for cond in entry.get("if") or []:
            negate = cond.startswith("not_")
            if bool(ctx.get(cond.removeprefix("not_"))) == negate:
                return False
        if any(w in s for w in entry.get("claims") or [] for s in self.shortcomings):
            return False
        # Credit to others only once, and only where others did the work (a point with units in
        # it): a duty report's own study or integrity is nobody else's achievement.
        return not (entry.get("credit") and (self.credited or not ctx.get("collective", True)))

    def pick(self, path: str, *, required: bool = True, **fields: str) -> str:
        """An unused phrase of ``path`` with its fields filled; '' when all are used and not required.

        Every phrase serves once per section however it is filled: a template read twice with
        other words in it is still the same sentence to a listener."""
        options = self.options(path)
        fresh = [o for o in options if not self.uses.get(o)]
        if not fresh:
            if not required or not options:
                return ""
            fresh = options
        self.rng.shuffle(fresh)
        for choice in fresh:
            try:
                text = choice.format_map(_Words(self, fields))
            except KeyError:
                continue  # a slot this place cannot fill (no next theme, no subjects)
            if fields.get("work") and "这项工作" in text and not self.work_named:
                # Once a paragraph, 这项工作 becomes the field's own name (科技支撑工作): the
                # sentence then says what it is about, and differs from one facts file to another.
                text = text.replace("这项工作", fields["work"], 1)
                self.work_named = True
            if text not in self.said:
                self.uses[choice] = self.uses.get(choice, 0) + 1
                self.said.add(text)
                if self.tags.get(choice, {}).get("credit"):
                    self.credited = True
                return text
        return "" if not required else fresh[0].format_map(_Words(self, fields))

    def word(self, kind: str) -> str:
        left = self.words_left.get(kind)
        if not left:
            left = list(self.phrases.get("words", {}).get(kind) or ["扎实推进"])
            self.rng.shuffle(left)
            self.words_left[kind] = left
        return left.pop()

    def marker(self, n: int) -> str:
        return self.markers[n] if n < len(self.markers) else ""

    def budget(self, n: int) -> int:
        return int(self.points[n]["chars"]) if n < len(self.points) else 0

    @property
    def period(self) -> str:
        return self.meta.get("period") or "近年来"

    @property
    def next_part_unheaded(self) -> bool:
        """The part after this one has no heading: what follows the last point would be read
        as belonging to it, so this section ends with its last point."""
        parts = [p for p in self.section.get("outline") or [] if p.get("role") != "salutation"]
        ids = [p["id"] for p in parts]
        sid = self.section.get("id")
        if sid not in ids or ids.index(sid) + 1 >= len(ids):
            return False
        return not parts[ids.index(sid) + 1].get("heading")

    @property
    def first_person(self) -> bool:
        return self.genre == "duty_report"

    def fill(self, text: str, budget: int, paths: list[str], cap: int = 2, **fields: str) -> str:
        """Append at most ``cap`` expansion sentences from ``paths`` (taken in turn) while ``text``
        is short of ``budget``; stop when the banks run dry or the next would overshoot.

        The cap is small on purpose: past two stock sentences a paragraph reads as padding, and a
        shortfall is better filled from the facts' own words (see ``_highlight``) or left short.
        The theme is restated at most once: after one sentence has named it, templates that need
        it are skipped."""
        tries = 0
        added = 0
        while len(text) < budget * 0.93 and tries < 8 * len(paths) and added < cap:
            path = paths[tries % len(paths)]
            tries += 1
            extra = self.pick(path, required=False, **fields)
            if extra and extra[:4] in {x[:4] for x in re.split(r"(?<=[。！？])", text) if x}:
                continue  # no two sentences of a paragraph open alike (我将坚持…我将坚持…)
            if extra and len(text) + len(extra) <= budget * 1.12:
                text += extra
                added += 1
                if fields.get("theme") and fields["theme"] in extra:
                    fields = {k: v for k, v in fields.items() if k != "theme"}
                if fields.get("topic") and text.count(fields["topic"]) >= 3:
                    # the field's name twice beside the heading is enough for one paragraph
                    fields = {k: v for k, v in fields.items() if k not in ("topic", "work")}
        return text

    # fact sentences -----------------------------------------------------------------------

    def items_text(self, items: list[dict[str, Any]]) -> str:
        """The items of a highlight as sentences: one per organisation, its items joined by ；.

        An organisation is named once per run of its items, so no three sentences in a row open
        with the same name; an item the facts give without a subject gets its organisation (or,
        in a duty report, 我) in front.
        """
        groups: list[tuple[str | None, list[str]]] = []
        own_set = set(self.speaker.own)
        # The speaker's own unit (and unattributed items) first: an item written 我们… or 全县…
        # names no unit, so no other unit's name may stand before its figures in the paragraph.
        items = sorted(items, key=lambda i: 0 if (i.get("org_name") in own_set or not i.get("org_name")
                                                  or _REGION_START.match(i["statement"])) else 1)
        for item in items:
            org = item.get("org_name")
            statement = _link_clauses(_clause(item["statement"]))
            if groups and groups[-1][0] == org:
                groups[-1][1].append(statement)
            else:
                groups.append((org, [statement]))
        sentences = []
        for org, statements in groups:
            parts = []
            own = bool(org) and org in own_set
            for k, st in enumerate(statements):
                if own:
                    st = self._own_statement(org or "", st, first=k == 0)
                elif _REGION_START.match(st):
                    pass  # 全市事故起数…: a region-wide figure is nobody's 方面
                elif org and k > 0 and st.startswith(org) and _VERB_START.match(st[len(org):]):
                    st = st[len(org):]  # the run already names it
                elif k == 0 and org and org not in st:
                    st = (org + st) if _VERB_START.match(st) else f"{org}方面，{st}"
                elif k == 0 and not org and self.first_person and _VERB_START.match(st):
                    st = "我" + st
                parts.append(st)
            joined = "；".join(parts)
            text = joined if len(joined) <= 110 else "。".join(parts)
            if len(sentences) % 2 == 0 and len(text) <= 100 and _ACTION.search(text[:12]):
                # A short evaluation after an action (never after a bare figure: 「116%，推进有力」),
                # in the sentence itself: judgement woven into the account, not piled up after it.
                text += self.pick("achievements.item_tail", required=False)
            sentences.append(text + "。")
        return "".join(sentences)

    def _own_statement(self, org: str, st: str, first: bool) -> str:
        """The speaker's own unit: named once in the section (the validators want its name, a
        listener wants to know who 我们 are), then 我们; a region-wide figure gets no unit at all."""
        body = st[len(org):] if st.startswith(org) else st
        if not _VERB_START.match(body):
            return st  # 全县粮食播种面积…, 农村居民人均可支配收入…: nobody's 方面
        if not self.own_named:
            self.own_named = True
            return org + body
        return ("我们" if first else "") + body

    def measures_text(self, measures: list[str]) -> str:
        """Measures as directives with varied openers; a clause gets 确保/力争, never 要切实."""
        out = []
        for m in (_clause(x) for x in measures):
            if m.startswith(("要", "将", "我将")):
                out.append(m)
                continue
            if _FRAMED.match(m):
                path = "plans.frame_lead"  # 进一步围绕, 全力再建, 坚决严格: one adverb is enough
            elif _VERB_START.match(m):
                path = "plans.vp_lead"
            else:  # a clause with its own subject; a target said with 以上/左右 is striven for, not ensured
                path = "plans.target_lead" if re.search(r"左右|以上|以内|约|力争", m) else "plans.clause_lead"
            lead = self.pick(path, required=False) or self.options(path)[0]
            if self.first_person and lead.startswith("我") and out:
                lead = lead[1:]  # 我将… ；将…
            out.append(lead + m)
        return "；".join(out) + "。" if out else ""

    # roles ------------------------------------------------------------------------------

    def write_salutation(self) -> list[str]:
        return [self.meta.get("salutation_line", "同志们：")]

    def write_opening(self) -> list[str]:
        occasion = _clause(self.links.get("occasion") or self.meta.get("occasion") or "")
        body = []
        for text in self.facts.get("opening") or []:
            text = _clause(text)
            if self.genre == "duty_report":  # 请予评议 belongs to the closing of a duty report
                text = re.sub(r"[，,]?\s*请予(?:评议|审议)$", "", text)
            if text:
                body.append(_sentence(text))
        lead = ""
        # The facts' own opening says why we are here; a frame for the occasion is added only
        # when they say nothing, or for a meeting speech, which opens by naming the meeting.
        if occasion and (not body or self.genre == "leader_speech"):
            # An occasion is a noun phrase (…会议) or an event (…视察…工作): each gets a frame with
            # its own verb, never the bare name as a clause.
            is_meeting = occasion.endswith(("会", "会议"))
            lead = self.pick("opening.meeting_lead" if is_meeting else "opening.visit_lead",
                             required=False, occasion=occasion)
        if self.facts.get("summary"):  # only present when the blueprint feeds it here
            body.append(_sentence(self.facts["summary"]))
        text = lead + "".join(body)
        text = self.fill(text, self.target, ["opening.self"], cap=3, period=self.period)
        parts = [p for p in self.links.get("parts") or [] if p]
        if parts and "如下" not in text:
            text += self.pick("opening.announce", parts=_join_list(parts))
        return [text or self.pick("opening.self", period=self.period)]

    def write_achievements(self) -> list[str]:
        highlights = self.facts.get("highlights") or []
        count = cn_ordinal(len(highlights)) if highlights else ""
        summary = self.facts.get("summary")
        if summary:
            intro = self.pick("achievements.intro", period=self.period, summary=_clause(summary), count=count)
        else:
            intro = self.pick("achievements.intro_plain", period=self.period, count=count)
        # The evaluation goes before the 归纳起来… lead-in, which must end the paragraph.
        if "。" in intro:
            head, _, lead_in = intro.rpartition("。")
            if len(highlights) == 1:  # 一个方面 is no list: the point follows the summary directly
                lead_in = ""
            intro = head + "。" + self.pick("achievements.intro_eval", required=False) + lead_in
        elif len(highlights) == 1:
            intro = intro.split("，")[0] + ("，我主要做了以下工作：" if self.first_person else "，主要工作如下：")
        topics = [t for t in (theme_topic(_clause(h["theme"])) for h in highlights) if t]
        if len(topics) >= 3 and len(topics) == len(highlights) and intro.endswith("："):
            # Before the list, the fields it covers, named as the facts name them.
            head, _, lead_in = intro[:-1].rpartition("。")
            preview = self.pick("achievements.preview", required=False, topics="、".join(topics))
            if preview and head:
                intro = head + "。" + preview + lead_in + "："
        paragraphs = [intro]
        for n, hl in enumerate(highlights):
            paragraphs.append(self._highlight(n, hl))
        if self.next_part_unheaded and len(paragraphs) > 1:
            # The unheaded part that follows (总结与不足) sums up; only unsaid names stay here.
            paragraphs[-1] += self._names_sentence()
            return paragraphs
        closing = self._achievements_close(highlights)
        paragraphs.extend(p for p in closing if p)
        return paragraphs

    def _point_context(self, items: list[dict[str, Any]], theme: str) -> None:
        """What the phrases of this point may presuppose (see :meth:`fits`)."""
        orgs = {i["org_name"] for i in items if i.get("org_name")}
        said = theme + "".join(i["statement"] for i in items)
        self.ctx.update(
            action=any(_ACTION.search(c[:8]) for i in items for c in _clause(i["statement"]).split("，")),
            multi=len(items) >= 2, orgs2=len(orgs) >= 2, own_in=bool(orgs & set(self.speaker.own)),
            collective=bool(orgs) or not self.first_person,
            integrity=any(w in said for w in ("廉洁", "八项规定", "纪律", "个人事项")))

    def _highlight(self, n: int, hl: dict[str, Any]) -> str:
        marker = self.marker(n)
        theme = _clause(hl["theme"])
        items = hl.get("items") or []
        self._point_context(items, theme)
        text = f"{marker}{theme}。"
        if hl.get("lead"):
            text += _sentence(hl["lead"])
        budget = self.budget(n) or 200
        facts_text = self.items_text(items)
        if self.ctx["integrity"]:
            # 述廉: the facts, then affirmation and commitment only — no 成效, no credit to others.
            return self.fill(text + facts_text, budget, ["achievements.integrity"], cap=4)
        # 做法概括 before the examples when the point has room for it.
        if len(text) + len(facts_text) < budget * 0.8:
            text += self.pick("achievements.approach", required=False)
        if facts_text:
            lead = self.pick("achievements.examples_lead", required=False)
            text += (lead + "，" if lead else "") + facts_text
        orgs = list(dict.fromkeys(i["org_name"] for i in items if i.get("org_name")))
        if len(orgs) >= 2 and len(text) < budget * 0.9:
            # After the last figure of the paragraph, so naming them cannot misattribute one.
            text += self.pick("achievements.orgs", required=False, orgs=_join_list(orgs))
        fields = {"theme": theme} if _topic_like(theme) else {}
        self.work_named = False
        if theme_topic(theme):
            fields["topic"] = theme_topic(theme)
            work = re.sub(r"(?:水平|活力|渠道|能力|总量)$", "", fields["topic"])
            if len(work) >= 3:
                fields["work"] = work + "工作"
        subjects = item_subjects(items)
        if len(subjects) >= 2 and len(text) < budget * 0.9:
            # The point's own 小结: what it did, named by the facts' own subjects.
            text += self.pick("achievements.recap", required=False, subjects=_join_list(subjects), **fields)
            if fields.get("theme") and theme in text[text.index("。") + 1:]:
                fields = {}
        bridge = ""
        if n + 1 < len(self.points):
            after = _clause(self.points[n + 1].get("theme") or "")
            if _topic_like(after):
                bridge = self.pick("achievements.bridge", required=False, next=after)
        text = self.fill(text, budget - len(bridge),
                         ["achievements.topic", "achievements.eval", "achievements.meaning", "achievements.close"], cap=14, **fields)
        return text + bridge

    def _achievements_close(self, highlights: list[dict[str, Any]]) -> list[str]:
        """排比 of the themes, names and honours still unsaid, the summing-up, thanks."""
        out = []
        themes = [_first_clause(_clause(h["theme"])) for h in highlights]
        sentences = ""
        if len(themes) >= 3:
            middle = "、".join(themes[1:-1])
            sentences += self.pick("achievements.parallel", required=False,
                                   themes=f"从{themes[0]}，到{middle}，再到{themes[-1]}")
        deeds = [d for h in highlights for d in item_subjects(h.get("items") or [], limit=2)
                 if _ACTION.match(d)][:4]
        if len(deeds) >= 3:
            # 排比 of what was done, in the facts' own verbs: 新建高标准农田、培训农民、完成农村改厕.
            sentences += self.pick("achievements.deeds", required=False, deeds="、".join(deeds))
        sentences += self._names_sentence()
        if self.genre == "leader_speech":
            sentences += self.pick("achievements.thanks", required=False)
        if sentences:
            out.append(sentences)
        if self.facts.get("summing_up"):
            out.append(self.pick("achievements.summing_up", summing_up=_clause(self.facts["summing_up"])))
        return out

    def _names_sentence(self) -> str:
        """Every name and honour this section must state itself, once; 等 only after two or more."""
        names = [n for n in self.facts.get("names") or []]
        honours = [n for n in self.facts.get("honours") or []]
        out = ""
        if len(names) == 1:
            out += self.pick("achievements.names_one", name=names[0]["text"])
        elif names:
            out += self.pick("achievements.names_many", names="、".join(_quote(n) for n in names))
        if len(honours) == 1:
            out += self.pick("achievements.honours_one", honours=_quote(honours[0]))
        elif honours:
            out += self.pick("achievements.honours_many", honours="、".join(_quote(n) for n in honours))
        return out

    def write_assessment(self) -> list[str]:
        shortcomings = [_clause(s) for s in self.facts.get("shortcomings") or []]
        paragraphs = []
        summing = self.facts.get("summing_up")
        if summing:
            text = self.pick("assessment.summing", summing_up=_clause(summing))
            themes = [_first_clause(_clause(t)) for t in self.links.get("highlight_themes") or []]
            if len(themes) >= 3 and self.section.get("enumerator", "none") == "none":
                # Part one ended with its last point: the summing-up recalls its themes as 排比.
                text = self.pick("assessment.parallel", required=False,
                                 themes=f"从{themes[0]}，到{'、'.join(themes[1:-1])}，再到{themes[-1]}") + text
            paragraphs.append(text + self.pick("assessment.summing_eval", required=False))
        turn = self.pick("assessment.turn")
        if self.section.get("enumerator", "none") == "none":
            if all(s.endswith("转变") for s in shortcomings):
                listed = "，".join(shortcomings) + "还需要再下功夫。"
                text = turn + listed
            else:
                text = turn.rstrip("，：") + "，" + self.pick("assessment.list_lead") + "；".join(shortcomings) + "。"
                text += self.pick("assessment.list_tail", required=False)
            text += self.pick("assessment.resolve", required=False)
            if len(text) + sum(map(len, paragraphs)) < self.target * 0.9:
                text += self.pick("assessment.bridge", required=False)
            if paragraphs:
                paragraphs[0] += text
            else:
                paragraphs.append(text)
            return paragraphs
        paragraphs.append(turn.rstrip("，") if turn.endswith("：") else turn.rstrip("，") + "：")
        plans = [{"theme": _clause(t)} for t in self.links.get("plan_themes") or []]
        answered = {k: plans[n]["theme"] for n, k in _answered_by(plans, shortcomings).items()}
        for i, s in enumerate(shortcomings):
            marker = self.marker(i) if len(shortcomings) > 1 else ""
            sep = "，" if marker.startswith(("第", "首", "其", "再", "最")) else ""
            text = f"{marker}{sep}{s}。"
            if i in answered:  # 不足 → 打算, said where the shortcoming is admitted
                text += self.pick("assessment.answered", required=False, plan=answered[i])
            text = self.fill(text, self.budget(i) or 80, ["assessment.reflect"], cap=1 if i in answered else 2)
            paragraphs.append(text)
        paragraphs.append(self.pick("assessment.resolve"))
        return paragraphs

    def write_situation(self) -> list[str]:
        context = "".join(_sentence(c) for c in self.facts.get("context") or [])
        shortcomings = [_clause(s) for s in self.facts.get("shortcomings") or []]
        first = (context or self.pick("situation.context_lead")) + self.pick("situation.turn")
        paragraphs = [first]
        for i, s in enumerate(shortcomings):
            marker = self.marker(i) if len(shortcomings) > 1 else ""
            text = f"{marker}，{s}。" if marker else f"{s}。"
            paragraphs.append(self.fill(text, self.budget(i) or 80, ["situation.analysis"], cap=3))
        paragraphs.append(self.pick("situation.close") + self.pick("situation.urgency", required=False))
        return paragraphs

    def write_plans(self) -> list[str]:
        plans = self.facts.get("plans") or []
        count = cn_ordinal(len(plans)) if plans else ""
        context = [_clause(c) for c in self.facts.get("context") or []]
        intro = ""
        if context:
            lead = self.pick("plans.context_lead", required=False)
            if lead and (context[0].startswith(lead.rstrip("，")) or re.match(r"[0-9０-９今明当新本]", context[0])):
                lead = ""  # the context already says when
            intro = lead + "。".join(context) + "。"
        shortcomings = [_clause(x) for x in self.links.get("shortcomings") or []]
        answers = _match_shortcomings(plans, shortcomings)
        if shortcomings and len(answers) == len(shortcomings):
            # 对症下药 only when every shortcoming has its plan; otherwise the claim is false.
            intro += self.pick("plans.answer", required=False)
        lead_in = self.pick("plans.intro", count=count)
        if len(plans) == 1:
            lead_in = re.sub(r"(?:重点|着力|突出)?(?:在|抓好|做好)?(?:以下)?一个方面.*?[：:]$", "重点抓好以下工作：", lead_in)
        intro += lead_in
        paragraphs = [intro]
        for n, plan in enumerate(plans):
            marker = self.marker(n)
            theme = _clause(plan["theme"])
            self.ctx.update(answers=n in answers)
            text = f"{marker}{theme}。"
            if n in answers:  # the plan that answers a shortcoming says so: 成绩 → 不足 → 打算
                problem = answers[n]
                # 由…向…的转变 names a change still to make, not a problem: it is pushed, not fixed.
                path = "plans.answer_shift" if problem.endswith("转变") else "plans.answer_one"
                text += self.pick(path, required=False, problem=problem)
            else:
                text += self.pick("plans.meaning", required=False, theme=_first_clause(theme) if "，" in theme
                                  and len(theme) > 14 else theme)
            past = self._builds_on(plan)
            if past:
                text += self.pick("plans.build", required=False, past=past)
            text += self.measures_text(plan.get("measures") or [])
            text = self.fill(text, self.budget(n) or 150, ["plans.method", "plans.goal"], cap=6)
            paragraphs.append(text)
        return paragraphs

    def _builds_on(self, plan: dict[str, Any]) -> str:
        """The achievement a plan continues, when they share words (稳住粮食生产基本盘 after
        粮食生产再获丰收): 成绩 → 打算 said in the facts' own words."""
        mine = {g for g in _grams(plan.get("theme", "") + "".join(plan.get("measures") or []))
                if not g.startswith("#")}
        best = ("", 0)
        for theme in self.links.get("highlight_themes") or []:
            theme = _clause(theme)
            shared = len(mine & _grams(theme))
            if _topic_like(theme) and shared >= 2 and shared > best[1] and theme not in self.said_pasts:
                best = (theme, shared)
        if best[0]:
            self.said_pasts.add(best[0])
        return best[0]

    def write_requirements(self) -> list[str]:
        bank = list(self.phrases.get("requirements", {}).get("points") or [])
        chosen = sorted(self.rng.sample(range(len(bank)), min(3, len(bank))))
        paragraphs = [self.pick("requirements.intro")]
        themes = [_clause(t) for t in self.links.get("plan_themes") or []]
        for k, idx in enumerate(chosen):
            point = bank[idx]
            text = f"{self.marker(k)}要{_clause(point['theme']).removeprefix('要')}。"
            text += "".join(point.get("body") or [])
            if k == 1 and len(themes) >= 2:
                listed = ("、".join(_first_clause(t) for t in themes[:3]) + "等") if len(themes) > 3 \
                    else _join_list([_first_clause(t) for t in themes])
                text += f"对{listed}重点任务，要逐项细化、逐项推进。"
            paragraphs.append(text)
        close = self.pick("requirements.close")
        if self.next_part_unheaded:
            paragraphs[-1] += close
        else:
            paragraphs.append(close)
        return paragraphs

    def write_closing(self) -> list[str]:
        closing = self.facts.get("closing") or {}
        wishes = [_clause(w) for w in closing.get("wishes") or []]
        requests = [_clause(r) for r in closing.get("requests") or []]
        paragraphs = []
        if wishes:
            lead = self.pick("closing.wish_first")
            if lead.endswith("希望") and re.match(r"[^，。]{0,12}要", wishes[0]):
                lead = lead[:-2]  # 希望……要…… says the wish twice: the 要 already asks
            end = "！" if self.genre == "leader_speech" else "。"
            paragraphs.append(lead + "。".join(wishes) + end)
        plan_themes = [_clause(t) for t in self.links.get("plan_themes") or []]
        if 2 <= len(plan_themes) <= 5 and all("，" not in t and len(t) <= 12 for t in plan_themes):
            # The commitment names what was promised: the plans' own themes as 排比.
            paragraphs.append(self.pick("closing.plans", required=False, plans="，".join(plan_themes)))
        call = self.pick("closing.call", required=False)
        if call:
            paragraphs.append(call)
        if sum(map(len, paragraphs)) + sum(map(len, requests)) < self.target * 0.7:
            # Courtesy before the request, so the speech still ends by asking for guidance.
            thanks = self.pick("closing.thanks", required=False)
            if thanks:
                paragraphs.append(thanks)
        for r in requests:
            # 最后 and 同时 need something before them; a first sentence opens with 在此.
            lead = self.pick("closing.request_lead", required=False) if paragraphs else "在此，"
            paragraphs.append((lead or "在此，") + r + "。")
        end = self.pick("closing.end")
        asks_guidance = any(w in "".join(requests) for w in ("指导", "指正", "评议"))
        if self.genre == "duty_report" or not asks_guidance:
            paragraphs.append(end)
        return paragraphs

    def write_body(self) -> list[str]:
        return [_sentence(str(v)) for v in self.facts.values() if isinstance(v, str)]

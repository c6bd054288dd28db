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
    r"全面|进一步|着力|力争|确保|推广|查处|检查|清理|挂牌)")
_SLOT = re.compile(r"\{(?:m\d|theme)\}")


def _first_clause(theme: str) -> str:
    return re.split(r"[，；。]", theme, maxsplit=1)[0]


_LINKED = ("还", "并", "又", "同时", "也", "再", "此外", "其中", "以及", "和")


def _link_clauses(statement: str) -> str:
    """Join the verb-led clauses of a long statement with 还/同时/并, as one would say them.

    Only clauses that open with a verb get a linking word, so a clause with its own subject
    (or one already linked) is left as written; nothing is added but the linking words.
    """
    clauses = statement.split("，")
    if len(clauses) < 3:
        return statement
    links = iter(("还", "同时", "并"))
    out = [clauses[0]]
    for clause in clauses[1:]:
        if _VERB_START.match(clause) and not clause.startswith(_LINKED):
            link = next(links, "")
            clause = link + clause
        out.append(clause)
    return "，".join(out)


_COMMON_BIGRAMS = {"工作", "进一步", "一步", "加强", "不断", "推进", "持续", "提升", "能力", "建设", "发展", "落实"}


def _match_shortcomings(plans: list[dict[str, Any]], shortcomings: list[str]) -> dict[int, str]:
    """Plan index -> the shortcoming it answers, by the words they share (each shortcoming once)."""
    def grams(text: str) -> set[str]:
        runs = re.findall(r"[\u4e00-\u9fff]+", text)
        return {r[i:i + 2] for r in runs for i in range(len(r) - 1)} - _COMMON_BIGRAMS

    pairs = []
    for n, plan in enumerate(plans):
        mine = grams(plan.get("theme", "") + "".join(plan.get("measures") or []))
        for k, s in enumerate(shortcomings):
            shared = len(mine & grams(s))
            if shared:
                pairs.append((-shared, n, k))
    out: dict[int, str] = {}
    taken: set[int] = set()
    for _, n, k in sorted(pairs):
        if n not in out and k not in taken:
            out[n] = shortcomings[k]
            taken.add(k)
    return out


def _join_list(items: list[str]) -> str:
    """A、B和C (or A以及B和C when an item already has 和)."""
    if len(items) <= 1:
        return "".join(items)
    glue = "以及" if any("和" in i for i in items) else "和"
    return "、".join(items[:-1]) + glue + items[-1]


class _Words(dict):  # type: ignore[type-arg]
    """Format fields: named values, plus fresh four-character words drawn on demand."""

    def __init__(self, writer: _Writer, fields: dict[str, str]) -> None:
        super().__init__(fields)
        self.writer = writer

    def __missing__(self, key: str) -> str:
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
        self.in_paragraph: set[str] = set()  # a phrase with slots serves twice, never in one paragraph
        self.words_left: dict[str, list[str]] = {}

    # phrase choice ------------------------------------------------------------------------

    def options(self, path: str) -> list[str]:
        node: Any = self.phrases
        for key in path.split("."):
            node = node.get(key, {}) if isinstance(node, dict) else {}
        if isinstance(node, dict):
            node = node.get(self.genre) or node.get("default") or []
        return list(node)

    def pick(self, path: str, *, required: bool = True, **fields: str) -> str:
        """An unused phrase of ``path`` with its fields filled; '' when all are used and not required."""
        options = self.options(path)
        # A phrase with word slots reads differently each time it is filled: it may serve twice.
        fresh = [o for o in options if self.uses.get(o, 0) < (2 if _SLOT.search(o) else 1)
                 and o not in self.in_paragraph]
        if not fresh:
            if not required or not options:
                return ""
            fresh = options
        self.rng.shuffle(fresh)
        for choice in fresh:
            text = choice.format_map(_Words(self, fields))
            if text not in self.said or not self.said:  # the same sentence never twice in a section
                self.uses[choice] = self.uses.get(choice, 0) + 1
                self.said.add(text)
                self.in_paragraph.add(choice)
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

    def fill(self, text: str, budget: int, paths: list[str], cap: int = 10, **fields: str) -> str:
        """Append expansion sentences from ``paths`` (taken in turn, each phrase once) while
        ``text`` is short of ``budget``; stop when the banks run dry or the next would overshoot.

        A point takes at most its fair share of the bank, so the last points of a long section
        are not left bare after the first ones used it up."""
        tries = 0
        bank = sum(len(self.options(p)) for p in set(paths))
        # …and never more than ``cap`` in one paragraph: past that it reads as padding.
        share = min(cap, max(3, -(-bank // max(1, len(self.points))) + 2))
        added = 0
        while len(text) < budget * 0.93 and tries < 8 * len(paths) and added < share:
            path = paths[tries % len(paths)]
            tries += 1
            extra = self.pick(path, required=False, **fields)
            if extra and len(text) + len(extra) <= budget * 1.12:
                text += extra
                added += 1
        return text

    # fact sentences -----------------------------------------------------------------------

    def items_text(self, items: list[dict[str, Any]]) -> str:
        """The items of a highlight as sentences: one per organisation, its items joined by ；.

        An organisation is named once per run of its items, so no three sentences in a row open
        with the same name; an item the facts give without a subject gets its organisation (or,
        in a duty report, 我) in front.
        """
        groups: list[tuple[str | None, list[str]]] = []
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
            for k, st in enumerate(statements):
                if org and k > 0 and st.startswith(org) and _VERB_START.match(st[len(org):]):
                    st = st[len(org):]  # the run already names it
                elif k == 0 and org and org not in st:
                    st = (org + st) if _VERB_START.match(st) else f"{org}方面，{st}"
                elif k == 0 and not org and self.first_person and _VERB_START.match(st):
                    st = "我" + st
                parts.append(st)
            joined = "；".join(parts)
            text = joined if len(joined) <= 110 else "。".join(parts)
            if len(sentences) % 2 == 0 and len(text) <= 100:
                # A short evaluation after every other organisation's facts, in the sentence
                # itself: judgement woven into the account, not piled up after it.
                text += self.pick("achievements.item_tail", required=False)
            sentences.append(text + "。")
        return "".join(sentences)

    def measures_text(self, measures: list[str]) -> str:
        """Measures as directives with varied openers; a clause gets 确保/力争, never 要切实."""
        out = []
        for m in (_clause(x) for x in measures):
            if m.startswith(("要", "将", "我将")):
                out.append(m)
                continue
            path = "plans.vp_lead" if _VERB_START.match(m) else "plans.clause_lead"
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

    def _highlight(self, n: int, hl: dict[str, Any]) -> str:
        self.in_paragraph = set()
        marker = self.marker(n)
        theme = _clause(hl["theme"])
        text = f"{marker}{theme}。"
        if hl.get("lead"):
            text += _sentence(hl["lead"])
        budget = self.budget(n) or 200
        items = self.items_text(hl.get("items") or [])
        items_len = len(items)
        # 做法概括 before the examples when the point has room for it.
        if len(text) + items_len < budget * 0.8:
            text += self.pick("achievements.approach", required=False)
        if items:
            lead = self.pick("achievements.examples_lead", required=False) if len(hl.get("items") or []) > 0 else ""
            text += (lead + "，" if lead else "") + items
        orgs = list(dict.fromkeys(i["org_name"] for i in hl.get("items") or [] if i.get("org_name")))
        if len(orgs) >= 2 and len(text) < budget * 0.9:
            # After the last figure of the paragraph, so naming them cannot misattribute one.
            text += self.pick("achievements.orgs", required=False, orgs=_join_list(orgs))
        return self.fill(text, budget, ["achievements.eval", "achievements.meaning", "achievements.close"],
                         cap=10, theme=theme)

    def _achievements_close(self, highlights: list[dict[str, Any]]) -> list[str]:
        """排比 of the themes, names and honours still unsaid, the summing-up, thanks."""
        out = []
        themes = [_first_clause(_clause(h["theme"])) for h in highlights]
        sentences = ""
        if len(themes) >= 3:
            middle = "、".join(themes[1:-1])
            sentences += self.pick("achievements.parallel", required=False,
                                   themes=f"从{themes[0]}，到{middle}，再到{themes[-1]}")
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
        for i, s in enumerate(shortcomings):
            marker = self.marker(i) if len(shortcomings) > 1 else ""
            sep = "，" if marker.startswith(("第", "首", "其", "再", "最")) else ""
            text = f"{marker}{sep}{s}。"
            text = self.fill(text, self.budget(i) or 80, ["assessment.reflect"], cap=3)
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
        if self.links.get("shortcomings"):
            intro += self.pick("plans.answer", required=False)
        lead_in = self.pick("plans.intro", count=count)
        if len(plans) == 1:
            lead_in = re.sub(r"(?:重点|着力|突出)?(?:在|抓好|做好)?(?:以下)?一个方面.*?[：:]$", "重点抓好以下工作：", lead_in)
        intro += lead_in
        paragraphs = [intro]
        answers = _match_shortcomings(plans, [_clause(s) for s in self.links.get("shortcomings") or []])
        for n, plan in enumerate(plans):
            self.in_paragraph = set()
            marker = self.marker(n)
            theme = _clause(plan["theme"])
            text = f"{marker}{theme}。"
            text += self.pick("plans.meaning", required=False, theme=_first_clause(theme) if "，" in theme
                              and len(theme) > 14 else theme)
            if n in answers:  # the plan that answers a shortcoming says so: 成绩 → 不足 → 打算
                problem = _first_clause(answers[n])
                # 由…向…的转变 names a change still to make, not a problem: it is pushed, not fixed.
                path = "plans.answer_shift" if problem.endswith("转变") else "plans.answer_one"
                text += self.pick(path, required=False, problem=problem)
            text += self.measures_text(plan.get("measures") or [])
            text = self.fill(text, self.budget(n) or 150, ["plans.method", "plans.goal"], cap=6)
            paragraphs.append(text)
        return paragraphs

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

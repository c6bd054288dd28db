"""The offline extractor: rule-based, deterministic, no LLM.

From each source's outline it takes:

- highlights: the sentences that hold figures, names or honours, grouped under the source's own
  headings (一、 （一） 一是 ——), each heading's words becoming the theme; a sentence whose clauses
  speak of different organisations is cut at its semicolons into one item per organisation;
- shortcomings: sections headed 不足 / 问题 / 差距, or the sentences a paragraph announces with
  「还存在……问题」, the announcement's own words kept as ``shortcomings_lead``;
- plans: the points of sections headed 今后 / 下一步 / 打算 / 任务 (one plan per sub-heading, all its
  sentences as measures); a plan section's opening sentences become context, its targets leads;
- the source's shape: how each point is marked (``style``), the review's opening paragraph
  (``summary``), the credit and thanks after it (``summing_up``), parts the genre has no place
  for (``parts``), the source's own headings of its results and plans (``headings``), the opening,
  the closing and the call before it (``closing.call``), exclamations kept;
- figures exactly as written, found by the validators' own finder.

Every item carries its provenance; what the rules only guessed is marked for review.
"""

from __future__ import annotations

import bisect
import re
from dataclasses import dataclass, field
from itertools import pairwise
from typing import Any

from ..facts import Organisation
from ..facts.model import MAX_COUNTS
from ..gaps import gap_marker
from .figures import figures_in, numeral_names, quoted_spans, written_whole
from .limits import fit_limits
from .meta import SourceMeta, period_of, role_in_body
from .organisations import OrgMatcher
from .outline import Node, Outline, Sentence, outline_of
from .sources import Source
from .text import clip_theme, runin_of, split_clauses, strip_note_marks

__all__ = ["Extraction", "extract_offline"]

_AWARD = re.compile(r"荣获|获评|被评为|评为|授予|称号|表彰|荣誉|奖|先进|示范|第一名|排名第一|冠军|金牌")
_TRIGGER_SEEN = re.compile(r"存在|面临|看到|认识到|还有|仍有|尚有|不足之处|差距在于")
_TRIGGER_AWARE = re.compile(r"清醒(?:地)?(?:看到|认识到)|(?:也要|也应|必须)(?:清醒地)?看到")
_TRIGGER_WHAT = re.compile(r"不足|问题|差距|困难|挑战|短板|弱项|不尽如意|不尽如人意|薄弱|矛盾")
# 「虽然取得了一些成绩，但……」「尽管……，但前方还有……」: what follows in the paragraph is what is still lacking.
_CONCESSION = re.compile(r"(?:尽管|虽然|虽)[^。！？；]{0,30}(?:成绩|成效|进展|成就|进步)[^。！？；]{0,12}[，,]\s*"
                         r"(?:但|可|然而|不过)[^。！？]{0,40}(?:还|仍|依然|尚|也)")
_OPPORTUNITY = re.compile(r"机遇|优势|有利条件|有利因素|前景")
# 「面对困难和挑战，……」 turns from the problems to the tasks: no result, the writer's context.
_FACING = re.compile(r"^面对(?:[^，,。]{0,12}的)?(?:困难|挑战|问题|压力|风险)")
_FALLBACK_WHAT = re.compile(r"问题|不足|差距|短板|弱项|薄弱|不够|有待")
_RESOLVE = re.compile(r"^(?:对此|对这些|对于这些|针对|我们将|我们一定|我们要|我们必须|这些问题|必须|要|找准|在今后|今后|下一步)"
                      r"|^[^，,。]{1,10}[，,]\s*我们(?:将|要|一定|必须)"
                      r"|加以解决|高度重视|认真解决|切实解决|努力解决|着力解决|认真研究|加以改进")
# 「与此同时，……」「此外，……」 after a numbered problem: another problem, not more of that one.
_ANOTHER = re.compile(r"^(?:与此同时|同时|此外|另外|另一方面)[，,]")
_PERIOD = re.compile(r"^(?:(?:近|过去)?[0-9一二三四五六七八九十两几]+年(?:来|以来|中)|[0-9]{4}年(?:度)?|一年来|近年来|过去一年|"
                     r"本届政府以来|[0-9一二三四五六七八九十两]+年以来)")
_HONOUR = re.compile(r"(?:荣获|获评|获得|被评为|评为|被授予|授予|获)(?:了)?((?:[\u4e00-\u9fff“”*]){1,18}?"
                     r"(?:奖|称号|先进单位|先进集体|示范单位|示范点|标兵|模范))(?![\u4e00-\u9fff])")
_NOTE = re.compile(r"^(?:【\d+】|\[\d+\]|［\d+］|〔\d+〕|\^\[\d+\]|注[：:])")
_VOCATIVE = re.compile(r"^(?:各位代表|各位委员|同志们|女士们|先生们|朋友们)[，,！!：:。]\s*")
_SUMMING = re.compile(r"^(?:总起来讲|总起来说|总的来看|总的来说|总体来看|总之|综上所述|综上)[，,]")
_END = "。！？!?；;，,：: "
_WORD_CHARS = re.compile(r"[\u4e00-\u9fffA-Za-z](?<![零〇一二两三四五六七八九十百千万亿])")

MAX_CONTEXT = 40
MAX_OPENING = 40
_MEETING = re.compile(r"^(?:刚才|刚刚)|出席(?:今天|这次|本次)|(?:今天|这次|本次)(?:的)?(?:座谈会|会议|大会)(?:上)?[，,]?(?:有|大家|各位)|"
                      r"作了(?:很好的|重要|精彩的)?(?:发言|讲话|报告)|(?:听取|听了)(?:了)?大家")
_CLOSING = re.compile(r"^(?:在此[，,]?(?:也|还|再次)?(?:真诚地|衷心地)?(?:希望|感谢|恳请|请)|让我们|最后|希望|相信|预祝|祝|衷心祝愿|谢谢|再次(?:感谢|表示)|请|恳请|同志们[，,！]|各位代表[，,！])|"
                      r"谢谢大家|预祝.*(?:成功|圆满)|批评指正|批评指导|多提宝贵意见|请予审议")
_REQUEST = re.compile(r"请|恳请|批评指正|指导|审议|宝贵意见")
_EXPERIENCE = re.compile(r"(?:深深|深刻(?:地)?|深切|切身)体会到|工作体会")
_WELCOME = re.compile(r"^(?:大家好|值此|首先|今天|在这里|欣闻|金秋|阳春)|欢迎|问候|祝贺|致以|感谢|隆重集会|召开|开幕")
_GLOSSARY = re.compile(r"※?(?:名词解释|名词注释|注释|附[：:]|附件)※?")
# Credit for the results and thanks to those who helped (成绩的取得，是……的结果; 向……表示衷心的感谢).
_ACKNOWLEDGE = re.compile(r"(?:成绩|成就|成效)[^。，,]{0,8}(?:的取得|来之不易|得来)[^。]{0,6}是|是[^。]{2,40}的结果[，,；;。]|"
                          r"(?:表示|致以)(?:最)?(?:衷心|诚挚|崇高|深深)的?(?:感谢|谢意|敬意)")
# A sentence that says what is needed or hoped for opens no shortcoming (新形势需要新担当、党中央寄予厚望).
_DEMAND_START = re.compile(r"^[^，,。；]{0,12}?(?:需要|必须|应当|要求|呼唤|寄予厚望|希望)")
# 「我愿提出3点倡议」「我提几点希望」: the speaker announces proposals or hopes.
_PROPOSES = re.compile(r"(?:我|我们)(?:愿|想|再|就此|在这里)?(?:提出|提|讲)(?:以下)?[0-9几两二三四五六七八九十]+(?:点|条|项)"
                       r"(?:倡议|希望|建议)")
_CALLED = re.compile(r"^(同志们|各位代表|各位委员|各位来宾|朋友们|女士们、先生们|女士们，先生们)[，,！!]")
_VOCATIVE_SENTENCE = re.compile(r"^(?:(?:各位代表|各位委员|同志们|女士们|先生们|朋友们|各位来宾|各位嘉宾)[，,、]?)+[！!]$")
# The speaker citing himself (我说过, 我曾讲过, 我在……时讲过): his view, not a result of the organisation.
_VOICE = re.compile(r"^(?:[^，。]{0,12}[，,])?我(?:曾|也|都|多次|反复|一再|曾经)*(?:说过|讲过|强调过|指出过|提出过)"
                    r"|^(?:[^，。]{0,12}[，,])?我(?:曾|也|多次|曾经)*在[^。！？]{1,40}?(?:时|上|中|期间)(?:曾|也|就|都)*"
                    r"(?:说过|讲过|强调过|指出过|提出过|讲|说|强调|指出)(?:过)?[，,：:]")
FLAT_PARAGRAPHS = 3  # a heading over this many paragraphs with figures and no points of its own
PLACEHOLDER_THEME = "（待补充主题）"
PLACEHOLDER_SHORTCOMING = "（待补充：材料中没有找到不足与差距，请据实填写）"
PLACEHOLDER_PLAN = "（待补充：材料中没有找到今后打算，请据实填写）"


@dataclass
class Extraction:
    """Facts as plain data (the shape of a facts file) plus the reviewer's comments.

    ``comments`` maps a path such as ``("shortcomings", 2)`` to comment lines written above it.
    """

    data: dict[str, Any]
    comments: dict[tuple[Any, ...], list[str]] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)

    def comment(self, path: tuple[Any, ...], text: str) -> None:
        self.comments.setdefault(path, []).append(text)


def _strip_end(text: str) -> str:
    return strip_note_marks(text.strip()).rstrip(_END).strip()


def _spoken(text: str) -> str:
    """A sentence of the opening or closing without its full stop; an exclamation (大家好！) or a
    question keeps its mark, as the speaker says it."""
    text = strip_note_marks(text.strip())
    mark = {"！": "！", "!": "！", "？": "？", "?": "？"}.get(text[-1:], "")
    return text.rstrip(_END).strip() + mark if text.rstrip(_END).strip() else ""


def _provenance(source: Source, sentence: Sentence | Node, review: str | None = None) -> dict[str, Any]:
    out: dict[str, Any] = {"file": source.name, "line": sentence.line, "sentence": sentence.text
                           if isinstance(sentence, Sentence) else sentence.sentence}
    if review:
        out["review"] = review
    return out


def _listed(sentence: str) -> list[str]:
    """The points a sentence lists after its colon (还存在一些问题：甲；乙；丙), or the sentence."""
    head, colon, tail = sentence.partition("：")
    if not colon:
        m = re.search(r":(?![0-9])", sentence)  # not the colon of 8:30
        head, colon, tail = (sentence[:m.start()], ":", sentence[m.end():]) if m else (sentence, "", "")
    parts = [p for p in re.split(r"[；;]", tail) if len(_strip_end(p)) >= 4] if colon and len(head) <= 40 else []
    return parts or [sentence]


_CONTINUES = re.compile(r"^(?:其中|特别是|尤其是|同比|比上年|占|分别|增长|下降|较|并|且|还|也|为|达)")
MIN_LISTED = 3
_ANNOUNCES = re.compile(r"^(?:这里|下面|在此|为此|今天)?[，,]?(?:我|我们)(?:再|想|就此)?(?:提|讲|谈|说)(?:出)?"
                        r"[几两二三四五六七八九十]+(?:点|条|个方面)(?:希望|意见|要求|看法|建议)?$")  # fewer ；-clauses are one statement more often than a list


def _list_clauses(text: str) -> list[str]:
    """The items of a statement that lists them joined by ； (新建……；改造……；新增……), or the statement.

    Only a list of at least three clauses that each stand alone is cut: a clause that carries on
    the one before (其中……, 同比……) keeps the statement whole."""
    spans = split_clauses(text)
    if len(spans) < MIN_LISTED:
        return [text]
    parts = [_strip_end(text[a:b]) for a, b in spans]
    if any(len(p) < 4 or _CONTINUES.match(p) for p in parts):
        return [text]
    return parts


def _honours_in(text: str) -> list[str]:
    """Honours won (荣获……奖 / 被评为……称号), as written between the verb and the honour word."""
    out = []
    for m in _HONOUR.finditer(text):
        honour = m.group(1).strip("“”\"「」")
        if 3 <= len(honour) <= 20 and not any(ch.isdigit() for ch in honour):
            out.append(honour)
    return out


def _names_in(text: str) -> list[str]:
    names = []
    for a, b in quoted_spans(text):
        inner = text[a + 1:b - 1].strip()
        if text[a] == "《" or not 2 <= len(inner) <= 24 or any(ch in "。！？；，,：:" for ch in inner):
            continue
        if a > 0 and text[a - 1] in "：:":
            continue  # a quotation (他说：“……”), not a name
        if len(_WORD_CHARS.findall(inner)) < 2:
            continue  # “19”, “百千万”: a number in quotes; as a name it would hide that number everywhere
        names.append(inner)
    return names


class _SourceExtractor:
    """Extracts one source into highlights, shortcomings, plans and context."""

    def __init__(self, source: Source, matcher: OrgMatcher, orgs_defined: bool, all_parts: bool = False) -> None:
        self.source = source
        self.outline: Outline = outline_of(source)
        self.matcher = matcher
        self.orgs_defined = orgs_defined
        self.default_org = matcher.named_in(source.stem) or matcher.named_in(self.outline.title or "")
        self.used: set[int] = set()
        self.highlights: list[dict[str, Any]] = []
        self.shortcomings: list[tuple[str, dict[str, Any]]] = []
        self.plans: list[dict[str, Any]] = []
        self.parts: dict[int, list[dict[str, Any]]] = {}  # top-level node -> its points
        self._sink = self.plans  # where _add_plan puts a point: the plans, or a part of the source's own
        self.glossary: list[str] = []
        self.opened: set[int] = set()  # sentences taken as the opening: never a highlight's theme
        self.all_parts = all_parts  # a genre without fixed parts: every part of the source is a part of its own
        self.before_plans: set[int] = set()  # parts of its own that stand before the tasks (总体要求)
        self.context: list[tuple[str, dict[str, Any]]] = []
        self.context_at: list[int] = []  # the sentence index of each context line
        self.calls_said: set[int] = set()  # the mid-speech calls (各位代表！) already put before a text
        self.names: list[str] = []
        self.honours: list[tuple[str, str | None]] = []
        self.opening: list[tuple[str, dict[str, Any]]] = []
        self.closing: list[tuple[str, str, dict[str, Any]]] = []  # (wishes|requests|thanks, text, provenance)
        self.call: tuple[str, dict[str, Any]] | None = None  # the vocative the closing opens with (同志们！)
        self.summing_up: tuple[str, dict[str, Any]] | None = None
        self.summary: tuple[str, dict[str, Any]] | None = None  # the review's opening paragraph
        self.shortcomings_lead: tuple[str, dict[str, Any]] | None = None  # the source's words announcing them
        self.pointed: set[int] = set()
        self.dropped = 0
        self.flat: set[int] = set()
        self.notes: set[int] = set()
        self._figures: dict[str, list[str]] = {}

    # -- helpers ---------------------------------------------------------------------------

    def figures(self, text: str) -> list[str]:
        text = _strip_end(text)  # a sentence and its statement (no full stop) share one reading
        if text not in self._figures:
            mentions, dropped = figures_in(text)
            self.dropped += dropped
            self._figures[text] = [m.text for m in mentions]
        return self._figures[text]

    def kind(self, sentence: Sentence) -> str:
        return self.outline.nodes[sentence.node].kind

    def keep(self, text: str, figures: list[str]) -> bool:
        """Every statement of a point is kept (the speech is drafted from all of them), except
        what reports on the meeting itself: 刚才……作了发言 is context, not an achievement."""
        return bool(figures) or bool(_names_in(text)) or bool(_AWARD.search(text)) or \
            (len(_strip_end(text)) >= 6 and not _MEETING.search(text)
             and max(map(len, re.split(r"[，,、]", _strip_end(text)))) > 4)  # not a table's header row

    # -- shortcomings ------------------------------------------------------------------------

    def take_shortcomings(self) -> None:
        sentences = self.outline.sentences
        by_node: dict[int, int] = {}
        for s in sentences:
            if self.kind(s) == "shortcomings" and s.index not in self.used:
                if by_node.get(s.node, 0) < 10:
                    for part in _listed(s.text):
                        self._shortcoming(s, part)
                    by_node[s.node] = by_node.get(s.node, 0) + 1
                self.used.add(s.index)
        for s in sentences:
            if s.index in self.used:
                continue
            seen, what = _TRIGGER_SEEN.search(s.text), _TRIGGER_WHAT.search(s.text)
            if self.kind(s) == "achievements" and _FACING.match(_VOCATIVE.sub("", s.text)) \
                    and not self.figures(s.text):
                self.used.add(s.index)
                self.add_context(s, _strip_end(_VOCATIVE.sub("", s.text)))
                continue
            concession = _CONCESSION.search(s.text)
            if concession and self.kind(s) == "achievements":
                self._announced(s, concession.end())
                continue
            # 「我们也清醒地看到，当前经济运行稳中有变……」 opening a paragraph announces the problems the
            # next sentences list, though it names none itself (not 「清醒看到……机遇」).
            aware = _TRIGGER_AWARE.search(s.text, 0, 16)
            opens = aware is not None and not _OPPORTUNITY.search(s.text) and s.index == min(
                t.index for t in self.outline.sentences if t.paragraph == s.paragraph)
            if not (seen and what) and not opens:
                continue
            if self.kind(s) == "plans" and not _TRIGGER_AWARE.search(s.text):
                continue  # 「着力解决……问题」 in a plan is a task; 「清醒地看到……挑战」 still lists shortcomings
            self._announced(s, what.end() if what else aware.end())  # type: ignore[union-attr]

    def _shortcoming(self, s: Sentence, text: str, review: str | None = None) -> bool:
        text = _strip_end(text[runin_of(text):])
        if len(text) >= 4:
            self.shortcomings.append((text, _provenance(self.source, s, review)))
        return len(text) >= 4

    def _announced(self, s: Sentence, keyword_end: int) -> None:
        """A sentence that announces shortcomings: take what it lists, or the sentences after it.

        The announcement's own words (同时也应该看到，工作中还有很多不尽如意的地方) become the
        shortcomings' lead, so the draft says them as the source did, not in a stock phrase."""
        self.used.add(s.index)
        concession = bool(_CONCESSION.search(s.text))
        if concession:  # the sentences before it lead in: the writer's context
            before = [t for t in self.outline.sentences[max(0, s.index - 4):s.index]
                      if t.paragraph == s.paragraph and t.index not in self.used and not self.figures(t.text)]
            for t in before:
                self.used.add(t.index)
                text = _strip_end(_VOCATIVE.sub("", t.text))
                if len(text) >= 4:
                    self.add_context(t, text)
        colon = max(s.text.rfind("："), s.text.rfind(":"))
        found = 0
        lead = ""
        if colon > keyword_end - 1 and colon < len(s.text) - 2:
            lead = s.text[:colon]
            for part in re.split(r"[；;]", s.text[colon + 1:]):
                self._shortcoming(s, part)
                found += 1
        following = [t for t in self.outline.sentences[s.index + 1:s.index + 24] if t.paragraph == s.paragraph]
        # Problems the source numbers (一是……。……。二是……) stay one per number, each with all its
        # sentences; unnumbered ones are one per clause (……；……).
        point = False  # inside a numbered problem: what follows belongs to it until the next number
        for k, t in enumerate(following):
            if t.index in self.used or _DEMAND_START.match(_VOCATIVE.sub("", t.text)):
                break  # 「新形势需要新担当」: the speech turns to what must be done; the list has ended
            if _RESOLVE.search(t.text):
                # 「对此，我们一定直面问题……」 closes the problems: the turn to the tasks, not a result.
                for u in following[k:]:
                    if u.index in self.used or self.figures(u.text):
                        break
                    self.used.add(u.index)
                    self.add_context(u, _strip_end(_VOCATIVE.sub("", u.text)))
                break
            self.used.add(t.index)
            if _ANOTHER.match(t.text):
                point = False  # 与此同时，……: a problem of its own, not more of the numbered one
            for j, part in enumerate(re.split(r"[；;]", t.text)):
                if runin_of(part):  # 一是经济发展进入“换挡期”。产业结构不优……: a point with its sentences
                    point = self._shortcoming(t, part)
                    found += 1
                elif point and _strip_end(part):
                    text, provenance = self.shortcomings[-1]
                    self.shortcomings[-1] = (text + ("；" if j else "。") + _strip_end(part), provenance)
                elif not point:
                    self._shortcoming(t, part)
                    found += 1
            if not lead:  # the whole sentence announces what the next ones list
                lead = s.text
        if not found:
            rest = re.split(r"，|,(?![0-9])", s.text[keyword_end:], maxsplit=1)
            if len(rest) == 2 and len(_strip_end(rest[1])) >= 6:
                lead = s.text[:keyword_end] + rest[0]
                self._shortcoming(s, rest[1], "由句子后半截取，请核对")
            else:
                lead = ""
                self._shortcoming(s, s.text, "整句作为不足，请提炼")
        lead = _strip_end(_VOCATIVE.sub("", lead))
        # An announcement is one clause chain: a sentence listing with ； states content, not a lead-in.
        if lead and 6 <= len(lead) <= 60 and "；" not in lead and ";" not in lead \
                and self.shortcomings_lead is None and not self.figures(lead):
            self.shortcomings_lead = (lead, _provenance(self.source, s))
        elif concession and lead == _strip_end(_VOCATIVE.sub("", s.text)):
            self.add_context(s, lead)  # a second announcement: as before

    # -- plans -------------------------------------------------------------------------------

    def take_plans(self) -> None:
        nodes = self.outline.nodes
        groups: dict[Any, list[Sentence]] = {}
        for s in self.outline.sentences:
            if s.index in self.used or self.kind(s) != "plans":
                continue
            chain = self.outline.chain(s.node)
            root_pos = max(i for i, n in enumerate(chain) if n.kind == "plans")
            key: Any = chain[root_pos - 1].index if root_pos > 0 else ("para", s.paragraph, chain[root_pos].index)
            groups.setdefault(key, []).append(s)
            self.used.add(s.index)
        # A plans section with points of its own opens with the situation: context, unless it sets targets.
        with_points = {nodes[key].parent for key in groups if not isinstance(key, tuple)}
        for key, members in groups.items():
            top = self._top(key[2] if isinstance(key, tuple) else key)
            self._sink = self.parts.setdefault(top, []) if top in self.own else self.plans
            if isinstance(key, tuple) and top in self.own:
                # A part of its own has no context: its paragraphs are points, or the lead before them.
                self._paragraph_plan(members, lead=key[2] in with_points)
            elif isinstance(key, tuple):
                self._paragraph_plan(members, figures_only=key[2] in with_points)
            else:
                self._plan(nodes[key], members)

    def _sub_point(self, node: Node, s: Sentence) -> Node | None:
        """The source's own sub-point (1. 2. under （一）) a sentence of ``node`` stands under, if any."""
        for n in self.outline.chain(s.node):
            if n.parent == node.index and not n.runin and n.level > node.level:
                return n
        return None

    def _plan(self, node: Node, members: list[Sentence]) -> None:
        measures, prov = [], [_provenance(self.source, node)]
        sub: Node | None = None
        k = 0
        for s in members:
            here = self._sub_point(node, s)
            if here is not None and here is not sub:
                # 「1.实施创新驱动，在产业发展上持续用力」: kept as a measure that opens with its
                # number, so the draft writes the source's sub-points as 1. 2. 3. under （一）.
                sub, k = here, k + 1
                mark = f"{k}." if here.style != "paren" else f"（{k}）"
                measures.append(f"{mark}{here.theme}")
                prov.append(_provenance(self.source, here))
            own = bool(s.clauses) and s.clauses[0].theme and s.clauses[0].node == node.index
            # A run-in point deeper down (（一）…… 一是……) keeps its words, its 一是 included: the
            # source's list inside the point is drafted as the source wrote it.
            text = self._without_theme(s) if own else _strip_end(s.text)
            if not text:
                continue
            for piece in _list_clauses(text):
                if self.keep(piece, self.figures(piece)):
                    measures.append(piece)
                    prov.append(_provenance(self.source, s))
        if not measures:
            first = next((self._without_theme(s) for s in members if self._without_theme(s)), "")
            if first:
                measures.append(first)
                prov.append(_provenance(self.source, members[0]))
        self._add_plan(node.theme, measures, prov, style=node.style)

    def _points_inside(self, s: Sentence) -> None:
        """The points that start inside ``s`` after its label and own no sentence of their own
        (三项要求：一是稳增长，全年增长6%左右。 then 二是……): each from its clauses in ``s``."""
        owned = {t.node for t in self.outline.sentences}
        for index in dict.fromkeys(c.node for c in s.clauses if c.node != s.node):
            node = self.outline.nodes[index]
            if index in owned or not node.runin:
                continue  # its own sentences make it, in their turn
            rest = [_strip_end(s.text[c.start:c.end]) for c in s.clauses if c.node == index and not c.theme]
            self._add_plan(node.theme, [r for r in rest if r], [_provenance(self.source, s)], style=node.style)

    def _runin_start(self, s: Sentence) -> int | None:
        """Where the first run-in point that starts inside ``s`` begins (……：一是……), or None."""
        return next((c.start for c in s.clauses if c.node != s.node and self.outline.nodes[c.node].runin), None)

    def _label(self, s: Sentence) -> str:
        """The short label a sentence opens a list with (两个站位：一是……, 三个关键：一是……), or ''."""
        start = self._runin_start(s)
        text = _strip_end(s.text[:start]) if start else ""
        return text if 2 <= len(text) <= 12 and s.text[:start].rstrip().endswith(("：", ":")) \
            and not re.search(r"[，,。；;]", text) else ""

    def _before_points(self, s: Sentence) -> str:
        """The sentence up to the first point that starts inside it (「……把握以下几点：一是夯实……」):
        the point's words are the point's, not said again before it."""
        start = self._runin_start(s)
        # A bare label (两个站位：一是……) says nothing alone: the sentence stays whole, as before.
        return s.text[:start] if start and len(_strip_end(s.text[:start])) >= 6 else s.text

    def _paragraph_plan(self, members: list[Sentence], figures_only: bool = False, lead: bool = False) -> None:
        members = [m for m in members if not _VOCATIVE_SENTENCE.match(m.text)]  # 各位代表！ is no theme
        if lead:  # 「这里，我提几点希望。」: the draft announces the points itself, with their count
            members = [m for m in members if not _ANNOUNCES.match(_strip_end(m.text))]
        if not members:
            return
        kept = [(s, self._without_theme(s)) for s in members[1:]]
        if figures_only:  # the situation before the points: context, except the targets
            for s in members:
                label = self._label(s)
                if label:  # 三项要求：一是……: the label leads, its first point is a point
                    self._add_plan(label, [], [_provenance(self.source, s)], lead=True, style="none", label=True)
                    self._points_inside(s)
                    continue
                t = _strip_end(self._before_points(s)[runin_of(s.text):])
                if len(t) < 6:
                    continue
                if not self.figures(t):
                    self.add_context(s, t)
                    continue
                theme, rest = clip_theme(t)
                if rest and not re.match(r"(?:是|为)?[：:]", t[len(theme):]):
                    theme, rest = t, ""  # cut at a comma, it would come back 「……工作：我们将……」: kept whole
                measures = _list_clauses(_strip_end(rest)) if rest else []
                self._add_plan(theme, measures, [_provenance(self.source, s, "主题取自句首，请提炼")] * max(1, len(measures)),
                               lead=True)
            return
        label = self._label(members[0])
        if label:  # 「三个关键：一是抓机遇。」: the label is a line of its own, its points follow numbered afresh
            self._add_plan(label, [], [_provenance(self.source, members[0])], lead=lead, style="none", label=True)
            self._points_inside(members[0])
            if len(members) > 1:
                self._paragraph_plan(members[1:], lead=lead)
            return
        kept = [(s, t) for s, t in kept if t and (self.figures(t) if figures_only else self.keep(t, self.figures(t)))]
        first = _strip_end(members[0].text[runin_of(members[0].text):])
        # A plain paragraph is drafted plain: its first sentence stays whole (cut at a comma into a
        # theme and a body, it would come back as 「……大会。是党和国家……」).
        theme, rest = first, ""
        if not kept and not self.figures(first):
            # In a part of its own (总体要求) a paragraph without figures stays in the part, where
            # it stood: before the part's points it leads them; after one it belongs to that point
            # (抓住结构调整的核心，…… under 第一, before its 一是……), which keeps the count of the
            # points running. Elsewhere it is the situation the tasks start from: context.
            # _add_plan places a lead after the points (with the point before it, or as a paragraph
            # of its own in a speech not divided into parts).
            own_part = self._sink is not self.plans
            for s in members:
                text = _strip_end(s.text[runin_of(s.text):])
                if len(text) >= 6 and not self.figures(text) and own_part:
                    self._add_plan(self.called(s, text) + text, [], [_provenance(self.source, s)], lead=True)
                elif len(text) >= 6 and not self.figures(text):
                    self.add_context(s, text)
                elif len(text) >= 6 and self.figures(text):  # a target among the context: a plan of its own
                    theme, rest = clip_theme(text)
                    self._add_plan(theme, [_strip_end(rest)] if rest else [],
                                   [_provenance(self.source, s, "主题取自句首，请提炼")])
            return
        measures = ([_strip_end(rest)] if rest else []) + [t for _, t in kept]
        prov = [_provenance(self.source, members[0], "主题取自段落首句，请提炼")] + \
            [_provenance(self.source, s) for s, _ in kept]
        node = self.outline.nodes[members[0].node]
        style = node.style if node.runin and members[0].clauses and members[0].clauses[0].theme else "none"
        if style == "none":  # a plain paragraph is said as it was, with the call that opens it (各位代表！)
            theme = self.called(members[0], theme) + theme
        self._add_plan(theme, [m for m in measures if m], prov, lead=lead, style=style)

    def _add_plan(self, theme: str, measures: list[str], prov: list[dict[str, Any]], lead: bool = False,
                  style: str | None = None, label: bool = False) -> None:
        theme = _strip_end(theme)
        if measures and len(theme) > 6:  # 「……预期目标是：」 introduces its list; as a heading it ends at the noun
            theme = re.sub(r"(?:主要是|主要有|如下|是|为)$", "", theme)
        if not theme:
            return
        text = theme + "".join(measures)
        figures = self.figures(theme) + [f for m in measures for f in self.figures(m)]
        figures = [f for f in figures if f in text]
        for m in measures:
            self.names += _names_in(m)
        plan: dict[str, Any] = {"theme": theme, "measures": measures, "figures": figures}
        if lead and self._sink is not self.plans and any(not p.get("lead") for p in self._sink):
            # After a part's points a paragraph leads nothing: it stays where it stood. In a speech
            # not divided into parts it is a paragraph of its own between the lists (——……, 一是……);
            # in a part (三、促进经济更好更快发展) it belongs to the point before it (加快建设沿海经济
            # 隆起带：…… under 第二), and the count of the points runs on over it.
            if self._sink is self.parts.get(0) or label:  # a label starts a list of its own: a line
                lead, style = False, style or "none"
            else:
                last = self._sink[-1]
                last["measures"] += [theme, *measures]
                last["figures"] += figures
                last["provenance"] += prov
                return
        if lead:  # before the source's own points: drafted unnumbered, not counted among them
            plan["lead"] = True
        if style:  # the draft marks the point as the source did (a plain paragraph stays plain)
            plan["style"] = style
        self._sink.append({**plan, "provenance": prov})

    def _without_theme(self, s: Sentence) -> str:
        parts = [c for c in s.clauses if not c.theme]
        if not parts:
            return ""
        text = s.text[parts[0].start:parts[-1].end]
        return _strip_end(text[runin_of(text):])

    # -- highlights --------------------------------------------------------------------------

    def take_closing(self) -> None:
        """The speech's last words: from its last vocative (同志们！ 各位代表！) on, or the trailing
        sentences of hope, thanks and request (让我们…… 希望…… 谢谢大家 请予审议)."""
        unused = [s for s in self.outline.sentences if s.index not in self.used]
        if not unused:
            return
        sentences = self.outline.sentences[:unused[-1].index + 1]  # the speech ends before a glossary
        start = len(sentences)
        tail = max(0, len(sentences) - max(6, len(sentences) // 8))
        vocative = next((s.index for s in reversed(sentences[tail:]) if _VOCATIVE.match(s.text)
                         or _VOCATIVE_SENTENCE.match(s.text)), None)
        if vocative is not None and vocative > len(sentences) // 2:
            last_para = sentences[vocative].paragraph
            if all(t.paragraph == last_para or t.paragraph > last_para for t in sentences[vocative:]):
                start = vocative
        last = sentences[-1]
        if start == len(sentences) and last.paragraph > 3 and last.text.endswith(("！", "!")):
            # A report ends with its call (……而努力奋斗！): the last paragraph is the closing.
            start = next(t.index for t in sentences if t.paragraph == last.paragraph)
        while start > tail and _CLOSING.search(_VOCATIVE.sub("", sentences[start - 1].text)):
            start -= 1
        while start > tail and start < len(sentences):  # whole paragraphs: one that opens as a closing
            para = sentences[start - 1].paragraph
            first = next(t.index for t in sentences[tail:start] if t.paragraph == para)
            if first == 0 or sentences[first].paragraph == sentences[0].paragraph \
                    or not _CLOSING.search(_VOCATIVE.sub("", sentences[first].text)):
                break
            start = first
        for s in sentences[start:]:
            self.used.add(s.index)
            text = _spoken(_VOCATIVE.sub("", s.text))
            if _VOCATIVE_SENTENCE.match(s.text):
                if s.index == start and self.call is None:  # 同志们！ opens the closing: said there again
                    self.call = (_spoken(s.text), _provenance(self.source, s))
                continue
            if len(_strip_end(text)) < 2:
                continue
            key = "requests" if _REQUEST.search(text) and not text.startswith(("让我们", "希望", "相信")) else \
                "thanks" if re.match(r"^(?:谢谢|感谢|衷心感谢|再次感谢)", text) else "wishes"
            self.closing.append((key, text, _provenance(self.source, s)))

    def take_meeting(self) -> None:
        """Sentences about the meeting itself (刚才，7位代表作了发言) open the speech; no result."""
        for s in self.outline.sentences:
            if s.index not in self.used and _MEETING.search(s.text):
                self.used.add(s.index)
                self.opened.add(s.index)
                if len(self.opening) < MAX_OPENING:
                    self.opening.append((_strip_end(s.text), _provenance(self.source, s)))

    def take_opening(self) -> None:
        """Before the first heading of a structured source: the opening words, not results.
        Without headings: the greeting, welcome and thanks the text opens with (大家好！值此……之际，……欢迎)."""
        if not any(not n.runin for n in self.outline.nodes[1:]):
            for s in self.outline.sentences:
                if s.index in self.used or not _WELCOME.search(s.text[:40]):
                    break
                self.used.add(s.index)
                self.opened.add(s.index)
                self.opening.append((_spoken(s.text), _provenance(self.source, s)))
            return  # the rest of the text is the body
        first_heading = min(n.line for n in self.outline.nodes[1:] if not n.runin)
        for s in self.outline.sentences:
            # Up to the first heading's section (in a one-line text every sentence is on line 1);
            # 一是…… run in the opening is still the opening.
            if self._top(s.node) != 0 or (s.line > first_heading and not self.outline.nodes[s.node].runin
                                          and s.node != 0):
                break
            self.used.add(s.index)
            if len(self.opening) < MAX_OPENING and len(_strip_end(s.text)) >= 4 \
                    and not _VOCATIVE_SENTENCE.match(s.text):
                self.opening.append((_spoken(s.text), _provenance(self.source, s)))

    def take_summing_up(self) -> None:
        """A paragraph opening with 总起来讲 / 总的来看 sums up; it is not a highlight."""
        for s in self.outline.sentences:
            if s.index in self.used or not _SUMMING.match(s.text):
                continue
            first = next(t for t in self.outline.sentences if t.paragraph == s.paragraph)
            if first.index != s.index:
                continue
            if self.summing_up is None:
                self.summing_up = (_strip_end(s.text), _provenance(self.source, s))
            self.used.add(s.index)
        self.take_acknowledgement()
        self.take_experience()

    def add_context(self, s: Sentence, text: str) -> None:
        """Keep ``text`` (from ``s``) as context for the writer, up to the cap, with the call that
        opens its paragraph (各位代表！) said before it as in the source."""
        if len(self.context) < MAX_CONTEXT:
            # in the source's order, whichever step found it first: the writer says it in that order
            at = bisect.bisect_right(self.context_at, s.index)
            self.context_at.insert(at, s.index)
            self.context.insert(at, (self.called(s, text) + text, _provenance(self.source, s)))

    def called(self, s: Sentence, text: str) -> str:
        """The call the speaker turns to the hall with at the start of ``s``'s paragraph: a call
        standing alone just before it (各位代表！), or one opening ``s`` itself (同志们，……) that
        ``text`` has lost; '' elsewhere. Mid-speech calls mark the speech's turns: dropped, the
        draft reads as a document, not a speech."""
        sentences = self.outline.sentences
        first = s.index == 0 or sentences[s.index - 1].paragraph != s.paragraph
        inline = _VOCATIVE.match(s.text)
        if first and inline and not text.startswith(inline.group(0)) and s.index not in self.calls_said:
            self.calls_said.add(s.index)
            return inline.group(0).strip()
        if s.index == 0 or first:
            return ""
        before = sentences[s.index - 1]
        opens = before.index == 0 or sentences[before.index - 1].paragraph != before.paragraph
        if not opens or not _VOCATIVE_SENTENCE.match(before.text) or before.index in self.calls_said:
            return ""
        self.calls_said.add(before.index)  # said once: a second text from this paragraph goes without it
        return _spoken(before.text)

    def take_acknowledgement(self) -> None:
        """The paragraph after a review that credits its results (成绩的取得，是……的结果) and thanks
        those who helped: the review's summing-up, kept whole (a saying it opens with included),
        never a highlight of its own."""
        by_paragraph: dict[int, list[Sentence]] = {}
        for s in self.outline.sentences:
            if s.index not in self.used and self.kind(s) == "achievements" and s.node != 0:
                by_paragraph.setdefault(s.paragraph, []).append(s)
        for para in by_paragraph.values():
            if len(para) > 8 or not any(_ACKNOWLEDGE.search(s.text) for s in para) \
                    or any(self.figures(s.text) for s in para):
                continue
            # 各位代表！ opening the paragraph is said before it, as the speaker turned to the hall
            text = self.called(para[0], "") + "".join(_strip_end(_VOCATIVE.sub("", s.text)) + "。" for s in para
                                                      if not _VOCATIVE_SENTENCE.match(s.text))
            self.used.update(s.index for s in para)
            if self.summing_up is None:
                self.summing_up = (_strip_end(text), _provenance(self.source, para[0]))
            else:
                self.summing_up = (self.summing_up[0] + "。" + _strip_end(text), self.summing_up[1])
            return

    def take_experience(self) -> None:
        """The lessons a review draws (我们深刻体会到，……必须……): the 体会 that sums it up, kept whole."""
        if self.summing_up is not None:
            return
        for s in self.outline.sentences:
            if s.index in self.used or self.kind(s) != "achievements" or not _EXPERIENCE.search(s.text[:40]):
                continue
            para = [t for t in self.outline.sentences[s.index:s.index + 40] if t.paragraph == s.paragraph
                    and t.index not in self.used]
            text = "".join(_strip_end(_VOCATIVE.sub("", t.text)) + "。" for t in para)
            if len(text) >= 12 and not re.search(r"(?:方面|如下|以下)$", _strip_end(s.text)):  # not a mere lead-in
                self.summing_up = (_strip_end(text), _provenance(self.source, s))
                self.used.update(t.index for t in para)
            return

    def _flat_sections(self) -> set[int]:
        """Headings whose body is several paragraphs with figures and no points of its own:
        each paragraph is then a highlight (its first sentence is the theme), not one long list."""
        paragraphs: dict[int, set[int]] = {}
        for s in self.outline.sentences:
            seen = paragraphs.get(s.node, set())
            if s.paragraph in seen or len(seen) >= FLAT_PARAGRAPHS:
                continue  # already known: spare the figure search
            if s.index not in self.used and self.kind(s) == "achievements" and self.figures(s.text):
                paragraphs.setdefault(s.node, set()).add(s.paragraph)
        # Only a top-level part (一、2021年工作回顾) is read so: a point's own heading (（一）……) is the
        # source's structure and stays the theme of all its paragraphs.
        return {n for n, ps in paragraphs.items() if n != 0 and not self.outline.nodes[n].runin
                and self.outline.nodes[n].parent == 0 and len(ps) >= FLAT_PARAGRAPHS}

    def take_highlights(self) -> None:
        by_key: dict[Any, dict[str, Any]] = {}
        self.flat = self._flat_sections()
        self.pointed = self._pointed_parts() - self.flat
        # Footnotes and glossary entries (【1】…, [2]…, 注：…) explain terms; they report no results.
        self.notes = {s.paragraph for s in self.outline.sentences if s.text.startswith(tuple("【[［〔^")) and
                      _NOTE.match(s.text) and s.index == min(t.index for t in self.outline.sentences
                                                             if t.paragraph == s.paragraph)}
        last_org: str | None = None
        last_org_sentence = -1
        paragraph = -1
        for s in self.outline.sentences:
            if s.paragraph != paragraph:
                paragraph, last_org = s.paragraph, None
            if s.index in self.used or self.kind(s) != "achievements" or s.paragraph in self.notes:
                continue
            if _VOCATIVE_SENTENCE.match(s.text):  # 女士们、先生们、朋友们！ opens a paragraph; it reports nothing
                continue
            if _VOICE.match(_VOCATIVE.sub("", s.text)):
                self.used.add(s.index)  # the speaker's own words: context for the writer, never a result
                self.add_context(s, _strip_end(s.text))
                continue
            groups: list[tuple[int, str | None, int, int, str | None]] = []  # node, org, start, end, review
            for c in s.clauses:
                if c.theme:
                    if self.outline.nodes[c.node].runin:  # the point stays even when it is all theme
                        self._highlight_for(by_key, c.node, s)["_point"] = True
                    continue
                text = s.text[c.start:c.end]
                org = self.matcher.subject(text[runin_of(text):])
                review = None
                if org is not None:
                    last_org, last_org_sentence = org, s.index
                elif last_org is not None:
                    org = last_org
                    if last_org_sentence != s.index:
                        review = "所属组织按上文推断，请核对"
                elif self.default_org is not None:
                    org = self.default_org
                elif self.orgs_defined:
                    review = "未能确定所属组织，请填写 org"
                if groups and groups[-1][0] == c.node and groups[-1][1] == org:
                    node, o, start, _end, rv = groups[-1]
                    groups[-1] = (node, o, start, c.end, rv)
                else:
                    groups.append((c.node, org, c.start, c.end, review))
            for node_index, org, start, end, review in groups:
                text = s.text[start:end]
                for statement in _list_clauses(_strip_end(text[runin_of(text):])):
                    if len(statement) < 4:
                        continue
                    figures = self.figures(statement)
                    if not self.keep(statement, figures):
                        continue
                    self.used.add(s.index)
                    hl = self._highlight_for(by_key, node_index, s)
                    prov = _provenance(self.source, s, review)
                    hl["items"].append({"org": org, "statement": statement, "figures": figures, "provenance": [prov]})
                    self.names += _names_in(statement)
                    self.honours += [(h, org) for h in _honours_in(statement) if (h, org) not in self.honours]
        self.highlights = sorted((hl for hl in by_key.values() if hl["items"] or hl.get("_point")),
                                 key=lambda hl: hl["_line"])
        for hl in self.highlights:
            # 「——40年来，深圳……」: a time alone is no theme; it opens the first statement again.
            if hl["items"] and _PERIOD.fullmatch(hl["theme"]) and not hl["items"][0]["statement"].startswith(hl["theme"]):
                hl["items"][0]["statement"] = hl["theme"] + "，" + hl["items"][0]["statement"]

    def _highlight_for(self, by_key: dict[Any, dict[str, Any]], node_index: int, s: Sentence) -> dict[str, Any]:
        node = self.outline.nodes[node_index]
        # The paragraph's first sentence gives the theme: text before any heading, a part written as
        # paragraphs, and the plain paragraphs of a part among its numbered points.
        if node.index == 0 or node.index in self.flat or node.index in self.pointed:
            key: Any = ("para", s.paragraph)
            if key not in by_key:
                para = [t for t in self.outline.sentences[max(0, s.index - 200):s.index + 1]
                        if t.paragraph == s.paragraph]
                # Not 「各位代表！」, nor the greeting and welcome already taken as the opening.
                first = next((t for t in para if _VOCATIVE.sub("", t.text).strip()
                              and not _VOCATIVE_SENTENCE.match(t.text) and t.index not in self.opened), para[-1])
                theme = clip_theme(_VOCATIVE.sub("", first.text[runin_of(first.text):]) or first.text)[0] \
                    or PLACEHOLDER_THEME
                by_key[key] = {"theme": theme, "items": [], "_review": "主题取自段落首句，请提炼",
                               "_line": first.line, "style": "none"}
            return by_key[key]
        if node_index not in by_key:
            by_key[node_index] = {"theme": node.theme or PLACEHOLDER_THEME, "items": [], "_line": node.line}
            if node.style:
                by_key[node_index]["style"] = node.style
        return by_key[node_index]

    def _pointed_parts(self) -> set[int]:
        """Top-level parts with points of their own (（一）…… or 一是…… not yet taken): their
        other paragraphs are points too, written plain, not one point under the part's heading."""
        out = set()
        for s in self.outline.sentences:
            if s.index in self.used or s.node == 0:
                continue
            top = self._top(s.node)
            if top and top != s.node:
                out.add(top)
        return out

    def take_review_lead(self) -> None:
        """The paragraph a review opens with before its points (2019年，在……领导下，……) sums the
        year up: the facts' ``summary``, drafted unnumbered before the points, never 一是."""
        nodes = self.outline.nodes
        review = next((n for n in nodes[1:] if n.parent == 0 and not n.runin and n.kind == "achievements"
                       and n.index not in self.own), None)
        if review is None:
            return
        mine = [s for s in self.outline.sentences if s.index not in self.used and self._top(s.node) == review.index]
        first_point = next((k for k, s in enumerate(mine) if s.node != review.index), None)
        paragraphs: list[list[Sentence]] = []
        for s in mine[:first_point]:
            if paragraphs and paragraphs[-1][0].paragraph == s.paragraph:
                paragraphs[-1].append(s)
            else:
                paragraphs.append([s])
        if first_point is None or review.index in self._flat_sections():
            # A part written as paragraphs: the first leads when the rest run parallel.
            paragraphs = []
            for s in (t for t in mine if t.node == review.index):
                if paragraphs and paragraphs[-1][0].paragraph == s.paragraph:
                    paragraphs[-1].append(s)
                else:
                    paragraphs.append([s])
            if len(paragraphs) < FLAT_PARAGRAPHS or not self._leads(paragraphs):
                return
            lead = paragraphs[0]
        else:
            if not paragraphs:
                return
            lead = [s for p in paragraphs for s in p]  # everything before the first point
        text = "".join(_strip_end(_VOCATIVE.sub("", s.text)) + "。" for s in lead
                       if not _VOCATIVE_SENTENCE.match(s.text))
        if len(text) < 12:
            return
        self.used.update(s.index for s in lead)
        self.summary = (self.called(lead[0], text) + _strip_end(text), _provenance(self.source, lead[0]))

    @staticmethod
    def _leads(paragraphs: list[list[Sentence]]) -> bool:
        """Whether the first paragraph stands apart from the parallel ones after it: they open alike
        (一年来，我们致力……) and it does not, or its theme is only a time (2019年，……)."""
        opening = [_VOCATIVE.sub("", p[0].text)[:4] for p in paragraphs]
        rest = opening[1:]
        common = max(set(rest), key=rest.count)
        parallel = rest.count(common) >= max(2, len(rest) * 2 // 3) and not opening[0].startswith(common)
        first_theme = clip_theme(_VOCATIVE.sub("", paragraphs[0][0].text))[0]
        return parallel or bool(_PERIOD.fullmatch(_strip_end(first_theme)))

    def _top(self, node: int) -> int:
        """The top-level part a node belongs to (0 for text before any heading)."""
        chain = [n for n in self.outline.chain(node) if not n.runin]  # 一是…… before any heading is no part
        return chain[-2].index if len(chain) >= 2 else 0

    def headings(self, headed: dict[str, str]) -> dict[str, str]:
        """Section id -> the source's heading, for each kind of part the source has exactly once.

        Two parts of one kind (two parts of results) would make either heading wrong for the whole."""
        tops = [n for n in self.outline.nodes[1:] if not n.runin and not n.from_paragraph
                and self._top(n.index) == n.index and n.index not in self.parts and n.index not in self.before_plans]
        out = {}
        for kind, section in headed.items():
            same = [n for n in tops if n.kind == kind]
            text = _strip_end(same[0].theme) if len(same) == 1 else ""
            if 2 <= len(text) <= 40 and "{" not in text:
                out[section] = text
        return out

    def mark_parts(self) -> None:
        """Parts of the source's own: a top-level part after the plans that reports no result
        (加强政府自身建设, 需要说明的几个重点问题) is kept as a part with its heading and points, drafted
        where it stands; a glossary (名词解释) becomes notes for the writer."""
        nodes = self.outline.nodes
        self.own: set[int] = set()
        seen_plans = seen_review = False
        for root in [n for n in nodes[1:] if n.parent == 0 and not n.runin]:
            if _GLOSSARY.search(root.theme):
                for s in self.outline.sentences:
                    if self._top(s.node) == root.index:
                        self.used.add(s.index)
                        if len(self.glossary) < MAX_OPENING:
                            self.glossary.append(_strip_end(s.text))
                continue
            if self.all_parts and len(root.theme) >= 2:
                self.own.add(root.index)
            elif root.kind == "plans":
                seen_plans = seen_review  # after a review: a part after the tasks is one of its own
            elif not seen_plans and root.kind == "achievements":
                seen_review = True
            elif seen_plans and root.kind == "achievements" and len(root.theme) >= 4 \
                    and (root.level >= 1 or (len(root.theme) >= 6 and root.theme[-1] not in "“‘（(《")):
                self.own.add(root.index)
        if not self.all_parts:
            self._mark_plan_preambles()
        elif not self.own:
            # A speech not divided into parts (no 一、二、): the whole of it is one part, without a
            # heading, its points in the order and marking it has.
            self.own.add(0)
        for n in nodes:
            if self._top(n.index) in self.own:
                n.kind = "plans"

    def _mark_plan_preambles(self) -> None:
        """「二、总体要求和政策取向」 in paragraphs, then 「三、政府工作任务」 with its （一）……: the first
        is a part of its own, kept with its heading before the tasks, not merged into them. Two parts
        of tasks each with its points (the five years', then this year's): the second is a part of
        its own after the first."""
        nodes = self.outline.nodes
        roots = [n for n in nodes[1:] if n.parent == 0 and not n.runin and n.kind == "plans" and n.index not in self.own]
        if len(roots) < 2:
            return
        pointed = {n.parent for n in nodes if not n.runin and n.parent in {r.index for r in roots}}
        for root, after in pairwise(roots):
            if root.level >= 1 and root.index not in pointed and after.index in pointed and root.line < after.line:
                self.own.add(root.index)
                self.before_plans.add(root.index)
            elif root.index in pointed and after.index in pointed and after.level >= 1 and root.line < after.line:
                # 「二、“十四五”时期的主要目标任务」（一）…… then 「三、2021年重点工作」（一）……: two lists of
                # tasks, each with its heading and its own count; merged, the second would run on as （九）.
                self.own.add(after.index)

    def take_footnotes(self) -> None:
        """Footnotes at the end (【1】…, [2]…) under a 名词解释 line explain terms: notes for the writer."""
        sentences = self.outline.sentences
        k = len(sentences)
        while k > 0 and (_NOTE.match(sentences[k - 1].text) or sentences[k - 1].index in self.used
                         or any(_NOTE.match(t.text) for t in sentences if t.paragraph == sentences[k - 1].paragraph)):
            k -= 1
        if k > 0 and _GLOSSARY.fullmatch(_strip_end(sentences[k - 1].text)):
            k -= 1
        for s in sentences[k:]:
            if s.index not in self.used:
                self.used.add(s.index)
                if len(self.glossary) < MAX_OPENING and not _GLOSSARY.fullmatch(_strip_end(s.text)):
                    self.glossary.append(_strip_end(s.text))

    def mark_proposals(self) -> None:
        """「借此机会，我愿提出3点倡议。第一，……」: the points a speaker announces as proposals or
        hopes are the speech's plans (an address's 希望与倡议), not results; the announcement leads them."""
        if self.all_parts:
            return  # a speech in its own parts keeps them where they stand
        nodes = self.outline.nodes
        for s in self.outline.sentences:
            if s.index in self.used or self.kind(s) != "achievements" or not _PROPOSES.search(s.text):
                continue
            owner = next(n.index for n in self.outline.chain(s.node) if not n.runin) if s.node else 0
            style = None
            last = None
            for n in nodes[s.node + 1:]:
                if not n.runin or n.parent != owner or n.line < s.line:
                    continue
                if style not in (None, n.style):
                    break  # another list begins
                style, last = n.style, n
                n.kind = "plans"
            if last is not None:
                self._continue_point(last.index, owner)
            if style is not None:
                self.used.add(s.index)
                self.add_context(s, _strip_end(_VOCATIVE.sub("", s.text)))

    def _continue_point(self, point: int, owner: int) -> None:
        """Paragraphs after the last proposal (cut off by a 女士们、先生们！) go on with it, up to the
        closing: 「为更好发挥北京……，我们将……」 is a measure of the third proposal, not a result."""
        sentences = self.outline.sentences
        mine = [t.paragraph for t in sentences if t.node == point]
        if not mine:
            return
        final = sentences[-1].paragraph
        for paragraph in range(max(mine) + 1, final):
            members = [t for t in sentences if t.paragraph == paragraph]
            spoken = [t for t in members if not _VOCATIVE_SENTENCE.match(t.text)]
            if not spoken or any(t.node != owner for t in members) or \
                    _CLOSING.search(_VOCATIVE.sub("", spoken[0].text)):
                return
            for t in members:  # one paragraph with the point, as its measures are grouped
                t.node, t.paragraph = point, max(mine)
                for c in t.clauses:
                    c.node = point

    def run(self) -> _SourceExtractor:
        self.mark_parts()
        self.mark_proposals()
        self.take_footnotes()
        self.take_closing()
        self.take_opening()
        self.take_meeting()
        self.take_shortcomings()
        self.take_summing_up()
        self.take_plans()
        self.take_review_lead()
        self.take_highlights()
        return self


def _has_figures(source: Source) -> bool:
    return any(figures_in(b.text)[0] for b in source.blocks)


def _meta(outlines: list[Outline], organisations: list[Organisation], genre: str, genre_name: str,
          extraction: Extraction, chars: int) -> dict[str, Any]:
    """What the speech is, from what the sources say of themselves; 待核 only where they are silent."""
    single = len(outlines) == 1
    said = outlines[0].meta if single else SourceMeta()
    title = said.title
    if title is None:
        # Not made up: a visible gap the draft carries to export (which refuses it until it is filled).
        shorts = "、".join(o.short_name for o in organisations)
        title = gap_marker(f"标题（材料中没有；可参考：{shorts}的{genre_name}）" if shorts else "标题（材料中没有）")
        extraction.comment(("meta", "title"), "待填：材料中没有标题，请拟定标题")
    salutation = next((o.salutation for o in outlines if o.salutation), None)
    opening = [s.text for o in outlines for s in o.sentences[:8]]
    role, stated = (said.speaker_role, True) if said.speaker_role else role_in_body(opening)
    speaker: dict[str, Any] = {"role": role or gap_marker("讲话人职务（材料中没有写明）")}
    if said.speaker_name:
        speaker["name"] = said.speaker_name
    meta: dict[str, Any] = {"genre": genre, "title": title, "speaker": speaker}
    if role is None:
        extraction.comment(("meta", "speaker"), "待填：讲话人身份或职务（材料中没有写明，如：市委分管领导）")
    elif not stated:
        extraction.comment(("meta", "speaker"), f"待核：材料只说「我代表{role}」，请写明讲话人职务")
    if said.occasion:
        meta["occasion"] = said.occasion
    if said.date:
        meta["date"] = said.date.isoformat()
    if salutation:
        body = salutation.rstrip("：:").strip()
        honorific = "尊敬的" if body.startswith("尊敬的") else ""
        meta["addressees"] = [a.strip().removeprefix("尊敬的").strip() for a in re.split(r"[、，,]", body)
                              if a.strip().removeprefix("尊敬的").strip()] or ["同志们"]
        meta["honorific"] = honorific
        if body.count("尊敬的") > 1:  # 尊敬的各国领导人，尊敬的……: the line is kept as written
            meta["salutation"] = salutation
    else:
        # No salutation line: the audience the speech itself addresses (……。同志们，让我们……), or a
        # visible gap; never an audience the text does not name.
        called = next((m.group(1) for o in outlines for s in o.sentences if (m := _CALLED.match(s.text))), None)
        meta["addressees"] = [called] if called else [gap_marker("称呼（材料中没有称呼行）")]
        meta["honorific"] = ""
        extraction.comment(("meta", "addressees"), f"待核：材料中没有称呼行，称呼取自文中的「{called}」" if called
                           else "待填：材料中没有称呼行，请填写称呼对象")
    for outline in outlines:
        headings = [n.theme for n in outline.nodes[1:] if n.kind == "achievements" and not n.runin]
        period = period_of(headings[:1], [s.text for s in outline.sentences[:3]])
        if period:
            meta["period"] = period
            break
    else:  # 「市总工会2025年工作情况」: the year in the title
        years = {m.group() for o in outlines for m in re.finditer(r"(?<![0-9])[0-9]{4}年", o.title or "")}
        if len(years) == 1:
            meta["period"] = years.pop()
    # The draft is as long as the source: a round trip must not shrink the speech. Several sources
    # are material for a new speech, not one: at least the length of a short report.
    meta["target"] = {"chars": max(100 if single else 1500, min(100_000, round(chars / 100) * 100))}
    return meta


def extract_offline(sources: list[Source], organisations: list[Organisation], *, genre: str = "work_report",
                    genre_name: str = "工作汇报", needs: tuple[str, ...] = ("highlights", "shortcomings", "plans"),
                    plans_section: str | None = "plans", all_parts: bool = False,
                    before_plans: str | None = None, headed: dict[str, str] | None = None) -> Extraction:
    """Extract facts from ``sources`` by rule; see the module docstring.

    ``headed`` maps a kind of part (achievements, shortcomings, plans) to the genre's headed section
    that holds it: a source with one part of that kind gives that section its own heading.

    Raises :class:`~speechwriter.errors.InputError` for a source without a single figure.
    """
    from ..errors import InputError

    matcher = OrgMatcher(organisations)
    extraction = Extraction({})
    extractors = []
    for source in sources:
        if not _has_figures(source):
            raise InputError("材料中没有找到任何数字，无法从中抽取事实（请检查是否选错了文件）", path=source.name)
        extractors.append(_SourceExtractor(source, matcher, bool(organisations), all_parts).run())
    highlights: list[dict[str, Any]] = []
    by_theme: dict[str, dict[str, Any]] = {}
    for ex in extractors:
        for hl in ex.highlights:
            if hl["theme"] in by_theme:
                by_theme[hl["theme"]]["items"] += hl["items"]
            else:
                by_theme[hl["theme"]] = hl
                highlights.append(hl)
    shortcomings = [x for ex in extractors for x in ex.shortcomings]
    plans = [p for ex in extractors for p in ex.plans]
    context = [x for ex in extractors for x in ex.context]
    shortcomings, plans = _fallbacks(extractors, shortcomings, plans, needs, extraction)
    names = list(dict.fromkeys(n for ex in extractors for n in ex.names))
    honours = [{"text": h, "org": o} if o else h for h, o in dict.fromkeys(x for ex in extractors for x in ex.honours)
               if h not in names]
    opening = [x for ex in extractors for x in ex.opening]
    parts = [{"heading": ex.outline.nodes[top].theme if top else None, "points": points,
              "after": before_plans if top in ex.before_plans and before_plans else plans_section}
              for ex in extractors for top, points in ex.parts.items() if points]
    part_points = [p for part in parts for p in part["points"]]
    if len(extractors) > 1:
        # Several sources make one new speech: each marked its points its own way, and the genre's
        # numbering runs through the whole (（一）…… from one and 一是…… from the next would not).
        for point in [*highlights, *plans, *part_points]:
            point.pop("style", None)
    fit_limits(highlights, plans, {"names": names, "honours": honours, "shortcomings": shortcomings,
                                   "context": context, "opening": opening}, extraction.warnings,
               more_plans=part_points)
    incomplete = _refigure(highlights, plans + part_points,
                           numeral_names(names + [h if isinstance(h, str) else h["text"] for h in honours]))
    # The speech's length: its glossary (名词解释, footnotes) is printed with it but never read out.
    chars = sum(len(s.text) for ex in extractors for s in ex.outline.sentences if s.paragraph not in ex.notes)
    data: dict[str, Any] = {"meta": _meta([ex.outline for ex in extractors], organisations, genre, genre_name,
                                          extraction, chars)}
    data["organisations"] = [o.model_dump(exclude_defaults=True) for o in organisations]
    data["opening"] = [text for text, _ in opening]
    for n, (_, prov) in enumerate(opening):
        extraction.comment(("opening", n), f"来源：{prov['file']}:{prov['line']}")
    summary = next((ex.summary for ex in extractors if ex.summary), None)
    if summary:
        data["summary"] = summary[0]
        extraction.comment(("summary",), f"来源：{summary[1]['file']}:{summary[1]['line']}（成效部分的总述）")
    summing = next((ex.summing_up for ex in extractors if ex.summing_up), None)
    if summing:
        data["summing_up"] = summing[0]
        extraction.comment(("summing_up",), f"来源：{summing[1]['file']}:{summing[1]['line']}")
    data["highlights"] = []
    for h, hl in enumerate(highlights):
        if hl.get("_review"):
            extraction.comment(("highlights", h, "theme"), f"待核：{hl['_review']}")
        data["highlights"].append({"theme": hl["theme"], "items": hl["items"],
                                   **({"style": hl["style"]} if hl.get("style") else {})})
        for i, item in enumerate(hl["items"]):
            reviews = [p["review"] for p in item["provenance"] if p.get("review")]
            for r in reviews:
                extraction.comment(("highlights", h, "items", i), f"待核：{r}")
    if len(extractors) == 1 and headed:  # several sources make a new speech: the genre's headings
        headings = extractors[0].headings(headed)
        if headings:
            data["headings"] = headings
            extraction.comment(("headings",), "原文各部分的标题：撰稿时代替文种的标准标题")
    data["names"] = names
    data["honours"] = honours
    announced = next((ex.shortcomings_lead for ex in extractors if ex.shortcomings_lead), None)
    if announced:
        data["shortcomings_lead"] = announced[0]
        extraction.comment(("shortcomings_lead",), f"来源：{announced[1]['file']}:{announced[1]['line']}（原文引出不足的话）")
    data["shortcomings"] = [text for text, _ in shortcomings]
    for n, (_, prov) in enumerate(shortcomings):
        if not prov:
            extraction.comment(("shortcomings", n), "待填：材料中没有找到，请据实填写")
            continue
        extraction.comment(("shortcomings", n), f"来源：{prov['file']}:{prov['line']}"
                           + (f"  待核：{prov['review']}" if prov.get("review") else ""))
    data["context"] = [text for text, _ in context]
    for n, (_, prov) in enumerate(context):
        extraction.comment(("context", n), f"来源：{prov['file']}:{prov['line']}")
    data["plans"] = plans
    if parts:
        data["parts"] = parts[:MAX_COUNTS["parts"]]
        for k in range(len(data["parts"])):
            extraction.comment(("parts", k), "原文自有的部分，文种章节中没有对应的位置：撰稿时单独成节，排在原文的位置")
    for p, plan in enumerate(plans):
        for r in [x["review"] for x in plan["provenance"] if x.get("review")]:
            extraction.comment(("plans", p), f"待核：{r}")
    dropped = sum(ex.dropped for ex in extractors) + incomplete
    if dropped:
        extraction.warnings.append(f"有 {dropped} 处数字的写法无法按原样读回，未列入 figures，请核对")
    closing: dict[str, list[str]] = {}
    for key, text, prov in (x for ex in extractors for x in ex.closing):
        n = len(closing.setdefault(key, []))
        if n < MAX_OPENING and text not in closing[key]:
            closing[key].append(text)
            extraction.comment(("closing", key, n), f"来源：{prov['file']}:{prov['line']}")
    call = next((ex.call for ex in extractors if ex.call), None) if len(extractors) == 1 else None
    if call and closing:
        closing = {"call": call[0], **closing}  # type: ignore[dict-item]
        extraction.comment(("closing", "call"), f"来源：{call[1]['file']}:{call[1]['line']}（结尾前的呼语）")
    if closing:
        data["closing"] = closing
    glossary = [g for ex in extractors for g in ex.glossary]
    data["notes"] = [f"本文件由 speechwriter facts extract 离线抽取（基于规则，未调用大模型），来源："
                     f"{'、'.join(s.name for s in sources)}。标有「待核」「待填」的地方请逐项核对。"]
    if glossary:  # a glossary explains terms for the reader; the writer may need it, the draft does not
        data["notes"] += [f"原文名词解释：{g}" for g in glossary[:MAX_COUNTS["list"] - 1]]
    extraction.data = data
    return extraction


def _refigure(highlights: list[dict[str, Any]], plans: list[dict[str, Any]], names: re.Pattern[str] | None) -> int:
    """Drop figures that sit inside a name with numerals (三个关键): the draft states them as the name;
    and figures the facts check would call incomplete (see :func:`written_whole`). Returns how many
    of the latter were left out."""
    left_out = 0
    for hl in highlights:
        for item in hl["items"]:
            if names is not None and names.search(item["statement"]):
                item["figures"] = [m.text for m in figures_in(item["statement"], names)[0]]
            item["figures"], n = written_whole(item["figures"], [item["statement"]])
            left_out += n
    for plan in plans:
        parts = [plan["theme"], *plan["measures"]]
        if names is not None and any(names.search(p) for p in parts):
            plan["figures"] = [m.text for p in parts for m in figures_in(p, names)[0]]
        plan["figures"], n = written_whole(plan["figures"], parts)
        left_out += n
    return left_out


def _fallbacks(extractors: list[_SourceExtractor], shortcomings: list[tuple[str, dict[str, Any]]],
               plans: list[dict[str, Any]], needs: tuple[str, ...], extraction: Extraction,
               ) -> tuple[list[tuple[str, dict[str, Any]]], list[dict[str, Any]]]:
    """A genre that needs shortcomings or plans gets candidates from anywhere, marked for review."""
    if "shortcomings" in needs and not shortcomings:
        for ex in extractors:
            for s in ex.outline.sentences:
                if _FALLBACK_WHAT.search(s.text) and len(shortcomings) < 3 and not figures_in(s.text)[0]:
                    shortcomings.append((_strip_end(s.text[runin_of(s.text):]), _provenance(ex.source, s,
                                                                        "材料中没有专门的不足部分，此句由关键词找到")))
        if not shortcomings:
            shortcomings.append((PLACEHOLDER_SHORTCOMING, {}))
            extraction.warnings.append("材料中没有找到不足与差距，已留待补充的占位")
    if "plans" in needs and not plans:
        for ex in extractors:
            tail = ex.outline.sentences[len(ex.outline.sentences) * 3 // 5:]
            for s in tail:
                if len(plans) < 3 and re.search(r"要|将|必须|继续|坚持", s.text) and 8 <= len(s.text) <= 200:
                    theme, rest = clip_theme(_strip_end(s.text))
                    text = theme + rest
                    figures = [m.text for m in figures_in(rest)[0]] + [m.text for m in figures_in(theme)[0]]
                    plans.append({"theme": theme, "measures": [rest] if rest else [],
                                  "figures": [f for f in figures if f in text],
                                  "provenance": [_provenance(ex.source, s,
                                                             "材料中没有今后打算部分，此句由“要/将”等词找到")]})
        if not plans:
            plans.append({"theme": PLACEHOLDER_PLAN, "measures": [], "figures": [], "provenance": []})
            extraction.warnings.append("材料中没有找到今后打算，已留待补充的占位")
    return shortcomings, plans

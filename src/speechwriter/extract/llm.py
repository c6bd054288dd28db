"""The LLM extractor: structured output into the facts model, every reply checked against the sources.

The sources go to the model as numbered sentences (``S1``, ``S2`` …, with their headings) inside
a ``<source>`` data block, in chunks of at most ``chunk_chars`` characters. The model answers in
the shape of :class:`ExtractionReply`, asked for through LangChain's ``with_structured_output``
(the provider's JSON schema, else function calling, else JSON mode: see
:mod:`speechwriter.engines.structured`); the engine hands back the JSON text the model wrote.

Every reply is validated before it is used: it must be JSON of that shape; each organisation id
must be one of ``--org``; each cited sentence must exist; each figure must be written in its
statement and be stated in a cited sentence (found by the validators' own quantity finder); the
result must load as facts. A reply that fails is sent back with the list of problems, for at most
``rounds`` attempts per chunk, and the attempt with the fewest problems is kept. If even that one
has problems the extraction fails and nothing is written.

Every call goes through one :class:`~speechwriter.pipeline.calls.EngineCaller`, as in drafting:
it records the call under ``.speechwriter/runs/``, caches a reply only once it passes every check,
and — with masking (脱敏: the profile's ``mask`` or ``--mask``) — replaces what
:func:`source_masker` knows in every request and unmasks the reply before the checks run.
"""

from __future__ import annotations

import asyncio
import json
import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal

from pydantic import BaseModel, Field, ValidationError

from ..engines.base import Completion, Engine, EngineError, Request, RequestKind
from ..facts import Facts, Organisation, PointStyle
from ..figures import QuantityError, find_quantities, parse_quantity
from ..masking import Masker
from ..pipeline.calls import CallStats
from .figures import figures_in, written_whole
from .limits import fit_limits
from .offline import PLACEHOLDER_PLAN, PLACEHOLDER_SHORTCOMING, Extraction, _meta
from .outline import Outline, Sentence, outline_of
from .sources import Source

if TYPE_CHECKING:
    from ..pipeline.calls import EngineCaller
    from ..workspace import Workspace

__all__ = ["ExtractionReply", "LLMOptions", "extract_with_llm", "parse_reply", "source_masker"]

MAX_SPLITS = 4  # a chunk cut off at the model's length limit is halved at most this many times


class ReplyItem(BaseModel):
    """One achievement as the model reports it."""

    org: str | None = Field(None, description="组织 id，或 null")
    statement: str = Field(..., min_length=1, description="事实陈述，数字照原句写法")
    figures: list[str] = Field(default_factory=list, description="statement 中的数字，照原样抄写")
    sentences: list[str] = Field(..., min_length=1, description="依据的句子编号，如 S12")
    review: str | None = Field(None, description="拿不准的原因，可省略")


_STYLE = ("原文给这一要点的标法：yishi（一是）、diyi（第一）、shouxian（首先）、paren（（一））、arabic（1.）、"
          "dash（——）、none（不编号的段落）；看不出时省略")


class ReplyHighlight(BaseModel):
    theme: str = Field(..., min_length=1, description="主题：材料自己的标题或要点句")
    items: list[ReplyItem] = Field(default_factory=list)
    style: PointStyle | None = Field(None, description=_STYLE)


class ReplyText(BaseModel):
    text: str = Field(..., min_length=1, description="不足或差距，一句话")
    sentences: list[str] = Field(..., min_length=1)


class ReplyPlan(BaseModel):
    theme: str = Field(..., min_length=1, description="打算的要点")
    measures: list[str] = Field(default_factory=list, description="具体措施")
    figures: list[str] = Field(default_factory=list, description="theme 或 measures 中的数字，照原样抄写")
    sentences: list[str] = Field(..., min_length=1)
    style: PointStyle | None = Field(None, description=_STYLE)


class ReplyLine(BaseModel):
    text: str = Field(..., min_length=1, description="原句或对原句的紧缩")
    sentences: list[str] = Field(..., min_length=1)


class ReplyHeading(BaseModel):
    kind: Literal["achievements", "shortcomings", "plans"] = Field(
        ..., description="这一部分讲什么：achievements（成效）、shortcomings（不足）、plans（今后打算、任务）")
    text: str = Field(..., min_length=1, max_length=60, description="原文这一部分的标题，照原文，不含序号")


class ReplyClosing(BaseModel):
    call: list[ReplyLine] = Field(default_factory=list, description="结尾部分开头单独成句的呼语（同志们！），照原文")
    wishes: list[ReplyLine] = Field(default_factory=list, description="结尾的希望与号召（让我们……、希望……）")
    requests: list[ReplyLine] = Field(default_factory=list, description="结尾的请求（请予审议、请领导批评指导）")
    thanks: list[ReplyLine] = Field(default_factory=list, description="结尾的致谢（谢谢大家）")


class ReplyPart(BaseModel):
    heading: str | None = Field(None, description="原文这一部分的标题，照原文；通篇不分部分的讲话不填")
    points: list[ReplyPlan] = Field(default_factory=list, description="这一部分的全部要点，每点的全部句子")


class ExtractionReply(BaseModel):
    """What the model returns for one chunk of sources."""

    highlights: list[ReplyHighlight] = Field(default_factory=list)
    shortcomings: list[ReplyText] = Field(default_factory=list)
    plans: list[ReplyPlan] = Field(default_factory=list)
    names: list[str] = Field(default_factory=list, description="须原样出现的品牌、项目名（不含引号）")
    opening: list[ReplyLine] = Field(default_factory=list, description="开场的话，以及讲会议本身的句子（刚才……发言）")
    context: list[ReplyLine] = Field(default_factory=list, description="今后工作的形势与背景")
    summary: list[ReplyLine] = Field(default_factory=list, description="回顾部分在第一个要点之前的总述段落")
    shortcomings_lead: list[ReplyLine] = Field(default_factory=list,
                                               description="原文引出不足的话（同时也应该看到，……还有一些不足），不含不足本身")
    headings: list[ReplyHeading] = Field(default_factory=list, description="原文一级标题（一、……）讲成效、不足、打算的各部分")
    summing_up: list[ReplyLine] = Field(default_factory=list,
                                        description="成效之后归功、致谢的段落（成绩的取得，是……的结果）")
    closing: ReplyClosing = Field(default_factory=ReplyClosing)
    parts: list[ReplyPart] = Field(default_factory=list,
                                   description="原文自有、不属于成效/不足/打算的部分（如：加强政府自身建设），照原文顺序")


@dataclass
class LLMOptions:
    """How the LLM extractor works."""

    chunk_chars: int = 6000
    rounds: int = 3  # attempts per chunk: the first request and up to rounds-1 re-asks
    concurrency: int = 4
    mask: tuple[str, ...] | None = None  # 脱敏 kinds (speechwriter.masking.MASK_KINDS); None: the profile decides


@dataclass
class _Chunk:
    index: int
    sentences: list[tuple[str, Source, Sentence, str]]  # id, source, sentence, heading path
    part: str = ""  # "a", "b", "ab" … for halves of a chunk whose reply was cut off

    @property
    def label(self) -> str:
        return f"chunk{self.index}{self.part}"

    def halves(self) -> tuple[_Chunk, _Chunk]:
        middle = len(self.sentences) // 2
        return (_Chunk(self.index, self.sentences[:middle], self.part + "a"),
                _Chunk(self.index, self.sentences[middle:], self.part + "b"))

    @property
    def ids(self) -> dict[str, tuple[Source, Sentence]]:
        return {sid: (src, s) for sid, src, s, _ in self.sentences}

    def where(self) -> str:
        first, last = self.sentences[0], self.sentences[-1]
        if first[1] is last[1]:
            return f"{first[1].name}:{first[2].line}–{last[2].line}"
        return f"{first[1].name}:{first[2].line}–{last[1].name}:{last[2].line}"


@dataclass
class _Outcome:
    reply: ExtractionReply | None
    errors: list[str]
    text: str


def _heading_path(outline: Outline, sentence: Sentence) -> str:
    return " / ".join(n.theme for n in reversed(outline.chain(sentence.node)) if n.theme)


def _chunks(sources: list[Source], chunk_chars: int) -> list[_Chunk]:
    chunks: list[_Chunk] = []
    current: list[tuple[str, Source, Sentence, str]] = []
    size = 0
    n = 0
    for source in sources:
        outline = outline_of(source)
        for s in outline.sentences:
            n += 1
            if current and size + len(s.text) > chunk_chars:
                chunks.append(_Chunk(len(chunks) + 1, current))
                current, size = [], 0
            current.append((f"S{n}", source, s, _heading_path(outline, s)))
            size += len(s.text)
        if current and len(sources) > 1:  # one organisation's report per chunk where it fits
            chunks.append(_Chunk(len(chunks) + 1, current))
            current, size = [], 0
    if current:
        chunks.append(_Chunk(len(chunks) + 1, current))
    return chunks


# --- reading and checking a reply ------------------------------------------------------------------

_FENCED = re.compile(r"```(?:json)?\s*(\{.*\})\s*```", re.S)


def parse_reply(text: str) -> tuple[ExtractionReply | None, list[str]]:
    """The reply as :class:`ExtractionReply`: JSON, or JSON inside text or a code fence."""
    candidates = [text.strip()]
    m = _FENCED.search(text)
    if m:
        candidates.append(m.group(1))
    if "{" in text and "}" in text:
        candidates.append(text[text.find("{"):text.rfind("}") + 1])
    data: Any = None
    error = "回复为空"
    for c in candidates:
        try:
            data = json.loads(c)
            break
        except json.JSONDecodeError as exc:
            error = f"回复不是合法的 JSON（第 {exc.lineno} 行第 {exc.colno} 列：{exc.msg}）"
    else:
        return None, [error]
    if not isinstance(data, dict):
        return None, ["回复的顶层应为 JSON 对象"]
    try:
        return ExtractionReply.model_validate(data), []
    except ValidationError as exc:
        out = []
        for err in exc.errors(include_url=False)[:8]:
            loc = ".".join(str(p) for p in err["loc"])
            out.append(f"{loc}：{_pydantic_message(err)}")
        return None, out


def _pydantic_message(err: dict[str, Any]) -> str:
    return {"missing": "缺少必填字段", "string_type": "应为文本", "list_type": "应为列表",
            "too_short": "不能为空", "string_too_short": "不能为空", "extra_forbidden": "未知字段",
            "model_type": "应为对象"}.get(err["type"], str(err["msg"]))


def _states(sentence: str, raw: str) -> bool:
    try:
        q = parse_quantity(raw)
    except QuantityError:
        return False
    return any(m.quantity.matches(q) and m.quantity.high == q.high for m in find_quantities(sentence))


def check_reply(reply: ExtractionReply, chunk: _Chunk, org_ids: set[str]) -> list[str]:
    """Every problem of a parsed reply, as Chinese lines the model can act on."""
    errors: list[str] = []
    ids = chunk.ids
    known = "、".join(sorted(org_ids)) or "（未定义组织，只能填 null）"

    def cited(path: str, sentences: list[str]) -> list[str]:
        texts = []
        for sid in sentences:
            if sid not in ids:
                errors.append(f"{path}.sentences：不存在的句子编号「{sid}」")
            else:
                texts.append(ids[sid][1].text)
        return texts

    def figures(path: str, raws: list[str], text: str, sources: list[str]) -> None:
        for k, raw in enumerate(raws):
            where = f"{path}.figures[{k}]"
            try:
                parse_quantity(raw)
            except QuantityError:
                errors.append(f"{where}：「{raw}」不是数字")
                continue
            if raw not in text:
                errors.append(f"{where}：数字「{raw}」没有原样出现在 statement（或 theme、measures）中")
            if sources and not any(_states(s, raw) for s in sources):
                elsewhere = next((sid for sid, (_, s) in ids.items() if _states(s.text, raw)), None)
                if elsewhere:
                    errors.append(f"{where}：数字「{raw}」不在所引句子中（见于 {elsewhere}），请改正 sentences")
                else:
                    errors.append(f"{where}：数字「{raw}」在材料中找不到，不得编造或换算数字")

    for h, hl in enumerate(reply.highlights):
        for i, item in enumerate(hl.items):
            path = f"highlights[{h}].items[{i}]"
            if item.org is not None and item.org not in org_ids:
                errors.append(f"{path}.org：未知的组织 id「{item.org}」，可用：{known}")
            figures(path, item.figures, item.statement, cited(path, item.sentences))
    for n, sc in enumerate(reply.shortcomings):
        cited(f"shortcomings[{n}]", sc.sentences)
    paths = "\n".join(path for _, _, _, path in chunk.sentences)
    for n, heading in enumerate(reply.headings):  # a heading cites no sentence: it must be one of the source's
        if heading.text.strip() not in paths:
            errors.append(f"headings[{n}].text：「{heading.text}」不是 <source> 中的标题，请照原文标题抄写")
    for p, plan in enumerate(reply.plans):
        path = f"plans[{p}]"
        figures(path, plan.figures, plan.theme + "".join(plan.measures), cited(path, plan.sentences))
    for k, part in enumerate(reply.parts):
        for p, plan in enumerate(part.points):
            path = f"parts[{k}].points[{p}]"
            figures(path, plan.figures, plan.theme + "".join(plan.measures), cited(path, plan.sentences))
    lines = [("opening", reply.opening), ("context", reply.context), ("summary", reply.summary),
             ("summing_up", reply.summing_up), ("shortcomings_lead", reply.shortcomings_lead),
             ("closing.call", reply.closing.call), ("closing.wishes", reply.closing.wishes),
             ("closing.requests", reply.closing.requests), ("closing.thanks", reply.closing.thanks)]
    for name, values in lines:
        for n, line in enumerate(values):
            cited(f"{name}[{n}]", line.sentences)
    return errors


# --- the run ---------------------------------------------------------------------------------------

class _Extractor:
    def __init__(self, caller: EngineCaller, library: Any, organisations: list[Organisation], genre_name: str,
                 options: LLMOptions, recorder: Any, n_chunks: int) -> None:
        self.caller = caller
        self.library = library
        self.organisations = organisations
        self.org_ids = {o.id for o in organisations}
        self.genre_name = genre_name
        self.options = options
        self.recorder = recorder
        self.n_chunks = n_chunks
        self.rounds: dict[str, int] = {}
        self.methods: dict[str, int] = {}  # structured-output method → replies it gave
        self.semaphore = asyncio.Semaphore(max(1, options.concurrency))

    def _render(self, name: str, context: dict[str, Any]) -> str:
        self.library.find(name)  # a clear error naming the template when it is missing
        return self.library.env.get_template(name).render(**context).strip()

    def messages(self, chunk: _Chunk) -> list[dict[str, str]]:
        from ..datablock import data_block

        source = {"organisations": [{"id": o.id, "name": o.name, "short": o.short_name} for o in self.organisations],
                  "sentences": [{"id": sid, "file": src.name, "heading": heading, "text": s.text}
                                for sid, src, s, heading in chunk.sentences]}
        context = {"genre_name": self.genre_name, "chunk": chunk.index, "chunks": self.n_chunks,
                   "source_block": data_block("source", source), "masked": self.caller.masker is not None,
                   "schema_block": json.dumps(ExtractionReply.model_json_schema(), ensure_ascii=False)}
        return [{"role": "system", "content": self._render("extract/system.j2", context)},
                {"role": "user", "content": self._render("extract/user.j2", context)}]

    def judge(self, text: str, finish_reason: str, chunk: _Chunk) -> _Outcome:
        """The reply read and checked: the schema, the sources, the facts model, placeholders left."""
        reply, errors = parse_reply(text)
        if reply is not None:
            errors = check_reply(reply, chunk, self.org_ids) + _facts_problems(reply, chunk, self)
        if self.caller.masker is not None:
            errors += [f"占位符「{p}」不是材料中给出的，请照材料中的占位符原样抄写" for p in
                       dict.fromkeys(Masker.placeholders_in(text))]
        if finish_reason == "length":
            errors = ["回复超出长度上限被截断；请精简 statement，只输出 JSON", *errors]
        return _Outcome(reply, errors, text)

    async def ask(self, chunk: _Chunk, kind: RequestKind, convo: list[dict[str, str]]) -> tuple[_Outcome, bool]:
        """The checked reply, and whether the model was cut off at its length limit.

        The call goes through the run's :class:`EngineCaller` (masking, cache, run record); the
        cache keeps a reply only when it passes every check.
        """
        judged: dict[str, _Outcome] = {}

        def accept(completion: Completion) -> bool:
            outcome = self.judge(completion.text, completion.finish_reason, chunk)
            judged[completion.text] = outcome
            return not outcome.errors

        request = Request(kind=kind, section=chunk.label, json_schema=ExtractionReply)
        async with self.semaphore:  # inside it, so a refused JSON schema is known to the next request
            completion = await self.caller.call(convo, request, accept=accept)
        if completion.structured:
            self.methods[completion.structured] = self.methods.get(completion.structured, 0) + 1
        outcome = judged.get(completion.text) or self.judge(completion.text, completion.finish_reason, chunk)
        return outcome, completion.finish_reason == "length"

    async def run_chunk(self, chunk: _Chunk) -> ExtractionReply:
        messages = self.messages(chunk)
        best: _Outcome | None = None
        convo = list(messages)
        for attempt in range(1, max(1, self.options.rounds) + 1):
            outcome, cut = await self.ask(chunk, "extract" if attempt == 1 else "repair", convo)
            if cut and len(chunk.sentences) > 1 and len(chunk.part) < MAX_SPLITS:
                # The answer outgrew the model's output limit: ask for each half instead.
                if self.recorder is not None:
                    self.recorder.record_call(chunk.label, "split", {
                        "status": "split", "latency_ms": 0.0, "usage": {},
                        "problems": ["回复超出长度上限被截断，改为分两半抽取"]})
                first, second = chunk.halves()
                replies = await asyncio.gather(self.run_chunk(first), self.run_chunk(second))
                return _joined(replies)
            errors = outcome.errors
            if self.recorder is not None and errors:
                self.recorder.record_call(chunk.label, "rejected", {
                    "status": "rejected", "attempt": attempt, "problems": errors, "latency_ms": 0.0, "usage": {}})
            if best is None or (outcome.reply is not None and (best.reply is None
                                                               or len(errors) < len(best.errors))):
                best = outcome
            if not errors:
                self.rounds[chunk.label] = attempt
                return outcome.reply  # type: ignore[return-value]
            from ..datablock import data_block

            # The errors quote the reply (numbers, names): data, so fenced and masked like the sources.
            repair = self._render("extract/repair.j2", {"errors": errors[:20],
                                                         "errors_block": data_block("errors", errors[:20])})
            convo = [*convo, {"role": "assistant", "content": outcome.text}, {"role": "user", "content": repair}]
        assert best is not None
        more = f"（共 {len(best.errors)} 个问题）" if len(best.errors) > 1 else ""
        raise EngineError(f"第 {chunk.index} 段材料（{chunk.where()}）经过 {self.options.rounds} 轮仍未得到"
                          f"合格的抽取结果：{best.errors[0]}{more}；未写出任何文件")


def _joined(replies: list[ExtractionReply] | tuple[ExtractionReply, ...]) -> ExtractionReply:
    """One reply made of the replies for the halves of a chunk (merged later like chunks)."""
    return ExtractionReply(highlights=[h for r in replies for h in r.highlights],
                           shortcomings=[s for r in replies for s in r.shortcomings],
                           plans=[p for r in replies for p in r.plans],
                           names=[n for r in replies for n in r.names])


def _facts_problems(reply: ExtractionReply, chunk: _Chunk, extractor: _Extractor) -> list[str]:
    """The reply as facts must load (``facts check``): run it through the facts model."""
    data = _to_facts_data([(reply, chunk)], extractor.organisations)
    data["meta"] = {"title": "抽取", "speaker": {"role": "校验"}, "addressees": ["同志们"]}
    try:
        Facts.model_validate(data)
    except ValidationError as exc:
        err = exc.errors(include_url=False)[0]
        return [f"{'.'.join(str(p) for p in err['loc'])}：{err['msg']}"]
    return []


def _provenance(chunk: _Chunk, sentence_ids: list[str], review: str | None) -> list[dict[str, Any]]:
    out = []
    for sid in sentence_ids:
        if sid in chunk.ids:
            src, s = chunk.ids[sid]
            entry: dict[str, Any] = {"file": src.name, "line": s.line, "sentence": s.text}
            if review:
                entry["review"] = f"模型标注：{review}"
            out.append(entry)
    return out


def _plan_data(plan: ReplyPlan, chunk: _Chunk) -> dict[str, Any]:
    return {"theme": plan.theme.strip(), "measures": list(plan.measures),
            "figures": written_whole(list(plan.figures), [plan.theme, *plan.measures])[0],
            "provenance": _provenance(chunk, plan.sentences, None), **_style(plan.style)}


def _style(style: str | None) -> dict[str, str]:
    return {"style": style} if style else {}


def _lines_data(replies: list[tuple[ExtractionReply, _Chunk]], plans_section: str | None,
                headed: dict[str, str] | None = None) -> dict[str, Any]:
    """Opening, context, closing, the source's headings and the parts of its own, in the order of the chunks."""
    def texts(get: Any) -> list[str]:
        return list(dict.fromkeys(x.text.strip() for reply, _ in replies for x in get(reply) if x.text.strip()))

    closing: dict[str, Any] = {k: texts(lambda r, k=k: getattr(r.closing, k)) for k in ("wishes", "requests", "thanks")}
    calls = texts(lambda r: r.closing.call)
    if calls and any(closing.values()):
        closing = {"call": calls[-1], **closing}  # the last call opens the closing
    leads = texts(lambda r: r.shortcomings_lead)
    headings = {}
    for kind, section in (headed or {}).items():
        named = list(dict.fromkeys(h.text.strip() for reply, _ in replies for h in reply.headings if h.kind == kind))
        if len(named) == 1:  # two parts of one kind: neither heading names the whole
            headings[section] = named[0]
    parts: dict[str, dict[str, Any]] = {}
    for reply, chunk in replies:
        for part in reply.parts:
            heading = (part.heading or "").strip()  # '' : a speech not divided into parts, one part without a heading
            target = parts.setdefault(heading, {"heading": heading or None, "after": plans_section, "points": []})
            target["points"] += [_plan_data(p, chunk) for p in part.points]
    joined = {k: "".join(t.rstrip("。") + "。" for t in texts(lambda r, k=k: getattr(r, k))).rstrip("。")
              for k in ("summary", "summing_up")}
    return {**{k: v for k, v in joined.items() if v},
            **({"shortcomings_lead": leads[0]} if leads else {}), **({"headings": headings} if headings else {}),
            "opening": texts(lambda r: r.opening), "context": texts(lambda r: r.context),
            "closing": {k: v for k, v in closing.items() if v},
            "parts": [p for p in parts.values() if p["points"]]}


def _to_facts_data(replies: list[tuple[ExtractionReply, _Chunk]], organisations: list[Organisation]) -> dict[str, Any]:
    highlights: dict[str, dict[str, Any]] = {}
    plans: dict[str, dict[str, Any]] = {}
    shortcomings: dict[str, None] = {}
    names: dict[str, None] = {}
    for reply, chunk in replies:
        for hl in reply.highlights:
            target = highlights.setdefault(hl.theme.strip(), {"theme": hl.theme.strip(), "items": [],
                                                              **_style(hl.style)})
            for item in hl.items:
                target["items"].append({"org": item.org, "statement": item.statement,
                                    "figures": written_whole(list(item.figures), [item.statement])[0],
                                        "provenance": _provenance(chunk, item.sentences, item.review)})
        for sc in reply.shortcomings:
            shortcomings.setdefault(sc.text.strip(), None)
        for plan in reply.plans:
            target = plans.setdefault(plan.theme.strip(), {"theme": plan.theme.strip(), "measures": [], "figures": [],
                                                           "provenance": [], **_style(plan.style)})
            target["measures"] += plan.measures
            target["figures"] += written_whole(list(plan.figures), [plan.theme, *plan.measures])[0]
            target["provenance"] += _provenance(chunk, plan.sentences, None)
        for name in reply.names:
            if name.strip():
                names.setdefault(name.strip().strip("“”\"「」"), None)
    return {"organisations": [o.model_dump(exclude_defaults=True) for o in organisations],
            "highlights": [h for h in highlights.values() if h["items"]],
            "names": [n for n in names if n], "shortcomings": list(shortcomings), "plans": list(plans.values())}


def source_masker(sources: list[Source], organisations: list[Organisation], kinds: tuple[str, ...]) -> Masker:
    """What ``facts extract`` can mask (脱敏) before the sources leave: what the offline finder knows.

    figures: every number the offline finder reads as a figure in the sources' sentences
    (:func:`.figures.figures_in`); organisations: the ``--org`` names, short names and aliases;
    places: the place name that opens one of those names (青禾县农业农村局 → 青禾县); people: the
    speaker named in a source's role-and-name line above the salutation. Everything else in the
    sources' free text (other people's names, dates, ordinals, unnamed organisations) goes out as it is.
    """
    from ..masking import leading_place
    from .meta import read_preamble

    values: list[tuple[str, str]] = []
    for org in organisations:
        values += [("organisations", name) for name in org.spellings]
        values += [("places", place) for place in (leading_place(n) for n in org.spellings) if place]
    for source in sources:
        name = read_preamble([b.text for b in source.blocks[:12]]).speaker_name
        if name:
            values.append(("people", name.replace(" ", "").replace("\u3000", "")))
        for s in outline_of(source).sentences:
            values += [("figures", m.text) for m in figures_in(s.text)[0]]
    return Masker.from_values(kinds, values)


def extract_with_llm(sources: list[Source], organisations: list[Organisation], *, genre: str,
                     needs: tuple[str, ...], engine: Engine, workspace: Workspace,
                     options: LLMOptions | None = None, use_cache: bool = True,
                     ) -> tuple[Extraction, str, str | None]:
    """Extract with an LLM; returns the extraction, the engine's label and the run id."""
    from ..engines.base import run_sync
    from ..files import write_text_atomic
    from ..pipeline.calls import EngineCaller
    from ..pipeline.runs import RunRecorder

    options = options or LLMOptions()
    library = workspace.library()
    blueprint = library.blueprint(genre)
    chunks = _chunks(sources, options.chunk_chars)
    info = engine.describe()
    kinds = tuple(options.mask) if options.mask is not None else engine.masking
    masker = source_masker(sources, organisations, kinds) if kinds and not engine.rule_based else None
    recorder = RunRecorder.create({
        "kind": "extract", "genre": genre, "sources": [s.name for s in sources],
        "engine": {"name": info.name, "model": info.model, "base_url": info.base_url, "profile": info.profile,
                   **({"settings": engine.public_settings()} if engine.public_settings() else {})},
        "options": {k: (list(v) if isinstance(v, tuple) else v) for k, v in options.__dict__.items()},
        "chunks": len(chunks),
        **({"masked": {"kinds": list(masker.kinds), "values": len(masker.forward)}} if masker is not None else {}),
    }, workspace.runs_dir)
    engine.warm()

    async def run_all(extractor: _Extractor) -> list[ExtractionReply]:
        return list(await asyncio.gather(*(extractor.run_chunk(c) for c in chunks)))

    with workspace.reply_cache(use_cache) as cache:
        caller = EngineCaller(engine, continuation=library.continuation_message(), cache=cache, recorder=recorder,
                              masker=masker, on_warning=workspace.warn)
        extractor = _Extractor(caller, library, organisations, blueprint.name, options, recorder, len(chunks))
        try:
            replies = run_sync(run_all(extractor))
        except BaseException as exc:
            failed = isinstance(exc, EngineError)
            recorder.save_meta(status="failed" if failed else "interrupted", error=str(exc) if failed else None,
                               usage=_usage(caller.stats))
            raise
    extraction = Extraction({})
    pairs = list(zip(replies, chunks, strict=True))
    data = _to_facts_data(pairs, organisations)
    data.update(_lines_data(pairs, next((s.id for s in blueprint.sections if s.role == "plans"), None),
                            blueprint.headed_sections() if len(sources) == 1 else None))
    fit_limits(data["highlights"], data["plans"], {"names": data["names"], "shortcomings": data["shortcomings"],
                                                   "opening": data["opening"], "context": data["context"],
                                                   **data["closing"]},
               extraction.warnings, more_plans=[p for part in data["parts"] for p in part["points"]])
    for key in ("parts", "closing", "opening", "context"):
        if not data[key]:
            del data[key]
    for h, hl in enumerate(data["highlights"]):
        if hl.pop("_review", None):
            extraction.comment(("highlights", h, "theme"), "待核：由相邻几部分合并，请提炼主题")
    for h, hl in enumerate(data["highlights"]):
        for i, item in enumerate(hl["items"]):
            for r in sorted({p["review"] for p in item["provenance"] if p.get("review")}):
                extraction.comment(("highlights", h, "items", i), f"待核：{r}")
    _needs(data, needs, extraction)
    outlines = [outline_of(s) for s in sources]
    chars = sum(len(s.text) for o in outlines for s in o.sentences)  # the draft is as long as the source
    extraction.data = {"meta": _meta(outlines, organisations, genre, blueprint.name, extraction, chars), **data,
                       "notes": [f"本文件由 speechwriter facts extract 调用大模型 {info.model} 抽取，每个数字都已核对"
                                 f"在所引原句中；来源：{'、'.join(s.name for s in sources)}。标有「待核」「待填」的地方请逐项核对。"
                                 + (f"发出前已脱敏（{'、'.join(masker.kinds)}，{len(masker.forward)} 处名称和数字换成占位符；"
                                    "材料的其余文字照原样发出）。" if masker is not None else "")]}
    write_text_atomic(recorder.folder / "extraction.json", json.dumps(extraction.data, ensure_ascii=False, indent=2))
    recorder.save_meta(status="ok", usage=_usage(caller.stats), rounds=extractor.rounds,
                       structured_output=extractor.methods)
    return extraction, f"{info.name}:{info.model}", recorder.id


def _usage(stats: CallStats) -> dict[str, int]:
    return {k: stats.as_dict()[k] for k in ("calls", "cache_hits", "prompt_tokens", "completion_tokens")}


def _needs(data: dict[str, Any], needs: tuple[str, ...], extraction: Extraction) -> None:
    if "shortcomings" in needs and not data["shortcomings"]:
        data["shortcomings"] = [PLACEHOLDER_SHORTCOMING]
        extraction.comment(("shortcomings", 0), "待填：材料中没有找到，请据实填写")
        extraction.warnings.append("模型没有抽出不足与差距，已留待补充的占位")
    if "plans" in needs and not data["plans"]:
        data["plans"] = [{"theme": PLACEHOLDER_PLAN, "measures": [], "figures": [], "provenance": []}]
        extraction.comment(("plans", 0), "待填：材料中没有找到，请据实填写")
        extraction.warnings.append("模型没有抽出今后打算，已留待补充的占位")
    if "highlights" in needs and not data["highlights"]:
        raise EngineError("模型没有从材料中抽出任何带出处的成效事项，未写出文件")

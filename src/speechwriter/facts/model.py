"""Facts files: the structured input every speech is built from.

A facts file (YAML, JSON or TOML) holds what the speech may say and nothing else: who speaks to
whom, which organisations did what, the figures they achieved (kept exactly as written and parsed
once at load time), the names that must appear verbatim, shortcomings, plans and closing words.

``load_facts(path)`` is the one entry point; every problem in the file becomes a single
:class:`~speechwriter.errors.InputError` naming the file, line, column and field.
"""

from __future__ import annotations

import datetime as dt
import difflib
import hashlib
import json
import re
from collections.abc import Callable, Collection, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal, Union, get_args, get_origin

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    PrivateAttr,
    ValidationError,
    computed_field,
    field_validator,
    model_validator,
)

from ..errors import InputError
from ..figures.quantities import (
    NOT_QUALIFIER_BEFORE,
    PREFIX_QUALIFIERS,
    SUFFIX_QUALIFIERS,
    Quantity,
    QuantityError,
    parse_figure,
)
from ..files import CONTROL_CHARACTERS, read_text

__all__ = [
    "SUPPORTED_SUFFIXES",
    "Closing",
    "Facts",
    "Figure",
    "FigureRef",
    "Highlight",
    "Item",
    "Meta",
    "NamedThing",
    "Organisation",
    "Part",
    "Plan",
    "PointStyle",
    "Provenance",
    "Speaker",
    "TargetLength",
    "check_facts",
    "dropped_qualifier",
    "facts_json_schema",
    "load_facts",
    "parse_facts",
]

SUPPORTED_SUFFIXES = (".yaml", ".yml", ".json", ".toml")

# Bounds on what a facts file may hold, so hostile or runaway input fails at once with a clear
# line instead of hanging the loader or the drafting (a speech never needs more than this).
MAX_DEPTH = 24  # nesting levels, aliases included (the schema itself needs 6)
MAX_NODES = 50_000  # values after alias expansion
MAX_NUMBER_DIGITS = 64  # longer integers are an error, not a 4,300-digit conversion
MAX_COUNTS = {"highlights": 40, "highlights.items": 400, "figures": 1000, "plans": 40, "parts": 20, "organisations": 100,
              "names": 200, "honours": 200, "list": 200}
DEFAULT_CHARS_PER_MINUTE = 240


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


def _string_or_object(schema: dict[str, Any]) -> None:
    """JSON-schema hook: the model may also be written as a plain string (its first field)."""
    obj = dict(schema)
    schema.clear()
    schema["anyOf"] = [{"type": "string"}, obj]
    for key in ("title", "description"):
        if key in obj:
            schema[key] = obj[key]


class Speaker(_Model):
    """Who delivers the speech."""

    name: str | None = Field(None, description="讲话人姓名，可省略")
    role: str = Field(..., min_length=1, description="讲话人身份或职务，如：市委分管领导")


class TargetLength(_Model):
    """Target length, in characters or speaking minutes (one of the two)."""

    chars: int | None = Field(None, gt=0, le=100_000, description="目标字数")
    minutes: float | None = Field(None, gt=0, le=300, description="目标讲话时长（分钟）")

    @field_validator("chars", "minutes", mode="before")
    @classmethod
    def _not_a_switch(cls, value: Any) -> Any:
        if isinstance(value, bool):  # pydantic would read true as 1: 「目标 1 字」
            raise ValueError("应为数字（字数或分钟数），不能是 true/false")
        return value

    @model_validator(mode="after")
    def _one_of(self) -> TargetLength:
        if self.chars is None and self.minutes is None:
            raise ValueError("chars 与 minutes 至少填写一项")
        return self

    def resolved_chars(self, chars_per_minute: int = DEFAULT_CHARS_PER_MINUTE) -> int:
        """Target in characters; minutes are converted at ``chars_per_minute``."""
        if self.chars is not None:
            return self.chars
        assert self.minutes is not None
        return round(self.minutes * chars_per_minute)


class Meta(_Model):
    """What the speech is, who gives it, to whom and when."""

    genre: str = Field("work_report", description="文种（蓝图 id）：work_report、leader_speech、"
                       "duty_report、annual_summary 或自定义蓝图")
    title: str = Field(..., min_length=1, description="标题")
    speaker: Speaker
    occasion: str | None = Field(None, description="场合，如：市政协视察工青妇组织工作汇报会")
    addressees: list[str] = Field(..., min_length=1, description="称呼对象，按顺序，如：光源主席、同志们")
    honorific: str = Field("尊敬的", description="称呼前的敬语；不需要时写空字符串")
    salutation: str | None = Field(None, description="完整称呼行；不填则由 honorific 和 addressees 生成")
    date: dt.date | None = Field(None, description="讲话日期，YYYY-MM-DD")
    period: str | None = Field(None, description="所总结的时期，如：四年来、2022年")
    target: TargetLength = Field(default_factory=lambda: TargetLength(chars=3000),
                                 description="目标长度")

    @property
    def salutation_line(self) -> str:
        """The salutation as it opens the speech, e.g. ``尊敬的光源主席、同志们：``."""
        line = self.salutation or self.honorific + "、".join(self.addressees)
        return line if line.endswith(("：", ":")) else line + "："


class Organisation(_Model):
    """A body whose work the speech reports (工会, 团委, 妇联 …)."""

    id: str = Field(..., pattern=r"^[A-Za-z0-9_\-\u4e00-\u9fff]+$", description="引用用的 id")
    name: str = Field(..., min_length=1, description="全称，如：**市总工会")
    short: str | None = Field(None, description="简称，如：工会；不填则同全称")
    aliases: list[str] = Field(default_factory=list, description="其他写法")

    @property
    def short_name(self) -> str:
        return self.short or self.name

    @property
    def spellings(self) -> list[str]:
        """Every way the draft may name this organisation, longest first."""
        names = {self.name, self.short_name, *self.aliases}
        return sorted(names, key=len, reverse=True)


class Figure(_Model):
    """A number the speech states, kept as written plus its parsed value, unit and qualifier.

    May be written as a plain string (``"1500余万元"``) or as an object.
    """

    model_config = ConfigDict(json_schema_extra=_string_or_object)

    raw: str = Field(..., min_length=1, description="原文写法，如：1500余万元、两次、数千名")
    required: bool = Field(True, description="稿件是否必须写出这个数字")
    _quantity: Quantity = PrivateAttr()
    _parts: tuple[Quantity, ...] = PrivateAttr(())

    @model_validator(mode="before")
    @classmethod
    def _from_string(cls, data: Any) -> Any:
        if isinstance(data, (str, int, float)) and not isinstance(data, bool):
            return {"raw": str(data)}
        if isinstance(data, dict) and "raw" in data:
            # value/unit/qualifier are derived from raw; a dumped Figure loads back unchanged.
            return {k: v for k, v in data.items() if k not in ("value", "unit", "qualifier")}
        return data

    @model_validator(mode="after")
    def _parse(self) -> Figure:
        try:
            parts = parse_figure(self.raw)
        except QuantityError as exc:
            raise ValueError(f"无法解析数字「{self.raw}」：{exc}") from None
        self._quantity, self._parts = parts[0], tuple(parts)
        return self

    @property
    def parts(self) -> tuple[Quantity, ...]:
        """Every quantity of the figure: one, or each part of a compound such as 301户611人."""
        return self._parts

    @property
    def quantity(self) -> Quantity:
        """The parsed form, computed once when the file was loaded."""
        return self._quantity

    @computed_field  # type: ignore[prop-decorator]
    @property
    def value(self) -> str:
        """Parsed value with magnitude applied, as a decimal string."""
        return format(self._quantity.value, "f")

    @computed_field  # type: ignore[prop-decorator]
    @property
    def unit(self) -> str:
        return self._quantity.unit

    @computed_field  # type: ignore[prop-decorator]
    @property
    def qualifier(self) -> str:
        return self._quantity.qualifier


class Provenance(_Model):
    """Where an extracted fact came from: the source file, its line and the sentence itself.

    Written by ``facts extract`` for the reviewer and checked by ``facts check --sources``. It is
    excluded from dumps (``exclude=True``), so it never reaches a prompt or a draft.
    """

    file: str = Field(..., min_length=1, description="来源材料文件（抽取时给出的路径）")
    line: int = Field(..., ge=1, description="来源所在行号（.docx 为段落序号），从 1 开始")
    sentence: str = Field(..., min_length=1, description="来源原句，照原文抄录")
    review: str | None = Field(None, description="需要人工核对的原因；核对无误后删去此项")


def _provenance_field() -> Any:
    return Field(default_factory=list, exclude=True,
                 description="出处：来源文件、行号和原句（facts extract 生成，facts check --sources 核对）")


class Item(_Model):
    """One concrete achievement: which organisation, what it did, the figures it states."""

    org: str | None = Field(None, description="组织 id（见 organisations）；全局性事项可不填")
    statement: str = Field(..., min_length=1, description="事实陈述，数字照原样写在其中")
    figures: list[Figure] = Field(default_factory=list, description="陈述中的数字，原样抄写")
    provenance: list[Provenance] = _provenance_field()


# How the source marked a point: 一是 (yishi), 第一 (diyi), 首先 (shouxian), （一） (paren), 1. (arabic),
# —— (dash), or a plain paragraph (none). The draft keeps it; unset, the genre's style applies.
PointStyle = Literal["yishi", "diyi", "shouxian", "paren", "arabic", "dash", "none"]
_STYLE_DESCRIPTION = ("原文给这一要点的标法：yishi（一是）、diyi（第一）、shouxian（首先）、paren（（一））、arabic（1.）、"
                      "dash（——）、none（不编号的段落）；撰稿时照原文，不填则用文种的标法")


class Highlight(_Model):
    """A theme (一是…) with the items that prove it."""

    theme: str = Field(..., min_length=1, description="主题句，如：争先创优取得了领先地位")
    lead: str | None = Field(None, description="主题后的概括语，可省略")
    items: list[Item] = Field(default_factory=list)
    style: PointStyle | None = Field(None, description=_STYLE_DESCRIPTION)


class NamedThing(_Model):
    """A name that must appear verbatim: a brand, project, programme or honour.

    May be written as a plain string.
    """

    model_config = ConfigDict(json_schema_extra=_string_or_object)

    text: str = Field(..., min_length=1, description="名称原文，不含引号")
    kind: Literal["brand", "project", "honour", "term", "law", "other"] = "brand"
    quoted: bool = Field(True, description="稿件中是否加引号")
    required: bool = Field(True, description="稿件是否必须出现")
    org: str | None = Field(None, description="所属组织 id，可省略")

    @model_validator(mode="before")
    @classmethod
    def _from_string(cls, data: Any) -> Any:
        if isinstance(data, str):
            return {"text": data}
        return data


class Plan(_Model):
    """A point of the plans section: theme and measures ((一)发挥…作用，在…上争做…)."""

    theme: str = Field(..., min_length=1, description="要点主题，如：发挥聚合作用，在促进发展上争做表率")
    measures: list[str] = Field(default_factory=list, description="具体措施")
    figures: list[Figure] = Field(default_factory=list, description="措施或主题中的数字（目标值等）")
    lead: bool = Field(False, description="原文在列出要点之前的概述或目标（如主要预期目标）：撰稿时写在要点之前，"
                                          "不编号，不计入“几个方面”的数目")
    style: PointStyle | None = Field(None, description=_STYLE_DESCRIPTION)
    provenance: list[Provenance] = _provenance_field()


class Part(_Model):
    """A part of the source's own that fits no section of the genre (政府自身建设, 需要说明的几个问题):
    kept with its heading and points, and drafted as a section of its own where the source had it."""

    heading: str | None = Field(None, min_length=1, description="这一部分的标题，如：加强政府自身建设；"
                                "原文没有标题的讲话（通篇不分部分）不填，稿件也不加标题")
    after: str | None = Field(None, pattern=r"^[a-z][a-z0-9_]*$",
                              description="排在蓝图哪个章节之后（章节 id）；不填则排在结束语之前")
    points: list[Plan] = Field(default_factory=list, description="这一部分的要点：主题和全部句子")


class Closing(_Model):
    """How the speech ends."""

    call: str | None = Field(None, description="结尾部分开头的呼语，如：同志们！")
    wishes: list[str] = Field(default_factory=list, description="希望与号召")
    requests: list[str] = Field(default_factory=list, description="请求，如：请领导批评指导")
    thanks: list[str] = Field(default_factory=list, description="致谢，如：谢谢大家")


@dataclass(frozen=True, slots=True)
class FigureRef:
    """Where a figure sits in the facts: for messages and attribution checks."""

    figure: Figure
    org: str | None
    path: str
    text: str


_HEADING_NUMBER = re.compile(r"^(?:[一二三四五六七八九十]+、|[（(][一二三四五六七八九十]+[）)]|[0-9]+[.．、])")


class Facts(_Model):
    """Everything a speech is built from. The contract between input, engines and validators."""

    meta: Meta
    organisations: list[Organisation] = Field(default_factory=list)
    opening: list[str] = Field(default_factory=list, description="开场要说的话（欢迎、感谢、说明身份）")
    summary: str | None = Field(None, description="成效部分的总述")
    highlights: list[Highlight] = Field(default_factory=list, description="成效亮点（一是…二是…）")
    names: list[NamedThing] = Field(default_factory=list, description="必须原样出现的品牌、项目名")
    honours: list[NamedThing] = Field(default_factory=list, description="荣誉与奖项")
    summing_up: str | None = Field(None, description="成效之后的总结语")
    shortcomings_lead: str | None = Field(None, description="原文引出不足的话，如：同时也应该看到，工作中还有很多不尽如意的地方；"
                                      "撰稿时代替通用的引语")
    shortcomings: list[str] = Field(default_factory=list, description="不足与差距")
    context: list[str] = Field(default_factory=list, description="今后工作的形势与背景")
    plans: list[Plan] = Field(default_factory=list, description="今后的思路和打算")
    parts: list[Part] = Field(default_factory=list, description="原文自有、文种章节容纳不下的部分（标题和要点），"
                              "按原文位置单独成节")
    closing: Closing = Field(default_factory=Closing)
    headings: dict[str, str] = Field(default_factory=dict, description="原文各部分自己的标题（不含序号），按蓝图章节 id，"
                                     "如 tasks: 2020年工作安排；撰稿时代替蓝图的标题，没有的章节用蓝图的标题")
    notes: list[str] = Field(default_factory=list, description="给撰稿人的备注，不写入稿件")

    _source: str | None = PrivateAttr(None)
    _sha256: str = PrivateAttr("")
    _memo: dict[str, Any] = PrivateAttr(default_factory=dict)

    def memo(self, key: str, compute: Callable[[], Any]) -> Any:
        """Cache something derived from the facts (they are not changed after loading)."""
        if key not in self._memo:
            self._memo[key] = compute()
        return self._memo[key]

    @field_validator("headings")
    @classmethod
    def _headings_plain(cls, value: dict[str, str]) -> dict[str, str]:
        out = {}
        for key, text in value.items():
            if not re.fullmatch(r"[a-z][a-z0-9_]*", key):
                raise ValueError(f"「{key}」不是章节 id（蓝图中 sections 的 id，如 review、tasks）")
            # The number is the blueprint's to give (一、 二、 counted in order): a heading written
            # with its own 二、 would come out as 二、二、.
            text = _HEADING_NUMBER.sub("", text.strip()).strip()
            if not text or "{" in text or "\n" in text:
                raise ValueError(f"章节「{key}」的标题应为一行文字（不含序号和花括号）")
            out[key] = text
        return out

    @field_validator("honours", mode="before")
    @classmethod
    def _honours_unquoted(cls, value: Any) -> Any:
        if isinstance(value, list):
            return [{"text": v, "kind": "honour", "quoted": False} if isinstance(v, str) else v
                    for v in value]
        return value

    # --- lookups used by composers and validators -------------------------------------------

    @property
    def source(self) -> str | None:
        """Path the facts were loaded from, if any."""
        return self._source

    @property
    def sha256(self) -> str:
        """SHA-256 of the facts file's text (of the canonical JSON when built in code)."""
        if not self._sha256:
            canonical = json.dumps(self.model_dump(mode="json"), ensure_ascii=False, sort_keys=True)
            self._sha256 = hashlib.sha256(canonical.encode()).hexdigest()
        return self._sha256

    def org(self, org_id: str | None) -> Organisation | None:
        """The organisation with this id, or None."""
        if org_id is None:
            return None
        return next((o for o in self.organisations if o.id == org_id), None)

    def figure_refs(self) -> Iterator[FigureRef]:
        """Every figure in the file with its organisation and location."""
        for h, hl in enumerate(self.highlights):
            for i, item in enumerate(hl.items):
                for f, fig in enumerate(item.figures):
                    yield FigureRef(figure=fig, org=item.org, text=item.statement,
                                    path=f"highlights[{h}].items[{i}].figures[{f}]")
        for p, plan in enumerate(self.plans):
            for f, fig in enumerate(plan.figures):
                yield FigureRef(figure=fig, org=None, text=plan.theme,
                                path=f"plans[{p}].figures[{f}]")
        for k, part in enumerate(self.parts):
            for p, plan in enumerate(part.points):
                for f, fig in enumerate(plan.figures):
                    yield FigureRef(figure=fig, org=None, text=plan.theme,
                                    path=f"parts[{k}].points[{p}].figures[{f}]")

    def prose(self) -> list[str]:
        """Every piece of text a speech may state (statements, leads, measures, context …)."""
        parts = [*self.opening, self.summary or "", self.summing_up or "", self.shortcomings_lead or "",
                 *self.shortcomings, *self.context,
                 *self.closing.wishes, *self.closing.requests, self.meta.title, self.meta.occasion or ""]
        for hl in self.highlights:
            parts += [hl.theme, hl.lead or "", *(i.statement for i in hl.items)]
        for plan in self.plans:
            parts += [plan.theme, *plan.measures]
        for part in self.parts:
            if part.heading:
                parts.append(part.heading)
            for plan in part.points:
                parts += [plan.theme, *plan.measures]
        parts += [*self.closing.thanks, *self.headings.values(), self.closing.call or ""]
        return [p for p in parts if p]

    def required_names(self) -> list[NamedThing]:
        """Names and honours the draft must contain verbatim."""
        return [n for n in [*self.names, *self.honours] if n.required]

    def __rich__(self) -> Any:
        """Rich renderable summary (organisations, highlights, figures table)."""
        return _render_summary(self)

    def speaking_orgs(self) -> list[Organisation]:
        """Organisations that appear in at least one highlight item, in file order."""
        used = {item.org for hl in self.highlights for item in hl.items if item.org}
        return [o for o in self.organisations if o.id in used]


# --- loading ---------------------------------------------------------------------------------

_FIELD_LABELS = {
    "missing": "缺少必填字段",
    "extra_forbidden": "未知字段",
    "string_type": "应为文本",
    "int_type": "应为整数",
    "int_parsing": "应为整数",
    "float_type": "应为数字",
    "float_parsing": "应为数字",
    "bool_type": "应为 true 或 false",
    "bool_parsing": "应为 true 或 false",
    "list_type": "应为列表",
    "dict_type": "应为映射（键: 值）",
    "model_type": "应为映射（键: 值）",
    "model_attributes_type": "应为映射（键: 值）",
    "date_type": "应为日期（YYYY-MM-DD）",
    "date_parsing": "应为日期（YYYY-MM-DD）",
    "date_from_datetime_parsing": "应为日期（YYYY-MM-DD）",
    "string_too_short": "不能为空",
    "too_short": "不能为空列表",
    "string_pattern_mismatch": "只能包含字母、数字、汉字、下划线和连字符",
    "greater_than": "应大于 0",
    "less_than_equal": "超出允许范围",
    "literal_error": "取值不在允许范围内",
    "finite_number": "应为有限的数字（不能是 inf 或 nan）",
    "greater_than_equal": "超出允许范围（过小）",
    "less_than": "超出允许范围（过大）",
    "string_too_long": "文字过长",
    "too_long": "列表中的条目过多",
    "int_from_float": "应为整数（不能带小数）",
    "string_sub_type": "应为文本",
    "unexpected_keyword_argument": "未知字段",
    "none_required": "此处不应填写",
    "url_parsing": "应为网址",
    "datetime_parsing": "应为日期时间",
    "datetime_type": "应为日期时间",
    "set_type": "应为列表",
    "tuple_type": "应为列表",
    "is_instance_of": "类型不对",
    "union_tag_invalid": "取值不在允许范围内",
}


def _format_loc(loc: tuple[Any, ...]) -> str:
    out = ""
    for part in loc:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out


def _model_at(loc: tuple[Any, ...]) -> type[BaseModel] | None:
    """The pydantic model class that sits at ``loc`` inside :class:`Facts`."""
    model: type[BaseModel] | None = Facts
    for part in loc:
        if isinstance(part, int) or model is None:
            continue
        field = model.model_fields.get(str(part))
        if field is None:
            return None
        model = _first_model(field.annotation)
    return model


def _first_model(annotation: Any) -> type[BaseModel] | None:
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    if get_origin(annotation) in (list, Union) or str(get_origin(annotation)) == "types.UnionType":
        for arg in get_args(annotation):
            found = _first_model(arg)
            if found:
                return found
    for arg in get_args(annotation):
        found = _first_model(arg)
        if found:
            return found
    return None


def _error_message(err: dict[str, Any]) -> str:
    kind = err["type"]
    loc = tuple(err["loc"])
    if kind == "extra_forbidden":
        parent = _model_at(loc[:-1])
        message = f"未知字段「{loc[-1]}」"
        if parent is not None:
            close = difflib.get_close_matches(str(loc[-1]), list(parent.model_fields), n=1, cutoff=0.6)
            if close:
                message += f"，是否想写「{close[0]}」？"
            else:
                message += f"（可用字段：{'、'.join(parent.model_fields)}）"
        return message
    if kind == "value_error":
        return str(err.get("ctx", {}).get("error", err["msg"])).removeprefix("Value error, ")
    if kind == "literal_error":
        return f"取值不在允许范围内（{err.get('ctx', {}).get('expected', '')}）"
    label = _FIELD_LABELS.get(kind)
    if label:
        return label
    return f"取值无效（{kind}）"  # never pydantic's English sentence; the kind names the rule for a bug report


class _SourceMap:
    """Maps a field path to the 1-based (line, column) where it is written."""

    def __init__(self, positions: dict[tuple[Any, ...], tuple[int, int]] | None = None) -> None:
        self.positions = positions or {}

    def locate(self, loc: tuple[Any, ...]) -> tuple[int | None, int | None]:
        for end in range(len(loc), -1, -1):
            pos = self.positions.get(tuple(loc[:end]))
            if pos:
                return pos
        return None, None


def _yaml_positions(node: Any, name: str) -> _SourceMap:
    """Where each field is written, and duplicate or non-text keys as errors (iterative: depth is bounded)."""
    import yaml

    positions: dict[tuple[Any, ...], tuple[int, int]] = {}
    stack: list[tuple[Any, tuple[Any, ...]]] = [(node, ())] if node is not None else []
    while stack:
        n, path = stack.pop()
        if isinstance(n, yaml.MappingNode):
            seen: set[str] = set()
            for key, value in n.value:
                if not isinstance(key, yaml.ScalarNode):
                    raise InputError("键必须是简单的文本，不能是列表或映射（YAML 的「? 」复杂键）", path=name,
                                     line=key.start_mark.line + 1, column=key.start_mark.column + 1,
                                     field=_format_loc(path) or None)
                k = key.value
                if k in seen:
                    raise InputError(f"键「{k}」重复出现", path=name, line=key.start_mark.line + 1,
                                     column=key.start_mark.column + 1, field=_format_loc((*path, k)))
                seen.add(k)
                positions.setdefault((*path, k), (key.start_mark.line + 1, key.start_mark.column + 1))
                stack.append((value, (*path, k)))
        elif isinstance(n, yaml.SequenceNode):
            for i, value in enumerate(n.value):
                positions.setdefault((*path, i), (value.start_mark.line + 1, value.start_mark.column + 1))
                stack.append((value, (*path, i)))
    return _SourceMap(positions)


def _toml_positions(text: str) -> _SourceMap:
    """Best effort for TOML: the line where each key name is first assigned or opened."""
    positions: dict[tuple[Any, ...], tuple[int, int]] = {}
    for lineno, line in enumerate(text.splitlines(), start=1):
        m = re.match(r"\s*\[{1,2}\s*([\w.\-]+)\s*\]{1,2}|\s*([\w\-]+)\s*=", line)
        if m:
            key = m.group(1) or m.group(2)
            positions.setdefault((key.split(".")[-1],), (lineno, 1))
    return _SourceMap(positions)


_YAML_PROBLEMS = {
    "mapping values are not allowed here": "此处不允许出现「键: 值」（可能缺少缩进或引号）",
    "could not find expected ':'": "缺少冒号「:」",
    "found character '\\t' that cannot start any token": "不能用制表符缩进",
    "did not find expected key": "缩进不一致或缺少键",
    "found undefined alias": "引用了未定义的锚点",
    "did not find expected '-' indicator": "列表缩进不一致",
    "found unexpected end of stream": "文件意外结束（引号或括号未闭合）",
    "while scanning a quoted scalar": "引号未闭合",
    "exceeded maximum nesting depth": f"嵌套层数过深（上限 {MAX_DEPTH} 层）",
    "found unhashable key": "键必须是简单的文本，不能是列表或映射",
}


def _yaml_loader() -> type:
    """CSafeLoader whose timestamps and integers fail as one line naming the value and its line."""
    import yaml

    base = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

    class Loader(base):  # type: ignore[misc,valid-type]
        source_name = "<facts>"

    def timestamp(loader: Any, node: Any) -> Any:
        try:
            return yaml.SafeLoader.construct_yaml_timestamp(loader, node)
        except (ValueError, OverflowError):
            raise InputError(f"日期或时间无效：「{node.value}」", path=loader.source_name,
                             line=node.start_mark.line + 1, column=node.start_mark.column + 1) from None

    def integer(loader: Any, node: Any) -> Any:
        if len(str(node.value)) > MAX_NUMBER_DIGITS:
            raise InputError(_long_number(str(node.value)), path=loader.source_name,
                             line=node.start_mark.line + 1, column=node.start_mark.column + 1)
        return yaml.SafeLoader.construct_yaml_int(loader, node)

    Loader.add_constructor("tag:yaml.org,2002:timestamp", timestamp)
    Loader.add_constructor("tag:yaml.org,2002:int", integer)
    return Loader


def _long_number(value: str) -> str:
    return f"数字过长（{len(value)} 位，上限 {MAX_NUMBER_DIGITS} 位）；很长的编号请加引号写成文本"


def _check_yaml_graph(node: Any, name: str) -> None:
    """Bound what the node graph expands to before anything walks it as a tree.

    Aliases make the graph a DAG (or a cycle): "billion laughs", merge keys and long anchor chains
    expand exponentially when validated. The expanded size and depth are computed once per node
    (iteratively, memoised), so the check costs the size of the file, not of the expansion.
    """
    import yaml

    if node is None:
        return
    size: dict[int, int] = {}
    depth: dict[int, int] = {}
    on_path: set[int] = set()
    stack: list[tuple[Any, bool]] = [(node, False)]

    def children(n: Any) -> list[Any]:
        if isinstance(n, yaml.MappingNode):
            return [c for pair in n.value for c in pair]
        if isinstance(n, yaml.SequenceNode):
            return list(n.value)
        return []

    def fail(message: str, n: Any) -> InputError:
        return InputError(message, path=name, line=n.start_mark.line + 1, column=n.start_mark.column + 1)

    while stack:
        n, done = stack.pop()
        key = id(n)
        if done:
            kids = children(n)
            size[key] = 1 + sum(size[id(c)] for c in kids)
            depth[key] = 1 + max((depth[id(c)] for c in kids), default=0)
            on_path.discard(key)
            if size[key] > MAX_NODES:
                raise fail(f"内容展开后过大（超过 {MAX_NODES} 个值；可能是锚点/别名的指数展开）", n)
            if depth[key] > MAX_DEPTH:
                raise fail(f"嵌套层数过深（上限 {MAX_DEPTH} 层，锚点/别名也计入）", n)
            continue
        if key in size:
            continue
        if key in on_path:
            raise fail("锚点循环引用了自身（别名指向包含它的锚点）", n)
        if len(on_path) + len(size) >= MAX_NODES:  # distinct nodes: a lower bound of the expansion
            raise fail(f"内容过大（超过 {MAX_NODES} 个值）", n)
        on_path.add(key)
        stack.append((n, True))
        for c in children(n):
            if id(c) in on_path:
                raise fail("锚点循环引用了自身（别名指向包含它的锚点）", c)
            if id(c) not in size:
                stack.append((c, False))


def _parse_yaml(text: str, name: str) -> tuple[Any, _SourceMap]:
    import yaml

    loader_class = _yaml_loader()
    try:
        # One parse: the node tree gives positions and duplicate keys, then becomes the data.
        parser = loader_class(text)
        parser.source_name = name
        try:
            node = parser.get_single_node()
            _check_yaml_graph(node, name)
            positions = _yaml_positions(node, name)
            data = parser.construct_document(node) if node is not None else None
        finally:
            parser.dispose()
        return data, positions
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        problem = str(exc.problem or exc.context or "")
        detail = _YAML_PROBLEMS.get(problem) or next(
            (v for k, v in _YAML_PROBLEMS.items() if k in problem or k in str(exc.context)), None)
        detail = detail or f"无法解析（{problem}）"
        raise InputError(f"YAML 格式错误：{detail}", path=name,
                         line=mark.line + 1 if mark else None,
                         column=mark.column + 1 if mark else None) from None
    except yaml.YAMLError as exc:
        raise InputError(f"YAML 格式错误：{exc}", path=name) from None
    except RecursionError:
        raise InputError(f"嵌套层数过深（上限 {MAX_DEPTH} 层）", path=name) from None


_JSON_PROBLEMS = {
    "Expecting ',' delimiter": "缺少逗号",
    "Expecting ':' delimiter": "缺少冒号",
    "Expecting value": "缺少值或多了逗号",
    "Expecting property name enclosed in double quotes": "键必须用双引号括起（或多了逗号）",
    "Unterminated string starting at": "字符串引号未闭合",
    "Extra data": "JSON 结束后还有多余内容",
    "Invalid control character at": "字符串中有未转义的控制字符",
}


class _LongNumber(ValueError):
    def __init__(self, value: str) -> None:
        super().__init__(value)
        self.value = value


def _json_int(value: str) -> int:
    if len(value) > MAX_NUMBER_DIGITS:
        raise _LongNumber(value)
    return int(value)


def _line_of(text: str, needle: str) -> int | None:
    at = text.find(needle)
    return text.count("\n", 0, at) + 1 if at >= 0 else None


class _DuplicateKey(Exception):
    def __init__(self, key: str) -> None:
        self.key = key


def _unique_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    """A JSON object; a key written twice is an error (json would silently keep the last one)."""
    out: dict[str, Any] = {}
    for key, value in pairs:
        if key in out:
            raise _DuplicateKey(key)
        out[key] = value
    return out


def _parse_json(text: str, name: str) -> tuple[Any, _SourceMap]:
    try:
        data = json.loads(text, parse_int=_json_int, object_pairs_hook=_unique_keys)
    except _DuplicateKey as exc:
        needle = json.dumps(exc.key, ensure_ascii=False)
        lines = [n for n, line in enumerate(text.splitlines(), 1) if needle in line]
        raise InputError(f"JSON 中键「{exc.key}」重复出现（同一层只能写一次）", path=name,
                         line=lines[1] if len(lines) > 1 else (lines[0] if lines else None)) from None
    except json.JSONDecodeError as exc:
        detail = _JSON_PROBLEMS.get(exc.msg, f"无法解析（{exc.msg}）")
        raise InputError(f"JSON 格式错误：{detail}", path=name, line=exc.lineno,
                         column=exc.colno) from None
    except _LongNumber as exc:
        raise InputError(_long_number(exc.value), path=name, line=_line_of(text, exc.value)) from None
    except RecursionError:
        raise InputError(f"JSON 格式错误：嵌套层数过深（上限 {MAX_DEPTH} 层）", path=name) from None
    _check_tree(data, name)
    try:  # JSON is (almost) YAML: reuse the YAML composer for field positions.
        import yaml

        node = yaml.compose(text, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
        positions = _yaml_positions(node, name)
    except Exception:
        positions = _SourceMap()
    return data, positions


def _check_tree(data: Any, name: str) -> None:
    """Depth and size bounds for parsed JSON/TOML (trees: no aliases), checked without recursion."""
    stack: list[tuple[Any, int]] = [(data, 1)]
    count = 0
    while stack:
        value, level = stack.pop()
        count += 1
        if count > MAX_NODES:
            raise InputError(f"内容过大（超过 {MAX_NODES} 个值）", path=name)
        if level > MAX_DEPTH:
            raise InputError(f"嵌套层数过深（上限 {MAX_DEPTH} 层）", path=name)
        if isinstance(value, dict):
            stack.extend((v, level + 1) for v in value.values())
        elif isinstance(value, list):
            stack.extend((v, level + 1) for v in value)


_TOML_PROBLEMS = {
    "Invalid value": "值缺失或无效（文本需加引号）",
    "Expected '=' after a key": "键后缺少「=」",
    "Cannot overwrite a value": "键重复定义",
    "Cannot declare": "表重复定义",
    "Unclosed array": "数组缺少「]」",
    "Unterminated string": "字符串引号未闭合",
    "Invalid statement": "无效的语句",
    "Expected newline or end of document": "一行只能写一个键值对",
    "Invalid date or datetime": "日期或时间无效",
}


def _parse_toml(text: str, name: str) -> tuple[Any, _SourceMap]:
    import tomllib

    try:
        data = tomllib.loads(text)
    except RecursionError:
        raise InputError(f"TOML 格式错误：嵌套层数过深（上限 {MAX_DEPTH} 层）", path=name) from None
    except tomllib.TOMLDecodeError as exc:
        msg = str(exc)
        m = re.search(r"\(at line (\d+), column (\d+)\)", msg)
        problem = re.sub(r"\s*\(at line.*\)$", "", msg)
        detail = next((v for k, v in _TOML_PROBLEMS.items() if problem.startswith(k)),
                      f"无法解析（{problem}）")
        raise InputError(f"TOML 格式错误：{detail}", path=name,
                         line=int(m.group(1)) if m else None,
                         column=int(m.group(2)) if m else None) from None
    except ValueError as exc:  # tomllib lets int() errors through: a number too long to convert
        digits = re.search(r"value has (\d+) digits", str(exc))
        detail = f"数字过长（{digits.group(1)} 位，上限 {MAX_NUMBER_DIGITS} 位）" if digits else f"值无效（{exc}）"
        raise InputError(f"TOML 格式错误：{detail}", path=name) from None
    _check_tree(data, name)
    return data, _toml_positions(text)


_PARSERS = {".yaml": _parse_yaml, ".yml": _parse_yaml, ".json": _parse_json, ".toml": _parse_toml}


def parse_facts(text: str, *, fmt: str = ".yaml", name: str = "<facts>") -> Facts:
    """Parse facts from text in the given format (``.yaml``, ``.yml``, ``.json``, ``.toml``)."""
    parser = _PARSERS.get(fmt.lower() if fmt.startswith(".") else "." + fmt.lower())
    if parser is None:
        raise InputError(f"不支持的文件类型「{fmt}」，请使用 {'、'.join(SUPPORTED_SUFFIXES)}",
                         path=name)
    if not text.strip():
        raise InputError("文件为空", path=name)
    data, source_map = parser(text, name)
    if data is None:
        raise InputError("文件中没有内容（只有注释或空白）", path=name)
    if not isinstance(data, dict):
        raise InputError("顶层应为映射（键: 值），不是列表或单个值", path=name, line=1)
    _check_counts(data, name, source_map)
    _check_control_characters(data, name, source_map, text)
    try:
        facts = Facts.model_validate(data)
    except ValidationError as exc:
        err = exc.errors(include_url=False)[0]
        loc = tuple(err["loc"])
        line, column = source_map.locate(loc)
        more = f"（另有 {exc.error_count() - 1} 处错误）" if exc.error_count() > 1 else ""
        raise InputError(_error_message(err) + more, path=name, line=line, column=column,
                         field=_format_loc(loc) or None) from None
    problem = _cross_check(facts)
    if problem:
        loc, message = problem
        line, column = source_map.locate(loc)
        raise InputError(message, path=name, line=line, column=column, field=_format_loc(loc))
    facts._source = name
    facts._sha256 = hashlib.sha256(text.encode("utf-8")).hexdigest()
    return facts


_CONTROL = CONTROL_CHARACTERS
_CONTROL_NAMES = {0x00: "NUL", 0x07: "BEL", 0x08: "退格", 0x1B: "ESC", 0x7F: "DEL", 0x202E: "从右到左覆盖",
                  0x202D: "从左到右覆盖", 0x202B: "从右到左嵌入", 0x202A: "从左到右嵌入", 0x200F: "从右到左标记"}


def _check_control_characters(data: Any, name: str, source_map: _SourceMap, text: str = "") -> None:
    """Refuse terminal escapes, NULs and bidi overrides in any string (keys too): they garble the
    terminal, break Word export and can make a text read differently from what it says."""
    stack: list[tuple[Any, tuple[Any, ...]]] = [(data, ())]
    while stack:
        value, loc = stack.pop()
        if isinstance(value, dict):
            for key, item in value.items():
                stack.append((key, loc))
                stack.append((item, (*loc, key)))
        elif isinstance(value, list):
            stack.extend((item, (*loc, i)) for i, item in enumerate(value))
        elif isinstance(value, str):
            bad = _CONTROL.search(value)
            if bad:
                code = ord(bad.group())
                label = _CONTROL_NAMES.get(code, "控制字符")
                line, column = source_map.locate(loc)
                if line is None and bad.group() in text:  # no positions (YAML refuses the character)
                    at = text.index(bad.group())
                    line, column = text.count("\n", 0, at) + 1, at - text.rfind("\n", 0, at)
                raise InputError(f"含有不可见的控制字符 U+{code:04X}（{label}），请删除（常见于从终端或网页复制的文字）",
                                 path=name, line=line, column=column, field=_format_loc(loc) or None)


def _check_counts(data: dict[str, Any], name: str, source_map: _SourceMap) -> None:
    """Cap how many things a facts file lists: drafting time grows with them."""

    def too_many(loc: tuple[Any, ...], what: str, count: int, limit: int) -> InputError:
        line, column = source_map.locate(loc)
        return InputError(f"{what}过多：共 {count} 个，上限 {limit} 个；一篇讲话用不了这么多，请精简或拆分",
                          path=name, line=line, column=column, field=_format_loc(loc))

    def items(value: Any) -> list[Any]:
        return value if isinstance(value, list) else []

    for key, value in data.items():
        limit = MAX_COUNTS.get(str(key), MAX_COUNTS["list"])
        if len(items(value)) > limit:
            raise too_many((key,), f"{key} 中的条目", len(items(value)), limit)
    highlights = items(data.get("highlights"))
    all_items = [(h, i, item) for h, hl in enumerate(highlights) if isinstance(hl, dict)
                 for i, item in enumerate(items(hl.get("items")))]
    if len(all_items) > MAX_COUNTS["highlights.items"]:
        h, i, _ = all_items[MAX_COUNTS["highlights.items"]]
        raise too_many(("highlights", h, "items", i), "亮点事项", len(all_items), MAX_COUNTS["highlights.items"])
    figures = sum(len(items(item.get("figures"))) for _, _, item in all_items if isinstance(item, dict))
    figures += sum(len(items(plan.get("figures"))) for plan in items(data.get("plans")) if isinstance(plan, dict))
    figures += sum(len(items(plan.get("figures"))) for part in items(data.get("parts")) if isinstance(part, dict)
                   for plan in items(part.get("points")) if isinstance(plan, dict))
    if figures > MAX_COUNTS["figures"]:
        raise too_many(("highlights",), "数字", figures, MAX_COUNTS["figures"])
    for plan_no, plan in enumerate(items(data.get("plans"))):
        if isinstance(plan, dict) and len(items(plan.get("measures"))) > MAX_COUNTS["list"]:
            raise too_many(("plans", plan_no, "measures"), "措施", len(items(plan.get("measures"))),
                           MAX_COUNTS["list"])


def load_facts(path: str | Path) -> Facts:
    """Load and validate a facts file, choosing the format by its suffix (``-``: standard input, YAML or JSON)."""
    from ..files import is_stdio, read_stdin

    if is_stdio(path):
        text = read_stdin(what="事实文件")
        return parse_facts(text, fmt=".json" if text.lstrip().startswith("{") else ".yaml", name="<标准输入>")
    p = Path(path)
    suffix = p.suffix.lower()
    if suffix not in _PARSERS and p.is_file():
        raise InputError(f"不支持的文件类型「{p.suffix or '无扩展名'}」，请使用 "
                         f"{'、'.join(SUPPORTED_SUFFIXES)}", path=str(path))
    text = read_text(p, what="事实文件")
    return parse_facts(text, fmt=suffix, name=str(path))


def check_facts(path: str | Path, genres: Collection[str] | None = None) -> Facts:
    """``facts check``: load the file and also check what loading alone cannot, such as a genre
    that none of ``genres`` (the blueprints the user's prompt folders and the built-in one define)
    is. The caller passes the genres (``Workspace().library().genres()``): facts know no blueprints."""
    facts = load_facts(path)
    known = list(genres) if genres is not None else [facts.meta.genre]
    genre = facts.meta.genre
    if genre not in known:
        close = difflib.get_close_matches(genre, list(known), n=1)
        hint = f"是否想写「{close[0]}」？" if close else ""
        line = next((n for n, text in enumerate(read_text(Path(path), what="事实文件").splitlines(), start=1)
                     if re.search(r"\bgenre\b", text)), None)
        raise InputError(f"未知文种「{genre}」。{hint}可选：{'、'.join(known)}", path=str(path), line=line,
                         field="meta.genre")
    return facts


def _cross_check(facts: Facts) -> tuple[tuple[Any, ...], str] | None:
    """Checks that span fields: unique ids, known references, figures inside their text."""
    seen: dict[str, int] = {}
    for i, org in enumerate(facts.organisations):
        if org.id in seen:
            return ("organisations", i, "id"), (
                f"组织 id「{org.id}」重复（第一次出现在 organisations[{seen[org.id]}]）")
        seen[org.id] = i
    known = "、".join(seen) or "（尚未定义任何组织）"
    for h, hl in enumerate(facts.highlights):
        for i, item in enumerate(hl.items):
            if item.org is not None and item.org not in seen:
                close = difflib.get_close_matches(item.org, list(seen), n=1)
                hint = f"，是否想写「{close[0]}」？" if close else f"（已定义：{known}）"
                return ("highlights", h, "items", i, "org"), f"未知的组织 id「{item.org}」{hint}"
            for f, fig in enumerate(item.figures):
                if fig.raw not in item.statement:
                    return ("highlights", h, "items", i, "figures", f), (
                        f"数字「{fig.raw}」没有原样出现在 statement 中，请与陈述中的写法保持一致")
                wider = dropped_qualifier(fig.raw, item.statement)
                if wider:
                    return ("highlights", h, "items", i, "figures", f), (
                        f"数字「{fig.raw}」漏掉了陈述中的限定词，应写作「{wider}」")
    plans = [(("plans", p), plan) for p, plan in enumerate(facts.plans)]
    plans += [(("parts", k, "points", p), plan) for k, part in enumerate(facts.parts)
              for p, plan in enumerate(part.points)]
    for where, plan in plans:
        texts = [plan.theme, *plan.measures]
        for f, fig in enumerate(plan.figures):
            if not any(fig.raw in t for t in texts):
                return (*where, "figures", f), (
                    f"数字「{fig.raw}」没有原样出现在 theme 或 measures 中")
            wider = next((w for t in texts if fig.raw in t for w in [dropped_qualifier(fig.raw, t)] if w), None)
            if wider:
                return (*where, "figures", f), f"数字「{fig.raw}」漏掉了陈述中的限定词，应写作「{wider}」"
    for field in ("names", "honours"):
        for n, thing in enumerate(getattr(facts, field)):
            if thing.org is not None and thing.org not in seen:
                return (field, n, "org"), f"未知的组织 id「{thing.org}」（已定义：{known}）"
    return None


_CN_OR_DIGIT = set("0123456789０１２３４５６７８９零〇一二两三四五六七八九十百千万亿.．")


def dropped_qualifier(raw: str, statement: str) -> str | None:
    """The raw to write when ``statement`` qualifies the figure (突破233万人次) but ``raw`` does not.

    Every occurrence of ``raw`` in the statement is looked at; the figure is only fine when at
    least one occurrence carries no qualifier that ``raw`` lacks.
    """
    wider = None
    start = statement.find(raw)
    while start >= 0:
        end = start + len(raw)
        before, after = statement[:start].rstrip(" "), statement[end:].lstrip(" ")
        pre = next((q for q in PREFIX_QUALIFIERS if before.endswith(q) and not raw.startswith(q)), "")
        suf = next((q for q in SUFFIX_QUALIFIERS if after.startswith(q) and not raw.endswith(q)), "")
        if suf in ("余", "多") and raw[-1:] not in _CN_OR_DIGIT:
            suf = ""  # 3个多月: after a measure word 多 is not read as the figure's qualifier
        word_start = before[:-len(pre)][-1:] if pre else ""
        if word_start and word_start in NOT_QUALIFIER_BEFORE.get(pre, ""):
            pre = ""  # 节约, 最近, 赶超: the word ends in a qualifier's character but is no qualifier
        extends_number = (raw[:1] in _CN_OR_DIGIT and before[-1:] in _CN_OR_DIGIT) or \
            (raw[-1:] in _CN_OR_DIGIT and after[:1] in _CN_OR_DIGIT)
        if not pre and not suf and not extends_number:
            return None
        if (pre or suf) and wider is None:
            wider = pre + raw + suf
        start = statement.find(raw, start + 1)
    return wider


def facts_json_schema() -> dict[str, Any]:
    """JSON Schema of the facts file, for editor autocompletion."""
    schema = Facts.model_json_schema(mode="validation")
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["title"] = "speechwriter facts file"
    return schema


def _render_summary(facts: Facts) -> Any:
    """A compact rich view: header, organisations, highlights and the figures table."""
    from rich.console import Group
    from rich.table import Table
    from rich.text import Text

    meta = facts.meta
    head = Text()
    head.append(meta.title, style="bold")
    head.append(f"\n文种 {meta.genre} · 讲话人 {meta.speaker.role}"
                + (f"（{meta.speaker.name}）" if meta.speaker.name else ""))
    head.append(f"\n称呼 {meta.salutation_line}")
    if meta.period:
        head.append(f" · 时期 {meta.period}")
    head.append(f" · 目标 {meta.target.resolved_chars()} 字")

    orgs = Table(title="组织", title_justify="left", show_edge=False)
    for col in ("id", "全称", "简称"):
        orgs.add_column(col)
    for org in facts.organisations:
        orgs.add_row(org.id, org.name, org.short_name)

    hls = Table(title="亮点", title_justify="left", show_edge=False)
    hls.add_column("#", justify="right")
    hls.add_column("主题")
    hls.add_column("事项", justify="right")
    hls.add_column("数字", justify="right")
    for n, hl in enumerate(facts.highlights, start=1):
        hls.add_row(str(n), hl.theme, str(len(hl.items)), str(sum(len(i.figures) for i in hl.items)))

    figs = Table(title="数字", title_justify="left", show_edge=False)
    for col in ("原文", "数值", "单位", "限定", "组织", "必写"):
        figs.add_column(col)
    for ref in facts.figure_refs():
        fig = ref.figure
        org = facts.org(ref.org)
        # A compound figure (301户611人) shows each of its parts.
        values = " + ".join(format(q.value, "f") for q in fig.parts)
        units = " + ".join(q.unit or "—" for q in fig.parts)
        figs.add_row(fig.raw, values, units, fig.qualifier or "—",
                     org.short_name if org else "—", "是" if fig.required else "否")

    tail = Text(f"必现名称 {len(facts.required_names())} 个 · 不足 {len(facts.shortcomings)} 条 · "
                f"打算 {len(facts.plans)} 条", style="dim")
    return Group(head, Text(), orgs, Text(), hls, Text(), figs, Text(), tail)


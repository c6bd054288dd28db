"""Blueprints: the rhetorical architecture of a genre, as data.

A blueprint (``prompts/blueprints/<genre>.yaml``) lists the sections of a speech in order: which
are required, the heading pattern and its GB/T 9704 level (一、 / （一） / 1. / （1）), the
enumerator used inside the section (一是… / 首先… / 第一…), the facts fields that feed it and the
section's share of the total length. A user adds or overrides a genre by dropping a YAML file into
their own prompts folder.
"""

from __future__ import annotations

import difflib
import hashlib
from collections.abc import Iterable
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, PrivateAttr, ValidationError, model_validator

from .errors import InputError
from .files import inside_folder, read_text

__all__ = [
    "CN_ORDINALS",
    "Blueprint",
    "Enumerator",
    "Role",
    "SectionSpec",
    "blueprint_json_schema",
    "enumerator_word",
    "level_marker",
    "list_blueprints",
    "load_blueprint",
    "load_blueprint_file",
]

Role = Literal["salutation", "opening", "achievements", "assessment", "situation", "plans",
               "requirements", "closing", "body"]
Enumerator = Literal["yishi", "shouxian", "diyi", "paren", "arabic", "none"]

CN_ORDINALS = "一二三四五六七八九十"


def cn_ordinal(n: int) -> str:
    """1 -> 一, 12 -> 十二, 20 -> 二十 (ordinals as used in headings)."""
    if n <= 10:
        return CN_ORDINALS[n - 1]
    tens, ones = divmod(n, 10)
    head = "" if tens == 1 else CN_ORDINALS[tens - 1]
    return head + "十" + (CN_ORDINALS[ones - 1] if ones else "")


def level_marker(level: int, n: int) -> str:
    """Heading number of GB/T 9704 level 1-4: 一、 （一） 1. （1）."""
    if level == 1:
        return f"{cn_ordinal(n)}、"
    if level == 2:
        return f"（{cn_ordinal(n)}）"
    if level == 3:
        return f"{n}."
    return f"（{n}）"


_SHOUXIAN = ["首先", "其次", "再次", "再者", "最后"]


def enumerator_word(style: Enumerator, n: int, total: int) -> str:
    """The word that opens the n-th point inside a section (一是, 首先, 第一, （一）)."""
    if style == "yishi":
        return f"{cn_ordinal(n)}是"
    if style == "diyi":
        return f"第{cn_ordinal(n)}"
    if style == "shouxian" and total > len(_SHOUXIAN):
        return f"第{cn_ordinal(n)}"  # 首先、其次、再次、再者、再者……: past five points the words run out
    if style == "shouxian":
        if n == total and total > 2:  # 首先……最后 with two points reads as if one were missing
            return "最后"
        return _SHOUXIAN[min(n - 1, len(_SHOUXIAN) - 2)]
    if style == "paren":
        return f"（{cn_ordinal(n)}）"
    if style == "arabic":
        return f"{n}."
    return ""


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class SectionSpec(_Model):
    """One section of a genre."""

    id: str = Field(..., pattern=r"^[a-z][a-z0-9_]*$", description="章节 id，也是模板文件名")
    title: str = Field(..., min_length=1, description="章节名称（给人看）")
    role: Role = Field(..., description="章节的修辞作用，决定离线撰稿器的写法")
    required: bool = True
    heading: str | None = Field(None, description="标题模板（Jinja2），无标题的章节不填")
    level: int | None = Field(None, ge=1, le=4, description="标题层次：1=一、 2=（一） 3=1. 4=（1）")
    enumerator: Enumerator = Field("none", description="章节内的序数词风格")
    point_level: int | None = Field(None, ge=1, le=4,
                                    description="章节内各要点作为小标题时的层次（如打算用（一））")
    feeds: list[str] = Field(default_factory=list, description="提供内容的事实字段")
    needs: list[str] = Field(default_factory=list, description="必须非空的事实字段")
    share: float = Field(0.1, gt=0, le=1, description="占全文长度的目标比例")
    lead_share: float = Field(0.15, ge=0, lt=1,
                              description="总述、小结、过渡等要点以外的文字占本章节长度的比例，其余按要点分配")
    themes: list[str] = Field(default_factory=list,
                              description="只写主题含这些词之一的成效亮点（如述职报告单列的廉洁自律部分）")
    skip_themes: list[str] = Field(default_factory=list,
                                   description="不写主题含这些词之一的成效亮点（它们由另一章节单独写）")
    part: int | None = Field(None, ge=0, description="由事实文件 parts 中第几部分（从 0 起）写成；"
                             "撰稿时按事实文件自动加入，蓝图文件中一般不写")

    def takes_highlight(self, theme: str) -> bool:
        """Whether this section writes the highlight with this theme (``themes``, ``skip_themes``):
        a duty report states its 廉洁自律 in a part of its own, not among the other duties."""
        if self.themes and not any(w in theme for w in self.themes):
            return False
        return not any(w in theme for w in self.skip_themes)

    @model_validator(mode="after")
    def _heading_has_level(self) -> SectionSpec:
        if self.heading and self.level is None:
            raise ValueError("有 heading 的章节必须给出 level")
        return self


class Blueprint(_Model):
    """A genre: ordered sections plus genre-wide settings."""

    id: str = Field(..., pattern=r"^[a-z][a-z0-9_]*$")
    name: str = Field(..., description="文种中文名，如：工作汇报")
    description: str = ""
    chars_per_minute: int = Field(240, gt=0, description="语速（字/分钟），用于估算讲话时长")
    phrasing: str | None = Field(None, pattern=r"^[a-z][a-z0-9_]*$",
                                 description="离线撰稿器沿用哪个文种的措辞库（如 work_report）；不填则用本文种 id")
    sections: list[SectionSpec] = Field(..., min_length=1)

    _sha256: str = PrivateAttr("")

    @model_validator(mode="after")
    def _unique_ids(self) -> Blueprint:
        seen: set[str] = set()
        for s in self.sections:
            if s.id in seen:
                raise ValueError(f"章节 id「{s.id}」重复")
            seen.add(s.id)
        return self

    @property
    def sha256(self) -> str:
        """Content hash of the blueprint file (of its JSON when built in code)."""
        return self._sha256 or hashlib.sha256(self.model_dump_json().encode()).hexdigest()

    def section(self, section_id: str) -> SectionSpec:
        """The section with this id; an InputError listing the ids otherwise."""
        for s in self.sections:
            if s.id == section_id:
                return s
        close = difflib.get_close_matches(section_id, [s.id for s in self.sections], n=1)
        hint = f"，是否想写「{close[0]}」？" if close else ""
        raise InputError(f"文种 {self.id} 没有章节「{section_id}」{hint}"
                         f"（可选：{'、'.join(s.id for s in self.sections)}）")

    def with_parts(self, parts: list[tuple[str | None, str | None, float]]) -> Blueprint:
        """This genre with a section for each part of the source's own, as (heading, after, share):
        inserted after the section ``after`` (before the closing when None or unknown), in order.
        The parts' shares are taken from the other sections, so the total stays the same."""
        if not parts:
            return self
        sections = list(self.sections)
        ids = [s.id for s in sections]
        taken = sum(share for _, _, share in parts)
        scale = max(0.2, 1 - taken)
        sections = [s.model_copy(update={"share": max(0.005, s.share * scale)}) for s in sections]
        last_after: dict[str, int] = {}
        for n, (heading, after, share) in enumerate(parts):
            text = (heading or "").replace("{", "｛").replace("}", "｝")  # a heading is a template: no Jinja
            # A part without a heading (a speech not divided into parts) is drafted without one.
            spec = SectionSpec(id=f"part_{n + 1}", title=text or "正文", role="plans", heading=text or None,
                               level=1 if text else None, enumerator="paren", point_level=2 if text else None,
                               feeds=["parts"], share=min(1.0, max(0.01, share)), part=n)
            if after in ids:
                at = last_after.get(after, [s.id for s in sections].index(after)) + 1
            else:
                at = next((i for i, s in enumerate(sections) if s.role == "closing"), len(sections))
            sections.insert(at, spec)
            if after is not None:
                last_after[after] = at
        return self.model_copy(update={"sections": sections})

    def headed_sections(self) -> dict[str, str]:
        """Kind of source part (achievements, shortcomings, plans) -> the id of the first headed
        section written from it: where a source's own heading for that part goes (facts ``headings``)."""
        fields = {"achievements": "highlights", "shortcomings": "shortcomings", "plans": "plans"}
        out = {}
        for kind, name in fields.items():
            section = next((s for s in self.sections if s.heading and name in s.feeds), None)
            if section is not None:
                out[kind] = section.id
        return out

    def heading_numbers(self) -> dict[str, str]:
        """Section id -> heading number (一、 二、 …), counted per level in blueprint order."""
        counters: dict[int, int] = {}
        numbers: dict[str, str] = {}
        for s in self.sections:
            if s.heading and s.level:
                counters[s.level] = counters.get(s.level, 0) + 1
                for deeper in [lv for lv in counters if lv > s.level]:
                    counters[deeper] = 0
                numbers[s.id] = level_marker(s.level, counters[s.level])
        return numbers


def blueprint_json_schema() -> dict[str, Any]:
    """JSON Schema of a blueprint file (``prompts/blueprints/<genre>.yaml``), for editors and docs.

    ``id`` may be left out of the file (it defaults to the file name), and ``part`` is set by the
    drafting for a part of the source's own, so neither is required here.
    """
    schema = Blueprint.model_json_schema(mode="validation")
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["title"] = "speechwriter blueprint (genre) file"
    schema["required"] = [r for r in schema.get("required", []) if r != "id"]
    return schema


def _search_dirs(prompts_dirs: Iterable[Path] | None) -> list[Path]:
    from .resources import builtin_prompts_dir

    return [*(Path(d) for d in (prompts_dirs or [])), builtin_prompts_dir()]


def list_blueprints(prompts_dirs: Iterable[Path] | None = None) -> dict[str, Path]:
    """Genre id -> blueprint file; a user folder's file shadows the built-in one."""
    found: dict[str, Path] = {}
    for folder in reversed(_search_dirs(prompts_dirs)):
        for path in sorted((folder / "blueprints").glob("*.yaml")):
            if inside_folder(folder, path):  # a link out of a prompts folder is not part of it
                found[path.stem] = path
    return dict(sorted(found.items()))


def load_blueprint_file(path: Path) -> Blueprint:
    """Load one blueprint YAML; any problem becomes an InputError naming file and field."""
    import yaml

    text = read_text(path, what="蓝图文件")
    try:
        data = yaml.load(text, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))  # C loader: 9-14x faster
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark
        raise InputError(f"蓝图 YAML 格式错误（{exc.problem}）", path=str(path),
                         line=mark.line + 1 if mark else None) from None
    if not isinstance(data, dict):
        raise InputError("蓝图顶层应为映射（键: 值）", path=str(path))
    data.setdefault("id", path.stem)
    try:
        bp = Blueprint.model_validate(data)
    except ValidationError as exc:
        err = exc.errors(include_url=False)[0]
        loc = ".".join(str(p) for p in err["loc"])
        msg = _blueprint_message(err, data)
        raise InputError(msg, path=str(path), field=loc or None) from None
    bp._sha256 = hashlib.sha256(text.encode()).hexdigest()
    return bp


def _blueprint_message(err: dict[str, Any], data: dict[str, Any]) -> str:
    kind = err["type"]
    loc = err["loc"]
    if kind == "missing":
        where = ""
        if len(loc) >= 3 and loc[0] == "sections":
            section = data["sections"][loc[1]]
            sid = section.get("id", f"第 {loc[1] + 1} 个") if isinstance(section, dict) else loc[1]
            where = f"章节「{sid}」"
        return f"{where}缺少必填字段「{loc[-1]}」"
    if kind == "extra_forbidden":
        return f"未知字段「{loc[-1]}」"
    if kind == "value_error":
        return str(err.get("ctx", {}).get("error", err["msg"]))
    if kind == "literal_error":
        return f"取值「{err.get('input')}」不在允许范围内（{err.get('ctx', {}).get('expected', '')}）"
    return str(err["msg"])


def load_blueprint(genre: str, prompts_dirs: Iterable[Path] | None = None) -> Blueprint:
    """Load the blueprint of ``genre``, searching the user's folders before the built-in one."""
    known = list_blueprints(prompts_dirs)
    path = known.get(genre)
    if path is None:
        close = difflib.get_close_matches(genre, list(known), n=1)
        hint = f"是否想写「{close[0]}」？" if close else ""
        raise InputError(f"未知文种「{genre}」。{hint}可选：{'、'.join(known)}")
    return load_blueprint_file(path)

"""The Draft: a speech as ordered sections plus everything needed to say how it was made.

A draft serialises to JSON losslessly (``Draft.model_validate_json(d.to_json()) == d``) and
renders to Markdown and to plain text laid out as a 公文 (two-character first-line indent).
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from .errors import InputError
from .files import CONTROL_CHARACTERS, read_text, write_text_atomic
from .gaps import find_gaps

__all__ = ["INDENT", "Draft", "DraftGap", "DraftSection", "EngineInfo", "PromptRecord", "load_draft", "output_paths",
           "recorded_facts"]

INDENT = "\u3000\u3000"  # two full-width spaces: the first-line indent of GB/T 9704 body text


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid")


class DraftSection(_Model):
    """One section: its id in the blueprint, its heading (with number) and its body."""

    id: str
    title: str = ""
    role: str = "body"
    heading: str | None = Field(None, description="完整标题，含序号，如：一、四年来的主要工作成效")
    level: int | None = None
    body: str = Field("", description="正文，段落之间空一行")

    @property
    def paragraphs(self) -> list[str]:
        """Body paragraphs, stripped, empty ones dropped."""
        return [p.strip() for p in self.body.split("\n") if p.strip()]

    @property
    def chars(self) -> int:
        """Length in characters, white space and gap markers excluded (how 公文 length is counted:
        a 【待补】 marker is a note to the writer, not text of the speech)."""
        body = sum(len(p.replace(" ", "").replace("\u3000", "")) for p in self.paragraphs)
        return body - sum(g.end - g.start for g in find_gaps(self.body)) + (len(self.heading) if self.heading else 0)

    @property
    def gaps(self) -> list[DraftGap]:
        """The gap markers in this section's body, in order."""
        return [DraftGap(section=self.id, start=g.start, end=g.end, wanted=g.wanted, chars=g.chars)
                for g in find_gaps(self.body)]


TITLE_GAP = "title"  # the ``section`` of a gap in the draft's title


class DraftGap(_Model):
    """One gap left in a draft: where it is, what a person must add and about how many characters.

    Read from the text (never stored beside it), so it cannot go stale when the text is edited."""

    section: str
    start: int = Field(description="标记在该章节正文中的起始位置")
    end: int
    wanted: str = Field(description="需要补写的内容")
    chars: int | None = Field(None, description="约多少字")


class PromptRecord(_Model):
    """Which prompt version made a section."""

    section: str
    templates: list[str]
    template_sha256: str
    rendered_sha256: str


class EngineInfo(_Model):
    """Which engine wrote the draft."""

    name: str
    model: str | None = None
    rule_based: bool = False


class Draft(_Model):
    """A speech draft. The contract between engines, validators, refinement and export."""

    format_version: int = 1
    title: str
    genre: str
    speaker: str | None = Field(None, description="讲话人姓名（署在标题下）")
    date: dt.date | None = Field(None, description="讲话日期（署在标题下）")
    blueprint_sha256: str = ""
    facts_sha256: str = ""
    facts_source: str | None = None
    engine: EngineInfo = Field(default_factory=lambda: EngineInfo(name="unknown"))
    sections: list[DraftSection]
    prompts: list[PromptRecord] = Field(default_factory=list)
    timings_ms: dict[str, float] = Field(default_factory=dict)
    created_at: dt.datetime | None = None

    def section(self, section_id: str) -> DraftSection | None:
        """The section with this id, or None."""
        return next((s for s in self.sections if s.id == section_id), None)

    @property
    def chars(self) -> int:
        """Total length in characters (title and gap markers excluded)."""
        return sum(s.chars for s in self.sections)

    @property
    def gaps(self) -> list[DraftGap]:
        """Every gap marker still in the draft: the title's (section ``title``), then section by section.

        A title the sources did not give is a gap too (``facts extract`` writes one there): it must be
        filled before the draft goes out, like any other."""
        title = [DraftGap(section=TITLE_GAP, start=g.start, end=g.end, wanted=g.wanted, chars=g.chars)
                 for g in find_gaps(self.title)]
        return title + [g for s in self.sections for g in s.gaps]

    def shortfall(self, target: int) -> str:
        """The line ``draft`` prints: 全文 2,150 字，目标 4,000 字；待补 3 处，约 1,200 字."""
        line = f"全文 {self.chars:,} 字，目标 {target:,} 字"
        gaps = self.gaps
        if gaps:
            line += f"；待补 {len(gaps)} 处，约 {sum(g.chars or 0 for g in gaps):,} 字"
        return line

    def to_markdown(self) -> str:
        """Markdown: ``#`` title, ``##`` level-one headings, ``###`` deeper ones."""
        out = [f"# {self.title}", ""]
        for s in self.sections:
            if s.heading:
                out += ["#" * min(1 + (s.level or 1), 6) + " " + s.heading, ""]
            for p in s.paragraphs:
                out += [p, ""]
        return "\n".join(out).rstrip() + "\n"

    def to_text(self) -> str:
        """Plain text as read aloud or pasted into a document: indented paragraphs."""
        out = [self.title, ""]
        for s in self.sections:
            if s.heading:
                out.append(INDENT + s.heading)
            for p in s.paragraphs:
                out.append(p if s.role == "salutation" else INDENT + p)
        return "\n".join(out).rstrip() + "\n"

    def to_json(self) -> str:
        """Lossless JSON."""
        return self.model_dump_json(indent=2) + "\n"

    def save(self, path: str | Path) -> Path:
        """Write the JSON atomically."""
        return write_text_atomic(path, self.to_json())

    def facts_relative_to(self, path: str | Path) -> Draft:
        """This draft with its facts file recorded relative to the folder of ``path`` (where it will be saved),
        so ``refine`` finds it from any working directory and after the two are moved together."""
        import os

        if not self.facts_source or not Path(self.facts_source).is_file():
            return self
        try:
            source = Path(self.facts_source).resolve()
            # the folder, not the file: an output path that is a link loop is replaced by the write
            rel = os.path.relpath(source, Path(path).absolute().parent.resolve())
        except (OSError, RuntimeError):  # a link loop on the way: keep the path as given
            return self
        except ValueError:  # another drive on Windows
            rel = str(source)
        return self.model_copy(update={"facts_source": Path(rel).as_posix()})

    def facts_candidates(self, location: str | Path | None = None) -> list[Path]:
        """Where the recorded facts file may be: next to the draft at ``location`` first, then as given."""
        if not self.facts_source:
            return []
        given = Path(self.facts_source)
        if given.is_absolute():
            return [given]
        out = [Path(location).parent / given] if location is not None else []
        return [*out, given]

    def _repr_markdown_(self) -> str:
        """Jupyter shows a draft as its Markdown."""
        return self.to_markdown()

    def __rich__(self) -> Any:
        from rich.console import Group
        from rich.text import Text

        parts: list[Any] = [Text(self.title, style="bold", justify="center"), Text()]
        for s in self.sections:
            if s.heading:
                parts.append(Text(INDENT + s.heading, style="bold"))
            for p in s.paragraphs:
                parts.append(Text(p if s.role == "salutation" else INDENT + p))
        return Group(*parts)


def load_draft(path: str | Path) -> Draft:
    """Load a draft JSON written by ``speechwriter draft`` (``-``: from standard input)."""
    from .files import is_stdio, read_stdin

    text = read_stdin(what="稿件", max_bytes=8 * 1024 * 1024) if is_stdio(path) else \
        read_text(path, what="稿件文件", max_bytes=8 * 1024 * 1024)
    try:
        draft = Draft.model_validate_json(text)
    except ValidationError as exc:
        err = exc.errors(include_url=False)[0]
        loc = ".".join(str(p) for p in err["loc"])
        if err["type"] == "json_invalid":
            raise InputError("不是有效的 JSON（文件可能不完整或被改坏）", path=str(path)) from None
        reason = _DRAFT_PROBLEMS.get(err["type"], f"取值无效（{err['type']}）")
        raise InputError(f"不是 speechwriter 稿件：{reason}", path=str(path), field=loc or None) from None
    for n, section in enumerate(draft.sections):
        for field, value in (("title", draft.title), (f"sections[{n}].heading", section.heading or ""),
                             (f"sections[{n}].body", section.body)):
            bad = CONTROL_CHARACTERS.search(value)
            if bad:  # Word cannot hold them (lxml refuses), and a terminal would run them
                raise InputError(f"含有不可见的控制字符 U+{ord(bad.group()):04X}，请删除后再试", path=str(path),
                                 field=field)
    return draft


_DRAFT_PROBLEMS = {"missing": "缺少必填字段", "string_type": "应为文本", "list_type": "应为列表",
                   "model_type": "应为对象（键: 值）", "dict_type": "应为对象（键: 值）", "int_type": "应为整数",
                   "int_parsing": "应为整数", "extra_forbidden": "未知字段", "date_from_datetime_parsing": "应为日期",
                   "date_parsing": "应为日期（YYYY-MM-DD）", "datetime_parsing": "应为日期时间",
                   "float_parsing": "应为数字", "bool_parsing": "应为 true 或 false", "literal_error": "取值不在允许范围内",
                   "json_type": "应为 JSON 对象"}


def recorded_facts(draft: Draft, location: str | Path) -> Path:
    """The facts file ``draft`` (read from ``location``) records: next to the draft first, then as given."""
    candidates = draft.facts_candidates(location)
    if not candidates:
        raise InputError("稿件中没有记录事实文件，请用 --facts 指定", path=str(location))
    found = next((c for c in candidates if c.is_file()), None)
    if found is None:
        tried = "、".join(dict.fromkeys(str(c) for c in candidates))
        raise InputError(f"稿件记录的事实文件不存在（找过：{tried}），请用 --facts 指定", path=str(location))
    return found


def output_paths(out: Path, force: bool = False) -> tuple[Path, Path]:
    """OUT.json and OUT.md for ``draft -o OUT``, checked before any work is done.

    An earlier draft at OUT.json is replaced; any other file is only overwritten with ``force``.
    """
    from .errors import SpeechwriterError
    from .files import check_writable_dir, ensure_parent

    base = out.with_suffix("") if out.suffix in (".json", ".md") else out
    json_path, md_path = Path(f"{base}.json"), Path(f"{base}.md")
    ensure_parent(json_path)  # ``-o build/x`` with no build/ yet: made, as mkdir -p would
    check_writable_dir(json_path.parent)  # before any engine call, not after the drafting
    for p in (json_path, md_path):
        if p.is_dir():
            raise InputError("这是一个目录", path=str(p))
    if not force:
        if json_path.exists():
            try:
                load_draft(json_path)
            except SpeechwriterError:
                raise InputError("文件已存在且不是稿件，如需覆盖请加 --force", path=str(json_path)) from None
        if md_path.exists() and not json_path.exists():
            raise InputError("文件已存在，如需覆盖请加 --force", path=str(md_path))
    return json_path, md_path

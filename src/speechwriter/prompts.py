"""Prompt templates: Jinja2 files in ``prompts/<genre>/`` rendered in a sandbox.

Lookup order for a section's template is ``<genre>/<section_id>.j2`` then ``common/<role>.j2``;
for the system prompt ``<genre>/system.j2`` then ``common/system.j2``. Every folder passed as
``prompts_dirs`` is searched before the built-in one, so a user overrides a single file by
placing a file of the same name in their folder.

Facts reach the model only inside ``<facts>…</facts>`` as JSON, so text in a facts file cannot
pose as an instruction; the offline composer reads the same block.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any

from .blueprint import Blueprint, SectionSpec, enumerator_word, list_blueprints, load_blueprint
from .datablock import data_block, parse_data_block
from .errors import InputError
from .facts.model import Facts
from .files import folder_problem, inside_folder, read_text
from .gaps import gap_marker

__all__ = ["PromptLibrary", "RenderedPrompt", "SpeechPlan", "data_block", "facts_slice", "parse_data_block"]


@dataclass(frozen=True)
class RenderedPrompt:
    """Messages for one section, with the template names and hashes that made them."""

    section: str
    messages: list[dict[str, str]]
    templates: list[str]
    template_sha256: str
    payload: dict[str, Any] = field(repr=False)

    @property
    def rendered_sha256(self) -> str:
        return hashlib.sha256(json.dumps(self.messages, ensure_ascii=False).encode()).hexdigest()


@dataclass(frozen=True)
class SpeechPlan:
    """What every section's prompt of one draft shares, computed once per draft.

    ``headings`` maps a section id to its numbered heading; ``outline`` is the whole speech's plan
    and ``outline_data`` its JSON-ready form (each render gets its own copy of it).
    """

    headings: dict[str, str]
    outline: Any
    outline_data: list[dict[str, Any]]


def _copy_outline(data: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """A render's own copy of the outline data: a template may change what it is given."""
    return [{**part, "points": [dict(point) for point in part["points"]]} for part in data]


def facts_slice(facts: Facts, section: SectionSpec) -> dict[str, Any]:
    """The part of the facts a section is written from, with organisation ids resolved.

    Only what the writer needs goes in: figures as written, organisations by name, and in
    ``names``/``honours`` only those this section must write itself (a name already inside some
    facts statement is written with that statement).
    """
    dumped = facts.model_dump(mode="json", exclude={"notes"})
    out: dict[str, Any] = {}
    stated = "\n".join(facts.prose())
    for name in section.feeds:
        if name == "meta":
            continue
        value = dumped.get(name)
        if name == "highlights":
            value = [_resolve_orgs(facts, hl) for hl in value if section.takes_highlight(hl["theme"])]
        elif name in ("names", "honours"):
            value = [{"text": n["text"], "quoted": n["quoted"]} for n in value
                     if n["required"] and n["text"] not in stated]
            if name == "honours":  # who won it: a sentence about an honour needs its actor
                owners = {n["text"]: facts.org(n.get("org")) for n in dumped.get(name) or []}
                for n in value:
                    if owners.get(n["text"]):
                        n["org_name"] = owners[n["text"]].short_name
        elif name == "plans":
            value = [_plan_slice(p) for p in value]
        elif name == "shortcomings" and facts.shortcomings_lead:  # the source's words leading into them
            out["shortcomings_lead"] = facts.shortcomings_lead
        elif name == "parts" and section.part is not None:  # a part of the source's own: written as plans
            points = value[section.part]["points"] if section.part < len(value) else []
            name, value = "plans", [_plan_slice(p) for p in points]
        out[name] = value
    out["organisations"] = [{"name": o.name, "short": o.short_name} for o in facts.organisations]
    return out


def _plan_slice(plan: dict[str, Any]) -> dict[str, Any]:
    out = {"theme": plan["theme"], "measures": plan["measures"],
           "figures": [f["raw"] for f in plan["figures"] if f["required"]]}
    if plan.get("lead"):  # the source's words before its points: unnumbered, not counted
        out["lead"] = True
    return out


def _resolve_orgs(facts: Facts, highlight: dict[str, Any]) -> dict[str, Any]:
    items = []
    for item in highlight["items"]:
        org = facts.org(item.get("org"))
        items.append({"org_name": org.short_name if org else None, "statement": item["statement"],
                      "figures": [f["raw"] for f in item["figures"] if f["required"]]})
    return {**highlight, "items": items}


def _public_meta(facts: Facts) -> dict[str, Any]:
    """The meta a writer sees: who, to whom, when; not the file's own settings (genre, target)."""
    meta = facts.meta
    out: dict[str, Any] = {"title": meta.title, "speaker": meta.speaker.model_dump(mode="json", exclude_none=True),
                           "occasion": meta.occasion, "addressees": meta.addressees, "period": meta.period,
                           "salutation_line": meta.salutation_line}
    if meta.date:
        out["date"] = meta.date.isoformat()
    return {k: v for k, v in out.items() if v is not None}


class PromptLibrary:
    """Blueprints and templates from the user's folders, then the built-in one."""

    def __init__(self, prompts_dirs: Iterable[str | Path] | None = None,
                 examples: Iterable[str | Path] | None = None) -> None:
        from .resources import builtin_prompts_dir

        self.user_dirs = [Path(d) for d in (prompts_dirs or [])]
        for d in self.user_dirs:
            problem = folder_problem(d, "提示词目录")
            if problem:
                raise InputError(problem, path=str(d))
        self.dirs = [*self.user_dirs, builtin_prompts_dir()]
        self._blueprints: dict[str, Blueprint] = {}
        self._digests: dict[tuple[tuple[str, int, int], ...], str] = {}
        self.examples = [Path(d) for d in (examples or [])]
        for d in self.examples:
            problem = folder_problem(d, "范文目录")
            if problem:
                raise InputError(problem, path=str(d))
        self._styles: dict[str, dict[str, Any]] = {}
        # Heading templates are short strings from blueprints; compiling one costs far more than
        # rendering it, and the same few are rendered for every draft.
        self._compiled: dict[str, Any] = {}

    @cached_property
    def exemplar_index(self) -> Any:
        """The user's past speeches, split into paragraphs by role (built on first use)."""
        from .exemplars import ExemplarIndex

        return ExemplarIndex.from_folders(self.examples)

    def exemplars_for(self, facts: Facts, blueprint: Blueprint, section: SectionSpec,
                      data: dict[str, Any], k: int = 2) -> list[dict[str, Any]]:
        """The ``k`` past paragraphs of this section's role most like its facts (style only)."""
        from .exemplars import section_query
        from .outline import section_links

        links = section_links(facts, blueprint, section)
        query = "，".join([section_query(data), *links.get("plan_themes", []), *links.get("highlight_themes", [])])
        return [hit.to_data() for hit in self.exemplar_index.search(section.role, query, k)]

    def style(self, genre: str) -> dict[str, Any]:
        """The style guide of a genre: ``styles/common.yaml`` merged with ``styles/<genre>.yaml``."""
        if genre not in self._styles:
            merged: dict[str, Any] = {}
            for name in ("common", genre):
                path = next((d / "styles" / f"{name}.yaml" for d in self.dirs
                             if (d / "styles" / f"{name}.yaml").is_file()
                             and inside_folder(d, d / "styles" / f"{name}.yaml")), None)
                if path is not None:
                    merged = _merge_style(merged, _load_yaml_mapping(path, "文风指南"))
            merged.setdefault("principles", [])
            merged.setdefault("register", [])
            merged.setdefault("roles", {})
            expansions = merged.setdefault("expansions", {})
            expansions.setdefault("allowed", [])
            expansions.setdefault("rule", "扩写不得增加任何事实、数字和名称。")
            self._styles[genre] = merged
        return self._styles[genre]

    @cached_property
    def env(self) -> Any:
        from jinja2 import StrictUndefined

        from .sandbox import BoundedEnvironment

        env = BoundedEnvironment(  # a user's template cannot hang the process or fill its memory
            loader=_contained_loader(self.dirs),
            undefined=StrictUndefined,
            keep_trailing_newline=False,
            trim_blocks=True,
            lstrip_blocks=True,
            autoescape=False,
        )
        env.filters["cn_count"] = _cn_count
        return env

    # --- discovery ------------------------------------------------------------------------

    def genres(self) -> dict[str, Path]:
        """Genre id -> blueprint file."""
        return list_blueprints(self.user_dirs)

    def blueprint(self, genre: str) -> Blueprint:
        """A genre's blueprint (user folders first), parsed once per library."""
        if genre not in self._blueprints:
            self._blueprints[genre] = load_blueprint(genre, self.user_dirs)
        return self._blueprints[genre]

    def find(self, *names: str) -> tuple[str, Path]:
        """The first template name that exists in any folder, with the file it resolves to."""
        for name in names:
            for d in self.dirs:
                if (d / name).is_file():
                    return name, d / name
        raise InputError(f"找不到模板：{' 或 '.join(names)}")

    def system_template(self, genre: str) -> tuple[str, Path]:
        return self.find(f"{genre}/system.j2", "common/system.j2")

    def section_template(self, genre: str, section: SectionSpec) -> tuple[str, Path]:
        return self.find(f"{genre}/{section.id}.j2", f"common/{section.role}.j2")

    # --- rendering ------------------------------------------------------------------------

    def render_string(self, source: str, context: dict[str, Any], name: str) -> str:
        """Render a template string (headings in blueprints) with the same strict sandbox."""
        from jinja2 import TemplateError

        try:
            template = self._compiled.get(source)
            if template is None:
                template = self._compiled[source] = self.env.from_string(source)
            return self.env.render_bounded(template, context).strip()
        except (TemplateError, RecursionError) as exc:
            raise _template_error(exc, name) from None

    def _render_file(self, name: str, context: dict[str, Any]) -> str:
        from jinja2 import TemplateError

        try:
            return self.env.render_bounded(self.env.get_template(name), context).strip()
        except (TemplateError, RecursionError) as exc:
            raise _template_error(exc, name) from None

    def rewrite_messages(self, facts: Facts, blueprint: Blueprint, section: SectionSpec, current: str,
                         instruction: str, findings: list[Any]) -> list[dict[str, str]]:
        """The section prompt, the current text as the model's answer, then the user's instruction."""
        base = self.render(facts, blueprint, section)
        spec = base.payload["section"]
        views = [_finding_view(f) for f in findings]
        ask = self._render_file("common/rewrite.j2", {
            "section": spec, "instruction": instruction, "findings": views,
            # The user's request and the findings name facts: data, fenced (and masked) as such.
            "instruction_block": data_block("instruction", instruction),
            "findings_block": data_block("findings", views) if views else ""})
        return [*base.messages, {"role": "assistant", "content": current}, {"role": "user", "content": ask}]

    def continuation_message(self) -> dict[str, str]:
        """The user turn that asks for the rest of a reply cut at the length limit."""
        return {"role": "user", "content": self._render_file("repair/continue.j2", {})}

    def section_repair_messages(self, prompt: RenderedPrompt, current: str, findings: list[Any]) -> list[dict[str, str]]:
        """Whole-section repair: the section's prompt, its current text, then the findings."""
        views = [_finding_view(f) for f in findings]
        ask = self._render_file("repair/section.j2", {"findings": views, "findings_block": data_block("findings", views)})
        return [*prompt.messages, {"role": "assistant", "content": current}, {"role": "user", "content": ask}]

    def paragraph_repair_messages(self, section: SectionSpec, paragraphs: list[tuple[str, list[Any]]],
                                  facts_lines: list[str]) -> list[dict[str, str]]:
        """Repair of only the failing paragraphs of a section, each with its findings and the facts it needs."""
        views = [{"text": text, "findings": [f if isinstance(f, dict) else _finding_view(f) for f in fs]}
                 for text, fs in paragraphs]
        ctx = {"section": {"id": section.id, "title": section.title}, "paragraphs": views,
               "paragraphs_block": data_block("paragraphs", views),
               "facts_block": data_block("facts", facts_lines) if facts_lines else ""}
        return [{"role": "system", "content": self._render_file("repair/system.j2", ctx)},
                {"role": "user", "content": self._render_file("repair/paragraphs.j2", ctx)}]

    def judge_retry_message(self, problem: str) -> dict[str, str]:
        """The user turn that asks a judge whose reply did not parse to answer again."""
        # The problem may quote the reply (a figure, a name): data, fenced (and masked) as such.
        return {"role": "user", "content": self._render_file("judge/retry.j2", {
            "problem": problem, "problem_block": data_block("problem", problem)})}

    def ping_messages(self) -> list[dict[str, str]]:
        """The smallest possible request (``config check``)."""
        return [{"role": "user", "content": self._render_file("common/ping.j2", {})}]

    def judge_messages(self, criteria: list[str], draft: Any, facts: Facts) -> list[dict[str, str]]:
        """Messages asking a judge model to score ``draft`` on ``criteria`` (templates in judge/)."""
        ctx = _judge_context(criteria, draft, facts)
        return [{"role": "system", "content": self._render_file("judge/system.j2", ctx)},
                {"role": "user", "content": self._render_file("judge/rubric.j2", ctx)}]

    def headings(self, facts: Facts, blueprint: Blueprint) -> dict[str, str]:
        """Section id -> full heading with its number (一、四年来的主要工作成效)."""
        numbers = blueprint.heading_numbers()
        ctx = _base_context(facts, blueprint)
        out = {}
        for s in blueprint.sections:
            if s.heading:
                # The source's own heading (2020年工作安排), kept by `facts extract`, before the genre's stock one.
                text = facts.headings.get(s.id) or \
                    self.render_string(s.heading, ctx, f"blueprints/{blueprint.id}.yaml:{s.id}.heading")
                out[s.id] = numbers[s.id] + text
        return out

    def plan(self, facts: Facts, blueprint: Blueprint) -> SpeechPlan:
        """The headings and the outline of ``facts`` drafted as ``blueprint``, for :meth:`render`."""
        from .outline import build_outline

        headings = self.headings(facts, blueprint)
        outline = build_outline(facts, blueprint, headings)
        return SpeechPlan(headings, outline, outline.to_data())

    def render(self, facts: Facts, blueprint: Blueprint, section: SectionSpec,
               heading: str | None = None, previous: dict[str, str] | None = None,
               plan: SpeechPlan | None = None) -> RenderedPrompt:
        """Render the system and section prompts for one section.

        ``previous`` (sequential drafting) maps the ids of the sections already written to their
        text; they go to the model in a ``<previous>`` data block so it continues rather than repeats.
        ``plan`` is :meth:`plan` of the same facts and blueprint, made once for every section of a
        draft (without it, it is made here).
        """
        from .outline import holds_whole_speech, section_links

        check_needs(facts, blueprint, section)
        plan = plan or self.plan(facts, blueprint)
        if heading is None and section.heading:
            heading = plan.headings[section.id]
        outline = plan.outline
        outline_data = _copy_outline(plan.outline_data)
        part = outline.part(section.id)
        data = facts_slice(facts, section)
        spec = {
            "id": section.id,
            "title": section.title,
            "role": section.role,
            "heading": heading,
            "enumerator": section.enumerator,
            # The source's own marking may number the points of an unnumbered genre, or leave a
            # numbered genre's points plain: the markers are the points', not the genre's.
            "markers": [p.marker for p in part.points] if any(p.marker for p in part.points) else [],
            # target_chars is the section's share of the whole target; budget_chars what its
            # facts can carry (at most the share). The prompt's text asks for the budget only.
            "target_chars": part.chars,
            "budget_chars": part.budget,
            "points": [{"marker": p.marker, "theme": p.theme, "chars": p.chars, "budget": p.budget}
                       for p in part.points],
            "links": section_links(facts, blueprint, section),
            # The parts in order (their points are in the prompt's text outline); enough for a
            # writer to know what comes before and after without repeating every theme as JSON.
            "outline": [{k: p[k] for k in ("id", "role", "heading", "chars", "budget")} for p in plan.outline_data],
            # The facts hold a whole speech (one extracted from a complete text): a point shorter than
            # its even share is how the source weighed it, not a shortfall to fill.
            "facts_fill_target": holds_whole_speech(facts, blueprint),
        }
        if section.role == "requirements":
            spec["markers"] = [enumerator_word(section.enumerator, n, 3) for n in range(1, 4)]
        meta = _public_meta(facts)
        payload = {"genre": blueprint.id, "section": spec, "meta": meta, "facts": data}
        style = self.style(blueprint.id)
        examples = self.exemplars_for(facts, blueprint, section, data) if self.examples else []
        context = {
            **_base_context(facts, blueprint),
            "section": spec,
            "facts": data,
            "style": style,
            "role_style": style.get("roles", {}).get(section.role, []),
            "outline": outline_data,
            "examples": examples,
            "examples_block": data_block("examples", [e["text"] for e in examples]) if examples else "",
            "facts_block": data_block("facts", {"meta": meta, **data}),
            # genre: whose phrase bank the offline composer speaks; blueprint: the genre itself, whose
            # own phrases (政府工作报告 ends on its call, no 谢谢) come before the borrowed ones.
            "section_block": data_block("section", {"genre": blueprint.phrasing or blueprint.id,
                                                    "blueprint": blueprint.id, **spec}),
            # What the speaker, the occasion and the outline say comes from the facts: data, so it is
            # fenced (and masked) like the facts, and the instructions around it never hold a fact.
            "meta_block": data_block("meta", {**meta, **_when_data(facts)}),
            "outline_block": data_block("outline", _outline_view(outline_data, section.id)),
            "sequential": previous is not None,
            "previous_block": _previous_block(blueprint, previous),
            "shortcomings_before": _shortcomings_before(blueprint, section),
            "when": _when(facts),
            "gap_example": gap_marker("典型事例或群众评价", 150),
        }
        sys_name, sys_path = self.system_template(blueprint.id)
        sec_name, sec_path = self.section_template(blueprint.id, section)
        messages = [
            {"role": "system", "content": self._render_file(sys_name, context)},
            {"role": "user", "content": self._render_file(sec_name, context)},
        ]
        style_files = [d / "styles" / f"{n}.yaml" for n in ("common", blueprint.id) for d in self.dirs]
        digest = self._digest([p for p in [sys_path, sec_path, *style_files] if p.is_file()])
        return RenderedPrompt(section.id, messages, [sys_name, sec_name], digest, payload)

    def _digest(self, files: list[Path]) -> str:
        """The prompt version: a hash of the files' bytes, read again only when one of them changed
        (every section of every draft would otherwise re-read and re-hash the same files)."""
        stats = [p.stat() for p in files]
        key = tuple((str(p), st.st_mtime_ns, st.st_size) for p, st in zip(files, stats, strict=True))
        if key not in self._digests:
            self._digests[key] = hashlib.sha256(b"\0".join(p.read_bytes() for p in files)).hexdigest()
        return self._digests[key]


def _previous_block(blueprint: Blueprint, previous: dict[str, str] | None) -> str:
    """The text of the sections already written, in blueprint order, as a data block."""
    if not previous:
        return ""
    parts = [{"title": s.title, "text": previous[s.id]} for s in blueprint.sections
             if s.id in previous and s.role != "salutation" and previous[s.id].strip()]
    return data_block("previous", parts) if parts else ""


def _when_data(facts: Facts) -> dict[str, str]:
    """The speech's date and year as the ``<meta>`` block gives them (2026年12月3日, 2026年)."""
    when = _when(facts)
    return {"date": when["date"], "year": f"{when['year']}年"} if when else {}


def _outline_view(outline_data: list[dict[str, Any]], current: str) -> list[dict[str, Any]]:
    """The whole speech's plan as the ``<outline>`` block gives it, keyed in the prompt's own words
    (标题, 类别, 篇幅上限, 要点) so the instructions can name them; the part being written is marked
    本部分 and each of its points carries its own length cap."""
    out = []
    for part in outline_data:
        here = part.get("id") == current
        points: list[Any] = [_point_line(p.get("marker") or "", p.get("theme") or "") for p in part["points"]]
        if here:
            points = [{"要点": line, "篇幅上限": p.get("budget")} for line, p in zip(points, part["points"], strict=True)]
        out.append({"标题": part.get("heading") or part.get("title"), "类别": part.get("label"),
                    "篇幅上限": part.get("budget"), "要点": points, **({"本部分": True} if here else {})})
    return out


def _point_line(marker: str, theme: str) -> str:
    """一是加强… / 第一，加强…: a word marker that a theme cannot follow directly gets a comma."""
    return marker + ("，" if marker and marker[:1] in "第首其再最" else "") + theme


def _shortcomings_before(blueprint: Blueprint, section: SectionSpec) -> bool:
    """Whether the part that states the shortcomings comes before ``section`` in the speech."""
    ids = [s.id for s in blueprint.sections]
    holders = [ids.index(s.id) for s in blueprint.sections if "shortcomings" in s.feeds]
    return bool(holders) and min(holders) < ids.index(section.id)


def _when(facts: Facts) -> dict[str, Any]:
    """The speech's date in Chinese (2026年12月3日) and the year it implies; empty without a date."""
    date = facts.meta.date
    if date is None:
        return {}
    return {"date": f"{date.year}年{date.month}月{date.day}日", "year": date.year}


def _finding_view(f: Any) -> dict[str, str]:
    return {"code": f.code, "message": f.message, "suggestion": f.suggestion}


def _judge_context(criteria: list[str], draft: Any, facts: Facts) -> dict[str, Any]:
    meta = facts.meta.model_dump(mode="json")
    return {"criteria": criteria, "meta": meta,
            "meta_block": data_block("meta", {"title": meta.get("title"), "speaker_role": (meta.get("speaker") or {}).get("role")}),
            "draft_block": data_block("draft", draft.to_text())}


def check_needs(facts: Facts, blueprint: Blueprint, section: SectionSpec) -> None:
    """A required section whose facts are empty cannot be written: say which field is missing."""
    if not section.required:
        return
    for name in section.needs:
        # The field itself, not a dump of all the facts: this runs for every section of every draft.
        value = getattr(facts, name, None)
        if not value:
            raise InputError(f"文种 {blueprint.id} 的必需章节「{section.title}」({section.id}) "
                             f"需要事实字段 {name}，但它为空或缺失",
                             path=facts.source, field=name)


def _merge_style(base: dict[str, Any], extra: dict[str, Any]) -> dict[str, Any]:
    """Genre style on top of the common one: lists add lines, mappings merge, scalars replace."""
    out = dict(base)
    for key, value in extra.items():
        if isinstance(value, list) and isinstance(out.get(key), list):
            out[key] = [*out[key], *value]
        elif isinstance(value, dict) and isinstance(out.get(key), dict):
            out[key] = _merge_style(out[key], value)
        else:
            out[key] = value
    return out


def _load_yaml_mapping(path: Path, what: str) -> dict[str, Any]:
    import yaml

    from .files import read_text

    try:
        data = yaml.safe_load(read_text(path, what=what))
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark
        raise InputError(f"{what} YAML 格式错误（{exc.problem}）", path=str(path),
                         line=mark.line + 1 if mark else None) from None
    if not isinstance(data, dict):
        raise InputError(f"{what}顶层应为映射（键: 值）", path=str(path))
    return data


def _base_context(facts: Facts, blueprint: Blueprint) -> dict[str, Any]:
    meta = facts.meta.model_dump(mode="json")
    meta["salutation_line"] = facts.meta.salutation_line
    return {"meta": meta, "blueprint": {"id": blueprint.id, "name": blueprint.name,
                                        "description": blueprint.description,
                                        "chars_per_minute": blueprint.chars_per_minute}}


def _contained_loader(dirs: list[Path]) -> Any:
    """Templates from the prompt folders in order; a file reached through a link out of its folder is refused.

    A prompts folder is the user's data: a symlink in it must not pull ``/etc/passwd`` or another
    project's files into a prompt that is then sent to an endpoint.
    """
    from jinja2 import FileSystemLoader, TemplateNotFound
    from jinja2.loaders import split_template_path

    class ContainedLoader(FileSystemLoader):
        def get_source(self, environment: Any, template: str) -> tuple[str, str, Any]:
            pieces = split_template_path(template)
            for folder in dirs:
                path = folder.joinpath(*pieces)
                if not path.is_file():
                    continue
                if not inside_folder(folder, path):
                    raise InputError("模板是指向提示词目录之外的符号链接，已拒绝读取", path=str(path))
                text = read_text(path, what="模板文件")
                mtime = path.stat().st_mtime
                return text, str(path), lambda p=path, m=mtime: p.is_file() and p.stat().st_mtime == m
            raise TemplateNotFound(template)

    return ContainedLoader([str(d) for d in dirs])


def _cn_count(n: int) -> str:
    from .blueprint import cn_ordinal

    return cn_ordinal(int(n)) if int(n) > 0 else "零"


def _undefined_in_chinese(message: str) -> str:
    """Jinja's English 'x' is undefined / 'dict object' has no attribute 'y' as a Chinese phrase."""
    import re

    match = re.fullmatch(r"'(.+)' is undefined", message)
    if match:
        return f"「{match.group(1)}」未定义"
    match = re.fullmatch(r"'(.+?)' (?:object )?has no attribute '(.+)'", message)
    if match:
        return f"「{match.group(1)}」没有属性「{match.group(2)}」"
    return message


def _template_error(exc: Exception, name: str) -> InputError:
    from jinja2 import TemplateSyntaxError, UndefinedError

    from .sandbox import RenderLimit

    if isinstance(exc, RecursionError):
        return InputError("模板渲染失败：宏或 include 递归过深", path=name)

    if isinstance(exc, TemplateSyntaxError):
        return InputError(f"模板语法错误：{exc.message}", path=exc.filename or exc.name or name,
                          line=exc.lineno)
    line = None
    filename = name
    tb = exc.__traceback__
    while tb is not None:  # jinja maps template lines into the traceback's frames
        code = tb.tb_frame.f_code
        if code.co_filename.endswith((".j2", ".yaml")) or code.co_filename == "<template>":
            line = tb.tb_lineno
            if code.co_filename.endswith(".j2"):
                filename = code.co_filename
        tb = tb.tb_next
    if isinstance(exc, UndefinedError):
        return InputError(f"模板使用了未定义的变量（{_undefined_in_chinese(exc.message or '')}）", path=filename,
                          line=line)
    if isinstance(exc, RenderLimit):
        return InputError(f"模板渲染已中止：{exc}", path=filename, line=line)
    return InputError(f"模板渲染失败：{exc}", path=filename, line=line)

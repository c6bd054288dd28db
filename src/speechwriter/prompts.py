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

__all__ = ["PromptLibrary", "RenderedPrompt", "data_block", "facts_slice", "parse_data_block"]


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


def facts_slice(facts: Facts, section: SectionSpec) -> dict[str, Any]:
    """The part of the facts a section is written from, with organisation ids resolved."""
    dumped = facts.model_dump(mode="json", exclude={"notes"})
    out: dict[str, Any] = {}
    for name in section.feeds:
        if name == "meta":
            continue
        value = dumped.get(name)
        if name == "highlights":
            value = [_resolve_orgs(facts, hl) for hl in value]
        if name in ("names", "honours"):
            stated = "\n".join(facts.prose())
            value = [{**n, "stated_elsewhere": n["text"] in stated} for n in value]
        out[name] = value
    out["organisations"] = [{"id": o.id, "name": o.name, "short": o.short_name}
                            for o in facts.organisations]
    return out


def _resolve_orgs(facts: Facts, highlight: dict[str, Any]) -> dict[str, Any]:
    items = []
    for item in highlight["items"]:
        org = facts.org(item.get("org"))
        items.append({**item, "org_name": org.short_name if org else None,
                      "figures": [f["raw"] for f in item["figures"] if f["required"]]})
    return {**highlight, "items": items}


class PromptLibrary:
    """Blueprints and templates from the user's folders, then the built-in one."""

    def __init__(self, prompts_dirs: Iterable[str | Path] | None = None) -> None:
        from .resources import builtin_prompts_dir

        self.user_dirs = [Path(d) for d in (prompts_dirs or [])]
        for d in self.user_dirs:
            if not d.is_dir():
                raise InputError("提示词目录不存在", path=str(d))
        self.dirs = [*self.user_dirs, builtin_prompts_dir()]
        self._blueprints: dict[str, Blueprint] = {}

    @cached_property
    def env(self) -> Any:
        from jinja2 import FileSystemLoader, StrictUndefined
        from jinja2.sandbox import SandboxedEnvironment

        env = SandboxedEnvironment(
            loader=FileSystemLoader([str(d) for d in self.dirs]),
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
            return self.env.from_string(source).render(**context).strip()
        except TemplateError as exc:
            raise _template_error(exc, name) from None

    def _render_file(self, name: str, context: dict[str, Any]) -> str:
        from jinja2 import TemplateError

        try:
            return self.env.get_template(name).render(**context).strip()
        except TemplateError as exc:
            raise _template_error(exc, name) from None

    def rewrite_messages(self, facts: Facts, blueprint: Blueprint, section: SectionSpec, current: str,
                         instruction: str, findings: list[Any]) -> list[dict[str, str]]:
        """The section prompt, the current text as the model's answer, then the user's instruction."""
        base = self.render(facts, blueprint, section)
        spec = base.payload["section"]
        ask = self._render_file("common/rewrite.j2", {
            "section": spec, "instruction": instruction,
            "findings": [{"code": f.code, "message": f.message, "suggestion": f.suggestion} for f in findings]})
        return [*base.messages, {"role": "assistant", "content": current}, {"role": "user", "content": ask}]

    def continuation_message(self) -> dict[str, str]:
        """The user turn that asks for the rest of a reply cut at the length limit."""
        return {"role": "user", "content": self._render_file("repair/continue.j2", {})}

    def section_repair_messages(self, prompt: RenderedPrompt, current: str, findings: list[Any]) -> list[dict[str, str]]:
        """Whole-section repair: the section's prompt, its current text, then the findings."""
        ask = self._render_file("repair/section.j2", {"findings": [_finding_view(f) for f in findings]})
        return [*prompt.messages, {"role": "assistant", "content": current}, {"role": "user", "content": ask}]

    def paragraph_repair_messages(self, section: SectionSpec, paragraphs: list[tuple[str, list[Any]]],
                                  facts_lines: list[str]) -> list[dict[str, str]]:
        """Repair of only the failing paragraphs of a section, each with its findings and the facts it needs."""
        ctx = {"section": {"id": section.id, "title": section.title},
               "paragraphs": [{"text": text, "findings": [f if isinstance(f, dict) else _finding_view(f) for f in fs]}
                              for text, fs in paragraphs],
               "facts_block": data_block("facts", facts_lines) if facts_lines else ""}
        return [{"role": "system", "content": self._render_file("repair/system.j2", ctx)},
                {"role": "user", "content": self._render_file("repair/paragraphs.j2", ctx)}]

    def judge_retry_message(self, problem: str) -> dict[str, str]:
        """The user turn that asks a judge whose reply did not parse to answer again."""
        return {"role": "user", "content": self._render_file("judge/retry.j2", {"problem": problem})}

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
                text = self.render_string(s.heading, ctx, f"blueprints/{blueprint.id}.yaml:{s.id}.heading")
                out[s.id] = numbers[s.id] + text
        return out

    def render(self, facts: Facts, blueprint: Blueprint, section: SectionSpec,
               heading: str | None = None) -> RenderedPrompt:
        """Render the system and section prompts for one section."""
        check_needs(facts, blueprint, section)
        if heading is None and section.heading:
            heading = self.headings(facts, blueprint)[section.id]
        target_total = facts.meta.target.resolved_chars(blueprint.chars_per_minute)
        data = facts_slice(facts, section)
        points = _point_count(section, data)
        spec = {
            "id": section.id,
            "title": section.title,
            "role": section.role,
            "heading": heading,
            "enumerator": section.enumerator,
            "point_level": section.point_level,
            "markers": [enumerator_word(section.enumerator, n, points) for n in range(1, points + 1)],
            "target_chars": max(20, round(target_total * section.share)),
        }
        meta = facts.meta.model_dump(mode="json")
        meta["salutation_line"] = facts.meta.salutation_line
        payload = {"genre": blueprint.id, "section": spec, "meta": meta, "facts": data}
        context = {
            **_base_context(facts, blueprint),
            "section": spec,
            "facts": data,
            "facts_block": data_block("facts", {"meta": meta, **data}),
            "section_block": data_block("section", {"genre": blueprint.id, **spec}),
        }
        sys_name, sys_path = self.system_template(blueprint.id)
        sec_name, sec_path = self.section_template(blueprint.id, section)
        messages = [
            {"role": "system", "content": self._render_file(sys_name, context)},
            {"role": "user", "content": self._render_file(sec_name, context)},
        ]
        digest = hashlib.sha256(sys_path.read_bytes() + b"\0" + sec_path.read_bytes()).hexdigest()
        return RenderedPrompt(section.id, messages, [sys_name, sec_name], digest, payload)


def _finding_view(f: Any) -> dict[str, str]:
    return {"code": f.code, "message": f.message, "suggestion": f.suggestion}


def _judge_context(criteria: list[str], draft: Any, facts: Facts) -> dict[str, Any]:
    return {"criteria": criteria, "meta": facts.meta.model_dump(mode="json"),
            "draft_block": data_block("draft", draft.to_text())}


def check_needs(facts: Facts, blueprint: Blueprint, section: SectionSpec) -> None:
    """A required section whose facts are empty cannot be written: say which field is missing."""
    if not section.required:
        return
    dumped = facts.model_dump(mode="json")
    for name in section.needs:
        value = dumped.get(name)
        if not value:
            raise InputError(f"文种 {blueprint.id} 的必需章节「{section.title}」({section.id}) "
                             f"需要事实字段 {name}，但它为空或缺失",
                             path=facts.source, field=name)


def _point_count(section: SectionSpec, data: dict[str, Any]) -> int:
    if section.role == "achievements":
        return len(data.get("highlights") or [])
    if section.role == "plans":
        return len(data.get("plans") or [])
    if section.role in ("assessment", "situation"):
        return len(data.get("shortcomings") or [])
    return 0


def _base_context(facts: Facts, blueprint: Blueprint) -> dict[str, Any]:
    meta = facts.meta.model_dump(mode="json")
    meta["salutation_line"] = facts.meta.salutation_line
    return {"meta": meta, "blueprint": {"id": blueprint.id, "name": blueprint.name,
                                        "chars_per_minute": blueprint.chars_per_minute}}


def _cn_count(n: int) -> str:
    from .blueprint import cn_ordinal

    return cn_ordinal(int(n)) if int(n) > 0 else "零"


def _template_error(exc: Exception, name: str) -> InputError:
    from jinja2 import TemplateSyntaxError, UndefinedError

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
        return InputError(f"模板使用了未定义的变量（{exc.message}）", path=filename, line=line)
    return InputError(f"模板渲染失败：{exc}", path=filename, line=line)

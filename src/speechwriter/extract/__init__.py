"""From source materials to a facts file, every figure traced to its source.

``extract_facts(["工会.txt", "团委.docx"], orgs=["union=市总工会,工会", ...])`` reads the sources,
extracts facts with the offline rules (default) or an LLM, and returns the commented YAML text of
a facts file that passes ``facts check``, together with the loaded :class:`~speechwriter.facts.Facts`.
Every item carries its provenance (file, line, sentence); what the extractor only guessed is
marked for review. ``check_provenance`` is the other direction: every figure of a facts file
traced back to a source sentence (``facts check --sources``).

Modules: ``sources`` (reading .txt/.md/.docx), ``text`` (sentences, numbering), ``outline``
(headings and sentences of a source), ``figures`` (which numbers are figures), ``offline`` and
``llm`` (the two extractors), ``limits`` (fitting a facts file's caps), ``render`` (commented YAML),
``provenance`` (the check), ``genre`` (which genre a text is, for ``genre="auto"``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..engines.base import Engine
from ..errors import InputError
from ..facts import Facts, Organisation, parse_facts
from .genre import AUTO, GenreGuess, detect_genre
from .llm import LLMOptions
from .organisations import parse_org_spec, parse_org_specs
from .provenance import ProvenanceFinding, check_provenance
from .sources import SOURCE_SUFFIXES, Source, read_source, read_sources

if TYPE_CHECKING:
    from ..workspace import Workspace

__all__ = [
    "AUTO",
    "SOURCE_SUFFIXES",
    "ExtractResult",
    "GenreGuess",
    "LLMOptions",
    "ProvenanceFinding",
    "Source",
    "check_output",
    "check_provenance",
    "detect_genre",
    "extract_facts",
    "parse_org_spec",
    "parse_org_specs",
    "read_source",
    "read_sources",
    "write_facts_file",
]


@dataclass
class ExtractResult:
    """The facts file's text, the facts it loads as, and what the reviewer should know."""

    text: str
    facts: Facts
    engine: str
    sources: list[Source]
    warnings: list[str] = field(default_factory=list)
    run_id: str | None = None
    genre_guess: GenreGuess | None = None  # with genre="auto": which genre the text was taken for, and why

    @property
    def figures(self) -> int:
        return sum(1 for _ in self.facts.figure_refs())

    @property
    def items(self) -> int:
        return sum(len(h.items) for h in self.facts.highlights)

    @property
    def to_review(self) -> int:
        """Places the reviewer must look at: the 待核 / 待填 comments of the file."""
        return sum(1 for line in self.text.splitlines() if line.lstrip().startswith(("# 待核", "# 待填")))


@lru_cache(maxsize=16)
def _blueprint(library: Any, genre: str) -> Any:
    """A library's blueprint, loaded once per library (batch extraction reuses one library)."""
    return library.blueprint(genre)


def _header(engine: str, sources: list[Source], output_name: str) -> list[str]:
    how = "离线规则抽取，未调用大模型" if engine == "offline" else f"大模型抽取（{engine}），已逐条校验数字出处"
    names = " ".join(s.name for s in sources)
    return [
        f"事实文件：由 speechwriter facts extract 从材料中抽取（{how}）。",
        f"来源材料：{'、'.join(s.name for s in sources)}",
        "审核要点：",
        "  1. 标有「待核」「待填」的条目请人工核对；核对无误后删去该条 provenance 中的 review 和对应注释。",
        "  2. 每个事项的 provenance 记下来源文件、行号（.docx 为段落序号）和原句；数字照原文写法抄录。",
        f"  3. 改完后运行 speechwriter facts check {output_name} --sources {names}，核对每个数字的出处。",
    ]


def extract_facts(
    sources: list[str | Path] | list[Source],
    *,
    orgs: list[str] | list[Organisation] | None = None,
    genre: str = AUTO,
    engine: str | Engine = "offline",
    workspace: Workspace | None = None,
    output_name: str = "facts.yaml",
    llm_options: LLMOptions | None = None,
    use_cache: bool = True,
    verify: bool = True,
) -> ExtractResult:
    """Extract a facts file from ``sources``; see the package docstring.

    ``genre`` is a blueprint id, or ``"auto"`` (the default): the genre the text says it is
    (``result.genre_guess`` says which and why). ``engine`` is ``"offline"`` (the default), ``"openai"`` (the workspace's configured endpoint)
    or an :class:`~speechwriter.engines.Engine`. ``workspace`` (default: the current folder)
    gives the prompt folders, the reply cache and the run records. ``verify`` (the default) loads
    the rendered text back through ``facts check``; without it only the facts model is validated.
    Bad input raises :class:`InputError`; an LLM that never gives a valid reply raises
    :class:`~speechwriter.engines.EngineError`, and nothing is written either way.
    """
    from ..workspace import Workspace

    ws = workspace or Workspace()
    organisations = [o if isinstance(o, Organisation) else parse_org_spec(o) for o in orgs or []]
    if len({o.id for o in organisations}) != len(organisations):
        raise InputError("--org 的 ID 有重复")
    library = ws.library()
    if all(isinstance(s, Source) for s in sources):
        srcs: list[Source] = list(sources)  # type: ignore[arg-type]
    else:
        srcs = read_sources([s for s in sources if not isinstance(s, Source)])
    guess = None
    if genre == AUTO:  # the genre the text says it is (rules in prompts/genres/detect.yaml)
        guess = detect_genre(srcs, library.dirs, set(library.genres()))
        genre = guess.genre
    blueprint = _blueprint(library, genre)
    needs = tuple(dict.fromkeys(n for s in blueprint.sections if s.required for n in s.needs))
    run_id = None
    if engine == "offline" or (isinstance(engine, Engine) and engine.rule_based):  # rules extract offline
        from .offline import extract_offline

        plans_section = next((s.id for s in blueprint.sections if s.role == "plans"), None)
        ids = [s.id for s in blueprint.sections]
        # The section a part that stands before the tasks (总体要求) follows.
        before_plans = ids[ids.index(plans_section) - 1] if plans_section and ids.index(plans_section) > 0 else None
        # A genre without a results section (speech) keeps every part of the source as a part of its own.
        all_parts = not any(s.role in ("achievements", "plans") for s in blueprint.sections)
        extraction = extract_offline(srcs, organisations, genre=genre, genre_name=blueprint.name, needs=needs,
                                     plans_section=plans_section, all_parts=all_parts, before_plans=before_plans,
                                     headed=blueprint.headed_sections())
        engine_name = "offline"
    else:
        from .llm import extract_with_llm

        chosen = ws.engine(engine) if isinstance(engine, str) else engine
        extraction, engine_name, run_id = extract_with_llm(srcs, organisations, genre=genre, needs=needs,
                                                           engine=chosen, workspace=ws, options=llm_options,
                                                           use_cache=use_cache)
    from .render import render_yaml

    text = render_yaml(extraction.data, extraction.comments, _header(engine_name, srcs, output_name))
    try:
        # The written text itself goes through `facts check`; without ``verify`` only the model.
        facts = parse_facts(text, fmt=".yaml", name=output_name) if verify else Facts.model_validate(extraction.data)
    except (InputError, ValueError) as exc:  # a bug in the extractor, not in the user's input
        from ..errors import SpeechwriterError

        raise SpeechwriterError(f"抽取结果未通过事实文件检查（这是 speechwriter 的缺陷，请报告）：{exc}") from None
    return ExtractResult(text, facts, engine_name, srcs, list(extraction.warnings), run_id, guess)


def write_facts_file(result: ExtractResult, output: Path, *, force: bool = False) -> Path:
    """Write the extracted facts atomically; an existing file is kept unless ``force``."""
    from ..files import write_text_atomic

    check_output(output, force)
    return write_text_atomic(output, result.text)


def check_output(output: Path, force: bool) -> None:
    """Refuse a bad output path before any work is done."""
    if output.suffix.lower() not in (".yaml", ".yml"):
        raise InputError("输出文件应为 .yaml 或 .yml", path=str(output))
    if output.is_dir():
        raise InputError("这是一个目录", path=str(output))
    if output.exists() and not force:
        raise InputError("文件已存在，如需覆盖请加 --force", path=str(output))
    from ..files import check_writable_dir

    check_writable_dir(output.parent)

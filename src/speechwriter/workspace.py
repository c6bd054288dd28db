"""The workspace: one object that owns a project folder's state and hands out what drafting needs.

Like sqlite-utils' ``Database``, a :class:`Workspace` owns one folder — its ``.speechwriter/``
(run records, reply cache, refine sessions) and ``speechwriter.toml`` — and hands out engines,
prompt libraries (blueprints, templates and phrase banks loaded once) and callers with stored
defaults. Every draft, whether from the CLI, an eval case or a refine session, goes through
:meth:`Workspace.draft` / :meth:`Workspace.adraft`::

    from speechwriter import Workspace, load_facts
    ws = Workspace()                      # the current folder
    result = ws.draft(load_facts("fixtures/facts/work_report_gongqingfu.yaml"))
    print(result.draft.to_text(), result.report.ok())
"""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Callable, Iterable
from contextlib import contextmanager
from dataclasses import replace
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .errors import InputError, WriteError

if TYPE_CHECKING:
    from collections.abc import Iterator

    from .config import Settings
    from .draft import Draft
    from .engines.base import Engine
    from .facts.model import Facts
    from .pipeline.cache import ReplyCache
    from .pipeline.calls import EngineCaller, RequestCollector
    from .pipeline.drafting import DraftOptions, DraftResult, Progress
    from .pipeline.runs import RunRecorder
    from .prompts import PromptLibrary

__all__ = ["PROMPTS_ENV", "Workspace", "draft_speech"]

PROMPTS_ENV = "SPEECHWRITER_PROMPTS"
STATE_DIR = ".speechwriter"


def _resolved_folder(path: str | Path, what: str = "提示词目录") -> Path:
    """``path`` with links resolved; a link loop or a broken folder is one Chinese line, not a RuntimeError."""
    from .errors import InputError
    from .files import folder_problem

    try:
        return Path(path).resolve()
    except (OSError, RuntimeError):
        raise InputError(folder_problem(path, what) or f"{what}无法访问", path=str(path)) from None


class Workspace:
    """A project folder: its ``.speechwriter/`` state, its settings and its prompt folders.

    ``prompts``: folders searched before the built-in prompts. When not given, the order is
    ``$SPEECHWRITER_PROMPTS`` (``os.pathsep``-separated), then ``prompts = [...]`` in the config.
    """

    def __init__(self, root: str | Path | None = None, *, prompts: Iterable[str | Path] | None = None,
                 settings: Settings | None = None, examples: Iterable[str | Path] | None = None) -> None:
        self.root = Path(root) if root is not None else Path.cwd()
        self._explicit_prompts = [Path(p) for p in prompts] if prompts else None
        self._explicit_examples = [Path(p) for p in examples] if examples else None
        self._settings = settings
        self._libraries: dict[tuple[Path, ...], PromptLibrary] = {}
        self._engines: dict[tuple[Any, ...], Engine] = {}
        self.warnings: list[str] = []
        self.on_warning: Callable[[str], None] | None = None
        """Told of each warning (the CLI prints them); they are also kept in :attr:`warnings`."""

    def __repr__(self) -> str:
        return f"Workspace({str(self.root)!r})"

    def warn(self, message: str) -> None:
        """Note something that went wrong but did not stop the work (a cache or record left out)."""
        if message in self.warnings:
            return
        self.warnings.append(message)
        if self.on_warning is not None:
            self.on_warning(message)

    # --- layout ---------------------------------------------------------------------------

    @property
    def state_dir(self) -> Path:
        return self.root / STATE_DIR

    @property
    def runs_dir(self) -> Path:
        return self.state_dir / "runs"

    @property
    def cache_path(self) -> Path:
        return self.state_dir / "cache.sqlite"

    @property
    def sessions_dir(self) -> Path:
        return self.state_dir / "sessions"

    @property
    def evals_dir(self) -> Path:
        return self.state_dir / "evals"

    # --- settings and prompts -------------------------------------------------------------

    @property
    def settings(self) -> Settings:
        if self._settings is None:
            from .config import config_paths, load_settings

            self._settings = load_settings(config_paths(self.root))
            for message in self._settings.warnings:
                self.warn(message)
        return self._settings

    @cached_property
    def prompt_dirs(self) -> list[Path]:
        """User prompt folders in lookup order (all before the built-in one)."""
        if self._explicit_prompts:
            return list(self._explicit_prompts)
        env = os.environ.get(PROMPTS_ENV)
        if env:
            return [Path(p) for p in env.split(os.pathsep) if p]
        return [Path(p) for p in self.settings.prompts]

    @cached_property
    def example_dirs(self) -> list[Path]:
        """Folders of the user's past speeches (``--examples``, else ``examples = [...]`` in the config)."""
        if self._explicit_examples:
            return list(self._explicit_examples)
        return [Path(p) for p in self.settings.examples]

    def library(self, prompts: Iterable[str | Path] | None = None) -> PromptLibrary:
        """The prompt library for ``prompts`` (default: :attr:`prompt_dirs`), built once and kept."""
        from .prompts import PromptLibrary

        dirs = tuple(_resolved_folder(p) for p in (prompts if prompts is not None else self.prompt_dirs))
        if dirs not in self._libraries:
            self._libraries[dirs] = PromptLibrary(dirs, examples=self.example_dirs)
        return self._libraries[dirs]

    # --- engines --------------------------------------------------------------------------

    def engine(self, name: str | None = None, *, profile: str | None = None, model: str | None = None,
               base_url: str | None = None, temperature: float | None = None,
               prompts: Iterable[str | Path] | None = None) -> Engine:
        """The engine called ``name`` (registered in :data:`speechwriter.engines.ENGINES`).

        With None: the OpenAI-compatible engine when an endpoint is configured (a default
        profile, ``OPENAI_BASE_URL`` or ``SPEECHWRITER_MODEL``, or any option here), else the
        offline composer. Engines are built once per set of options and kept.
        """
        from .config import endpoint_configured
        from .engines import ENGINES, EngineSpec

        if name is None:
            explicit = any(v is not None for v in (profile, model, base_url))
            name = "openai" if explicit or endpoint_configured(self.settings) else "offline"
        if name not in ENGINES:
            raise InputError(f"未知引擎「{name}」，可选：{'、'.join(ENGINES)}")
        dirs = tuple(self.library(prompts).user_dirs)
        key = (name, profile, model, base_url, temperature, dirs)
        if key not in self._engines:
            spec = EngineSpec(prompts_dirs=dirs, profile=profile, model=model, base_url=base_url,
                              temperature=temperature, settings=self.settings)
            self._engines[key] = ENGINES[name](spec)
        return self._engines[key]

    def engine_like(self, info: dict[str, Any], *, name: str | None = None, profile: str | None = None,
                    model: str | None = None, base_url: str | None = None) -> Engine:
        """The engine a recorded run or session used, unless an option here says otherwise."""
        chosen = name or info.get("name")
        if chosen not in ("openai", "langchain"):
            return self.engine(chosen)
        return self.engine(chosen, profile=profile or info.get("profile"), model=model or info.get("model"),
                           base_url=base_url or info.get("base_url"))

    # --- cache, runs, cost ----------------------------------------------------------------

    @contextmanager
    def reply_cache(self, enabled: bool = True) -> Iterator[ReplyCache | None]:
        """The reply cache (``.speechwriter/cache.sqlite``), closed afterwards; None when disabled.

        A cache that cannot be opened (read-only, not a database, a directory in its place) is a
        warning, and the run goes on without it.
        """
        if not enabled:
            yield None
            return
        from .pipeline.cache import CacheUnavailable, ReplyCache

        try:
            cache = ReplyCache(self.cache_path, on_error=self.warn)
        except CacheUnavailable as exc:
            self.warn(f"回复缓存不可用，本次不使用缓存（{self.cache_path}：{exc}）")
            yield None
            return
        try:
            yield cache
        finally:
            cache.close()

    def new_run(self, meta: dict[str, Any]) -> RunRecorder | None:
        """A new run record under :attr:`runs_dir`; None, with a warning, when it cannot be written."""
        from .pipeline.runs import RunRecorder

        try:
            return RunRecorder.create(meta, self.runs_dir, on_error=self.warn)
        except WriteError as exc:
            self.warn(f"无法写入运行记录，本次运行不保存记录（--resume 与 runs show 不可用）：{exc}")
            return None

    def runs(self) -> list[dict[str, Any]]:
        """Every recorded run's ``run.json``, newest first."""
        from .pipeline.runs import list_runs

        return list_runs(self.runs_dir)

    def run(self, run_id: str) -> RunRecorder:
        """A recorded run by id (a unique prefix is enough)."""
        from .pipeline.runs import open_run

        return open_run(run_id, self.runs_dir)

    def facts_of_run(self, run_id: str) -> Path:
        path = self.run(run_id).meta.get("facts_path")
        if not path:
            raise InputError(f"运行 {run_id} 没有记录事实文件路径，请在命令中给出")
        return Path(path)

    def price(self, model: str | None) -> dict[str, float] | None:
        """Per-1,000-token prices of ``model`` from the config, if given."""
        return self.settings.prices.get(model or "")

    def cost(self, engine: Engine, prompt_tokens: int, completion_tokens: int) -> float | None:
        """Estimated cost by the configured prices; None for rule-based engines or unknown prices."""
        if engine.rule_based:
            return None
        price = self.price(engine.model_name)
        if not price:
            return None
        return round(prompt_tokens / 1000 * price.get("input", 0) + completion_tokens / 1000 * price.get("output", 0),
                     6)

    # --- the one drafting path ------------------------------------------------------------

    def caller(self, engine: Engine, *, cache: ReplyCache | None = None, recorder: RunRecorder | None = None,
               salt: str = "", prompts: Iterable[str | Path] | None = None,
               max_continuations: int = 2, collector: RequestCollector | None = None,
               facts: Facts | None = None, mask: Iterable[str] | None = None) -> EngineCaller:
        """An :class:`EngineCaller` for ``engine``: cache, run record and continuation prompt wired in.

        With ``facts``, what ``mask`` names (default: the engine's profile setting) is masked before any
        request leaves and unmasked in the replies (:mod:`speechwriter.masking`).
        """
        from .pipeline.calls import EngineCaller

        kinds = tuple(mask) if mask is not None else engine.masking
        masker = None
        if facts is not None and kinds and not engine.rule_based:
            from .masking import Masker

            masker = Masker.from_facts(facts, kinds)
        return EngineCaller(engine, cache=cache, recorder=recorder, salt=salt, max_continuations=max_continuations,
                            continuation=self.library(prompts).continuation_message(), collector=collector,
                            masker=masker, on_warning=self.warn)

    def draft(self, facts: Facts, *, genre: str | None = None, engine: Engine | None = None,
              options: DraftOptions | None = None, prompts: Iterable[str | Path] | None = None,
              use_cache: bool = True, record: bool = True, resume: str | None = None,
              progress: Progress | None = None,
              on_start: Callable[[RunRecorder], None] | None = None,
              collector: RequestCollector | None = None) -> DraftResult:
        """Draft, validate and repair (blocking); see :meth:`adraft`."""
        from .engines.base import run_sync

        return run_sync(self.adraft(facts, genre=genre, engine=engine, options=options, prompts=prompts,
                                    use_cache=use_cache, record=record, resume=resume, progress=progress,
                                    on_start=on_start, collector=collector))

    async def adraft(self, facts: Facts, *, genre: str | None = None, engine: Engine | None = None,
                     options: DraftOptions | None = None, prompts: Iterable[str | Path] | None = None,
                     use_cache: bool = True, record: bool = True, resume: str | None = None,
                     progress: Progress | None = None,
                     on_start: Callable[[RunRecorder], None] | None = None,
                     collector: RequestCollector | None = None) -> DraftResult:
        """Draft ``facts``: sections in parallel, validate, repair only what fails.

        ``record`` keeps a run record under ``.speechwriter/runs/`` (what ``--resume`` and
        ``runs show`` read); ``resume`` is a run id whose finished sections are reused. With a
        ``collector``, requests the cache cannot answer are collected instead of sent (batch mode).
        """
        from .pipeline.drafting import DraftOptions, run_draft

        library = self.library(prompts)
        engine = engine or self.engine(prompts=prompts)
        options = options or DraftOptions()
        recorder = self._resume_run(facts, resume) if resume else None
        genre = genre or (recorder.meta.get("genre") if recorder else None) or facts.meta.genre
        if recorder is None and record:
            recorder = self._new_run(facts, genre, engine, library, options)
        if recorder is not None and on_start:
            on_start(recorder)
        engine.warm()  # build clients before the first section's clock starts
        try:
            with self.reply_cache(use_cache and not engine.rule_based) as cache:
                caller = self.caller(engine, cache=cache, recorder=recorder, salt=options.salt, prompts=prompts,
                                     max_continuations=options.max_continuations, collector=collector,
                                     facts=facts, mask=options.mask)
                result = await run_draft(facts, genre=genre, caller=caller, library=library, options=options,
                                         progress=progress)
        except BaseException:
            if recorder is not None:
                recorder.save_meta(status="interrupted")
            raise
        if recorder is not None:
            self._close_run(recorder, result, engine)
        else:
            result.cost = self.cost(engine, result.prompt_tokens, result.completion_tokens)
        return result

    def _resume_run(self, facts: Facts, run_id: str) -> RunRecorder:
        recorder = self.run(run_id)
        recorder.on_error = self.warn
        if recorder.meta.get("facts_sha256") != facts.sha256:
            raise InputError(f"事实文件自运行 {recorder.id} 以来已修改，不能续写；请重新起草")
        recorder.save_meta(status="running", resumed_at=dt.datetime.now().isoformat(timespec="seconds"))
        return recorder

    def _new_run(self, facts: Facts, genre: str, engine: Engine, library: PromptLibrary,
                 options: DraftOptions) -> RunRecorder | None:
        info = engine.describe()
        return self.new_run({
            "facts_path": str(Path(facts.source).resolve()) if facts.source else None,
            "facts_sha256": facts.sha256,
            "genre": genre,
            "blueprint_sha256": library.blueprint(genre).sha256,
            "engine": {"name": info.name, "model": info.model, "base_url": info.base_url, "profile": info.profile,
                       "rule_based": info.rule_based, **({"settings": engine.public_settings()}
                                                         if engine.public_settings() else {})},
            "options": replace(options).__dict__,
            "prompts_dirs": [str(d) for d in library.user_dirs],
            "examples": [str(d) for d in library.examples],
        })

    def _close_run(self, recorder: RunRecorder, result: DraftResult, engine: Engine) -> None:
        usage = {"calls": result.calls, "cache_hits": result.cache_hits, "prompt_tokens": result.prompt_tokens,
                 "completion_tokens": result.completion_tokens}
        cost = result.cost = self.cost(engine, result.prompt_tokens, result.completion_tokens)
        recorder.save_final(result.draft.to_json(), result.report.to_json())
        recorder.save_meta(status="ok" if result.ok else ("failed" if result.failed else "errors"),
                           usage=usage, cost=cost,
                           prompts={p.section: p.template_sha256 for p in result.draft.prompts})


def draft_speech(facts: Facts, *, genre: str | None = None, engine: Engine | None = None,
                 prompts_dirs: Iterable[str | Path] | None = None, options: DraftOptions | None = None) -> Draft:
    """Draft a speech from ``facts`` in the current folder's workspace (blocking, no run record, no cache).

    A convenience over :meth:`Workspace.draft`::

        from speechwriter import draft_speech, load_facts
        draft = draft_speech(load_facts("fixtures/facts/work_report_gongqingfu.yaml"))
        print(draft.to_text())
    """
    ws = Workspace(prompts=prompts_dirs)
    return ws.draft(facts, genre=genre, engine=engine, options=options, record=False, use_cache=False).draft

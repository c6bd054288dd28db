"""Where a finished draft goes: never a worse draft over a better one.

``draft -o OUT`` writes OUT.json and OUT.md. A run that failed (endpoint down, every request
refused) or came back thinner than what is already there must not replace it: the new attempt
stays in the run folder (or beside the output as ``OUT.new.json`` when there is no run record)
and the previous draft is kept.

"As good" is defined by :func:`standing`: first the number of sections with text (the salutation
does not count), then — only when both drafts come from the same facts — fewer or equally many
validation errors. A new draft with no section of text never replaces anything.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from ..blueprint import Blueprint
from ..draft import Draft, load_draft
from ..errors import SpeechwriterError
from ..facts.model import Facts
from ..files import write_text_atomic
from ..validate.checks import Report, validate

__all__ = ["SaveOutcome", "Standing", "save_draft_output", "standing"]


@dataclass(frozen=True)
class Standing:
    """How complete a draft is: sections with text, and its validation errors."""

    sections: int
    errors: int
    facts_sha256: str | None = None

    def at_least(self, old: Standing) -> bool:
        """Whether a draft of this standing may replace one of ``old``'s."""
        if self.sections == 0:
            return False
        if self.sections != old.sections:
            return self.sections > old.sections
        if self.facts_sha256 and self.facts_sha256 == old.facts_sha256:
            return self.errors <= old.errors  # same facts: a draft with more errors is worse
        return True  # other facts: the old errors measure nothing about the new draft


def standing(draft: Draft, report: Report | None) -> Standing:
    """The :class:`Standing` of ``draft`` (``report`` is its validation report, if known)."""
    with_text = sum(1 for s in draft.sections if s.role != "salutation" and s.body.strip())
    errors = len(report.errors) if report is not None else 0
    return Standing(sections=with_text, errors=errors, facts_sha256=draft.facts_sha256)


def _old_standing(path: Path, facts: Facts, blueprint: Blueprint) -> Standing | None:
    """The standing of the draft already at ``path``; None when there is none (or not a draft)."""
    if not path.is_file():
        return None
    try:
        old = load_draft(path)
    except SpeechwriterError:
        return None  # not a draft: ``output_paths`` let it through only with --force
    try:
        report = validate(old, facts, blueprint) if old.facts_sha256 == facts.sha256 else None
    except Exception:  # an old draft that no longer validates (any reason) is judged by its sections
        report = None
    return standing(old, report)


@dataclass
class SaveOutcome:
    """What :func:`save_draft_output` did."""

    json_path: Path
    md_path: Path
    replaced: bool
    """True when the new draft is now at ``json_path`` and ``md_path``."""
    new: Standing
    old: Standing | None = None

    @property
    def kept(self) -> bool:
        """True when an earlier draft was kept and the new one went elsewhere."""
        return not self.replaced and self.old is not None


def save_draft_output(draft: Draft, report: Report, json_path: Path, md_path: Path, *, facts: Facts,
                      blueprint: Blueprint, run_folder: Path | None = None) -> SaveOutcome:
    """Write ``draft`` to ``json_path``/``md_path`` only when it is at least as good as what is there.

    Otherwise (or when it has no section of text at all) it goes to ``run_folder/draft.json`` and
    ``draft.md`` — or ``OUT.new.json``/``OUT.new.md`` beside the output without a run folder — and
    the returned outcome's ``json_path``/``md_path`` say where. Writes are atomic.
    """
    new = standing(draft, report)
    old = _old_standing(json_path, facts, blueprint)
    if new.sections > 0 and (old is None or new.at_least(old)):
        draft.facts_relative_to(json_path).save(json_path)
        write_text_atomic(md_path, draft.to_markdown())
        return SaveOutcome(json_path, md_path, replaced=True, new=new, old=old)
    if run_folder is not None and run_folder.is_dir():
        where_json, where_md = run_folder / "draft.json", run_folder / "draft.md"
    else:
        base = str(json_path)[: -len(".json")]
        where_json, where_md = Path(f"{base}.new.json"), Path(f"{base}.new.md")
    draft.facts_relative_to(where_json).save(where_json)
    write_text_atomic(where_md, draft.to_markdown())
    return SaveOutcome(where_json, where_md, replaced=False, new=new, old=old)

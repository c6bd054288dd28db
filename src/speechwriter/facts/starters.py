"""Annotated starter facts files, one per genre, kept as data in ``prompts/starters/``."""

from __future__ import annotations

from pathlib import Path

from ..errors import InputError
from ..resources import builtin_prompts_dir


def starter_genres(prompts_dir: Path | None = None) -> list[str]:
    """Genres that have a starter file."""
    folder = (prompts_dir or builtin_prompts_dir()) / "starters"
    return sorted(p.stem for p in folder.glob("*.yaml"))


def starter_text(genre: str, prompts_dir: Path | None = None) -> str:
    """The annotated starter facts file for ``genre``; it passes ``facts check`` as it is."""
    path = (prompts_dir or builtin_prompts_dir()) / "starters" / f"{genre}.yaml"
    if not path.is_file():
        known = "、".join(starter_genres(prompts_dir))
        raise InputError(f"未知文种「{genre}」，可选：{known}")
    return path.read_text(encoding="utf-8")

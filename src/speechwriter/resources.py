"""Where the package's data lives: the built-in prompts folder."""

from __future__ import annotations

from functools import cache
from pathlib import Path


@cache
def builtin_prompts_dir() -> Path:
    """The prompts folder shipped with speechwriter.

    An installed wheel carries it as ``speechwriter/_prompts``; an editable install reads the
    repository's top-level ``prompts/`` directly, so edits there take effect at once.
    """
    here = Path(__file__).resolve().parent
    for candidate in (here / "_prompts", here.parent.parent / "prompts"):
        if (candidate / "blueprints").is_dir():
            return candidate
    raise FileNotFoundError("找不到内置的 prompts 目录，安装可能不完整")

"""Export a draft: GB/T 9704 Word document, reading copy, Markdown and plain text."""

from .writers import *  # noqa: F403
from .writers import __all__ as _writers_all

__all__ = [*_writers_all]

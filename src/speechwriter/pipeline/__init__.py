"""The drafting pipeline: prompts → engine → sections → validate → repair, with cache and run records."""

from .drafting import *  # noqa: F403
from .drafting import __all__ as _drafting_all

__all__ = [*_drafting_all]

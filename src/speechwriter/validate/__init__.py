"""Validators: structure, figures, names, length and style, as structured findings."""

from .checks import *  # noqa: F403
from .checks import __all__ as _checks_all

__all__ = [*_checks_all]

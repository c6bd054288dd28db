"""Figures: finding, parsing and writing the quantities a speech states (数字、数量、金额、比例).

One finder reads both sides — the figures declared in a facts file and the figures written in a draft —
so that what is declared and what is written are compared like for like.
"""

from .quantities import *  # noqa: F403
from .quantities import Mention, find_quantities
from .quantities import __all__ as _quantities_all

__all__ = [*_quantities_all, "Mention", "find_quantities"]

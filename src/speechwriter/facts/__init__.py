"""The facts file: what a speech may say, and nothing else (model, loaders, starters)."""

from .model import *  # noqa: F403
from .model import __all__ as _model_all

__all__ = [*_model_all]

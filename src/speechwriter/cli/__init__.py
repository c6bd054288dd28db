"""The command-line interface: a thin typer layer over the library, one module per command group.

``app`` is the root command; importing this package registers every group on it.
"""

from . import config, draft, evals, export, facts, refine, runs, templates, validate  # noqa: F401  (register)
from .app import app, main

__all__ = ["app", "main"]

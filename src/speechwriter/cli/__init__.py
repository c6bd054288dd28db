"""The command-line interface: a thin typer layer over the library (one module per command group)."""

from .app import app, main

__all__ = ["app", "main"]

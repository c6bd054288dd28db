"""Evaluation suites: run the drafting pipeline over many cases, score, report and compare."""

from .report import render_html, write_reports, write_results
from .suite import *  # noqa: F403
from .suite import __all__ as _suite_all

__all__ = [*_suite_all, "render_html", "write_reports", "write_results"]

"""Shared test helpers: paths, the CLI runner, and access to ../shared/."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from typer.testing import CliRunner

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = ROOT / "fixtures" / "facts"
SHARED = ROOT.parent / "shared"
REFERENCE_FACTS = FIXTURES / "work_report_gongqingfu.yaml"
ALL_FIXTURES = sorted(FIXTURES.glob("*.yaml"))


def shared_path(*parts: str) -> Path:
    """A path under ../shared/; skips the test (with the reason) when it is absent.

    CI sets SPEECHWRITER_REQUIRE_SHARED=1, and there an absent file is a failure, not a skip.
    """
    path = SHARED.joinpath(*parts)
    if not path.exists():
        if os.environ.get("SPEECHWRITER_REQUIRE_SHARED"):
            pytest.fail(f"{path} is required in CI but missing")
        pytest.skip(f"{path} not present (../shared/ is only guaranteed in CI)")
    return path


@pytest.fixture
def runner() -> CliRunner:
    return CliRunner()


@pytest.fixture
def cli(runner: CliRunner):
    """Run the CLI in-process; returns the click Result (stdout and stderr kept apart)."""
    from speechwriter.cli import app

    def invoke(*args: str, input: str | None = None):
        return runner.invoke(app, [str(a) for a in args], input=input, catch_exceptions=False)

    return invoke

"""The package as a user installs it: a built wheel runs from an empty folder with its examples."""

from __future__ import annotations

import os
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from tests.conftest import ROOT


@pytest.fixture(scope="module")
def wheel_site(tmp_path_factory) -> Path:
    """The wheel built from this checkout (no network: hatchling from the dev environment), unpacked."""
    out = tmp_path_factory.mktemp("wheel")
    build = subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q",
                            "-w", str(out), str(ROOT)], capture_output=True, text=True)
    assert build.returncode == 0, build.stderr[-2000:]
    wheel = next(out.glob("speechwriter-*.whl"))
    site = out / "site"
    with zipfile.ZipFile(wheel) as zf:
        zf.extractall(site)
    return site


def _run(site: Path, cwd: Path, *args: str) -> subprocess.CompletedProcess[str]:
    code = ("import sys; sys.path.insert(0, sys.argv.pop(1)); import speechwriter; "
            "assert speechwriter.__file__.startswith(sys.path[0]), speechwriter.__file__; "
            "from speechwriter.cli import main; sys.argv[0] = 'speechwriter'; main()")
    env = {**os.environ, "NO_COLOR": "1", "SPEECHWRITER_LOCAL_ONLY": "1"}
    env.pop("SPEECHWRITER_PROMPTS", None)
    return subprocess.run([sys.executable, "-c", code, str(site), *args], cwd=cwd, capture_output=True, text=True,
                          env=env, timeout=600)


def test_the_wheel_carries_prompts_examples_and_suites(wheel_site):
    pkg = wheel_site / "speechwriter"
    assert (pkg / "_prompts" / "blueprints" / "work_report.yaml").is_file()
    assert (pkg / "_examples" / "fixtures" / "facts" / "work_report_gongqingfu.yaml").is_file()
    assert (pkg / "_examples" / "evals" / "suites" / "core.yaml").is_file()
    assert (pkg / "_examples" / "evals" / "checks" / "speech.py").is_file()


def test_from_an_empty_folder_example_draft_validate_export_eval(wheel_site, tmp_path):
    steps = [
        ("facts", "init", "--example", "work_report_gongqingfu", "汇报.yaml"),
        ("draft", "汇报.yaml", "-o", "汇报", "-q"),
        ("validate", "汇报.json", "--facts", "汇报.yaml", "-q"),
        ("export", "汇报.json", "--format", "docx", "-o", "汇报.docx"),
        ("eval", "core", "-q"),
        ("--version",),
    ]
    for step in steps:
        done = _run(wheel_site, tmp_path, *step)
        assert done.returncode == 0, (step, done.stdout[-1500:], done.stderr[-1500:])
        assert "Traceback" not in done.stderr
    assert (tmp_path / "汇报.docx").stat().st_size > 10_000
    assert list((tmp_path / "evals" / "runs").glob("*-core/results.json"))
    assert "speechwriter " in done.stdout

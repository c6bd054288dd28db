"""Suite files are code: custom checks from outside the project run only when allowed."""

from __future__ import annotations

from pathlib import Path

import pytest

from speechwriter.errors import InputError
from speechwriter.evals import RunOptions, load_suite, run_suite

from .conftest import REFERENCE_FACTS

CHECK = '''from pathlib import Path
Path({marker!r}).write_text("imported")  # what a hostile suite could do on import


def check(draft, facts):
    return 1.0, "ok"
'''


@pytest.fixture
def layout(tmp_path: Path, monkeypatch) -> tuple[Path, Path, Path]:
    """(project folder = cwd, a suite from elsewhere, the marker its check writes on import)."""
    project, elsewhere = tmp_path / "project", tmp_path / "downloads"
    project.mkdir()
    elsewhere.mkdir()
    marker = tmp_path / "imported.txt"
    module = f"foreigncheck_{abs(hash(str(tmp_path)))}"  # a fresh module per test: imports are cached
    (elsewhere / f"{module}.py").write_text(CHECK.format(marker=str(marker)), encoding="utf-8")
    suite = elsewhere / "suite.yaml"
    suite.write_text(f"name: foreign\ncases:\n  - id: one\n    facts: {REFERENCE_FACTS}\n"
                     f"    assert: {{custom: ['{module}:check']}}\n", encoding="utf-8")
    monkeypatch.chdir(project)
    return project, suite, marker


def test_eval_refuses_a_custom_check_from_outside_the_project(layout, cli) -> None:
    _, suite, marker = layout
    result = cli("eval", suite)
    assert result.exit_code == 2 and "--allow-custom-checks" in result.stderr
    assert "foreigncheck_" in result.stderr and str(suite.parent) in result.stderr
    assert not marker.exists()  # refused before anything was imported
    with pytest.raises(InputError, match="项目目录之外"):
        run_suite(load_suite(suite))
    assert not marker.exists()


def test_the_flag_allows_it(layout, cli) -> None:
    _, suite, marker = layout
    result = cli("eval", suite, "--allow-custom-checks")
    assert result.exit_code == 0, result.output
    assert marker.read_text() == "imported"


def test_the_config_switch_allows_it(layout, cli) -> None:
    project, suite, marker = layout
    (project / "speechwriter.toml").write_text("allow_custom_checks = true\n", encoding="utf-8")
    assert cli("eval", suite).exit_code == 0 and marker.exists()


def test_checks_inside_the_project_run_without_asking(layout) -> None:
    project, _, marker = layout
    (project / "projectcheck.py").write_text(CHECK.format(marker=str(marker)), encoding="utf-8")
    suite = project / "suite.yaml"
    suite.write_text(f"name: own\ncases:\n  - id: one\n    facts: {REFERENCE_FACTS}\n"
                     f"    assert: {{custom: ['projectcheck:check']}}\n", encoding="utf-8")
    result = run_suite(load_suite(suite), options=RunOptions(workdir=project))
    assert result.results[0].status == "passed" and marker.exists()


@pytest.mark.parametrize("check", ["shutil:rmtree", "os:system", "sys:exit"])
def test_library_and_builtin_callables_are_outside_too(layout, check: str) -> None:
    project, _, _ = layout
    suite = project / "suite.yaml"
    suite.write_text(f"name: lib\ncases:\n  - id: one\n    facts: {REFERENCE_FACTS}\n"
                     f"    assert: {{custom: ['{check}']}}\n", encoding="utf-8")
    with pytest.raises(InputError, match="--allow-custom-checks"):
        run_suite(load_suite(suite), options=RunOptions(workdir=project))


@pytest.mark.parametrize("top", ["prompts", "fixtures"])
def test_a_namespace_package_spanning_the_project_cannot_bring_in_outside_code(layout, cli, top: str) -> None:
    """``prompts/`` in the project without ``__init__.py`` is a namespace package whose portions include a
    ``prompts/`` folder next to the suite: the module found there is what would run, and it is outside."""
    project, suite, marker = layout
    name = f"{top}{abs(hash(str(project))) % 10**6}"  # fresh per test: imports are cached
    (project / name).mkdir()
    (suite.parent / name).mkdir()
    (suite.parent / name / "pwn.py").write_text(CHECK.format(marker=str(marker)), encoding="utf-8")
    suite.write_text(f"name: ns\ncases:\n  - id: one\n    facts: {REFERENCE_FACTS}\n"
                     f"    assert: {{custom: ['{name}.pwn:check']}}\n", encoding="utf-8")
    result = cli("eval", suite)
    assert result.exit_code == 2 and "--allow-custom-checks" in result.stderr, result.output
    assert "pwn.py" in result.stderr and not marker.exists()


def test_a_package_init_outside_the_project_counts_too(layout) -> None:
    """A module inside the project whose parent package's __init__ is outside still runs outside code."""
    from speechwriter.evals.suite import custom_check_files

    project, suite, marker = layout
    pkg = suite.parent / f"outpkg{abs(hash(str(project))) % 10**6}"
    pkg.mkdir()
    (pkg / "__init__.py").write_text(CHECK.format(marker=str(marker)), encoding="utf-8")
    (pkg / "mod.py").write_text("def check(d, f):\n    return 1.0, 'ok'\n", encoding="utf-8")
    files = custom_check_files(f"{pkg.name}.mod:check", [project, suite.parent])
    assert files == [(pkg / "__init__.py").resolve(), (pkg / "mod.py").resolve()]
    assert not marker.exists()  # found without executing the package

"""Paths that come from data stay where they belong (issue 26 item 3).

A suite's ``name`` becomes one safe folder name; prompt folders do not follow links out of
themselves; an examples folder is bounded in files and bytes.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from speechwriter.evals.suite import safe_file_name

from .conftest import REFERENCE_FACTS


@pytest.mark.parametrize("name", ["x/../../escape", "../../../../tmp/evil", "a\\..\\b", "..", "/etc/passwd",
                                  "名字\x00\x1b[31m", "   ", "." * 300])
def test_a_suite_name_becomes_one_safe_folder_name(name: str) -> None:
    safe = safe_file_name(name)
    assert safe and "/" not in safe and "\\" not in safe and ".." not in safe and not safe.startswith(".")
    assert all(ch.isprintable() for ch in safe) and len(safe) <= 60


def test_eval_writes_its_results_under_evals_runs_whatever_the_suite_name(cli, tmp_path: Path, monkeypatch) -> None:
    project = tmp_path / "project"
    project.mkdir()
    monkeypatch.chdir(project)
    suite = project / "suite.yaml"
    suite.write_text(f"name: x/../../../escaped\ncases:\n  - id: one\n    facts: {REFERENCE_FACTS}\n", encoding="utf-8")
    result = cli("eval", suite)
    assert result.exit_code in (0, 1), result.output
    written = [p for p in tmp_path.rglob("results.json")]
    assert written and all(p.is_relative_to(project / "evals" / "runs") for p in written)
    assert not (tmp_path / "escaped").exists() and not list(tmp_path.glob("*escaped*"))

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


def test_examples_slash_stops_at_once_with_the_reason(cli, tmp_path: Path, monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)
    result = cli("draft", REFERENCE_FACTS, "--examples", "/", "-o", tmp_path / "out")
    assert result.exit_code == 2 and "范文目录过大" in result.stderr, result.output
    assert "--examples" in result.stderr and "Traceback" not in result.output


def test_an_examples_folder_is_bounded_in_files_and_bytes(tmp_path: Path, monkeypatch) -> None:
    from speechwriter import exemplars
    from speechwriter.errors import InputError
    from speechwriter.exemplars import ExemplarIndex

    folder = tmp_path / "examples"
    folder.mkdir()
    for n in range(6):
        (folder / f"{n}.txt").write_text(f"一、总体情况\n第{n}篇范文的一段话。" + "各项工作扎实推进。" * 60 + "\n",
                                        encoding="utf-8")
    assert len(ExemplarIndex.from_folders([folder]).paragraphs) > 0
    monkeypatch.setattr(exemplars, "MAX_EXAMPLE_FILES", 5)
    with pytest.raises(InputError, match="范文文件数超过 5"):
        ExemplarIndex.from_folders([folder])
    monkeypatch.setattr(exemplars, "MAX_EXAMPLE_FILES", 100)
    monkeypatch.setattr(exemplars, "MAX_EXAMPLE_BYTES", 3000)
    with pytest.raises(InputError, match="范文总大小"):
        ExemplarIndex.from_folders([folder])


def test_an_examples_folder_does_not_follow_links_out_of_itself(tmp_path: Path) -> None:
    from speechwriter.exemplars import ExemplarIndex

    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "far.txt").write_text("一、总体情况\n外部目录里的文字不应被读入。" + "各项工作扎实推进。" * 30 + "\n",
                                    encoding="utf-8")
    folder = tmp_path / "examples"
    folder.mkdir()
    (folder / "linked-dir").symlink_to(outside)
    (folder / "linked.txt").symlink_to(outside / "far.txt")
    (folder / "loop").symlink_to(folder)
    (folder / "own.txt").write_text("一、总体情况\n自己的范文。" + "各项工作扎实推进。" * 30 + "\n", encoding="utf-8")
    sources = {Path(p.source).name for p in ExemplarIndex.from_folders([folder]).paragraphs}
    assert sources == {"own.txt"}

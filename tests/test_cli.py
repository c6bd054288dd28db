"""The CLI: version, help on every command, facts check / schema / init."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from speechwriter import __version__

from .conftest import REFERENCE_FACTS


def _all_commands():
    import typer.main

    from speechwriter.cli import app

    root = typer.main.get_command(app)

    def walk(cmd, path):
        yield path
        for name, sub in getattr(cmd, "commands", {}).items():
            yield from walk(sub, [*path, name])

    return list(walk(root, []))


def test_version(cli) -> None:
    result = cli("--version")
    assert result.exit_code == 0
    assert result.stdout.strip() == f"speechwriter {__version__}"


@pytest.mark.parametrize("path", _all_commands(), ids=lambda p: " ".join(p) or "root")
def test_every_command_has_chinese_help(cli, path: list[str]) -> None:
    result = cli(*path, "--help")
    assert result.exit_code == 0
    assert any("\u4e00" <= ch <= "\u9fff" for ch in result.stdout)
    if path and path[-1] not in ("facts", "templates", "config", "runs"):
        assert "示例" in result.stdout, f"{path} help has no example"


def test_facts_check_prints_summary(cli) -> None:
    result = cli("facts", "check", REFERENCE_FACTS)
    assert result.exit_code == 0
    out = result.stdout
    for text in ["工青妇组织的工作汇报", "尊敬的光源主席、同志们：", "团委", "1500余万元", "15000000",
                 "检查通过"]:
        assert text in out


def test_facts_schema_is_json_schema(cli, tmp_path: Path) -> None:
    result = cli("facts", "schema")
    schema = json.loads(result.stdout)
    assert schema["title"] == "speechwriter facts file"
    out = tmp_path / "schema.json"
    assert cli("facts", "schema", "-o", out).exit_code == 0
    assert json.loads(out.read_text(encoding="utf-8")) == schema
    again = cli("facts", "schema", "-o", out)
    assert again.exit_code == 2 and "--force" in again.stderr


@pytest.mark.parametrize("genre", ["work_report", "leader_speech", "duty_report", "annual_summary"])
def test_facts_init_writes_a_file_that_passes_check(cli, tmp_path: Path, genre: str) -> None:
    path = tmp_path / f"{genre}.yaml"
    assert cli("facts", "init", "--genre", genre, path).exit_code == 0
    text = path.read_text(encoding="utf-8")
    assert "#" in text  # annotated
    assert cli("facts", "check", path).exit_code == 0


def test_facts_init_refuses_to_overwrite(cli, tmp_path: Path) -> None:
    path = tmp_path / "mine.yaml"
    path.write_text("我的内容", encoding="utf-8")
    result = cli("facts", "init", path)
    assert result.exit_code == 2 and "已存在" in result.stderr
    assert path.read_text(encoding="utf-8") == "我的内容"
    assert cli("facts", "init", path, "--force").exit_code == 0
    assert path.read_text(encoding="utf-8") != "我的内容"


def test_facts_init_unknown_genre_lists_known(cli, tmp_path: Path) -> None:
    result = cli("facts", "init", "--genre", "poem", tmp_path / "x.yaml")
    assert result.exit_code == 2
    assert "未知文种「poem」" in result.stderr and "work_report" in result.stderr
    assert not (tmp_path / "x.yaml").exists()


def test_console_script_runs_as_a_process(tmp_path: Path) -> None:
    import subprocess
    import sys

    exe = Path(sys.executable).with_name("speechwriter")
    bad = tmp_path / "bad.yaml"
    bad.write_text("meta: [\n", encoding="utf-8")
    proc = subprocess.run([str(exe), "facts", "check", str(bad)], capture_output=True, text=True)
    assert proc.returncode == 2
    assert proc.stderr.count("\n") == 1 and "Traceback" not in proc.stderr

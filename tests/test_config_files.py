"""A config file that holds a key is private (issue 26 item 4); an unreadable config folder is one warning."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest


def test_config_init_writes_the_file_readable_by_its_owner_only(cli, tmp_path: Path, monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)
    os.umask(0o022)
    assert cli("config", "init").exit_code == 0
    assert cli("config", "init", "--user").exit_code == 0
    for path in (tmp_path / "speechwriter.toml", Path(os.environ["SPEECHWRITER_CONFIG_HOME"]) / "config.toml"):
        assert stat.S_IMODE(path.stat().st_mode) == 0o600, path


@pytest.mark.parametrize(("mode", "warned"), [(0o644, True), (0o640, True), (0o600, False), (0o400, False)])
def test_a_key_in_a_config_readable_by_others_is_warned_about(cli, tmp_path: Path, monkeypatch, mode: int,
                                                              warned: bool) -> None:
    monkeypatch.chdir(tmp_path)
    config = tmp_path / "speechwriter.toml"
    config.write_text('[profiles.p]\nbase_url = "http://127.0.0.1:9/v1"\nmodel = "m"\napi_key = "k-in-the-file-1234"\n',
                      encoding="utf-8")
    config.chmod(mode)
    result = cli("config", "show", "--profile", "p")
    assert result.exit_code == 0, result.output
    assert ("chmod 600" in result.stderr) is warned, result.stderr
    assert "k-in-the-file-1234" not in result.output


def test_no_warning_for_a_readable_config_without_a_key(cli, tmp_path: Path, monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)
    config = tmp_path / "speechwriter.toml"
    config.write_text('[profiles.p]\nbase_url = "http://127.0.0.1:9/v1"\nmodel = "m"\napi_key_env = "X"\n',
                      encoding="utf-8")
    config.chmod(0o644)
    assert "chmod" not in cli("config", "show", "--profile", "p").stderr


def test_an_unreadable_config_folder_is_a_warning_not_a_traceback(cli, tmp_path: Path, monkeypatch) -> None:
    # A folder name longer than the file system allows fails to stat as an unreadable ~/.config does
    # (an OSError other than "missing"), and can be made without dropping root's rights.
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("SPEECHWRITER_CONFIG_HOME", str(tmp_path / ("长" * 200)))
    result = cli("config", "show")
    assert result.exit_code == 0 and "无法读取配置文件" in result.stderr and "路径过长" in result.stderr, result.output


@pytest.mark.parametrize("where", ["config prompts", "config examples", "SPEECHWRITER_PROMPTS"])
def test_a_link_loop_named_as_a_folder_in_the_config_is_one_line(cli, tmp_path: Path, monkeypatch,
                                                                  where: str) -> None:
    from .conftest import REFERENCE_FACTS

    monkeypatch.chdir(tmp_path)
    (tmp_path / "loop").symlink_to(tmp_path / "loop")
    if where == "SPEECHWRITER_PROMPTS":
        monkeypatch.setenv("SPEECHWRITER_PROMPTS", str(tmp_path / "loop"))
    else:
        (tmp_path / "speechwriter.toml").write_text(f'{where.split()[1]} = ["loop"]\n', encoding="utf-8")
    result = cli("draft", REFERENCE_FACTS, "-o", tmp_path / "out")
    assert result.exit_code == 2 and "符号链接循环" in result.stderr, result.output
    assert "Traceback" not in result.output

"""Switching review findings off or changing their level: checks.yaml in the prompts folder, the
profile's ``checks``, ValidatorConfig.checks; and the family on a speech not drafted by us (.md, .docx)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from speechwriter.errors import InputError
from speechwriter.validate import ValidatorConfig
from speechwriter.validate.checks import load_check_settings

from .conftest import REFERENCE_FACTS
from .review_helpers import findings

TEXT = "同志们：\n下面从以下二个方面汇报。\n我们力争年内力争完成。\n这些数字表明，大家付出很多。"


def _codes(config: ValidatorConfig | None = None) -> dict[str, str]:
    return {f.code: f.severity for f in findings(TEXT, config=config)}


def _folder(tmp_path: Path, body: str) -> ValidatorConfig:
    (tmp_path / "checks.yaml").write_text(body, encoding="utf-8")
    load_check_settings.cache_clear()
    return ValidatorConfig(prompts_dirs=[str(tmp_path)])


def test_by_default_every_code_is_on() -> None:
    assert _codes() == {"U601": "error", "U604": "warning", "A902": "warning"}


def test_off_by_code_and_level_by_family_from_the_prompts_folder(tmp_path: Path) -> None:
    config = _folder(tmp_path, "# 本单位的习惯\nU604: off\nclaims: info\nU601: warning\n")
    assert _codes(config) == {"U601": "warning", "A902": "info"}


def test_a_code_beats_its_family_and_the_profile_beats_the_folder(tmp_path: Path) -> None:
    config = _folder(tmp_path, "checks:\n  usage: off\n  U601: error\n")
    assert _codes(config) == {"U601": "error", "A902": "warning"}
    config = config.model_copy(update={"checks": {"U601": "off", "A902": "error"}})
    assert _codes(config) == {"A902": "error"}


def test_yaml_off_without_quotes_is_off(tmp_path: Path) -> None:
    assert "U604" not in _codes(_folder(tmp_path, "U604: off\n"))
    assert "U604" not in _codes(_folder(tmp_path, "U604: false\n"))


@pytest.mark.parametrize(("body", "says"), [("U604: [", "格式错误"), ("U604: loud\n", "loud"), ("- U604\n", "映射"),
                                            ("'U 6': off\n", "检查代码")])
def test_a_broken_checks_file_is_one_clear_error(tmp_path: Path, body: str, says: str) -> None:
    with pytest.raises(InputError) as info:
        _codes(_folder(tmp_path, body))
    assert says in str(info.value) and "checks.yaml" in str(info.value)


# --- the command line: a speech not drafted by us, switches from the profile ---------------------

SPEECH = ("关于工作情况的汇报\n\n尊敬的各位领导：\n\n下面从以下二个方面汇报工作。\n\n一、四年来的主要工作成效\n\n"
          "四年来，我们主要有三大亮点：一是争先创优。二是服务大局。\n\n二、今后的工作思路和打算\n\n（一）发挥作用。\n\n"
          "以上汇报，请批评指正。")


def _report(cli, path: Path, *extra: str) -> dict[str, str]:
    result = cli("validate", path, "--facts", REFERENCE_FACTS, "--json", *extra)
    assert result.exit_code in (0, 1), result.stdout
    return {f["code"]: f["severity"] for f in json.loads(result.stdout)["findings"] if f["code"][0] in "UEPA"}


def test_validate_a_markdown_speech(cli, tmp_path: Path) -> None:
    path = tmp_path / "speech.md"
    path.write_text(SPEECH, encoding="utf-8")
    got = _report(cli, path)
    assert got == {"U601": "error", "E701": "error"}


def test_validate_a_word_speech(cli, tmp_path: Path) -> None:
    from speechwriter.blueprint import load_blueprint
    from speechwriter.export.writers import build_docx
    from speechwriter.validate import draft_from_text

    doc = build_docx(draft_from_text(SPEECH, load_blueprint("work_report")))
    path = tmp_path / "speech.docx"
    doc.save(str(path))
    assert _report(cli, path) == {"U601": "error", "E701": "error"}


def test_the_profile_switches_codes_off(cli, tmp_path: Path, monkeypatch) -> None:
    home = tmp_path / "home"
    home.mkdir()
    (home / "config.toml").write_text('[profiles.office]\nmodel = "m"\nchecks = { E701 = "off", U601 = "warning" }\n',
                                      encoding="utf-8")
    monkeypatch.setenv("SPEECHWRITER_CONFIG_HOME", str(home))
    path = tmp_path / "speech.md"
    path.write_text(SPEECH, encoding="utf-8")
    assert _report(cli, path, "--profile", "office") == {"U601": "warning"}
    monkeypatch.setenv("SPEECHWRITER_PROFILE", "office")
    assert _report(cli, path) == {"U601": "warning"}


def test_a_bad_switch_in_the_profile_is_one_clear_line(cli, tmp_path: Path, monkeypatch) -> None:
    home = tmp_path / "home"
    home.mkdir()
    (home / "config.toml").write_text('[profiles.office]\nchecks = { E701 = "loud" }\n', encoding="utf-8")
    monkeypatch.setenv("SPEECHWRITER_CONFIG_HOME", str(home))
    path = tmp_path / "speech.md"
    path.write_text(SPEECH, encoding="utf-8")
    result = cli("validate", path, "--facts", REFERENCE_FACTS, "--profile", "office")
    assert result.exit_code == 2 and "Traceback" not in result.output
    assert "E701" in result.output and "off、error、warning、info" in result.output

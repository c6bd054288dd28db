"""Facts files: control characters, duplicate JSON keys, switches for numbers, pydantic's English (issue 26 items 12, 13)."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
import yaml

from .conftest import REFERENCE_FACTS


def _facts_json(tmp_path: Path, change) -> Path:
    data = json.loads(json.dumps(yaml.safe_load(REFERENCE_FACTS.read_text(encoding="utf-8")), ensure_ascii=False,
                                 default=str))
    change(data)
    path = tmp_path / "facts.json"
    path.write_text(json.dumps(data, ensure_ascii=False, indent=1), encoding="utf-8")
    return path


@pytest.mark.parametrize(("char", "label"), [("\x00", "NUL"), ("\x1b[31m", "ESC"), ("\x07", "BEL"),
                                             ("\u202e", "从右到左覆盖"), ("\x7f", "DEL")])
def test_control_characters_in_any_string_are_refused_with_file_line_and_field(tmp_path: Path, cli, char: str,
                                                                                label: str) -> None:
    def poison(data: dict) -> None:
        data["highlights"][0]["items"][0]["statement"] += char + "尾"

    path = _facts_json(tmp_path, poison)
    result = cli("facts", "check", path)
    assert result.exit_code == 2 and label in result.stderr, result.output
    assert re.search(r"facts\.json:\d+:\d+: 字段 highlights\[0\]\.items\[0\]\.statement", result.stderr)
    export = cli("draft", path, "-o", tmp_path / "out", "--export", "docx")  # never reaches lxml
    assert export.exit_code == 2 and "Traceback" not in export.output and "ValueError" not in export.output


def test_tabs_and_newlines_are_still_allowed(tmp_path: Path, cli) -> None:
    path = _facts_json(tmp_path, lambda d: d["highlights"][0]["items"][0].update(
        statement=d["highlights"][0]["items"][0]["statement"] + "\t\n"))
    assert cli("facts", "check", path).exit_code == 0


def test_a_duplicate_json_key_is_reported_as_a_duplicate(tmp_path: Path, cli) -> None:
    path = _facts_json(tmp_path, lambda d: None)
    text = path.read_text(encoding="utf-8").replace('"meta": {', '"meta": {\n  "title": "重复的标题",', 1)
    path.write_text(text, encoding="utf-8")
    result = cli("facts", "check", path)
    assert result.exit_code == 2 and "键「title」重复出现" in result.stderr, result.output
    assert "缺少必填字段" not in result.stderr


@pytest.mark.parametrize(("value", "said"), [("true", "不能是 true/false"), ("false", "不能是 true/false"),
                                             (".inf", "有限的数字"), (".nan", "有限的数字")])
def test_chars_that_is_not_a_count_is_refused_in_chinese(tmp_path: Path, cli, value: str, said: str) -> None:
    text = re.sub(r"(\n\s+chars:).*", rf"\1 {value}", REFERENCE_FACTS.read_text(encoding="utf-8"), count=1)
    path = tmp_path / "facts.yaml"
    path.write_text(text, encoding="utf-8")
    result = cli("facts", "check", path)
    assert result.exit_code == 2 and said in result.stderr, result.output
    assert "meta.target" in result.stderr and not re.search(r"[A-Za-z]{4,} [a-z]{3,} [a-z]{3,}", result.stderr)


def test_no_pydantic_message_reaches_the_user_in_english() -> None:
    from speechwriter.facts.model import _error_message

    for kind in ("finite_number", "int_from_float", "string_too_long", "some_future_kind"):
        message = _error_message({"type": kind, "loc": ("meta",), "msg": "Input should be a finite number"})
        assert "Input should" not in message and re.search(r"[\u4e00-\u9fff]", message)

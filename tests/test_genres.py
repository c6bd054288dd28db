"""Genres as data: the built-in blueprints, their JSON Schema, and a user's own genre checked with
``facts check --prompts DIR``."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml

from speechwriter.blueprint import blueprint_json_schema, list_blueprints, load_blueprint_file
from speechwriter.facts import load_facts
from speechwriter.facts.starters import starter_text
from speechwriter.resources import builtin_prompts_dir

BUILTIN = sorted(list_blueprints())

HOST = """name: 主持词
description: 会议主持人串联议程的讲话
sections:
  - id: salutation
    title: 称呼
    role: salutation
    share: 0.02
  - id: opening
    title: 开场
    role: opening
    feeds: [meta, opening]
    share: 0.3
  - id: agenda
    title: 议程
    role: plans
    enumerator: diyi
    feeds: [plans]
    needs: [plans]
    share: 0.5
  - id: closing
    title: 结束
    role: closing
    feeds: [closing]
    share: 0.18
"""

HOST_FACTS = """meta:
  genre: host_script
  title: 全县安全生产工作会议主持词
  speaker: {role: 县政府办公室主任}
  addressees: [同志们]
  honorific: ""
opening: [现在开会]
plans:
  - theme: 请县应急管理局通报上半年安全生产情况
closing:
  wishes: [会后请各单位抓好落实]
"""


@pytest.mark.parametrize("genre", ["government_report", "opening_address", "speech"])
def test_new_genres_have_a_blueprint_a_starter_and_a_style(genre: str, tmp_path: Path) -> None:
    assert genre in BUILTIN
    blueprint = load_blueprint_file(builtin_prompts_dir() / "blueprints" / f"{genre}.yaml")
    assert blueprint.sections[0].role == "salutation" and blueprint.sections[-1].role == "closing"
    if genre != "speech":  # a speech's length is in its parts, added at drafting
        assert abs(sum(s.share for s in blueprint.sections) - 1) < 0.02
    path = tmp_path / "f.yaml"
    path.write_text(starter_text(genre), encoding="utf-8")
    assert load_facts(path).meta.genre == genre
    assert (builtin_prompts_dir() / "styles" / f"{genre}.yaml").is_file()


def test_the_government_report_has_review_experience_tasks_and_closing() -> None:
    blueprint = load_blueprint_file(builtin_prompts_dir() / "blueprints" / "government_report.yaml")
    assert [s.role for s in blueprint.sections] == ["salutation", "opening", "achievements", "assessment",
                                                    "plans", "closing"]


def test_every_builtin_blueprint_fits_the_schema() -> None:
    schema = blueprint_json_schema()
    top = set(schema["properties"])
    section = set(schema["$defs"]["SectionSpec"]["properties"])
    assert {"name", "sections", "phrasing"} <= top and "id" not in schema["required"]
    for genre, path in list_blueprints().items():
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        assert set(data) <= top, genre
        for s in data["sections"]:
            assert set(s) <= section, (genre, s["id"])
            assert set(schema["$defs"]["SectionSpec"]["required"]) <= set(s), (genre, s["id"])


def test_facts_schema_blueprint_prints_the_blueprint_schema(cli) -> None:
    result = cli("facts", "schema", "--blueprint")
    assert result.exit_code == 0
    assert json.loads(result.stdout)["title"] == "speechwriter blueprint (genre) file"


def test_facts_check_knows_a_user_genre_only_with_its_prompts_folder(cli, tmp_path: Path) -> None:
    prompts = tmp_path / "我的提示词"
    (prompts / "blueprints").mkdir(parents=True)
    (prompts / "blueprints" / "host_script.yaml").write_text(HOST, encoding="utf-8")
    facts = tmp_path / "主持词.yaml"
    facts.write_text(HOST_FACTS, encoding="utf-8")
    unknown = cli("facts", "check", facts)
    assert unknown.exit_code != 0 and "未知文种「host_script」" in unknown.stderr
    ok = cli("facts", "check", facts, "--prompts", prompts)
    assert ok.exit_code == 0, ok.stderr
    # A broken user blueprint is named with its file and field, in one line, without a traceback.
    (prompts / "blueprints" / "host_script.yaml").write_text(HOST.replace("role: plans", "role: agenda"),
                                                             encoding="utf-8")
    bad = cli("facts", "check", facts, "--prompts", prompts)
    assert bad.exit_code != 0 and "host_script.yaml" in bad.stderr and "Traceback" not in bad.stderr
    # A required section whose facts are empty is said by facts check (the file itself is valid), not first by draft.
    (prompts / "blueprints" / "host_script.yaml").write_text(HOST, encoding="utf-8")
    facts.write_text(HOST_FACTS.split("plans:")[0], encoding="utf-8")
    empty = cli("facts", "check", facts, "--prompts", prompts)
    assert empty.exit_code == 0 and "需要事实字段 plans" in empty.stderr and "起草前请补上" in empty.stderr

"""Facts files: the model, the three loaders, and one clear error for every kind of bad input."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml

from speechwriter.errors import InputError
from speechwriter.facts import Facts, facts_json_schema, load_facts, parse_facts

from .conftest import ALL_FIXTURES, REFERENCE_FACTS

MINIMAL = """\
meta:
  title: 测试讲话
  speaker: {role: 局长}
  addressees: [同志们]
"""


def test_every_fixture_loads() -> None:
    assert len(ALL_FIXTURES) >= 4
    genres = {load_facts(p).meta.genre for p in ALL_FIXTURES}
    assert genres == {"work_report", "leader_speech", "duty_report", "annual_summary"}


def test_reference_fixture_holds_every_figure_of_the_reference_speech() -> None:
    facts = load_facts(REFERENCE_FACTS)
    raws = [ref.figure.raw for ref in facts.figure_refs()]
    for expected in ["两次", "一次", "3次", "10余项", "数千名", "百余名", "四项", "13个县市",
                     "1752㎡", "56个项目", "300余", "1500余万元"]:
        assert expected in raws
    assert raws.count("两次") == 3
    assert [o.short_name for o in facts.speaking_orgs()] == ["工会", "团委", "妇联"]
    assert facts.meta.salutation_line == "尊敬的光源主席、同志们："
    assert len(facts.highlights) == 5 and len(facts.plans) == 4


def test_figures_are_parsed_once_at_load_and_dumped_with_both_forms() -> None:
    facts = load_facts(REFERENCE_FACTS)
    fig = next(r.figure for r in facts.figure_refs() if r.figure.raw == "1500余万元")
    assert (fig.value, fig.unit, fig.qualifier) == ("15000000", "元", "余")
    dumped = facts.model_dump(mode="json")
    first = dumped["highlights"][0]["items"][0]["figures"][0]
    assert first == {"raw": "两次", "required": True, "value": "2", "unit": "次", "qualifier": ""}
    # A dump loads back to an equal model.
    assert Facts.model_validate(dumped).model_dump() == facts.model_dump()


def test_yaml_json_toml_load_the_same_facts(tmp_path: Path) -> None:
    data = yaml.safe_load(MINIMAL + "highlights:\n  - theme: 主题\n    items:\n"
                          "      - statement: 办结事项2000多件\n        figures: [2000多件]\n")
    (tmp_path / "f.json").write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    (tmp_path / "f.toml").write_text(
        '[meta]\ntitle = "测试讲话"\naddressees = ["同志们"]\n[meta.speaker]\nrole = "局长"\n'
        '[[highlights]]\ntheme = "主题"\n[[highlights.items]]\nstatement = "办结事项2000多件"\n'
        'figures = ["2000多件"]\n', encoding="utf-8")
    (tmp_path / "f.yml").write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    loaded = [load_facts(tmp_path / n) for n in ("f.json", "f.toml", "f.yml")]
    assert loaded[0].model_dump() == loaded[1].model_dump() == loaded[2].model_dump()
    assert loaded[0].highlights[0].items[0].figures[0].quantity.value == 2000


def test_target_in_minutes_converts_to_characters() -> None:
    facts = parse_facts(MINIMAL.replace("addressees", "target: {minutes: 10}\n  addressees"))
    assert facts.meta.target.resolved_chars() == 2400


def test_salutation_without_honorific() -> None:
    facts = parse_facts(MINIMAL + '  honorific: ""\n'.replace("  honorific", "  honorific"))
    assert facts.meta.salutation_line == "同志们："


def test_schema_describes_fields_and_accepts_string_figures() -> None:
    schema = facts_json_schema()
    assert "meta" in schema["properties"]
    figure = schema["$defs"]["Figure"]
    assert {"type": "string"} in figure["anyOf"]
    assert "raw" in json.dumps(figure)


# --- bad input: one Chinese line naming file, location and field --------------------------------

BAD_CASES = {
    "malformed_yaml": ("x.yaml", "meta:\n  title: x\n   bad: [\n", "x.yaml:3:", "YAML 格式错误"),
    "malformed_json": ("x.json", '{"meta": {"title": "x",}}', "x.json:1:24", "JSON 格式错误"),
    "malformed_toml": ("x.toml", "[meta]\ntitle = \n", "x.toml:2:", "TOML 格式错误"),
    "wrong_type": ("x.yaml", MINIMAL.replace("[同志们]", "{a: 1}"), "x.yaml:4:", "应为列表"),
    "missing_field": ("x.yaml", MINIMAL.replace("  title: 测试讲话\n", ""), "字段 meta.title",
                      "缺少必填字段"),
    "unknown_key": ("x.yaml", MINIMAL + "  titel: y\n", "x.yaml:5:3: 字段 meta.titel",
                    "是否想写「title」"),
    "duplicate_org": ("x.yaml", MINIMAL + "organisations:\n  - {id: a, name: 甲}\n  - {id: a, name: 乙}\n",
                      "x.yaml:7:6: 字段 organisations[1].id", "组织 id「a」重复"),
    "unknown_org": ("x.yaml", MINIMAL + "organisations:\n  - {id: union, name: 工会}\nhighlights:\n"
                    "  - theme: t\n    items:\n      - {org: unoin, statement: s}\n",
                    "字段 highlights[0].items[0].org", "是否想写「union」"),
    "bad_figure": ("x.yaml", MINIMAL + "highlights:\n  - theme: t\n    items:\n"
                   "      - statement: 很多\n        figures: [很多]\n",
                   "x.yaml:9:19: 字段 highlights[0].items[0].figures[0]", "无法解析数字「很多」"),
    "figure_not_in_statement": ("x.yaml", MINIMAL + "highlights:\n  - theme: t\n    items:\n"
                                "      - statement: 两次\n        figures: [2次]\n",
                                "figures[0]", "没有原样出现在 statement 中"),
    "duplicate_key": ("x.yaml", MINIMAL + "  title: 又一个\n", "x.yaml:5:3", "键「title」重复出现"),
    "empty_file": ("x.yaml", "", "x.yaml", "文件为空"),
    "only_comments": ("x.yaml", "# 注释\n", "x.yaml", "没有内容"),
    "top_level_list": ("x.yaml", "- a\n- b\n", "x.yaml:1", "顶层应为映射"),
    "bad_suffix": ("x.txt", MINIMAL, "x.txt", "不支持的文件类型"),
}


@pytest.mark.parametrize("case", sorted(BAD_CASES))
def test_bad_input_gives_one_clear_line_and_exit_2(case: str, tmp_path: Path, cli, monkeypatch) -> None:
    name, text, where, what = BAD_CASES[case]
    monkeypatch.chdir(tmp_path)
    Path(name).write_text(text, encoding="utf-8")
    before = sorted(p.name for p in tmp_path.iterdir())
    with pytest.raises(InputError) as err:
        load_facts(name)
    message = str(err.value)
    assert where in message and what in message
    assert "\n" not in message
    result = cli("facts", "check", name)
    assert result.exit_code == 2
    assert result.stderr.strip() == f"错误：{message}"
    assert "Traceback" not in result.output
    assert sorted(p.name for p in tmp_path.iterdir()) == before  # nothing written


def test_non_utf8_file(tmp_path: Path, cli) -> None:
    path = tmp_path / "gbk.yaml"
    path.write_bytes(MINIMAL.encode("gbk"))
    result = cli("facts", "check", path)
    assert result.exit_code == 2
    assert "不是 UTF-8 编码" in result.stderr and "gbk.yaml:2" in result.stderr


def test_oversized_file(tmp_path: Path, cli) -> None:
    path = tmp_path / "big.yaml"
    path.write_text(MINIMAL + "notes:\n" + "  - 备注\n" * 200_000, encoding="utf-8")
    result = cli("facts", "check", path)
    assert result.exit_code == 2
    assert "过大" in result.stderr


@pytest.mark.parametrize("kind", ["missing", "directory"])
def test_missing_path_and_directory(kind: str, tmp_path: Path, cli) -> None:
    path = tmp_path / "nope.yaml" if kind == "missing" else tmp_path
    result = cli("facts", "check", path)
    assert result.exit_code == 2
    assert ("不存在" if kind == "missing" else "目录") in result.stderr

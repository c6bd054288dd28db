"""``facts extract … --each -o DIR``: one facts file per source, all in one process."""

from __future__ import annotations

import shutil

from speechwriter.extract import extract_facts
from speechwriter.facts import load_facts

from .conftest import ROOT

SOURCES = ROOT / "fixtures" / "sources"
ORG_SOURCES = [SOURCES / "市总工会.txt", SOURCES / "团市委.md", SOURCES / "市妇联.txt"]


def test_each_source_gets_the_facts_file_a_single_extract_would_write(cli, tmp_path):
    out = tmp_path / "事实" / "新"  # parents are created
    result = cli("facts", "extract", *ORG_SOURCES, "--each", "-o", out)
    assert result.exit_code == 0, result.stderr
    written = sorted(p.name for p in out.iterdir())
    assert written == sorted(f"{p.stem}.yaml" for p in ORG_SOURCES)
    for source in ORG_SOURCES:
        target = out / f"{source.stem}.yaml"
        alone = extract_facts([source], output_name=str(target))
        assert target.read_text(encoding="utf-8") == alone.text
        assert load_facts(target).highlights  # each file loads as a facts file
    assert f"共 {len(ORG_SOURCES)} 份材料" in result.stderr


def test_one_unreadable_source_costs_the_others_nothing(cli, tmp_path):
    bad = tmp_path / "坏材料.txt"
    bad.write_bytes(b"\xff\xfe\x00\xd8" * 40)  # not text in any encoding the reader accepts
    good = tmp_path / "团市委.md"
    shutil.copy(ORG_SOURCES[1], good)
    out = tmp_path / "out"
    result = cli("facts", "extract", bad, good, "--each", "-o", out)
    assert result.exit_code == 2
    assert "Traceback" not in result.stderr and "错误：" in result.stderr and "坏材料.txt" in result.stderr
    assert [p.name for p in out.iterdir()] == ["团市委.yaml"]
    assert "1 份失败" in result.stderr


def test_existing_outputs_and_clashing_names_are_refused_before_any_work(cli, tmp_path):
    out = tmp_path / "out"
    out.mkdir()
    kept = out / "市妇联.yaml"
    kept.write_text("# 已审核\n", encoding="utf-8")
    result = cli("facts", "extract", *ORG_SOURCES, "--each", "-o", out)
    assert result.exit_code == 2 and "已存在" in result.stderr and "市妇联.yaml" in result.stderr
    assert sorted(p.name for p in out.iterdir()) == ["市妇联.yaml"]  # nothing else written
    assert kept.read_text(encoding="utf-8") == "# 已审核\n"

    other = tmp_path / "别处"
    other.mkdir()
    twin = other / "市总工会.md"
    shutil.copy(ORG_SOURCES[0], twin)
    clash = cli("facts", "extract", ORG_SOURCES[0], twin, "--each", "-o", tmp_path / "o2")
    assert clash.exit_code == 2 and "同一个文件" in clash.stderr and not (tmp_path / "o2").exists()

    to_file = cli("facts", "extract", *ORG_SOURCES, "--each", "-o", tmp_path / "f.yaml")
    assert to_file.exit_code == 2 and "应为目录" in to_file.stderr


def test_force_replaces_the_outputs(cli, tmp_path):
    out = tmp_path / "out"
    out.mkdir()
    (out / "市妇联.yaml").write_text("# 旧\n", encoding="utf-8")
    result = cli("facts", "extract", *ORG_SOURCES, "--each", "-o", out, "--force")
    assert result.exit_code == 0, result.stderr
    assert (out / "市妇联.yaml").read_text(encoding="utf-8") != "# 旧\n"

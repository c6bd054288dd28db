"""The public API the README promises, used the way a notebook user would (each block a doc example)."""

from __future__ import annotations

import importlib
import tomllib
from pathlib import Path

from docx import Document

import speechwriter
from tests.conftest import ROOT

FACTS = ROOT / "fixtures" / "facts" / "work_report_gongqingfu.yaml"


def test_every_documented_name_imports_from_the_package():
    for name in ["Workspace", "Facts", "load_facts", "Draft", "load_draft", "validate_draft", "export_draft",
                 "refine_session", "RefineSession", "run_suite", "Report", "Finding", "extract_facts"]:
        obj = getattr(speechwriter, name)
        assert not isinstance(obj, type(importlib)), f"{name} is a module, not the API object"
    assert set(speechwriter.__all__) >= {"validate_draft", "export_draft", "RefineSession", "run_suite"}


def test_version_comes_from_the_package_metadata():
    declared = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]["version"]
    assert speechwriter.__version__ == declared


def test_draft_validate_export_in_a_notebook(tmp_path, monkeypatch):
    from speechwriter import Workspace, export_draft, load_facts, validate_draft

    monkeypatch.chdir(tmp_path)
    facts = load_facts(FACTS)
    result = Workspace(tmp_path).draft(facts)
    report = validate_draft(result.draft, facts)
    assert report.errors == []
    # the same draft read back from disk gives the same report
    path = result.draft.save(tmp_path / "draft.json")
    assert validate_draft(path, FACTS).findings == report.findings
    out = export_draft(path, "docx", tmp_path / "汇报.docx")
    text = "\n".join(p.text for p in Document(str(out)).paragraphs)
    assert result.draft.title in text


def test_refine_session_from_paths(tmp_path, monkeypatch):
    from speechwriter import Workspace, load_facts, refine_session

    monkeypatch.chdir(tmp_path)
    ws = Workspace(tmp_path)
    draft = ws.draft(load_facts(FACTS)).draft
    session = refine_session(draft.save(tmp_path / "d.json"), FACTS, workspace=ws)
    section = session.section_ids[1]
    proposal = session.edit(session.text(section) + "补充一句。", section)
    assert proposal is not None
    session.accept()
    assert session.text(section).endswith("补充一句。")
    session.undo()
    assert not session.text(section).endswith("补充一句。")


def test_run_suite_by_path(tmp_path):
    from speechwriter import run_suite
    from speechwriter.evals.suite import RunOptions

    suite = Path(tmp_path / "mini.yaml")
    suite.write_text(f"name: mini\ncases:\n  - id: gongqingfu\n    facts: {FACTS}\n", encoding="utf-8")
    result = run_suite(suite, options=RunOptions(workdir=tmp_path))
    assert [r.case for r in result.results] == ["gongqingfu"]
    assert result.results[0].error is None

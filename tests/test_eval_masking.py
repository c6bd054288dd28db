"""Eval variants: masked and unmasked side by side, and where a variant's prompts folder is looked up."""

from __future__ import annotations

from pathlib import Path

from speechwriter.evals.suite import load_suite, variant_matrix


def test_a_suites_default_prompts_folder_is_relative_to_the_suite_file(tmp_path: Path, monkeypatch):
    (tmp_path / "project" / "evals").mkdir(parents=True)
    (tmp_path / "project" / "prompts").mkdir()
    suite = tmp_path / "project" / "evals" / "s.yaml"
    suite.write_text("name: s\ndefaults:\n  prompts: ../prompts\ncases:\n  - id: a\n    facts: f.yaml\n",
                     encoding="utf-8")
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)
    [variant] = variant_matrix(load_suite(suite))
    assert Path(variant.prompts or "") == (tmp_path / "project" / "prompts").resolve()
    # a folder given on the command line is the user's: relative to where they are
    [given] = variant_matrix(load_suite(suite), prompts="mine")
    assert Path(given.prompts or "") == (elsewhere / "mine").resolve()


# --- masked and unmasked variants against a scripted local server ------------------------------

import json  # noqa: E402
import re  # noqa: E402

import pytest  # noqa: E402

from speechwriter import load_facts  # noqa: E402
from speechwriter.masking import MASK_KINDS, Masker  # noqa: E402
from speechwriter.testing.fakeserver import FakeLLMServer, Step  # noqa: E402
from speechwriter.workspace import Workspace  # noqa: E402

from .conftest import REFERENCE_FACTS, SECRET_KEY, section_of  # noqa: E402
from .test_masking import INSTRUCTIONS  # noqa: E402


def data_leaks(request: dict, masker: Masker) -> list[str]:
    """Declared values a request sent in its data, or printed outside the data blocks other than as
    a word of the instructions themselves."""
    messages = request["messages"]
    return masker.data_leaks(messages) + [v for v in masker.exposed(messages) if v not in INSTRUCTIONS]

DROPPED = "1500余万元"  # the figure the "drop" model leaves out


def scripted(reference, masker: Masker, mode: str):
    """A model that writes each section as ``reference`` has it. Asked with placeholders, it keeps them
    (``keep``), leaves out the one of DROPPED (``drop``) or breaks every 〔数…〕 it writes (``mangle``)."""
    bodies = {s.id: s.body for s in reference.sections}

    def respond(request):
        text = bodies.get(section_of(request), "")
        masked = any(re.search(r"〔(数|单位|人名|地名)\d+〕", m["content"]) for m in request["messages"])
        if not masked:
            return Step(reply=text)
        text = masker.mask(text)
        if mode == "drop":
            text = text.replace(masker.forward[DROPPED], "")
        elif mode == "mangle":
            text = re.sub(r"〔数(\d+)〕", r"〔数\1", text)  # the closing bracket lost: cannot be read back
        return Step(reply=text)

    return respond


@pytest.fixture(scope="module")
def reference(tmp_path_factory):
    facts = load_facts(REFERENCE_FACTS)
    ws = Workspace(tmp_path_factory.mktemp("ref"))
    return facts, ws.draft(facts, record=False, use_cache=False).draft


def _side_by_side(cli, tmp_path, monkeypatch, reference, mode: str) -> tuple[dict, str, FakeLLMServer]:
    facts, draft = reference
    masker = Masker.from_facts(facts, MASK_KINDS)
    monkeypatch.chdir(tmp_path)
    suite = tmp_path / "s.yaml"
    suite.write_text(f"name: masking\ndefaults:\n  assertions:\n    metrics:\n      figure_recall: '>= 1.0'\n"
                     f"cases:\n  - id: gqf\n    facts: {REFERENCE_FACTS}\n", encoding="utf-8")
    with FakeLLMServer(scripted(draft, masker, mode)) as server:
        (tmp_path / "speechwriter.toml").write_text(
            f'[profiles.cloud]\nbase_url = "{server.base_url}"\nmodel = "fake-model"\napi_key = "{SECRET_KEY}"\n'
            f"backoff_base = 0.01\n", encoding="utf-8")
        done = cli("eval", suite, "--profile", "cloud", "--mask", "none", "--mask", "all", "--json", "--no-cache")
        shown = cli("eval", "list")  # the run is on disk; its table is printed from the same results
        assert shown.exit_code == 0
        masked_bodies = [r for r in server.requests
                         if any("〔" in m["content"] for m in r["messages"])]
        assert masked_bodies and all(data_leaks(r, masker) == [] for r in masked_bodies)
    data = json.loads(done.stdout)
    by_variant = {r["variant"]: r for r in data["results"]}
    assert set(by_variant) == {"openai/cloud/不脱敏", "openai/cloud/脱敏"}
    return by_variant, data["report"], server


def test_placeholders_kept_cost_nothing(cli, tmp_path, monkeypatch, reference):
    runs, _, _ = _side_by_side(cli, tmp_path, monkeypatch, reference, "keep")
    plain, masked = runs["openai/cloud/不脱敏"], runs["openai/cloud/脱敏"]
    assert plain["status"] == masked["status"] == "passed", (plain["failures"], masked["failures"])
    for metric in ("figure_recall", "figures_missing", "mask_problems", "repairs"):
        assert masked["metrics"][metric] == plain["metrics"][metric], metric
    assert masked["metrics"]["figures_missing"] == masked["metrics"]["mask_problems"] == 0


def test_a_dropped_placeholder_is_a_missing_real_figure_and_a_repair(cli, tmp_path, monkeypatch, reference):
    runs, _, _ = _side_by_side(cli, tmp_path, monkeypatch, reference, "drop")
    plain, masked = runs["openai/cloud/不脱敏"], runs["openai/cloud/脱敏"]
    assert plain["status"] == "passed" and plain["metrics"]["figures_missing"] == 0
    assert masked["status"] == "failed"
    assert masked["metrics"]["figures_missing"] >= 1 and masked["metrics"]["figure_recall"] < 1
    assert masked["metrics"]["repairs"] > plain["metrics"]["repairs"]
    # the findings name the real figure, never its placeholder
    assert any(DROPPED in f["message"] for f in masked["findings"])
    assert not any("〔数" in f["message"] for f in masked["findings"])


def test_mangled_placeholders_are_m801_findings(cli, tmp_path, monkeypatch, reference):
    runs, report, _ = _side_by_side(cli, tmp_path, monkeypatch, reference, "mangle")
    plain, masked = runs["openai/cloud/不脱敏"], runs["openai/cloud/脱敏"]
    assert plain["metrics"]["mask_problems"] == 0
    assert masked["metrics"]["mask_problems"] >= 1
    assert any(f["code"] == "M801" for f in masked["findings"])
    assert Path(report).is_file()


def test_the_side_by_side_table_shows_what_masking_costs(tmp_path, reference):
    from rich.console import Console

    from speechwriter.evals.suite import CaseResult, SuiteResult

    rows = [CaseResult(case="gqf", variant=v, status="passed",
                       metrics={"figure_recall": 1.0, "figures_missing": n, "mask_problems": m, "repairs": r})
            for v, n, m, r in (("openai/cloud/不脱敏", 0.0, 0.0, 0.0), ("openai/cloud/脱敏", 1.0, 2.0, 3.0))]
    result = SuiteResult(suite="s", suite_path="s.yaml", kind="drafts", started_at="2026-12-03T00:00:00",
                         seconds=1.0, variants=[r.variant for r in rows], repeat=1, results=rows)
    console = Console(width=200, record=True)
    console.print(result)
    text = console.export_text()
    cells = {ln.split()[0]: [c for c in ln.split()[1:] if c != "│"] for ln in text.splitlines() if ln.strip()}
    assert cells["漏写"] == ["0", "1"] and cells["占位符"] == ["0", "2"] and cells["修复"] == ["0", "3"]

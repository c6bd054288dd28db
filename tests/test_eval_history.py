"""Evals for prompt engineers: rerun what failed, rescore without regenerating, human review, CI gate."""

from __future__ import annotations

import json
from pathlib import Path

from speechwriter.evals.history import add_review, load_reviews, merge_rerun, rerun_selection, rescore
from speechwriter.evals.suite import RunOptions, load_results, load_suite, run_suite
from speechwriter.workspace import Workspace

from .conftest import FIXTURES

SUITE = """name: hist
defaults:
  engine: offline
  assertions:
    metrics: {figure_recall: ">= 1.0", invented_figures: "== 0"}
cases:
  - id: gqf
    facts: FIX/work_report_gongqingfu.yaml
  - id: safety
    facts: FIX/leader_speech_safety.yaml
    assert:
      contains: [这句话不会出现在稿件里]
  - id: street
    facts: FIX/duty_report_street.yaml
"""


def _suite(tmp_path: Path, text: str = SUITE) -> Path:
    path = tmp_path / "hist.yaml"
    path.write_text(text.replace("FIX", str(FIXTURES)), encoding="utf-8")
    return path


def _run(tmp_path: Path, path: Path, **options):
    from speechwriter.evals import write_results

    ran: list[str] = []
    result = run_suite(load_suite(path), options=RunOptions(workdir=tmp_path, **options),
                       on_result=lambda r: ran.append(r.case))
    write_results(result, tmp_path)
    return result, ran


def test_rerun_failed_runs_only_the_failed_case_and_gives_a_whole_run(tmp_path):
    path = _suite(tmp_path)
    first, ran = _run(tmp_path, path)
    assert {r.case: r.status for r in first.results} == {"gqf": "passed", "safety": "failed", "street": "passed"}
    only = rerun_selection(first)
    assert only == {("safety", "offline", 0)}
    assert rerun_selection(first, errors_only=True) == set()
    again, ran = _run(tmp_path, path, only=only)
    assert ran == ["safety"]
    merged = merge_rerun(first, again)
    assert [r.case for r in merged.results] == ["gqf", "safety", "street"]
    assert merged.results[0] == first.results[0] and merged.results[2] == first.results[2]


def test_rerun_failed_from_the_command_line(cli, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    path = _suite(tmp_path)
    first = cli("eval", path, "-q")
    assert first.exit_code == 1
    run = sorted((tmp_path / "evals" / "runs").iterdir())[-1].name
    again = cli("eval", path, "--rerun-failed", run, "-q", "--json")
    assert again.exit_code == 1  # the case still fails: the merged run says so
    data = json.loads(again.stdout)
    assert sorted(r["case"] for r in data["results"]) == ["gqf", "safety", "street"]


def test_rescore_applies_todays_checks_to_the_stored_drafts(tmp_path):
    path = _suite(tmp_path)
    first, _ = _run(tmp_path, path)
    folder = Path(first.folder)
    stored = json.loads((folder / "results.json").read_text(encoding="utf-8"))
    # someone edits a stored draft (or the validator changed): an invented figure appears in the text
    gqf = next(r for r in stored["results"] if r["case"] == "gqf")
    section = next(s for s in gqf["draft"]["sections"] if s["body"] and s["role"] != "salutation")
    section["body"] += "另外新建服务站29个。"
    (folder / "results.json").write_text(json.dumps(stored, ensure_ascii=False), encoding="utf-8")
    new = rescore(load_results(folder), load_suite(path), Workspace(tmp_path))
    result = next(r for r in new.results if r.case == "gqf")
    assert result.metrics["invented_figures"] >= 1 and result.status == "failed"
    assert "rescored_at" in result.extra
    assert next(r for r in new.results if r.case == "street").status == "passed"


def test_a_changed_threshold_is_measured_on_the_same_texts(tmp_path):
    path = _suite(tmp_path)
    first, _ = _run(tmp_path, path)
    stricter = _suite(tmp_path, SUITE.replace('invented_figures: "== 0"', 'invented_figures: "== 0", warnings: "<= -1"'))
    new = rescore(load_results(first.folder), load_suite(stricter), Workspace(tmp_path))
    assert all(r.status == "failed" for r in new.results)
    assert [r.draft for r in new.results] == [r.draft for r in first.results]  # no regeneration


def test_human_review_is_recorded_with_who_and_when_and_shown_by_compare(cli, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    path = _suite(tmp_path)
    assert cli("eval", path, "-q").exit_code == 1
    run = sorted((tmp_path / "evals" / "runs").iterdir())[-1]
    done = cli("eval", "review", run.name, "gqf", "--verdict", "不通过", "--note", "开场太长", "--by", "王秘书")
    assert done.exit_code == 0, done.stderr
    reviews = load_reviews(run)
    assert [(r.case, r.verdict, r.note, r.by) for r in reviews] == [("gqf", "不通过", "开场太长", "王秘书")]
    bad = cli("eval", "review", run.name, "gqf", "--verdict", "还行")
    assert bad.exit_code == 2 and "通过" in bad.stderr
    missing = cli("eval", "review", run.name, "nope", "--verdict", "通过")
    assert missing.exit_code == 2 and "gqf" in missing.stderr
    shown = cli("eval", "compare", run.name, run.name)
    assert "人工 不通过" in shown.stdout and "王秘书" in shown.stdout


def test_review_in_the_library(tmp_path):
    first, _ = _run(tmp_path, _suite(tmp_path))
    review = add_review(Path(first.folder), first, "street", "通过", "可以", by="李")
    assert review.variant == "offline" and load_reviews(Path(first.folder))[-1] == review


def test_the_regression_gate_fails_only_on_the_metrics_it_names(cli, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    path = _suite(tmp_path)
    base, _ = _run(tmp_path, path)
    stored = json.loads((Path(base.folder) / "results.json").read_text(encoding="utf-8"))
    stored["results"][0]["metrics"]["figure_recall"] = 0.5
    stored["results"][0]["metrics"]["warnings"] = stored["results"][0]["metrics"]["warnings"] + 3
    worse = tmp_path / "evals" / "runs" / "worse-hist"
    worse.mkdir()
    (worse / "results.json").write_text(json.dumps(stored, ensure_ascii=False), encoding="utf-8")
    base_name = Path(base.folder).name
    gated = cli("eval", "compare", base_name, "worse-hist", "--fail-on-regression", "figure_recall")
    assert gated.exit_code == 4, gated.stdout
    other = cli("eval", "compare", base_name, "worse-hist", "--fail-on-regression", "name_recall")
    assert other.exit_code == 0 and "没有退步" in other.stdout


def test_rescore_checks_each_distinct_text_once(tmp_path, monkeypatch):
    import speechwriter.validate as validate_module

    path = _suite(tmp_path, SUITE.replace("  - id: street", "  - id: gqf2\n    facts: FIX/work_report_gongqingfu.yaml\n"
                                          "  - id: street"))
    first, _ = _run(tmp_path, path)
    gqf, gqf2 = (next(r for r in first.results if r.case == c) for c in ("gqf", "gqf2"))
    # the same facts give the same text; only when and how fast it was written differ
    assert gqf.draft["sections"] == gqf2.draft["sections"] and gqf.draft["timings_ms"] != gqf2.draft["timings_ms"]
    calls: list[str] = []
    real = validate_module.validate

    def counting(draft, *args, **kwargs):
        calls.append(draft.title)
        return real(draft, *args, **kwargs)

    monkeypatch.setattr(validate_module, "validate", counting)
    changed = gqf2.draft | {"sections": [s | {"body": s["body"] + "另外新建服务站29个。"} if s["role"] != "salutation"
                                         else s for s in gqf2.draft["sections"]]}
    edited = first.model_copy(update={"results": [r.model_copy(update={"draft": changed}) if r.case == "gqf2" else r
                                                  for r in first.results]})
    new = rescore(edited, load_suite(path), Workspace(tmp_path))
    assert len(calls) == 4  # gqf, the edited gqf2, safety, street: a text checked once, every text checked
    by_case = {r.case: r for r in new.results}
    assert by_case["gqf"].status == "passed" and by_case["gqf2"].status == "failed"
    assert by_case["gqf2"].metrics["invented_figures"] >= 1
    unedited = rescore(first, load_suite(path), Workspace(tmp_path))
    same = {r.case: r.metrics for r in unedited.results}
    assert len(calls) == 4 + 3 and same["gqf2"] == same["gqf"]

"""Evaluation suites: shipped suites pass offline, bad suites are reported case by case, runs compare."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest
from rich.console import Console

from speechwriter.errors import InputError
from speechwriter.evals import (
    RunOptions,
    SuiteResult,
    Variant,
    compare_runs,
    load_results,
    load_suite,
    parse_verdict,
    render_markdown,
    run_suite,
    write_results,
)
from speechwriter.testing.fakeserver import FakeLLMServer, Step

from .conftest import REFERENCE_FACTS, ROOT, SECRET_KEY, composer_brain, shared_path

SUITES = ROOT / "evals" / "suites"
FIX = ROOT / "fixtures" / "facts"


def suite_file(tmp_path: Path, text: str, name: str = "s.yaml") -> Path:
    path = tmp_path / name
    path.write_text(text.replace("FIX", str(FIX)), encoding="utf-8")
    return path


def test_core_suite_passes_with_the_offline_engine() -> None:
    suite = load_suite(SUITES / "core.yaml")
    genres = {c.genre or c.facts for c in suite.cases}
    assert len(suite.cases) >= 8 and len(genres) >= 4
    # the repository's own suite and checks are trusted; the test works outside the repository
    result = run_suite(suite, options=RunOptions(allow_custom_checks=True))
    assert [r.case for r in result.results if r.status != "passed"] == []
    assert all(r.metrics["figure_recall"] == 1.0 and r.metrics["invented_figures"] == 0 for r in result.results)


def test_validators_suite_reports_precision_and_recall_per_check() -> None:
    shared_path("reference", "work-report-clean.txt")
    result = run_suite(load_suite(SUITES / "validators.yaml"))
    assert all(r.status == "passed" for r in result.results), [r.error or r.failures for r in result.results]
    real = next(r for r in result.results if r.case == "real_reference_speech")
    for fam in ("structure", "figures", "names"):
        assert real.metrics[f"recall:{fam}"] == 1.0 and real.metrics[f"precision:{fam}"] == 1.0
    assert real.metrics["mutants"] >= 50
    corpus = [r for r in result.results if r.case.startswith("corpus_") and not r.case.endswith("_consistency")]
    assert len(corpus) >= 4
    for r in corpus:  # the figures check on real prose: no false alarm, every mutant caught
        assert r.metrics["precision:figures"] == 1.0 and r.metrics["recall:figures"] == 1.0, r.case
        assert r.metrics["false_positives"] == 0 and r.metrics["mutants"] >= 20, r.case
        assert set(r.extra["per_kind"]) >= {"change_digit", "remove_figure", "invent_cn_eleven", "invent_in_quotes"}
    conflicts = [r for r in result.results if r.case.endswith("_consistency")]
    assert len(conflicts) >= 3
    kinds: set[str] = set()
    for r in conflicts:  # 数据打架 on real prose: no false alarm, every mutant caught by its code
        assert r.metrics["precision:consistency"] == 1.0 and r.metrics["recall:consistency"] == 1.0, r.case
        assert r.metrics["false_positives"] == 0 and r.metrics["mutants"] >= 10, r.case
        kinds |= set(r.extra["per_kind"])
    assert kinds == {"part_over_total", "share_over_100", "negative_growth", "flip_direction"}


def test_broken_cases_are_reported_and_the_rest_go_on(tmp_path: Path) -> None:
    path = suite_file(tmp_path, """
name: broken
defaults: {engine: offline}
cases:
  - {id: good, facts: FIX/duty_report_street.yaml}
  - {id: no_facts, facts: FIX/nope.yaml}
  - id: bad_metric
    facts: FIX/duty_report_street.yaml
    assert: {metrics: {figure_recal: ">= 1"}}
  - id: bad_threshold
    facts: FIX/duty_report_street.yaml
    assert: {metrics: {figure_recall: "at least 1"}}
  - id: bad_import
    facts: FIX/duty_report_street.yaml
    assert: {custom: ["no_such_pkg.mod:check"]}
  - id: raising_check
    facts: FIX/duty_report_street.yaml
    assert: {custom: ["json:loads"]}
""")
    result = run_suite(load_suite(path), options=RunOptions(allow_custom_checks=True))  # json:loads is outside
    by_case = {r.case: r for r in result.results}
    assert by_case["good"].status == "passed"
    errors = {cid: by_case[cid].error or "" for cid in by_case if cid != "good"}
    assert all(by_case[c].status == "error" for c in errors)
    assert all("s.yaml 用例「" + cid + "」" in msg for cid, msg in errors.items())
    assert "facts：事实文件不存在" in errors["no_facts"]
    assert "未知指标「figure_recal」，是否想写「figure_recall」" in errors["bad_metric"]
    assert "阈值「at least 1」格式不对" in errors["bad_threshold"]
    assert "无法导入自定义检查「no_such_pkg.mod:check」" in errors["bad_import"]
    assert "自定义检查「json:loads」出错" in errors["raising_check"]


def test_structural_suite_errors_are_input_errors(tmp_path: Path, cli) -> None:
    bad = suite_file(tmp_path, "name: x\ncases:\n  - {id: a}\n")
    with pytest.raises(InputError) as err:
        load_suite(bad)
    assert "用例「a」缺少必填字段「facts」" in str(err.value) and "s.yaml" in str(err.value)
    result = cli("eval", bad)
    assert result.exit_code == 2 and "缺少必填字段" in result.stderr


def test_text_assertions_thresholds_repeat_and_filter(tmp_path: Path) -> None:
    path = suite_file(tmp_path, """
name: text
cases:
  - id: a
    tags: [t1]
    facts: FIX/leader_speech_safety.yaml
    assert:
      contains: [同志们]
      not_contains: [尊敬的]
      regex: ["一是.+二是"]
      metrics: {speaking_minutes: [1, 30], length_deviation: "<= 0.1"}
  - id: b
    tags: [t2]
    facts: FIX/annual_summary_agri.yaml
""")
    suite = load_suite(path)
    result = run_suite(suite, options=RunOptions(repeat=3, case_filter=["t1"]))
    assert {r.case for r in result.results} == {"a"} and len(result.results) == 3
    assert all(r.status == "failed" for r in result.results)
    assert result.results[0].failures == [f"length_deviation = {result.results[0].metrics['length_deviation']:g}，"
                                          "不满足 <= 0.1"]
    stats = result.aggregate()[("a", "offline")]["figure_recall"]
    assert stats == {"mean": 1.0, "min": 1.0, "max": 1.0}


def test_timeout_per_case(tmp_path: Path) -> None:
    path = suite_file(tmp_path, """
name: slow
cases:
  - {id: quick, facts: FIX/duty_report_street.yaml}
  - {id: too_slow, facts: FIX/work_report_gongqingfu.yaml, overrides: {timeout: 0.001}}
""")
    result = run_suite(load_suite(path))
    by_case = {r.case: r for r in result.results}
    assert by_case["quick"].status == "passed"
    assert by_case["too_slow"].status == "error" and "超时" in by_case["too_slow"].error


def test_prompt_folder_matrix_writes_results_and_compare_finds_regressions(tmp_path: Path, cli,
                                                                           monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)
    bad = tmp_path / "bad_prompts"
    (bad / "offline").mkdir(parents=True)
    phrases = (ROOT / "prompts" / "offline" / "phrases.yaml").read_text(encoding="utf-8")
    # Every "N个方面" lead-in now states a figure the facts do not have.
    (bad / "offline" / "phrases.yaml").write_text(phrases.replace("{count}个方面", "{count}个方面，投入386万元，"),
                                                  encoding="utf-8")
    good = tmp_path / "good_prompts"
    good.mkdir()
    path = suite_file(tmp_path, """
name: matrix
defaults: {assertions: {metrics: {invented_figures: "== 0"}}}
cases:
  - {id: agri, facts: FIX/annual_summary_agri.yaml}
  - {id: gqf, facts: FIX/work_report_gongqingfu.yaml}
""")
    result = cli("eval", path, "--prompts", f"{good},{bad}")
    assert result.exit_code == 1
    assert "offline/good_prompts" in result.stdout and "offline/bad_prompts" in result.stdout
    run_dir = next((tmp_path / "evals" / "runs").glob("*-matrix"))
    data = SuiteResult.model_validate_json((run_dir / "results.json").read_text(encoding="utf-8"))
    assert (run_dir / "report.md").read_text(encoding="utf-8") == render_markdown(data)
    page = (run_dir / "report.html").read_text(encoding="utf-8")
    assert "变体对比" in page and "<mark class='error'" in page and "http" not in page.replace("http-equiv", "")
    # compare: a run with only the good prompts vs one with only the bad ones
    assert cli("eval", path, "--prompts", str(good)).exit_code == 0
    assert cli("eval", path, "--prompts", str(bad)).exit_code == 1
    runs = sorted(p.name for p in (tmp_path / "evals" / "runs").glob("*-matrix*"))
    listing = cli("eval", "list")
    assert all(r in listing.stdout for r in runs)
    good_run, bad_run = runs[-2], runs[-1]
    regress = cli("eval", "compare", good_run, bad_run)
    assert regress.exit_code == 1 and "退步" in regress.stdout and "invented_figures" in regress.stdout
    improve = cli("eval", "compare", bad_run, good_run, "--tolerance", "0.05")
    assert improve.exit_code == 0 and "改进" in improve.stdout


def test_compare_tolerance() -> None:
    base = SuiteResult(suite="s", suite_path="s.yaml", kind="drafts", started_at="", seconds=1, variants=["v"],
                       repeat=1, results=[])
    from speechwriter.evals import CaseResult

    a = base.model_copy(update={"results": [CaseResult(case="c", variant="v", status="passed",
                                                       metrics={"length_deviation": 0.30, "figure_recall": 1.0})]})
    b = base.model_copy(update={"results": [CaseResult(case="c", variant="v", status="passed",
                                                       metrics={"length_deviation": 0.33, "figure_recall": 0.9})]})
    better, worse = compare_runs(a, b, tolerance=0.05)
    assert [c.metric for c in worse] == ["figure_recall"] and better == []
    assert [c.metric for c in compare_runs(b, a)[0]] == ["figure_recall", "length_deviation"]


def test_results_table_renders(tmp_path: Path) -> None:
    result = run_suite(load_suite(SUITES / "core.yaml"),
                       options=RunOptions(case_filter=["leader_speech"], allow_custom_checks=True))
    console = Console(file=io.StringIO(), width=160, color_system=None)
    console.print(result)
    out = console.file.getvalue()
    assert "评测 core" in out and "leader_speech_safety" in out and "通过" in out
    folder = write_results(result, tmp_path)
    assert load_results(folder).model_dump_json() == result.model_dump_json()  # lossless results.json


# --- LLM engine and judge over HTTP -----------------------------------------------------------

def test_parse_verdict_is_strict() -> None:
    criteria = ["逻辑清晰", "用语规范"]
    ok = parse_verdict('好的：{"scores": [{"criterion": "逻辑清晰", "score": 4, "reason": "层次分明"},'
                       '{"criterion": "用语规范", "score": 5, "reason": "规范"}]}', criteria)
    assert [s.score for s in ok.scores] == [4, 5]
    for bad in ('{"scores": [{"criterion": "逻辑清晰", "score": 9, "reason": "x"}]}', "没有 JSON",
                '{"scores": [{"criterion": "逻辑清晰", "score": 4, "reason": "x"}]}'):
        with pytest.raises(ValueError):
            parse_verdict(bad, criteria)


def test_suite_with_llm_engine_and_judge(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)
    brain = composer_brain()
    judged = {"n": 0}

    def respond(request):
        if "审稿专家" in request["messages"][0]["content"]:
            judged["n"] += 1
            # structured output: the verdict's schema goes with every judge request
            schema = request["response_format"]["json_schema"]["schema"]
            assert "scores" in schema["properties"], schema
            if judged["n"] == 1:
                return Step(reply="这篇讲话写得不错。")  # malformed: retried
            return Step(reply=json.dumps({"scores": [
                {"criterion": "逻辑清晰", "score": 4, "reason": "层次分明"},
                {"criterion": "用语规范", "score": 2, "reason": "个别说法口语化"}]}, ensure_ascii=False))
        return brain(request)

    with FakeLLMServer(respond) as server:
        monkeypatch.setenv("OPENAI_API_KEY", SECRET_KEY)
        monkeypatch.setenv("OPENAI_BASE_URL", server.base_url)
        monkeypatch.setenv("SPEECHWRITER_MODEL", "fake-model")
        path = suite_file(tmp_path, """
name: judged
defaults: {engine: openai}
cases:
  - id: gqf
    facts: FIX/work_report_gongqingfu.yaml
    assert:
      judge: {criteria: [逻辑清晰, 用语规范], min_score: 3}
""")
        result = run_suite(load_suite(path), [Variant(engine="openai")], RunOptions(workdir=tmp_path))
    r = result.results[0]
    assert r.status == "failed", r.error
    assert r.metrics["judge:逻辑清晰"] == 4 and r.metrics["judge:用语规范"] == 2
    assert r.failures == ["评审「用语规范」2 分，低于 3：个别说法口语化"]
    assert judged["n"] == 2


def test_judge_that_never_parses_is_a_case_error(tmp_path: Path, monkeypatch) -> None:
    brain = composer_brain()

    def respond(request):
        if "审稿专家" in request["messages"][0]["content"]:
            return Step(reply="无法评分")
        return brain(request)

    with FakeLLMServer(respond) as server:
        monkeypatch.setenv("OPENAI_API_KEY", SECRET_KEY)
        path = suite_file(tmp_path, f"""
name: judged
cases:
  - id: never
    facts: FIX/duty_report_street.yaml
    assert:
      judge: {{criteria: [逻辑清晰], base_url: "{server.base_url}", model: fake-model, max_attempts: 2}}
""")
        result = run_suite(load_suite(path), options=RunOptions(workdir=tmp_path))
    r = result.results[0]
    assert r.status == "error" and "用例「never」" in r.error and "评审回复 2 次都无法解析" in r.error


def test_a_run_parses_each_facts_file_once_and_again_after_an_edit(tmp_path: Path) -> None:
    """100 cases over five files parse five; a file edited during the run is read again."""
    from speechwriter.evals import RunOptions

    facts = tmp_path / "f.yaml"
    facts.write_text(REFERENCE_FACTS.read_text(encoding="utf-8"), encoding="utf-8")
    opts = RunOptions(workdir=tmp_path)
    first = opts.facts(facts)
    assert opts.facts(facts) is first
    facts.write_text(facts.read_text(encoding="utf-8").replace("title:", "title: 改", 1), encoding="utf-8")
    again = opts.facts(facts)
    assert again is not first and again.meta.title.startswith("改")


def test_the_prompt_version_follows_an_edited_style_file(tmp_path: Path) -> None:
    """The digest is cached by the files' size and time, so an edit still gives a new version."""
    import shutil

    from speechwriter.facts import load_facts
    from speechwriter.prompts import PromptLibrary
    from speechwriter.resources import builtin_prompts_dir

    styles = tmp_path / "styles"
    styles.mkdir()
    shutil.copy(builtin_prompts_dir() / "styles" / "work_report.yaml", styles / "work_report.yaml")
    library = PromptLibrary([tmp_path])
    facts = load_facts(REFERENCE_FACTS)
    blueprint = library.blueprint("work_report")
    section = blueprint.sections[1]
    before = library.render(facts, blueprint, section).template_sha256
    assert library.render(facts, blueprint, section).template_sha256 == before
    (styles / "work_report.yaml").write_text((styles / "work_report.yaml").read_text(encoding="utf-8")
                                             + "\n# 本单位的补充说明\n", encoding="utf-8")
    assert library.render(facts, blueprint, section).template_sha256 != before

"""The eval report: variants side by side, every assertion, repeats, filters; driven in a real browser.

The browser is the system's chromium (Debian package) driven by playwright, headless and offline.
CI installs chromium and sets SPEECHWRITER_REQUIRE_CHROMIUM=1: there a missing browser fails the test.
"""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import pytest

from speechwriter.evals import SuiteResult, load_results

from .conftest import ROOT

FIX = ROOT / "fixtures" / "facts"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--no-first-run"]


def _bad_prompts(tmp_path: Path) -> Path:
    """A prompts folder whose offline phrases invent a figure: its drafts fail invented_figures."""
    bad = tmp_path / "bad_prompts"
    (bad / "offline").mkdir(parents=True)
    phrases = (ROOT / "prompts" / "offline" / "phrases.yaml").read_text(encoding="utf-8")
    # every "N个方面" lead-in states a figure the facts do not have
    phrases = phrases.replace("{count}个方面", "{count}个方面，投入386万元，")
    (bad / "offline" / "phrases.yaml").write_text(phrases, encoding="utf-8")
    return bad


@pytest.fixture(scope="module")
def matrix_run(tmp_path_factory) -> Path:
    """Two cases × two prompt folders × two repeats, with a custom check and text assertions."""
    from typer.testing import CliRunner

    from speechwriter.cli import app

    tmp_path = tmp_path_factory.mktemp("matrix")
    good = tmp_path / "good_prompts"
    good.mkdir()
    bad = _bad_prompts(tmp_path)
    suite = tmp_path / "s.yaml"
    suite.write_text(f"""
name: matrix
defaults:
  assertions:
    metrics: {{invented_figures: "== 0", figure_recall: ">= 1.0"}}
cases:
  - id: agri
    facts: {FIX}/annual_summary_agri.yaml
    assert:
      custom: ["evals.checks.speech:closes_properly"]
      contains: [同志们]
  - id: gqf
    facts: {FIX}/work_report_gongqingfu.yaml
""", encoding="utf-8")
    cwd = os.getcwd()
    os.chdir(tmp_path)
    try:
        result = CliRunner().invoke(app, ["eval", str(suite), "--prompts", f"{good},{bad}", "--repeat", "2",
                                          "--allow-custom-checks"])  # the check lives in the repository
    finally:
        os.chdir(cwd)
    assert result.exit_code == 1, result.stderr
    return next((tmp_path / "evals" / "runs").glob("*-matrix"))


def test_every_assertion_is_recorded_with_its_reason(matrix_run: Path) -> None:
    data = load_results(matrix_run)
    agri_bad = next(r for r in data.results if r.case == "agri" and r.variant.endswith("bad_prompts"))
    checks = {c["name"]: c for c in agri_bad.checks}
    assert checks["编造数字的个数"]["passed"] is False and "invented_figures = " in checks["编造数字的个数"]["detail"]
    assert checks["必写数字写对的比例"]["passed"] is True
    assert checks["结束语完整"]["passed"] is True and checks["结束语完整"]["kind"] == "custom"
    assert checks["包含「同志们」"]["passed"] is True


def test_report_html_is_offline_and_complete(matrix_run: Path) -> None:
    page = (matrix_run / "report.html").read_text(encoding="utf-8")
    assert "http" not in page.replace("http-equiv", "")  # nothing to fetch: works from disk
    assert "结束语完整" in page and "evals.checks.speech:closes_properly" not in page.split("<main>")[0]
    assert page.count("class='repeat'") == 2 * 2 * 2  # every case × variant × repeat
    assert "<ins>" in page and "386" in page


def _chromium() -> str:
    path = shutil.which("chromium") or shutil.which("chromium-browser")
    if path is None:
        if os.environ.get("SPEECHWRITER_REQUIRE_CHROMIUM"):
            pytest.fail("CI must have chromium (.ci/run installs it: apt-get install chromium)")
        pytest.skip("chromium not installed: apt-get install chromium")
    return path


def test_report_in_a_real_browser(matrix_run: Path, tmp_path: Path) -> None:
    chromium = _chromium()
    from playwright.sync_api import sync_playwright

    data = SuiteResult.model_validate_json((matrix_run / "results.json").read_text(encoding="utf-8"))
    good, bad = data.variants
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=chromium, headless=True, args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(viewport={"width": 1400, "height": 1000})
            errors: list[str] = []
            page.on("pageerror", lambda exc: errors.append(str(exc)))
            page.goto((matrix_run / "report.html").as_uri())
            assert page.inner_text("#count") == "显示 2 / 2 个用例"

            # filter to failed cases: both cases fail with the bad prompts
            page.select_option("#f-status", "failed")
            assert page.inner_text("#count") == "显示 2 / 2 个用例"
            # only the good variant: nothing fails there
            page.select_option("#f-variant", good)
            assert page.inner_text("#count") == "显示 0 / 2 个用例"
            assert page.is_visible("#no-match")
            page.select_option("#f-variant", bad)
            assert page.inner_text("#count") == "显示 2 / 2 个用例"
            assert page.is_hidden(f"details.case .col[data-variant='{good}']")
            page.select_option("#f-variant", "")

            # a failed metric as filter, and text search
            page.select_option("#f-metric", "invented_figures")
            assert page.inner_text("#count") == "显示 2 / 2 个用例"
            page.select_option("#f-metric", "")
            page.fill("#f-search", "agri")
            assert page.inner_text("#count") == "显示 1 / 2 个用例"
            assert page.is_visible("details.case[data-case='agri']")
            assert page.is_hidden("details.case[data-case='gqf']")
            assert page.is_hidden("#row-case-1") and page.is_visible("#row-case-0")

            # expand the case: the variants side by side, assertions listed pass and fail with reasons
            case = page.locator("details.case[data-case='agri']")
            assert not case.locator(".grid").is_visible()
            case.locator("summary").click()
            assert case.locator(".grid").is_visible()
            bad_col = case.locator(f".col[data-variant='{bad}']")
            good_col = case.locator(f".col[data-variant='{good}']")
            good_box, bad_box = good_col.bounding_box(), bad_col.bounding_box()
            assert good_box and bad_box and bad_box["x"] > good_box["x"] + 200  # side by side
            assert abs(bad_box["y"] - good_box["y"]) < 5
            failing = bad_col.locator(".repeat[data-rep='0'] ul.checks li.fail")
            assert failing.count() >= 1 and "编造数字的个数" in failing.first.inner_text()
            assert "invented_figures = " in failing.first.inner_text()
            passing = bad_col.locator(".repeat[data-rep='0'] ul.checks li.pass").all_inner_texts()
            assert any("结束语完整" in t for t in passing) and any("包含「同志们」" in t for t in passing)
            # the custom check's column is headed by its name, not its import path
            metric_names = bad_col.locator(".repeat[data-rep='0'] table.metrics td.l").all_inner_texts()
            assert "结束语完整" in metric_names and not any("evals.checks" in m for m in metric_names)
            # differences: the metric is highlighted as worse, the invented text as an insertion
            worse = bad_col.locator(".repeat[data-rep='0'] table.metrics td.worse")
            assert worse.count() >= 1
            insertions = bad_col.locator(".repeat[data-rep='0'] .diffed ins").all_inner_texts()
            assert any("386" in t for t in insertions)
            assert good_col.locator(".repeat[data-rep='0'] .marked").is_visible()
            # switch the outputs to the validators' marks
            page.select_option("#f-view", "marks")
            assert bad_col.locator(".repeat[data-rep='0'] mark.error").first.is_visible()
            page.select_option("#f-view", "diff")

            # every repeat can be viewed
            assert bad_col.locator(".repeat[data-rep='1']").is_hidden()
            bad_col.locator(".reps button[data-rep='1']").click()
            assert bad_col.locator(".repeat[data-rep='1']").is_visible()
            assert bad_col.locator(".repeat[data-rep='0']").is_hidden()

            page.fill("#f-search", "")
            page.select_option("#f-status", "failed")
            shot = tmp_path / "report.png"
            page.screenshot(path=str(shot), full_page=False)
            assert shot.stat().st_size > 10_000
            assert errors == []
        finally:
            browser.close()


def test_compare_reports_variants_present_in_one_run_only(matrix_run: Path, tmp_path: Path, cli,
                                                          monkeypatch) -> None:
    runs = matrix_run.parent
    data = load_results(matrix_run)
    good, bad = data.variants
    # a second run that has the bad variant and a third one the first run never had
    other = data.model_copy(update={
        "variants": [bad, "offline/other_prompts"],
        "results": [r for r in data.results if r.variant == bad] + [
            r.model_copy(update={"variant": "offline/other_prompts"}) for r in data.results if r.variant == good]})
    folder = runs / "20991231-000000-matrix-other"
    folder.mkdir()
    (folder / "results.json").write_text(other.model_dump_json(), encoding="utf-8")
    monkeypatch.chdir(runs.parent.parent)
    result = cli("eval", "compare", matrix_run.name, folder.name)
    assert result.exit_code == 1
    assert f"只在 {matrix_run.name} 中的变体：{good}" in result.stdout
    assert f"只在 {folder.name} 中的变体：offline/other_prompts" in result.stdout
    assert "两次运行的指标没有变化" not in result.stdout and "共有的 2 组用例×变体，指标没有变化" in result.stdout
    allowed = cli("eval", "compare", matrix_run.name, folder.name, "--allow-missing")
    assert allowed.exit_code == 0 and "只在" in allowed.stdout
    listed = cli("eval", "list").stdout.splitlines()  # piped: tab-separated rows, nothing cut
    assert listed[0].split("\t")[0] == "运行" and any(line.split("\t")[0] == matrix_run.name for line in listed)
    as_json = json.loads(cli("eval", "compare", matrix_run.name, folder.name, "--json").stdout)
    assert as_json["coverage"]["variants_only_a"] == [good]
    assert as_json["coverage"]["variants_only_b"] == ["offline/other_prompts"]
    disjoint = data.model_copy(update={"variants": ["x", "y"], "results": [
        r.model_copy(update={"variant": "x" if r.variant == good else "y"}) for r in data.results]})
    folder2 = runs / "20991231-000001-matrix-disjoint"
    folder2.mkdir()
    (folder2 / "results.json").write_text(disjoint.model_dump_json(), encoding="utf-8")
    none = cli("eval", "compare", matrix_run.name, folder2.name, "--allow-missing")
    assert none.exit_code == 1 and "没有共同的用例和变体" in none.stdout


def test_eval_json_output(tmp_path: Path, cli, monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)
    suite = tmp_path / "s.yaml"
    suite.write_text(f"name: j\ncases:\n  - {{id: a, facts: {FIX}/leader_speech_safety.yaml}}\n", encoding="utf-8")
    result = cli("eval", suite, "--json", "-q")
    assert result.exit_code == 0, result.stderr
    data = json.loads(result.stdout)
    assert data["passed"] is True and data["suite"] == "j" and data["report"].endswith("report.html")
    assert [r["case"] for r in data["results"]] == ["a"] and "draft" not in data["results"][0]


def test_compare_matches_a_plain_runs_variant_with_the_same_variant_of_a_matrix_run(tmp_path: Path, cli,
                                                                                   monkeypatch) -> None:
    """A plain run (built-in prompts, label 'offline') against a matrix run that names the built-in prompts
    folder next to a bad one ('offline/prompts', 'offline/bad_prompts'): the first columns are one variant."""
    monkeypatch.chdir(tmp_path)
    bad = _bad_prompts(tmp_path)
    suite = tmp_path / "s.yaml"
    suite.write_text("name: plain\ndefaults:\n  assertions:\n    metrics: {invented_figures: \"== 0\"}\n"
                     f"cases:\n  - {{id: gqf, facts: {FIX}/work_report_gongqingfu.yaml}}\n", encoding="utf-8")
    assert cli("eval", suite, "-q").exit_code == 0
    plain = next((tmp_path / "evals" / "runs").glob("*-plain"))
    plain.rename(plain.with_name("20000101-000000-plain"))
    assert cli("eval", suite, "-q", "--prompts", f"{ROOT / 'prompts'},{bad}").exit_code == 1
    matrix = next(p for p in (tmp_path / "evals" / "runs").glob("*-plain") if p.name != "20000101-000000-plain")
    assert load_results(matrix).variants == ["offline/prompts", "offline/bad_prompts"]
    result = cli("eval", "compare", "20000101-000000-plain", matrix.name, "--json")
    data = json.loads(result.stdout)
    assert data["coverage"]["compared"] == 1 and data["coverage"]["variants_only_a"] == []
    assert data["coverage"]["matched"] == {"offline": "offline/prompts"}
    assert data["coverage"]["variants_only_b"] == ["offline/bad_prompts"]
    text = cli("eval", "compare", "20000101-000000-plain", matrix.name, "--allow-missing")
    assert text.exit_code == 0 and "同一变体" in text.stdout and "offline/prompts" in text.stdout
    # a different variant is not matched: the bad prompts against the plain run's built-in ones
    only_bad = cli("eval", suite, "-q", "--prompts", str(bad))
    assert only_bad.exit_code == 1
    bad_run = max((tmp_path / "evals" / "runs").glob("*-plain"), key=lambda p: p.stat().st_mtime)
    two = cli("eval", "compare", matrix.name, bad_run.name, "--json")
    assert json.loads(two.stdout)["coverage"]["matched"] == {}


def test_the_default_profile_and_the_same_profile_by_name_are_one_variant(tmp_path: Path, monkeypatch) -> None:
    from speechwriter.evals import Variant, load_suite
    from speechwriter.evals.suite import variant_identity
    from speechwriter.workspace import Workspace

    monkeypatch.chdir(tmp_path)
    (tmp_path / "speechwriter.toml").write_text(
        'default_profile = "local"\n[profiles.local]\nbase_url = "http://127.0.0.1:8000/v1"\nmodel = "m1"\n'
        '[profiles.other]\nbase_url = "http://127.0.0.1:8001/v1"\nmodel = "m2"\n', encoding="utf-8")
    suite_path = tmp_path / "s.yaml"
    suite_path.write_text(f"name: p\ncases:\n  - {{id: a, facts: {FIX}/work_report_gongqingfu.yaml}}\n",
                          encoding="utf-8")
    suite, ws = load_suite(suite_path), Workspace(tmp_path)
    plain = variant_identity(suite, Variant(engine="openai"), ws)
    assert plain and plain == variant_identity(suite, Variant(engine="openai", profile="local"), ws)
    assert plain != variant_identity(suite, Variant(engine="openai", profile="other"), ws)
    assert plain != variant_identity(suite, Variant(engine="offline"), ws)


def test_repetition_rate_is_a_share_of_the_sentences(tmp_path: Path) -> None:
    """Sentences the draft repeats without a closing 。 still count as sentences: the share stays ≤ 1."""
    from speechwriter.blueprint import load_blueprint
    from speechwriter.evals.suite import draft_metrics
    from speechwriter.facts import load_facts
    from speechwriter.validate import validate
    from speechwriter.workspace import draft_speech

    facts = load_facts(FIX / "work_report_gongqingfu.yaml")
    draft = draft_speech(facts)
    line = "我们要持续加强基层组织建设，推动各项工作落到实处"  # no closing mark: one line, one sentence
    repeated = draft.model_copy(update={"sections": [
        s.model_copy(update={"body": "\n".join([line] * 12)}) if s.role != "salutation" else s
        for s in draft.sections]})
    report = validate(repeated, facts, load_blueprint(repeated.genre))
    rate = draft_metrics(repeated, report, facts)["repetition_rate"]
    assert sum(1 for f in report.warnings if f.code == "T503") >= 11
    assert 0 < rate <= 1


def _two_variant_result(metric: str, before: float, after: float) -> SuiteResult:
    from speechwriter.evals import CaseResult

    rows = [CaseResult(case="c", variant=v, status="passed", metrics={metric: value, "invented_figures": bad})
            for v, value, bad in (("a", before, 0.0), ("b", after, 2.0))]
    return SuiteResult(suite="s", suite_path="s.yaml", kind="drafts", started_at="2026-01-01T00:00:00", seconds=1.0,
                       variants=["a", "b"], repeat=1, results=rows)


def test_a_metric_with_no_good_direction_is_not_coloured(tmp_path: Path) -> None:
    import re

    from speechwriter.evals.report import render_html
    from speechwriter.evals.suite import Change

    page = render_html(_two_variant_result("speaking_minutes", 10.0, 12.5))

    def cells(metric: str) -> list[str]:  # the class of each variant's cell in the cases' metric tables
        return re.findall(rf"<td class='l' title='{metric}'>[^<]*</td><td class='([^']*)'>", page)

    assert cells("speaking_minutes") == ["differs", "differs"]  # different, neither better nor worse
    assert cells("invented_figures") == ["differs", "differs worse"]  # a metric with a direction still is
    assert Change("c", "b", "speaking_minutes", 10.0, 12.5).better is None


def test_the_report_is_rendered_from_a_shipped_template() -> None:
    from importlib.resources import files

    from speechwriter.evals import report

    template = files("speechwriter.evals") / "templates" / "report.html.j2"
    source = template.read_text(encoding="utf-8")
    assert "{% for" in source and "<details class='case'" in source.replace('"', "'")
    page = report.render_html(_two_variant_result("figure_recall", 1.0, 0.5))
    assert page.startswith("<!doctype html>") and "评测报告：s" in page
    # values are escaped by the template engine, not by hand
    tricky = _two_variant_result("figure_recall", 1.0, 0.5).model_copy(update={"suite": "<b>x</b>"})
    assert "<b>x</b>" not in report.render_html(tricky) and "&lt;b&gt;x&lt;/b&gt;" in report.render_html(tricky)


def _copy_run(matrix_run: Path, tmp_path: Path) -> Path:
    """The module's run in a project folder of this test's own (reviews change the run folder)."""
    target = tmp_path / "evals" / "runs" / matrix_run.name
    shutil.copytree(matrix_run, target)
    return target


def test_reviewing_in_the_report_downloads_the_sidecar_that_import_records(matrix_run: Path, tmp_path: Path,
                                                                           cli, monkeypatch) -> None:
    import re

    chromium = _chromium()
    from playwright.sync_api import sync_playwright

    run = _copy_run(matrix_run, tmp_path)
    good, bad = load_results(run).variants
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=chromium, headless=True, args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(accept_downloads=True)
            errors: list[str] = []
            page.on("pageerror", lambda exc: errors.append(str(exc)))
            page.goto((run / "report.html").as_uri())
            row = page.locator("#row-case-0")  # agri
            bad_box = row.locator(f".rv[data-variant='{bad}']")
            good_box = row.locator(f".rv[data-variant='{good}']")
            bad_box.locator(".rv-note").fill("编造了投入数字")
            bad_box.locator("button[data-verdict='不通过']").click()
            good_box.locator("button[data-verdict='通过']").click()
            good_box.locator("button[data-verdict='不通过']").click()  # changed their mind: the last click counts
            assert "on" in (good_box.locator("button.rv-fail").get_attribute("class") or "")
            assert "on" not in (good_box.locator("button.rv-pass").get_attribute("class") or "")
            page.locator("#row-case-1 .rv").first.locator("button[data-verdict='通过']").click()  # gqf, first variant
            page.click("#rv-download")  # no reviewer yet: nothing downloads, the page says why
            assert page.inner_text("#rv-msg") == "请先填写评审人"
            page.fill("#rv-by", "王秘书")
            with page.expect_download() as download:
                page.click("#rv-download")
            assert download.value.suggested_filename == "reviews.json"
            saved = tmp_path / "downloaded.json"
            download.value.save_as(saved)
            assert errors == []
        finally:
            browser.close()
    rows = json.loads(saved.read_text(encoding="utf-8"))
    assert [(r["case"], r["variant"], r["verdict"], r["note"], r["by"]) for r in rows] == [
        ("agri", bad, "不通过", "编造了投入数字", "王秘书"), ("agri", good, "不通过", "", "王秘书"),
        ("gqf", good, "通过", "", "王秘书")]
    assert all(re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d", r["at"]) for r in rows)

    monkeypatch.chdir(tmp_path)
    before = cli("eval", "compare", run.name, run.name).stdout
    assert "人工" not in before
    imported = cli("eval", "review", run.name, "--import", saved)
    assert imported.exit_code == 0, imported.stderr
    assert "已导入 3 条新评审" in imported.stdout
    after = cli("eval", "compare", run.name, run.name).stdout
    assert "agri（" + bad + "）：人工 不通过，自动 未通过 · 王秘书" in after and "编造了投入数字" in after
    # the run's own report and summary show the verdicts, and the page offers them again for the next download
    page_text = (run / "report.html").read_text(encoding="utf-8")
    assert "已记录：不通过 · 王秘书" in page_text
    summary = (run / "report.md").read_text(encoding="utf-8")
    assert "## 人工评审" in summary and f"| agri | {bad} | 不通过 | 未通过 | 王秘书 |" in summary
    again = cli("eval", "review", run.name, "--import", saved)
    assert "已导入 0 条新评审" in again.stdout  # importing the same file twice records nothing twice


def test_a_sidecar_placed_in_the_run_folder_counts_and_a_bad_one_is_one_line(matrix_run: Path, tmp_path: Path,
                                                                             cli, monkeypatch) -> None:
    from speechwriter.evals.history import latest_reviews

    run = _copy_run(matrix_run, tmp_path)
    good, _ = load_results(run).variants
    row = {"case": "gqf", "variant": good, "verdict": "通过", "note": "可以", "by": "李", "at": "2026-12-03T10:00:00"}
    (run / "reviews (1).json").write_text(json.dumps([row], ensure_ascii=False), encoding="utf-8")
    assert latest_reviews(run)[("gqf", good)].by == "李"
    monkeypatch.chdir(tmp_path)
    assert "人工 通过" in cli("eval", "compare", run.name, run.name).stdout
    broken = tmp_path / "broken.json"
    broken.write_text('[{"case": "gqf",\n "verdict": 通过}]', encoding="utf-8")
    bad = cli("eval", "review", run.name, "--import", broken)
    assert bad.exit_code == 2 and f"{broken}:2" in bad.stderr and "Traceback" not in bad.stderr
    unknown = tmp_path / "unknown.json"
    unknown.write_text(json.dumps([{**row, "case": "nope"}], ensure_ascii=False), encoding="utf-8")
    refused = cli("eval", "review", run.name, "--import", unknown)
    assert refused.exit_code == 2 and "没有用例「nope」" in refused.stderr
    assert not (run / "reviews.json").exists()  # nothing written when a row does not fit

"""``eval view``: the runs folder on 127.0.0.1 — the list, one report, two side by side — in a real browser."""

from __future__ import annotations

import urllib.request
from pathlib import Path

import pytest

from speechwriter.evals import write_results
from speechwriter.evals.history import add_review
from speechwriter.evals.suite import RunOptions, load_suite, run_suite
from speechwriter.evals.view import RunsServer

from .conftest import FIXTURES
from .test_eval_report import CHROMIUM_ARGS, _chromium


@pytest.fixture(scope="module")
def two_runs(tmp_path_factory) -> Path:
    base = tmp_path_factory.mktemp("view")
    suite = base / "s.yaml"
    for i, extra in enumerate(["", "\n    assert: {contains: [不会出现的一句话]}"]):
        suite.write_text(f"name: view\ncases:\n  - id: gqf\n    facts: {FIXTURES}/work_report_gongqingfu.yaml{extra}\n",
                         encoding="utf-8")
        result = run_suite(load_suite(suite), options=RunOptions(workdir=base))
        folder = write_results(result, base, folder=base / "evals" / "runs" / f"2026120{i + 1}-100000-view")
        if i == 1:
            add_review(folder, result, "gqf", "不通过", "结尾重复", by="王秘书")
    return base


def test_pages_over_http(two_runs):
    with RunsServer(two_runs) as server:
        index = urllib.request.urlopen(server.url).read().decode("utf-8")
        assert "20261201-100000-view" in index and "20261202-100000-view" in index
        assert "不通过（王秘书）" in index
        report = urllib.request.urlopen(server.url + "run/20261201-100000-view/").read().decode("utf-8")
        assert "<html" in report and "gqf" in report
        with pytest.raises(urllib.error.HTTPError) as missing:
            urllib.request.urlopen(server.url + "run/../../s.yaml")
        assert missing.value.code == 404
        compare = urllib.request.urlopen(server.url + "compare?a=20261201-100000-view&b=20261202-100000-view")
        assert "变差" in compare.read().decode("utf-8")


def test_the_view_in_a_real_browser(two_runs):
    chromium = _chromium()
    from playwright.sync_api import sync_playwright

    with RunsServer(two_runs) as server, sync_playwright() as p:
        browser = p.chromium.launch(executable_path=chromium, headless=True, args=CHROMIUM_ARGS)
        try:
            page = browser.new_page()
            errors: list[str] = []
            page.on("pageerror", lambda exc: errors.append(str(exc)))
            page.goto(server.url)
            assert page.locator("#runs tbody tr").count() == 2
            # newest first; pick A and B and open the side-by-side view
            assert page.locator("#runs tbody tr").first.get_attribute("data-run") == "20261202-100000-view"
            page.check("input[name='a'][value='20261201-100000-view']")
            page.check("input[name='b'][value='20261202-100000-view']")
            page.click("#compare")
            page.wait_for_selector("#left")
            assert "变差" in page.inner_text("#summary")
            left = page.frame_locator("#left")
            assert left.locator("body").inner_text()
            page.goto(server.url + "run/20261202-100000-view/")
            assert "gqf" in page.content()
            assert errors == []
        finally:
            browser.close()

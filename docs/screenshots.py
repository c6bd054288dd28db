"""Regenerate the README's screenshots (``make screenshots``): the eval report and a refine session.

Both come from today's code, offline: an eval run of two prompt folders (one of which invents a
figure) rendered by the system chromium, and a refine session whose rewrites come from a scripted
engine, recorded by rich and rendered the same way. Needs chromium and the dev extras (playwright).
"""

from __future__ import annotations

import os
import shutil
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DOCS = ROOT / "docs"
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
        "--disable-sync", "--no-first-run"]


def eval_run(work: Path) -> Path:
    from typer.testing import CliRunner

    from speechwriter.cli import app

    good, bad = work / "提示词A", work / "提示词B"
    good.mkdir()
    (bad / "offline").mkdir(parents=True)
    phrases = (ROOT / "prompts" / "offline" / "phrases.yaml").read_text(encoding="utf-8")
    # every "N个方面" lead-in states a figure the facts do not have
    phrases = phrases.replace("{count}个方面", "{count}个方面，投入386万元，")
    (bad / "offline" / "phrases.yaml").write_text(phrases, encoding="utf-8")
    fix = ROOT / "fixtures" / "facts"
    suite = work / "demo.yaml"
    suite.write_text(f"""name: demo
defaults:
  assertions:
    metrics: {{invented_figures: "== 0", figure_recall: ">= 1.0", structure_ok: true}}
cases:
  - id: 农业农村年度总结
    facts: {fix}/annual_summary_agri.yaml
    assert: {{custom: ["evals.checks.speech:closes_properly"], contains: [同志们]}}
  - id: 工青妇工作汇报
    facts: {fix}/work_report_gongqingfu.yaml
  - id: 安全生产讲话
    facts: {fix}/leader_speech_safety.yaml
""", encoding="utf-8")
    os.chdir(work)
    CliRunner().invoke(app, ["eval", str(suite), "--prompts", f"{good},{bad}", "--repeat", "2", "-q",
                            "--allow-custom-checks"])
    return next((work / "evals" / "runs").glob("*-demo"))


def repl_html(work: Path) -> Path:
    import io

    from rich.console import Console
    from rich.text import Text

    from speechwriter.cli.repl import RefineRepl
    from speechwriter.facts import load_facts
    from speechwriter.refine import RefineSession
    from speechwriter.testing.engines import FunctionEngine
    from speechwriter.workspace import Workspace, draft_speech

    facts = load_facts(ROOT / "fixtures" / "facts" / "work_report_gongqingfu.yaml")
    rewrite = ("同时，衷心希望工青妇组织在相互竞赛中携手并进，坚持群团联席会议制度，取长补短，"
               "把工作成果做得更大更好。\n\n最后，恳请光源主席一行对我们的工作多提宝贵意见。")
    engine = FunctionEngine(lambda messages: rewrite)
    os.chdir(work)
    session = RefineSession.start(draft_speech(facts), facts, engine, Workspace(work))
    console = Console(file=io.StringIO(), record=True, width=96, force_terminal=True,
                      color_system="truecolor")
    repl = RefineRepl(session, console, prompt_session=object())
    console.print(f"修改会话 {session.state.id}（引擎 {engine.name}）")
    repl.print_outline()
    for line in ("use closing", "语气再亲切一些，请领导多提意见", "accept"):
        console.print(Text.assemble((repl._prompt_text(), "bold cyan"), line))
        repl.handle(line)
    page = work / "repl.html"
    page.write_text(console.export_html(inline_styles=True, code_format=(
        "<!doctype html><html><head><meta charset='utf-8'><style>body{{background:#1e1e1e;margin:0}}"
        "pre{{color:#ddd;background:#1e1e1e;padding:16px;margin:0;font-family:'Noto Sans Mono CJK SC',monospace;"
        "font-size:14px;line-height:1.4}}</style></head><body><pre>{code}</pre></body></html>")), encoding="utf-8")
    return page


def shoot(url: str, target: Path, *, prepare: str = "", width: int = 1280, height: int = 900) -> None:
    from playwright.sync_api import sync_playwright

    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    if chromium is None:
        sys.exit("需要 chromium：apt-get install chromium")
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=chromium, headless=True, args=ARGS)
        page = browser.new_page(viewport={"width": width, "height": height})
        page.goto(url)
        if prepare:
            page.evaluate(prepare)
        page.screenshot(path=str(target), full_page=not prepare)
        browser.close()


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        run = eval_run(work)
        # the view a reviewer starts from: failed cases, the first one opened, variants side by side
        shoot((run / "report.html").as_uri(), DOCS / "eval-report.png", prepare="""
            document.querySelector('#f-status').value = 'failed';
            document.querySelector('#f-status').dispatchEvent(new Event('change'));
            const d = document.querySelector('details.case:not([hidden])'); d.open = true;
            window.scrollTo(0, d.getBoundingClientRect().top + window.scrollY - 70);
        """, height=1100)
        shoot(repl_html(work).as_uri(), DOCS / "refine-repl.png", width=900, height=700)
    print(f"已更新 {DOCS / 'eval-report.png'}、{DOCS / 'refine-repl.png'}")


if __name__ == "__main__":
    main()

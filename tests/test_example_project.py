"""examples/: the project folder a user copies runs end to end, as its README says, from a copy.

The commands are the README's own ``<!-- runnable -->`` bash block, run in a temporary copy of the
folder with the installed ``speechwriter`` on PATH; then the outputs show that the folder's user
genre and its style override really took effect (and that without the folder's prompts they do not).
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import ROOT

EXAMPLE = ROOT / "examples"
README = EXAMPLE / "README.md"
RUNNABLE = re.compile(r"<!-- runnable -->\s*\n```bash[^\n]*\n(.*?)\n```", re.S)
HEADINGS = ["一、一季度工作完成情况", "二、存在的困难和问题", "三、下季度工作安排"]


def _env(tmp_path: Path) -> dict[str, str]:
    bin_dir = Path(sys.executable).parent
    env = {**os.environ, "PATH": f"{bin_dir}{os.pathsep}{os.environ.get('PATH', '')}", "NO_COLOR": "1",
           "SPEECHWRITER_LOCAL_ONLY": "1", "HOME": str(tmp_path / "home"), "XDG_CONFIG_HOME": str(tmp_path / "cfg")}
    for key in ("SPEECHWRITER_PROMPTS", "OPENAI_BASE_URL", "SPEECHWRITER_MODEL", "SPEECHWRITER_PROFILE",
                "SPEECHWRITER_CONFIG_HOME", "DEEPSEEK_API_KEY"):
        env.pop(key, None)
    return env


def _run(argv: list[str], cwd: Path, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(argv, cwd=cwd, env=env, capture_output=True, text=True, timeout=600)


@pytest.fixture(scope="module")
def project(tmp_path_factory) -> tuple[Path, dict[str, str], str]:
    """A copy of examples/ after the README's commands ran in it: (folder, env, the commands' stdout)."""
    tmp = tmp_path_factory.mktemp("example")
    work = tmp / "我的项目"
    shutil.copytree(EXAMPLE, work, ignore=shutil.ignore_patterns("out", ".speechwriter", "runs"))
    blocks = RUNNABLE.findall(README.read_text(encoding="utf-8"))
    assert len(blocks) == 1, "examples/README.md should have one runnable block"
    env = _env(tmp)
    done = _run(["bash", "-euo", "pipefail", "-c", blocks[0]], work, env)
    assert done.returncode == 0, f"exit {done.returncode}\n{blocks[0]}\n--- stdout\n{done.stdout[-3000:]}\n" \
                                 f"--- stderr\n{done.stderr[-3000:]}"
    assert "Traceback" not in done.stderr
    return work, env, done.stdout


def test_the_readme_runs_every_step_and_says_it_in_both_languages():
    text = README.read_text(encoding="utf-8")
    [block] = RUNNABLE.findall(text)
    commands = [line.split()[1] for line in block.splitlines() if line.startswith("speechwriter ")]
    assert commands == ["facts", "draft", "validate", "export", "templates", "eval"]
    assert "facts check" in block and "--prompts prompts" in block
    chinese, english = text.split("## English", 1)
    assert text.index("**中文**") < text.index("## English")
    for line in block.splitlines():  # the English half gives the same commands, word for word
        assert line in english and line in chinese


def test_the_draft_uses_the_user_genres_headings(project):
    work, _, _ = project
    markdown = (work / "out" / "季度汇报.md").read_text(encoding="utf-8")
    for heading in HEADINGS:
        assert f"## {heading}" in markdown
    data = json.loads((work / "out" / "季度汇报.json").read_text(encoding="utf-8"))
    assert [s["id"] for s in data["sections"]] == ["salutation", "opening", "progress", "problems", "next_quarter",
                                                   "closing"]
    assert "一是文旅消费稳步回升" in markdown and "38.6万人次" in markdown


def test_the_exported_word_file_has_the_headings(project):
    from docx import Document

    work, _, _ = project
    paragraphs = [p.text for p in Document(str(work / "out" / "季度汇报.docx")).paragraphs]
    for heading in HEADINGS:
        assert heading in paragraphs


def test_the_style_override_reaches_the_prompt_and_only_inside_the_project(project, tmp_path):
    work, env, stdout = project
    assert "我局" in stdout  # the README's grep printed the override's line
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    builtin = _run(["speechwriter", "templates", "show", "work_report", "opening", "--facts",
                    str(work / "facts" / "视察汇报.yaml")], elsewhere, env)
    assert builtin.returncode == 0, builtin.stderr
    assert "汇报时自称“我局”" not in builtin.stdout and "文风要求" in builtin.stdout


def test_the_user_genre_is_unknown_without_the_projects_prompts(project, tmp_path):
    work, env, _ = project
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    done = _run(["speechwriter", "facts", "check", str(work / "facts" / "季度汇报.yaml")], elsewhere, env)
    assert done.returncode != 0 and "未知文种「quarterly_report」" in done.stderr
    assert "Traceback" not in done.stderr
    assert len(done.stderr.strip().splitlines()) == 1


def test_the_suite_ran_both_cases_with_the_projects_prompts(project):
    work, _, _ = project
    [run] = list((work / "evals" / "runs").glob("*-example"))
    results = json.loads((run / "results.json").read_text(encoding="utf-8"))
    assert {r["case"]: r["status"] for r in results["results"]} == {"quarterly": "passed", "inspection": "passed"}
    assert results["variants"] == ["offline/prompts"]
    assert (run / "report.html").is_file()


def test_the_config_has_no_key_and_masks_its_cloud_profile(project):
    work, env, _ = project
    config = (work / "speechwriter.toml").read_text(encoding="utf-8")
    assert not re.search(r"^\s*api_key\s*=", config, re.M)
    shown = _run(["speechwriter", "config", "show", "--json"], work, env)
    assert shown.returncode == 0, shown.stderr
    data = json.loads(shown.stdout)
    assert data["profiles"]["cloud"]["mask"] == ["figures", "people", "organisations", "places"]
    assert data["profiles"]["local"]["mask"] == [] and data["mask_suggested"] == {}
    assert data["default_profile"] is None  # without --profile, drafting stays offline

"""The user guide cannot drift: it builds strictly, and every block marked runnable runs as written.

A fenced ``bash`` or ``python`` block preceded by the line ``<!-- runnable -->`` is executed, the
blocks of one page in order, in one empty folder per page, with the installed ``speechwriter`` on
PATH and no network but localhost. A block that exits non-zero fails the test with its output.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import ROOT

DOCS = ROOT / "docs"
RUNNABLE = re.compile(r"<!-- runnable -->\s*\n```(bash|python)[^\n]*\n(.*?)\n```", re.S)


def runnable_blocks(page: Path) -> list[tuple[str, str]]:
    return RUNNABLE.findall(page.read_text(encoding="utf-8"))


PAGES = sorted(p for p in DOCS.glob("*.md") if runnable_blocks(p))


def test_the_guide_has_runnable_examples():
    names = {p.name for p in PAGES}
    assert {"quickstart.md", "api.md"} <= names


@pytest.mark.parametrize("page", PAGES, ids=lambda p: p.name)
def test_runnable_blocks_run_as_written(page: Path, tmp_path: Path):
    bin_dir = Path(sys.executable).parent
    env = {**os.environ, "PATH": f"{bin_dir}{os.pathsep}{os.environ.get('PATH', '')}", "NO_COLOR": "1",
           "SPEECHWRITER_LOCAL_ONLY": "1", "HOME": str(tmp_path / "home"), "XDG_CONFIG_HOME": str(tmp_path / "cfg")}
    for key in ("SPEECHWRITER_PROMPTS", "OPENAI_BASE_URL", "SPEECHWRITER_MODEL", "SPEECHWRITER_PROFILE"):
        env.pop(key, None)
    work = tmp_path / "work"
    work.mkdir()
    for i, (lang, code) in enumerate(runnable_blocks(page), 1):
        argv = ["bash", "-euo", "pipefail", "-c", code] if lang == "bash" else [sys.executable, "-c", code]
        done = subprocess.run(argv, cwd=work, env=env, capture_output=True, text=True, timeout=600)
        assert done.returncode == 0, f"{page.name} block {i} ({lang}) exited {done.returncode}:\n{code}\n" \
                                     f"--- stdout\n{done.stdout[-2000:]}\n--- stderr\n{done.stderr[-2000:]}"
        assert "Traceback" not in done.stderr


def test_mkdocs_builds_strictly(tmp_path: Path):
    mkdocs = Path(sys.executable).parent / "mkdocs"
    if not mkdocs.exists():
        pytest.fail("mkdocs is not installed: `make test` installs the dev extras (mkdocs-material, jieba)")
    done = subprocess.run([str(mkdocs), "build", "--strict", "-q", "-d", str(tmp_path / "site")], cwd=ROOT,
                          capture_output=True, text=True, env={**os.environ, "NO_MKDOCS_2_WARNING": "1"})
    assert done.returncode == 0, done.stderr[-3000:]
    import json

    docs = json.loads((tmp_path / "site" / "search" / "search_index.json").read_text(encoding="utf-8"))["docs"]
    text = "".join(d["text"] for d in docs)
    # Chinese search works: the text is in the index, segmented into words (jieba marks them with U+200B)
    assert re.search("事实\u200b?文件", text)
    assert re.search("[\u4e00-\u9fff]\u200b[\u4e00-\u9fff]", text), "Chinese text was not segmented"

"""Short commands import only what they need: ``--version`` and ``--help`` load no engine, exporter,
template engine, data model or progress display (chosen by measuring ``python -X importtime``:
these are what a command's own work pulls in, and they dominate a short command's time).
"""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

import speechwriter

# Never needed to print a version or the command list.
HEAVY = ["openai", "langchain_core", "docx", "jinja2", "rich.progress", "rich.live", "yaml", "httpx", "tenacity",
         "speechwriter.facts", "speechwriter.validate", "speechwriter.workspace", "speechwriter.config"]
# typer itself builds a subcommand's options with pydantic (the minimal typer app of
# bench/bench_startup.py pays the same) and pydantic looks for plugins in package metadata, so only
# the root command can do without them.
ROOT_ONLY = ["pydantic"]
# The installed version is read from package metadata, which costs a third of a bare start: only
# ``--version`` may read it.
METADATA = ["importlib.metadata", "email"]

PROBE = """
import json, sys
sys.argv = ["speechwriter", *sys.argv[1:]]
from speechwriter.cli import main
try:
    main()
except SystemExit:
    pass
sys.stdout.flush()
sys.stderr.write("\\n@@" + json.dumps(sorted(sys.modules)))
"""


def _loaded(*argv: str) -> tuple[str, set[str]]:
    done = subprocess.run([sys.executable, "-c", PROBE, *argv], capture_output=True, text=True, timeout=120)
    modules = json.loads(done.stderr.rsplit("@@", 1)[1])
    return done.stdout, set(modules)


def _heavy(modules: set[str], names: list[str]) -> list[str]:
    return [n for n in names if n in modules]


@pytest.mark.parametrize("argv", [["--help"], ["validate", "--help"], ["draft", "--help"], ["facts", "--help"]])
def test_help_imports_nothing_heavy(argv):
    out, modules = _loaded(*argv)
    assert "--help" in out
    assert _heavy(modules, HEAVY + (METADATA + ROOT_ONLY if len(argv) == 1 else [])) == []


def test_version_imports_nothing_heavy_and_prints_the_installed_version():
    out, modules = _loaded("--version")
    assert out.strip() == f"speechwriter {speechwriter.__version__}"
    assert _heavy(modules, HEAVY + ROOT_ONLY) == []


def test_the_public_api_still_imports_by_name():
    code = ("from speechwriter import Workspace, validate_draft, export_draft, load_facts, __version__; "
            "import speechwriter; print(__version__ == speechwriter.__version__, callable(validate_draft))")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert done.stdout.split() == ["True", "True"], done.stderr

"""Every declared runtime dependency earns its place: the package imports each one somewhere."""

from __future__ import annotations

import re
import tomllib

from tests.conftest import ROOT

# distribution name → the module it installs, where the two differ
IMPORT_NAMES = {"pyyaml": "yaml", "python-docx": "docx", "jinja2": "jinja2", "langchain-core": "langchain_core",
                "langchain-openai": "langchain_openai", "prompt-toolkit": "prompt_toolkit"}


def _declared() -> list[str]:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    names = [re.split(r"[<>=!~\[; ]", dep, maxsplit=1)[0].strip().lower().replace("_", "-")
             for dep in project["dependencies"]]
    return [IMPORT_NAMES.get(n, n.replace("-", "_")) for n in names]


def test_each_runtime_dependency_is_imported_by_the_package():
    source = "\n".join(p.read_text(encoding="utf-8") for p in (ROOT / "src" / "speechwriter").rglob("*.py"))
    unused = [m for m in _declared()
              if not re.search(rf"^\s*(?:from|import)\s+{re.escape(m)}\b", source, flags=re.M)]
    assert unused == [], f"declared but never imported: {unused}"


def test_the_list_is_what_the_design_card_names():
    declared = set(_declared())
    # the design card: openai, langchain, pydantic v2, rich, tenacity — each in use
    assert {"openai", "langchain_core", "langchain_openai", "pydantic", "rich", "tenacity"} <= declared
    assert "rank_bm25" not in declared and "numpy" not in declared  # BM25 is ours (speechwriter.ranking)

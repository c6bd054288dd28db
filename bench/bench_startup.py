"""CLI cold start: `speechwriter validate` vs a minimal typer app that only parses the same arguments.

Both are started as fresh processes with the same interpreter, alternated over ≥ 7 rounds. Both
are given `validate --help`, which parses the command line and prints the command's usage (the
point where `speechwriter validate` starts its own work). Target: ≤ 1.3×. For information, the
full `validate` of the demo draft against its facts file is timed too.
"""

from __future__ import annotations

import subprocess
import sys
import tempfile
from pathlib import Path

from _common import FIXTURES, PYTHON, alternate, report

MINIMAL = '''
from pathlib import Path
from typing import Annotated, Optional
import typer

app = typer.Typer(add_completion=False, pretty_exceptions_enable=False, rich_markup_mode=None)


@app.callback()
def root() -> None:
    """root"""


@app.command("validate")
def validate(draft: Annotated[Path, typer.Argument()], facts: Annotated[Path, typer.Option("--facts", "-f")],
             genre: Annotated[Optional[str], typer.Option("--genre", "-g")] = None,
             as_json: Annotated[bool, typer.Option("--json")] = False,
             strict: Annotated[bool, typer.Option("--strict")] = False,
             prompts: Annotated[Optional[list[Path]], typer.Option("--prompts")] = None) -> None:
    """validate"""


app()
'''


def main() -> None:
    exe = str(Path(PYTHON).with_name("speechwriter"))
    facts = FIXTURES / "work_report_gongqingfu.yaml"
    with tempfile.TemporaryDirectory() as tmp:
        app = Path(tmp) / "minimal.py"
        app.write_text(MINIMAL, encoding="utf-8")
        draft = Path(tmp) / "d"
        subprocess.run([exe, "draft", str(facts), "-o", str(draft), "-q"], capture_output=True, check=True, cwd=tmp)

        def run(argv: list[str]):
            return lambda: subprocess.run(argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, cwd=tmp)

        t = alternate({"minimal typer app: validate --help": run([PYTHON, str(app), "validate", "--help"]),
                       "speechwriter validate --help": run([exe, "validate", "--help"]),
                       "speechwriter validate (full run)": run([exe, "validate", f"{draft}.json", "--facts",
                                                                str(facts)])}, rounds=9)
    ours = t["speechwriter validate --help"].median
    minimal = t["minimal typer app: validate --help"].median
    report("validate cold start vs minimal typer app", f"{ours * 1000:.0f} / {minimal * 1000:.0f} ms = "
           f"{ours / minimal:.2f}x", "≤ 1.3x", ours / minimal <= 1.3)
    full = t["speechwriter validate (full run)"].median
    report("full validate of the demo draft (process)", f"{full * 1000:.0f} ms", "(time)", True)


if __name__ == "__main__":
    sys.exit(main())

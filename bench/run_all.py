"""Run every bench script in this folder, one after another."""

from __future__ import annotations

import runpy
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent

if __name__ == "__main__":
    sys.path.insert(0, str(HERE))
    for script in sorted(HERE.glob("bench_*.py")):
        print(f"== {script.name}")
        try:
            runpy.run_path(str(script), run_name="__main__")
        except SystemExit as stop:  # a script that ends with sys.exit() must not end the whole run
            if stop.code not in (None, 0):
                raise

"""Eval runs that finish in the same second, in different processes, each get a folder of their own."""

from __future__ import annotations

import multiprocessing
from pathlib import Path


def _claim(root: str, barrier, queue) -> None:
    import datetime as real_dt

    from speechwriter.evals import report

    class Frozen(real_dt.datetime):  # every process finishes "in the same second"
        @classmethod
        def now(cls, tz=None):
            return real_dt.datetime(2026, 12, 3, 12, 0, 0)

    report.dt.datetime = Frozen  # type: ignore[misc]
    barrier.wait()
    queue.put(str(report.claim_run_folder(Path(root), "core")))


def test_parallel_processes_in_the_same_second_get_unique_run_folders(tmp_path: Path) -> None:
    ctx = multiprocessing.get_context("fork")
    n = 12
    barrier, queue = ctx.Barrier(n), ctx.Queue()
    procs = [ctx.Process(target=_claim, args=(str(tmp_path), barrier, queue)) for _ in range(n)]
    for p in procs:
        p.start()
    folders = [queue.get(timeout=120) for _ in procs]
    for p in procs:
        p.join(timeout=120)
        assert p.exitcode == 0
    assert len(set(folders)) == n and all(Path(f).is_dir() for f in folders)
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(Path(f).name for f in folders)
    assert "20261203-120000-core" in {Path(f).name for f in folders}


def test_eval_runs_in_parallel_processes_keep_every_result(tmp_path: Path) -> None:
    import os
    import subprocess
    import sys

    from .conftest import REFERENCE_FACTS

    suite = tmp_path / "suite.yaml"
    suite.write_text(f"name: same\ncases:\n  - id: one\n    facts: {REFERENCE_FACTS}\n", encoding="utf-8")
    exe = str(Path(sys.executable).with_name("speechwriter"))
    env = {**os.environ, "SPEECHWRITER_LOCAL_ONLY": "1"}
    procs = [subprocess.Popen([exe, "eval", str(suite), "-q"], cwd=tmp_path, env=env, stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE, text=True) for _ in range(4)]
    outs = [p.communicate(timeout=300) for p in procs]
    assert all(p.returncode == 0 for p in procs), outs
    runs = [d for d in (tmp_path / "evals" / "runs").iterdir() if (d / "results.json").is_file()]
    assert len(runs) == 4


def test_an_interrupted_eval_prints_the_command_that_finishes_it(tmp_path: Path, cli, monkeypatch) -> None:
    from speechwriter.evals import resume

    from .conftest import REFERENCE_FACTS

    monkeypatch.chdir(tmp_path)
    suite = tmp_path / "suite.yaml"
    suite.write_text(f"name: cut\ncases:\n  - id: one\n    facts: {REFERENCE_FACTS}\n", encoding="utf-8")

    def interrupted(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(resume, "run_suite", interrupted)
    result = cli("eval", suite, "-q")
    folder = next((tmp_path / "evals" / "runs").iterdir())
    assert result.exit_code == 130 and "缓存" in result.stderr
    assert f"speechwriter eval --resume {folder.name}" in result.stderr
    assert (folder / "run.json").is_file() and not (folder / "results.json").exists()

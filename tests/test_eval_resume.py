"""An eval stopped part-way (kill -9 or Ctrl-C) resumes with ``eval --resume RUN`` and ends as if never stopped.

The model is the scripted HTTP server on 127.0.0.1 (the offline composer behind it); the eval runs in a
real subprocess. The server holds back the replies for one case until the test has stopped the process,
so "part-way" is exact: the cases before it are on disk, that one is in flight, the last has not started.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

import pytest

from speechwriter.testing.fakeserver import FakeLLMServer

from .conftest import FIXTURES, SECRET_KEY, composer_brain

EXE = str(Path(sys.executable).with_name("speechwriter"))
CASES = [("gqf", "work_report_gongqingfu"), ("street", "duty_report_street"),
         ("safety", "leader_speech_safety"), ("agri", "annual_summary_agri")]
HELD = "在全市安全生产工作会议上的讲话"  # the title of the third case's facts: its replies are held back
TIMING = {"seconds", "started_at", "created_at", "timings_ms", "folder", "suite_path"}  # when, how long, where


def _suite(folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    lines = ["name: resumable", "defaults:", "  engine: openai", "  assertions:",
             "    metrics: {figure_recall: \">= 0.5\"}", "cases:"]
    lines += [f"  - {{id: {cid}, facts: {FIXTURES / name}.yaml}}" for cid, name in CASES]
    path = folder / "suite.yaml"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


class Gate:
    """A responder that answers like a model, except that it holds the held case's requests until opened."""

    def __init__(self) -> None:
        self.brain = composer_brain()
        self.opened = threading.Event()
        self.reached = threading.Event()
        self.titles: list[str] = []

    def __call__(self, request: dict[str, Any]) -> Any:
        text = "\n".join(m["content"] for m in request["messages"])
        self.titles.append(next((t for t in _titles() if t in text), "?"))
        if HELD in text and not self.opened.is_set():
            self.reached.set()
            self.opened.wait(120)
        return self.brain(request)


def _titles() -> list[str]:
    import yaml

    return [yaml.safe_load((FIXTURES / f"{name}.yaml").read_text(encoding="utf-8"))["meta"]["title"]
            for _, name in CASES]


def _env(server: FakeLLMServer, config_home: Path) -> dict[str, str]:
    return {**os.environ, "OPENAI_API_KEY": SECRET_KEY, "OPENAI_BASE_URL": server.base_url,
            "SPEECHWRITER_MODEL": "fake-model", "SPEECHWRITER_LOCAL_ONLY": "1",
            "SPEECHWRITER_CONFIG_HOME": str(config_home)}


def _stop_part_way(tmp_path: Path, server: FakeLLMServer, gate: Gate, sig: int) -> tuple[Path, str]:
    """Start the eval, wait until two cases are on disk and the third is in flight, then send ``sig``."""
    work = tmp_path / "stopped"
    suite = _suite(work)
    proc = subprocess.Popen([EXE, "eval", str(suite), "-j", "1", "-q"], cwd=work, env=_env(server, tmp_path / "cfg"),
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        deadline = time.monotonic() + 240  # only a guard against a hang, never a speed target
        parts: list[Path] = []
        while time.monotonic() < deadline and proc.poll() is None:
            parts = list((work / "evals" / "runs").glob("*/cases/*.json"))
            if len(parts) >= 2 and gate.reached.is_set():
                break
            time.sleep(0.05)
        assert proc.poll() is None, proc.communicate()
        assert len(parts) == 2 and gate.reached.is_set(), "the eval never reached the held case"
        proc.send_signal(sig)
        _, err = proc.communicate(timeout=120)
    finally:
        gate.opened.set()  # the held request may answer now (to no one)
        if proc.poll() is None:
            proc.kill()
            proc.communicate()
    assert proc.returncode == (-signal.SIGKILL if sig == signal.SIGKILL else 130), err
    return next((work / "evals" / "runs").iterdir()), err


def _comparable(data: Any) -> Any:
    """A results.json without its timing fields (and where it lives)."""
    if isinstance(data, dict):
        return {k: _comparable(v) for k, v in data.items() if k not in TIMING}
    if isinstance(data, list):
        return [_comparable(v) for v in data]
    return data


def _uninterrupted(tmp_path: Path, server: FakeLLMServer) -> dict[str, Any]:
    work = tmp_path / "whole"
    suite = _suite(work)
    done = subprocess.run([EXE, "eval", str(suite), "-j", "1", "-q"], cwd=work, env=_env(server, tmp_path / "cfg"),
                          capture_output=True, text=True, timeout=600)
    assert done.returncode in (0, 1), done.stderr
    folder = next((work / "evals" / "runs").iterdir())
    return json.loads((folder / "results.json").read_text(encoding="utf-8"))


@pytest.mark.parametrize("sig", [signal.SIGKILL, signal.SIGINT], ids=["kill-9", "ctrl-c"])
def test_a_stopped_eval_resumes_and_equals_an_uninterrupted_run(tmp_path: Path, sig: int) -> None:
    gate = Gate()
    with FakeLLMServer(gate) as server:
        folder, err = _stop_part_way(tmp_path, server, gate, sig)
        assert not (folder / "results.json").exists() and (folder / "run.json").is_file()
        assert len(list((folder / "cases").glob("*.json"))) == 2
        if sig == signal.SIGINT:  # Ctrl-C says what is kept and the exact command that finishes the run
            assert "已完成的 2 个用例结果已保存" in err
            assert f"speechwriter eval --resume {folder.name}" in err
        before = len(gate.titles)
        resumed = subprocess.run([EXE, "eval", "--resume", folder.name, "-q"], cwd=folder.parent.parent.parent,
                                 env=_env(server, tmp_path / "cfg"), capture_output=True, text=True, timeout=600)
        assert resumed.returncode in (0, 1), resumed.stderr
        asked = set(gate.titles[before:])
        titles = _titles()
        assert titles[0] not in asked and titles[1] not in asked  # the finished cases did not run again
        assert titles[2] in asked and titles[3] in asked
        whole = _uninterrupted(tmp_path, server)
    finished = json.loads((folder / "results.json").read_text(encoding="utf-8"))
    assert [r["case"] for r in finished["results"]] == [c for c, _ in CASES]
    assert _comparable(finished) == _comparable(whole)
    assert not (folder / "cases").exists()  # results.json holds every case now
    assert SECRET_KEY not in (folder / "results.json").read_text(encoding="utf-8")


def test_resume_refuses_a_finished_run_and_a_changed_suite(tmp_path: Path, cli, monkeypatch) -> None:
    from speechwriter.evals import load_suite
    from speechwriter.evals.resume import save_case, start_run
    from speechwriter.evals.suite import CaseResult, RunOptions, Variant

    monkeypatch.chdir(tmp_path)
    suite_path = _suite(tmp_path)
    suite_path.write_text(suite_path.read_text(encoding="utf-8").replace("engine: openai", "engine: offline"),
                          encoding="utf-8")
    suite = load_suite(suite_path)
    folder = start_run(tmp_path, suite, [Variant()], RunOptions(workdir=tmp_path))
    save_case(folder, CaseResult(case="gqf", variant="offline", status="passed"))
    listed = cli("eval", "list").stdout
    assert folder.name in listed and "未完成（已完成 1 个" in listed
    missing = cli("eval", "--resume", "nope")
    assert missing.exit_code == 2 and "找不到可续跑的评测运行「nope」" in missing.stderr
    other = tmp_path / "other.yaml"
    other.write_text(suite_path.read_text(encoding="utf-8"), encoding="utf-8")
    wrong = cli("eval", other, "--resume", folder.name)
    assert wrong.exit_code == 2 and "用的套件是" in wrong.stderr
    suite_path.write_text(suite_path.read_text(encoding="utf-8") + "# edited\n", encoding="utf-8")
    changed = cli("eval", "--resume", folder.name)
    assert changed.exit_code == 2 and "被修改过" in changed.stderr and "Traceback" not in changed.stderr
    suite_path.write_text(suite_path.read_text(encoding="utf-8").replace("# edited\n", ""), encoding="utf-8")
    done = cli("eval", "--resume", folder.name, "--json")
    data = json.loads(done.stdout)
    assert [r["case"] for r in data["results"]] == ["gqf", "street", "safety", "agri"]
    assert data["results"][0]["metrics"] == {}  # the stored case was kept, not run again
    again = cli("eval", "--resume", folder.name)
    assert again.exit_code == 2 and "已经完成" in again.stderr

"""Broken disks and permissions: one clear line and exit 2, or a warning and a fallback; never half a file.

The suite runs as root here, and root ignores permission bits, so every failure is made in a way
that binds root too: a regular file where a directory is expected, RLIMIT_FSIZE (a full disk as
far as the process can tell: EFBIG), a garbage or a directory in place of the cache, and a
read-only bind mount in a private mount namespace (``unshare -rm``) for an unwritable working
directory. As a normal user, the read-only working directory is plain ``chmod 0555``.
"""

from __future__ import annotations

import os
import resource
import shutil
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from speechwriter.errors import WriteError
from speechwriter.facts import load_facts
from speechwriter.files import write_text_atomic
from speechwriter.testing.fakeserver import FakeLLMServer
from speechwriter.workspace import draft_speech

from .conftest import REFERENCE_FACTS, composer_brain

EXE = Path(sys.executable).with_name("speechwriter")
HANG_GUARD = 300  # seconds: only keeps a regression from hanging the suite


@pytest.fixture
def workdir(tmp_path: Path, monkeypatch) -> Path:
    monkeypatch.chdir(tmp_path)
    return tmp_path


def _draft_over_http(cli, workdir: Path, *extra: str, server: FakeLLMServer | None = None):
    if server is None:
        with FakeLLMServer(composer_brain()) as running:
            return _draft_over_http(cli, workdir, *extra, server=running)
    return cli("draft", REFERENCE_FACTS, "--engine", "openai", "--base-url", server.base_url, "--model",
               "fake-model", "-o", workdir / "out", "-q", *extra)


def _no_temp_files(folder: Path) -> bool:
    return not [p for p in folder.rglob("*") if p.name.endswith(".tmp") or ".speechwriter-probe." in p.name]


# --- file modes ------------------------------------------------------------------------------

@pytest.mark.parametrize("umask, mode", [(0o022, 0o644), (0o027, 0o640), (0o077, 0o600)])
def test_new_files_get_the_normal_mode_under_the_umask(tmp_path: Path, umask: int, mode: int) -> None:
    old = os.umask(umask)
    try:
        path = write_text_atomic(tmp_path / "a.md", "正文\n")
    finally:
        os.umask(old)
    assert stat.S_IMODE(path.stat().st_mode) == mode


def test_a_replaced_file_keeps_its_mode(tmp_path: Path) -> None:
    path = tmp_path / "a.md"
    path.write_text("旧\n", encoding="utf-8")
    path.chmod(0o640)
    write_text_atomic(path, "新\n")
    assert stat.S_IMODE(path.stat().st_mode) == 0o640 and path.read_text(encoding="utf-8") == "新\n"


def test_exported_files_are_0644_under_umask_022(tmp_path: Path) -> None:
    draft_json = tmp_path / "d.json"
    draft_speech(load_facts(REFERENCE_FACTS)).save(draft_json)
    proc = subprocess.run([str(EXE), "export", str(draft_json), "-t", "docx", "-o", str(tmp_path / "d.docx"),
                           "--allow-gaps"],
                          capture_output=True, text=True, timeout=HANG_GUARD, preexec_fn=lambda: os.umask(0o022))
    assert proc.returncode == 0, proc.stderr
    assert stat.S_IMODE((tmp_path / "d.docx").stat().st_mode) == 0o644


# --- a full disk ------------------------------------------------------------------------------

def _limit_file_size(limit: int):
    def apply() -> None:
        resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))
    return apply


def test_export_on_a_full_disk_is_one_line_and_leaves_the_old_file(tmp_path: Path) -> None:
    draft_json = tmp_path / "d.json"
    draft_speech(load_facts(REFERENCE_FACTS)).save(draft_json)
    target = tmp_path / "汇报.docx"
    target.write_bytes(b"the previous export")
    proc = subprocess.run([str(EXE), "export", str(draft_json), "-t", "docx", "-o", str(target), "--force",
                           "--allow-gaps"],
                          capture_output=True, text=True, timeout=HANG_GUARD, preexec_fn=_limit_file_size(4096))
    assert proc.returncode == 2, proc.stderr
    assert "Traceback" not in proc.stderr and proc.stderr.count("\n") == 1
    assert str(target) in proc.stderr and "文件超过系统允许的大小" in proc.stderr
    assert target.read_bytes() == b"the previous export" and _no_temp_files(tmp_path)


def test_draft_on_a_full_disk_warns_about_the_record_and_writes_no_half_output(tmp_path: Path) -> None:
    proc = subprocess.run([str(EXE), "draft", str(REFERENCE_FACTS), "-o", str(tmp_path / "out")],
                          capture_output=True, text=True, timeout=HANG_GUARD, cwd=tmp_path,
                          preexec_fn=_limit_file_size(6000), env={**os.environ, "SPEECHWRITER_LOCAL_ONLY": "1"})
    assert proc.returncode == 2, proc.stderr
    assert "Traceback" not in proc.stderr
    assert "运行记录写入失败" in proc.stderr or "无法写入运行记录" in proc.stderr
    assert "文件超过系统允许的大小" in proc.stderr.splitlines()[-1]
    assert not (tmp_path / "out.json").exists() and not (tmp_path / "out.md").exists()
    assert _no_temp_files(tmp_path)


def test_write_error_is_an_input_error_with_the_path(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("x", encoding="utf-8")
    with pytest.raises(WriteError) as caught:
        write_text_atomic(blocker / "out.md", "正文")
    assert caught.value.exit_code == 2 and str(blocker) in str(caught.value)


# --- the state folder: fall back with a warning --------------------------------------------------

def test_state_folder_is_a_file_then_no_cache_no_record_but_a_draft(workdir: Path, cli) -> None:
    (workdir / ".speechwriter").write_text("not a folder", encoding="utf-8")
    result = _draft_over_http(cli, workdir)
    assert result.exit_code == 0, result.output
    assert "警告" in result.stderr and "回复缓存不可用" in result.stderr and "无法写入运行记录" in result.stderr
    assert (workdir / "out.json").is_file() and (workdir / "out.md").is_file()
    assert "Traceback" not in result.output


def test_runs_folder_is_a_file_then_the_cache_still_works(workdir: Path, cli) -> None:
    (workdir / ".speechwriter").mkdir()
    (workdir / ".speechwriter" / "runs").write_text("", encoding="utf-8")
    with FakeLLMServer(composer_brain()) as server:  # one endpoint: the cache key includes its address
        first = _draft_over_http(cli, workdir, server=server)
        assert first.exit_code == 0 and "无法写入运行记录" in first.stderr
        assert "回复缓存" not in first.stderr and (workdir / ".speechwriter" / "cache.sqlite").is_file()
        second = _draft_over_http(cli, workdir, "--force", server=server)
    assert second.exit_code == 0 and "缓存命中 5 次" in second.stderr, second.stderr


@pytest.mark.parametrize("broken", ["directory", "garbage"])
def test_a_broken_cache_is_skipped_with_a_warning(workdir: Path, cli, broken: str) -> None:
    cache = workdir / ".speechwriter" / "cache.sqlite"
    cache.parent.mkdir()
    if broken == "directory":
        cache.mkdir()
    else:
        cache.write_bytes(b"this is not an sqlite database" * 100)
    before = cache.read_bytes() if cache.is_file() else None
    result = _draft_over_http(cli, workdir)
    assert result.exit_code == 0, result.output
    assert "回复缓存不可用，本次不使用缓存" in result.stderr and str(cache) in result.stderr
    assert list((workdir / ".speechwriter" / "runs").glob("*/run.json"))  # the record is still kept
    if before is not None:
        assert cache.read_bytes() == before


def test_output_under_a_regular_file_fails_before_any_call(workdir: Path, cli) -> None:
    (workdir / "plain").write_text("", encoding="utf-8")
    with FakeLLMServer(composer_brain()) as server:
        result = cli("draft", REFERENCE_FACTS, "--engine", "openai", "--base-url", server.base_url, "--model",
                     "fake-model", "-o", workdir / "plain" / "out")
        assert server.calls == 0
    assert result.exit_code == 2 and "输出目录不是目录" in result.stderr


def test_refine_sessions_folder_unwritable_is_one_line(workdir: Path) -> None:
    from speechwriter.engines.offline import OfflineComposer
    from speechwriter.refine import RefineSession
    from speechwriter.workspace import Workspace

    (workdir / ".speechwriter").mkdir()
    (workdir / ".speechwriter" / "sessions").write_text("", encoding="utf-8")
    facts = load_facts(REFERENCE_FACTS)
    with pytest.raises(WriteError, match="无法创建修改会话目录"):
        RefineSession.start(draft_speech(facts), facts, OfflineComposer.from_prompts(), Workspace(workdir))


# --- an unwritable working directory, for real ---------------------------------------------------

def _readonly_runner(folder: Path, cwd: Path | None = None) -> list[str]:
    """A command prefix that runs its arguments in ``cwd`` (default ``folder``) with ``folder`` read-only.

    As a user: ``chmod 0555`` (and 0444 on the files in it). As root, who ignores modes: a read-only
    bind mount in a private user and mount namespace.
    """
    if os.geteuid() != 0:
        for path in folder.rglob("*"):
            path.chmod(0o555 if path.is_dir() else 0o444)
        folder.chmod(0o555)
        return []
    unshare = shutil.which("unshare")
    script = ('mount --bind "$0" "$0" && mount -o remount,bind,ro "$0" "$0" && cd "' + str(cwd or folder)
              + '" && exec "$@"')
    if unshare is None:
        pytest.skip("root without unshare(1): no way to make a read-only folder here")
    probe = subprocess.run([unshare, "-rm", "sh", "-c", script, str(folder), "sh", "-c",
                            f"! touch '{folder / '.probe'}' 2>/dev/null"],
                           capture_output=True, timeout=60)
    if probe.returncode != 0:
        pytest.skip(f"user namespaces unavailable: {probe.stderr.decode(errors='replace').strip()}")
    return [unshare, "-rm", "sh", "-c", script, str(folder)]


@pytest.mark.parametrize("command", ["draft", "eval"])
def test_unwritable_working_directory_fails_at_once(tmp_path: Path, command: str) -> None:
    readonly = tmp_path / "readonly"
    readonly.mkdir()
    suite = tmp_path / "suite.yaml"
    suite.write_text(f"name: ro\ncases:\n  - id: one\n    facts: {REFERENCE_FACTS}\n", encoding="utf-8")
    args = [str(EXE), "draft", str(REFERENCE_FACTS)] if command == "draft" else [str(EXE), "eval", str(suite)]
    prefix = _readonly_runner(readonly)
    try:
        proc = subprocess.run([*prefix, *args], capture_output=True, text=True, timeout=HANG_GUARD,
                              cwd=readonly, env={**os.environ, "SPEECHWRITER_LOCAL_ONLY": "1"})
    finally:
        readonly.chmod(0o755)
    assert proc.returncode == 2, proc.stderr
    assert "Traceback" not in proc.stderr and proc.stderr.count("\n") == 1, proc.stderr
    assert "不可写" in proc.stderr or "只读" in proc.stderr
    assert list(readonly.iterdir()) == []


def test_read_only_state_folder_with_a_cache_still_drafts(tmp_path: Path, cli, monkeypatch) -> None:
    """A real read-only .speechwriter/ holding a valid cache and runs: warnings, no cache, no record, a draft."""
    monkeypatch.chdir(tmp_path)
    with FakeLLMServer(composer_brain()) as server:
        first = cli("draft", REFERENCE_FACTS, "--engine", "openai", "--base-url", server.base_url, "--model",
                    "fake-model", "-o", tmp_path / "first", "-q")
        assert first.exit_code == 0 and (tmp_path / ".speechwriter" / "cache.sqlite").is_file()
        state = tmp_path / ".speechwriter"
        before = sorted((p.relative_to(state), p.stat().st_size) for p in state.rglob("*") if p.is_file())
        prefix = _readonly_runner(state, cwd=tmp_path)
        try:
            proc = subprocess.run([*prefix, str(EXE), "draft", str(REFERENCE_FACTS), "--engine", "openai",
                                   "--base-url", server.base_url, "--model", "fake-model", "-o",
                                   str(tmp_path / "second"), "-q"],
                                  capture_output=True, text=True, timeout=HANG_GUARD, cwd=tmp_path,
                                  env={**os.environ, "SPEECHWRITER_LOCAL_ONLY": "1"})
        finally:
            for path in [state, *state.rglob("*")]:
                path.chmod(0o755 if path.is_dir() else 0o644)
    assert proc.returncode == 0, proc.stderr
    assert "回复缓存不可用" in proc.stderr and "无法写入运行记录" in proc.stderr and "Traceback" not in proc.stderr
    assert (tmp_path / "second.json").is_file() and (tmp_path / "second.md").is_file()
    after = sorted((p.relative_to(state), p.stat().st_size) for p in state.rglob("*") if p.is_file())
    assert after == before

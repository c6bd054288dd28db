"""Nothing lost: a failed or thinner run never replaces a draft, resume finishes what was started,
outputs land where the user asked (parents made), and every failure says where the work is."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from speechwriter.draft import load_draft
from speechwriter.testing.fakeserver import FakeLLMServer, Step

from .conftest import REFERENCE_FACTS, composer_brain, kind_of, section_of


@pytest.fixture
def workdir(tmp_path: Path, monkeypatch) -> Path:
    monkeypatch.chdir(tmp_path)
    return tmp_path


def fast_profile(folder: Path, base_url: str, name: str = "fast") -> None:
    """A profile that gives up quickly: two attempts, a tiny backoff, a short Retry-After cap."""
    (folder / "speechwriter.toml").write_text(
        f'[profiles.{name}]\nbase_url = "{base_url}"\nmodel = "fake-model"\nmax_attempts = 2\n'
        f'backoff_base = 0.01\nmax_retry_seconds = 5\nmax_retry_after = 1\n', encoding="utf-8")


def good_draft(cli, out: Path) -> bytes:
    result = cli("draft", REFERENCE_FACTS, "-o", out, "-q")
    assert result.exit_code == 0, result.stderr
    return out.with_suffix(".json").read_bytes()


# --- a failed run never replaces a draft -------------------------------------------------------

def test_refused_port_keeps_the_good_draft_and_exits_3(workdir: Path, cli) -> None:
    before = good_draft(cli, workdir / "out")
    md_before = (workdir / "out.md").read_bytes()
    fast_profile(workdir, "http://127.0.0.1:1/v1")
    result = cli("draft", REFERENCE_FACTS, "--profile", "fast", "-o", workdir / "out", "-q")
    assert result.exit_code == 3, result.stderr
    assert (workdir / "out.json").read_bytes() == before and (workdir / "out.md").read_bytes() == md_before
    assert "已写入" not in result.stderr and "已保留原稿" in result.stderr
    run = next(p for p in (workdir / ".speechwriter" / "runs").iterdir()
               if json.loads((p / "run.json").read_text())["status"] == "failed")
    assert str(run / "draft.json") in result.stderr.replace("\n", "")
    assert (run / "draft.md").is_file() and f"--resume {run.name}" in result.stderr


def test_rate_limited_beyond_the_cap_keeps_the_good_draft(workdir: Path, cli) -> None:
    before = good_draft(cli, workdir / "out")
    with FakeLLMServer(default=Step(status=429, headers={"Retry-After": "3600"})) as server:
        fast_profile(workdir, server.base_url)
        result = cli("draft", REFERENCE_FACTS, "--profile", "fast", "-o", workdir / "out", "-q", "--json")
    assert result.exit_code == 3
    data = json.loads(result.stdout)
    assert data["replaced"] is False and data["kept"] == str(workdir / "out.json") and data["exit_code"] == 3
    assert (workdir / "out.json").read_bytes() == before
    assert Path(data["json"]).is_file() and Path(data["json"]) != workdir / "out.json"


def test_a_failed_run_with_no_earlier_draft_writes_nothing_empty(workdir: Path, cli) -> None:
    fast_profile(workdir, "http://127.0.0.1:1/v1")
    result = cli("draft", REFERENCE_FACTS, "--profile", "fast", "-o", workdir / "out", "-q")
    assert result.exit_code == 3
    assert not (workdir / "out.json").exists() and "未写入" in result.stderr


def test_a_partly_failed_run_replaces_only_a_thinner_draft(workdir: Path, cli) -> None:
    brain = composer_brain()

    def respond(request: dict) -> Step:
        if section_of(request) == "plans" and kind_of(request) == "generate":
            return Step(status=500)
        return brain(request)

    with FakeLLMServer(respond) as server:
        fast_profile(workdir, server.base_url)
        first = cli("draft", REFERENCE_FACTS, "--profile", "fast", "-o", workdir / "out", "-q")
        assert first.exit_code == 3 and "章节 plans 生成失败" in first.stderr
        partial = load_draft(workdir / "out.json")  # nothing was there: the partial draft is written
        assert "plans" not in [s.id for s in partial.sections] and len(partial.sections) > 2
    good_draft(cli, workdir / "out")  # a complete draft replaces the partial one
    assert "plans" in [s.id for s in load_draft(workdir / "out.json").sections]


def test_standing_prefers_more_sections_then_fewer_errors() -> None:
    from speechwriter.pipeline.outputs import Standing

    assert not Standing(0, 0, "a").at_least(Standing(0, 0, "a"))
    assert Standing(5, 9, "a").at_least(Standing(4, 0, "a"))
    assert not Standing(4, 0, "a").at_least(Standing(5, 0, "a"))
    assert not Standing(5, 2, "a").at_least(Standing(5, 1, "a"))
    assert Standing(5, 1, "a").at_least(Standing(5, 1, "a"))
    assert Standing(5, 2, "b").at_least(Standing(5, 1, "a"))  # other facts: errors are not comparable


# --- resume ------------------------------------------------------------------------------------

def test_resume_as_printed_uses_the_runs_engine_and_output(workdir: Path, cli, tmp_path_factory) -> None:
    brain = composer_brain()
    state = {"fail": True}
    seen: list[str] = []

    def respond(request: dict) -> Step:
        seen.append(section_of(request))
        if state["fail"] and section_of(request) == "plans":
            return Step(status=500)
        return brain(request)

    elsewhere = tmp_path_factory.mktemp("elsewhere")
    with FakeLLMServer(respond) as server:
        fast_profile(workdir, server.base_url)
        first = cli("draft", REFERENCE_FACTS, "--profile", "fast", "-o", workdir / "build" / "out", "-q")
        assert first.exit_code == 3
        run_id = first.stderr.split("--resume ")[1].split()[0]
        state["fail"] = False
        seen.clear()
        import os

        os.chdir(elsewhere)  # resumed from another folder: the state is found through the run id …
        os.symlink(workdir / ".speechwriter", elsewhere / ".speechwriter")
        os.symlink(workdir / "speechwriter.toml", elsewhere / "speechwriter.toml")
        again = cli("draft", "--resume", run_id, "-q")
    assert again.exit_code == 0, again.stderr
    assert "离线撰稿" not in again.stderr and "fake-model" in again.stderr
    assert set(seen) == {"plans"}  # only the failed section was asked for again
    assert "plans" in [s.id for s in load_draft(workdir / "build" / "out.json").sections]
    assert not list(elsewhere.glob("*.draft.json"))  # … and the output goes where the run wrote it
    meta = json.loads((workdir / ".speechwriter" / "runs" / run_id / "run.json").read_text())
    assert meta["engine"]["name"] == "openai" and meta["engine"]["profile"] == "fast" and meta["status"] == "ok"


# --- where outputs go ---------------------------------------------------------------------------

def test_output_parents_are_created(workdir: Path, cli) -> None:
    result = cli("draft", REFERENCE_FACTS, "-o", "build/deep/x", "-q", "--export", "docx", "--allow-gaps")
    assert result.exit_code == 0, result.stderr
    assert (workdir / "build/deep/x.json").is_file() and (workdir / "build/deep/x.docx").is_file()
    exported = cli("export", workdir / "build/deep/x.json", "--format", "txt", "-o", "other/y.txt", "--allow-gaps")
    assert exported.exit_code == 0, exported.stderr
    assert (workdir / "other/y.txt").is_file()
    (workdir / "afile").write_text("x", encoding="utf-8")
    blocked = cli("draft", REFERENCE_FACTS, "-o", "afile/x", "-q")
    assert blocked.exit_code == 2 and "Traceback" not in blocked.stderr and "afile" in blocked.stderr


def test_export_md_alongside_the_draft_is_not_refused(workdir: Path, cli) -> None:
    result = cli("draft", REFERENCE_FACTS, "-o", "x", "-q", "--export", "md,txt", "--allow-gaps")
    assert result.exit_code == 0, result.stderr
    assert (workdir / "x.md").read_text(encoding="utf-8") == load_draft(workdir / "x.json").to_markdown()
    again = cli("draft", REFERENCE_FACTS, "-o", "x", "-q", "--export", "md", "--allow-gaps")
    assert again.exit_code == 0, again.stderr


def test_a_failed_output_write_after_an_llm_draft_names_the_run(workdir: Path, cli, monkeypatch) -> None:
    from speechwriter.draft import Draft
    from speechwriter.errors import WriteError

    real_save = Draft.save

    def full_disk(self, path):
        if Path(path).parent == workdir:
            raise WriteError("无法写入：磁盘空间不足", path=str(path))
        return real_save(self, path)

    monkeypatch.setattr(Draft, "save", full_disk)
    with FakeLLMServer(composer_brain()) as server:
        fast_profile(workdir, server.base_url)
        result = cli("draft", REFERENCE_FACTS, "--profile", "fast", "-o", workdir / "out", "-q")
    assert result.exit_code == 2 and "Traceback" not in result.stderr
    run_id = result.stderr.split("--resume ")[1].split()[0]
    assert "磁盘空间不足" in result.stderr and (workdir / ".speechwriter" / "runs" / run_id / "draft.json").is_file()
    monkeypatch.setattr(Draft, "save", real_save)
    with FakeLLMServer(composer_brain()) as server:
        fast_profile(workdir, server.base_url)
        again = cli("draft", "--resume", run_id, "-q")
        assert server.calls == 0  # every section came from the run's checkpoints
    assert again.exit_code == 0, again.stderr and (workdir / "out.json").is_file()


# --- unreadable config, cache and run paths -----------------------------------------------------

def _deny(monkeypatch, blocked: Path) -> None:
    """Make every stat/open under ``blocked`` fail as for a folder the user may not enter.

    The suite runs as root, whom permission bits do not stop, so the denial is made where the
    operating system would report it: os.stat (what Path.is_file and friends call) and os.open.
    """
    import os

    real_stat, real_open, real_scandir = os.stat, os.open, os.scandir

    def guarded(real):
        def call(path, *args, **kwargs):
            if str(path) == str(blocked) or str(path).startswith(f"{blocked}/"):
                raise PermissionError(13, "Permission denied", str(path))
            return real(path, *args, **kwargs)
        return call

    monkeypatch.setattr(os, "stat", guarded(real_stat))
    monkeypatch.setattr(os, "open", guarded(real_open))
    monkeypatch.setattr(os, "scandir", guarded(real_scandir))


@pytest.mark.parametrize("command", [("draft", str(REFERENCE_FACTS), "-q"), ("config", "show"),
                                     ("refine", str(REFERENCE_FACTS))])
def test_an_unreadable_user_config_folder_is_one_chinese_line(workdir: Path, cli, monkeypatch, command) -> None:
    import os

    home = Path(os.environ["SPEECHWRITER_CONFIG_HOME"])
    _deny(monkeypatch, home)
    result = cli(*command)
    assert result.exit_code == 2, result.output
    assert result.stderr.count("\n") == 1 and "没有权限" in result.stderr and str(home) in result.stderr


@pytest.mark.parametrize("command", [("runs", "list"), ("runs", "show", "2026"), ("draft", "--resume", "2026"),
                                     ("refine", "--resume"), ("draft", str(REFERENCE_FACTS), "-q")])
def test_an_unreadable_state_folder_is_one_chinese_line(workdir: Path, cli, monkeypatch, command) -> None:
    good_draft(cli, workdir / "out")
    _deny(monkeypatch, workdir / ".speechwriter")
    result = cli(*command)
    assert "Traceback" not in result.output
    if command[0] == "draft" and "--resume" not in command:  # drafting goes on without cache and record
        assert result.exit_code == 0 and "警告" in result.stderr, result.output
        return
    assert result.exit_code == 2, result.output
    assert result.stderr.count("\n") == 1 and "没有权限" in result.stderr and ".speechwriter" in result.stderr


# --- - for standard input and output ------------------------------------------------------------

def test_dash_reads_facts_and_drafts_from_stdin_and_exports_to_stdout(workdir: Path, cli) -> None:
    from speechwriter.facts import load_facts

    facts_text = REFERENCE_FACTS.read_text(encoding="utf-8")
    drafted = cli("draft", "-", "-o", "from-stdin", "-q", input=facts_text)
    assert drafted.exit_code == 0, drafted.stderr
    draft_json = (workdir / "from-stdin.json").read_text(encoding="utf-8")
    assert load_draft(workdir / "from-stdin.json").facts_sha256 == load_facts(REFERENCE_FACTS).sha256
    exported = cli("export", "-", "--format", "md", "-o", "-", "--allow-gaps", input=draft_json)
    assert exported.exit_code == 0, exported.stderr
    assert exported.stdout == load_draft(workdir / "from-stdin.json").to_markdown()
    assert not (workdir / "-.md").exists() and not (workdir / "-").exists()
    docx = cli("export", workdir / "from-stdin.json", "--format", "docx", "-o", "-", "--allow-gaps")
    assert docx.exit_code == 0 and docx.stdout_bytes.startswith(b"PK")
    checked = cli("validate", "-", "--facts", REFERENCE_FACTS, "--json", input=draft_json)
    assert checked.exit_code in (0, 1) and json.loads(checked.stdout)["findings"] is not None
    facts_check = cli("facts", "check", "-", input=facts_text)
    assert facts_check.exit_code == 0, facts_check.output


def test_draft_from_stdin_needs_an_output_name(workdir: Path, cli) -> None:
    result = cli("draft", "-", "-q", input=REFERENCE_FACTS.read_text(encoding="utf-8"))
    assert result.exit_code == 2 and "-o" in result.stderr and not list(workdir.glob("-*"))


# --- runs list -n, search and prune ---------------------------------------------------------------

def test_runs_list_limit_search_and_prune(workdir: Path, cli) -> None:
    for n in range(3):
        assert cli("draft", REFERENCE_FACTS, "-o", f"d{n}", "-q").exit_code == 0
    (workdir / "other.yaml").write_text(REFERENCE_FACTS.read_text(encoding="utf-8"), encoding="utf-8")
    assert cli("draft", workdir / "other.yaml", "-o", "o", "-q").exit_code == 0
    everything = json.loads(cli("runs", "list", "--json").stdout)
    assert len(everything) == 4
    newest = json.loads(cli("runs", "list", "-n", "2", "--json").stdout)
    assert [r["run_id"] for r in newest] == [r["run_id"] for r in everything[:2]]
    found = json.loads(cli("runs", "list", "--search", "OTHER.yaml", "--json").stdout)
    assert [Path(r["facts_path"]).name for r in found] == ["other.yaml"]
    dry = json.loads(cli("runs", "prune", "--keep", "1", "--dry-run", "--json").stdout)
    assert len(dry["removed"]) == 3 and len(list((workdir / ".speechwriter" / "runs").iterdir())) == 4
    pruned = cli("runs", "prune", "--keep", "1")
    assert pruned.exit_code == 0 and "已删除 3 条" in pruned.stdout
    assert [p.name for p in (workdir / ".speechwriter" / "runs").iterdir()] == [everything[0]["run_id"]]


def test_a_test_never_works_in_the_repository_itself() -> None:
    from .conftest import ROOT

    assert Path.cwd().resolve() != ROOT  # the autouse fixture moved this test into a fresh folder


# --- damaged run records -------------------------------------------------------------------------

@pytest.mark.parametrize("damage", ["truncated", "a list", "wrong types", "not utf-8"])
def test_damaged_run_records_are_one_line(workdir: Path, cli, damage: str) -> None:
    good_draft(cli, workdir / "out")
    run = next((workdir / ".speechwriter" / "runs").iterdir())
    meta = run / "run.json"
    text = meta.read_text(encoding="utf-8")
    meta.write_bytes({"truncated": text[: len(text) // 2].encode(), "a list": b"[1, 2]",
                      "wrong types": json.dumps({**json.loads(text), "engine": 5, "usage": "x",
                                                 "facts_path": 7}).encode(),
                      "not utf-8": b"\xff\xfe{"}[damage])
    (run / "report.json").write_text("{", encoding="utf-8")
    for args in (("runs", "list"), ("runs", "show", run.name), ("draft", "--resume", run.name, "-q")):
        result = cli(*args)
        assert "Traceback" not in result.output and result.exit_code in (0, 2), (args, result.output)
        if result.exit_code == 2:
            assert result.stderr.count("\n") == 1, result.stderr


@pytest.mark.parametrize("bad", ["/etc", "../x", "*", ".."])
def test_a_path_is_not_a_run_id(workdir: Path, cli, bad: str) -> None:
    result = cli("runs", "show", bad)
    assert result.exit_code == 2 and "不是路径" in result.stderr and "Traceback" not in result.output

"""CLI conventions users expect: Chinese usage errors, readable help, --json, -v/-q, colour switches,
shell completion, config init with example profiles, piped output, and notebook display."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from speechwriter.config import load_settings, resolve_profile, starter_config
from speechwriter.facts import load_facts
from speechwriter.testing.fakeserver import FakeLLMServer, Step
from speechwriter.workspace import draft_speech

from .conftest import REFERENCE_FACTS, ROOT
from .test_cli import _all_commands

EXE = str(Path(sys.executable).with_name("speechwriter"))
COLOUR = re.compile(r"\x1b\[(?:[0-9]+;)*(?:3[0-8]|9[0-7])(?:;[0-9]+)*m")  # foreground colours (bold is not colour)


# --- usage errors and help ----------------------------------------------------------------------

@pytest.mark.parametrize(("args", "expected"), [
    (["validate"], "缺少参数 DRAFT"),
    (["drafts", "x.yaml"], "没有命令「drafts」，是否想写「draft」？"),
    (["draft", "x.yaml", "--nope"], "没有选项 --nope"),
    (["eval", "s.yaml", "--repeat", "zero"], "--repeat/-r 的值无效：应为整数"),
    (["eval", "s.yaml", "--repeat", "0"], "应不小于 1"),
    (["nosuch"], "没有命令「nosuch」"),
    (["runs", "nosuch"], "没有命令「nosuch」"),
])
def test_usage_errors_are_chinese(cli, args: list[str], expected: str) -> None:
    result = cli(*args)
    assert result.exit_code == 2
    assert expected in result.stderr
    assert "错误：" in result.stderr and "用法：speechwriter" in result.stderr and "--help" in result.stderr
    for english in ("Error:", "Usage:", "Missing", "No such", "Try '", "Invalid value"):
        assert english not in result.stderr


def test_no_module_imports_typers_private_click() -> None:
    sources = (ROOT / "src" / "speechwriter").rglob("*.py")
    offenders = [str(p) for p in sources if re.search(r"typer\._click|from typer import _click",
                                                       p.read_text(encoding="utf-8"))]
    assert offenders == []


@pytest.mark.parametrize("path", _all_commands(), ids=lambda p: " ".join(p) or "root")
def test_help_has_readable_metavars_and_chinese_headings(cli, path: list[str]) -> None:
    text = cli(*path, "--help").stdout
    assert "用法：" in text and "Usage:" not in text and "Options:" not in text
    assert not re.search(r"<[a-z][a-z_\[\] ]*>", text), text  # no <path>, <str>, <list[Path]>, <int range>
    usage = text.splitlines()[0]
    assert "{" not in usage and "}" not in usage, usage


def test_usage_errors_in_the_installed_command() -> None:
    done = subprocess.run([EXE, "validate"], capture_output=True, text=True)
    assert done.returncode == 2 and "缺少参数 DRAFT" in done.stderr and "Traceback" not in done.stderr


# --- colour -------------------------------------------------------------------------------------

def test_no_color_flag_and_no_color_env(tmp_path: Path) -> None:
    draft = draft_speech(load_facts(REFERENCE_FACTS)).save(tmp_path / "d.json")
    args = ["validate", str(draft), "--facts", str(REFERENCE_FACTS)]
    env = {**os.environ, "FORCE_COLOR": "1", "COLUMNS": "100"}
    env.pop("NO_COLOR", None)
    coloured = subprocess.run([EXE, *args], capture_output=True, text=True, env=env)
    assert COLOUR.search(coloured.stdout), "FORCE_COLOR should colour the report"
    plain = subprocess.run([EXE, "--no-color", *args], capture_output=True, text=True, env=env)
    assert not COLOUR.search(plain.stdout) and "个错误" in plain.stdout
    by_env = subprocess.run([EXE, *args], capture_output=True, text=True, env={**env, "NO_COLOR": "1"})
    assert not COLOUR.search(by_env.stdout)


# --- shell completion ---------------------------------------------------------------------------

def test_shell_completion_show_install_and_complete(tmp_path: Path) -> None:
    env = {**os.environ, "SHELL": "/bin/bash", "HOME": str(tmp_path)}
    shown = subprocess.run([EXE, "--show-completion"], capture_output=True, text=True, env=env)
    assert shown.returncode == 0 and "_SPEECHWRITER_COMPLETE" in shown.stdout and "complete " in shown.stdout
    installed = subprocess.run([EXE, "--install-completion"], capture_output=True, text=True, env=env)
    assert installed.returncode == 0 and "已为 bash 安装命令补全" in installed.stdout
    assert (tmp_path / ".bash_completions" / "speechwriter.sh").is_file()
    assert "speechwriter.sh" in (tmp_path / ".bashrc").read_text()
    # what bash asks when the user presses Tab after "speechwriter dr"
    words = subprocess.run([EXE], capture_output=True, text=True,
                           env={**env, "_SPEECHWRITER_COMPLETE": "complete_bash", "COMP_WORDS": "speechwriter dr",
                                "COMP_CWORD": "1"})
    assert words.stdout.split() == ["draft"]
    unknown = subprocess.run([EXE, "--show-completion"], capture_output=True, text=True, env={**env, "SHELL": ""})
    assert unknown.returncode == 2 and "无法识别当前的 shell" in unknown.stderr


# --- --json, -v, -q -----------------------------------------------------------------------------

def test_json_on_draft_runs_and_config(cli, tmp_path: Path, monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)
    drafted = cli("draft", REFERENCE_FACTS, "-o", tmp_path / "d", "--json")
    assert drafted.exit_code == 0, drafted.stderr
    data = json.loads(drafted.stdout)
    assert data["ok"] is True and data["json"].endswith("d.json") and not [f for f in data["report"]["findings"] if f["severity"] == "error"]
    assert data["chars"] > 1000 and data["run_id"]
    listed = json.loads(cli("runs", "list", "--json").stdout)
    assert [r["run_id"] for r in listed] == [data["run_id"]]
    shown = json.loads(cli("runs", "show", data["run_id"], "--json").stdout)
    assert shown["id"] == data["run_id"] and shown["meta"]["status"] and shown["report"]["findings"] == data["report"]["findings"]
    config = json.loads(cli("config", "show", "--json").stdout)
    assert config["active"] is None and "没有指定模型" in config["problem"]


def test_quiet_and_verbose_draft(cli, tmp_path: Path) -> None:
    quiet = cli("draft", REFERENCE_FACTS, "-o", tmp_path / "q", "-q")
    assert quiet.exit_code == 0 and "政协首次" not in quiet.stdout and "0 个错误" in quiet.stdout
    verbose = cli("draft", REFERENCE_FACTS, "-o", tmp_path / "v", "-v", "--force")
    assert verbose.exit_code == 0 and "政协首次" in verbose.stdout
    assert re.search(r"closing：\d+ 字", verbose.stderr)
    assert re.fullmatch(r"0 个错误，\d+ 个警告",
                        cli("validate", tmp_path / "q.json", "--facts", REFERENCE_FACTS, "-q").stdout.strip())


def test_piped_runs_list_is_tab_separated_whole_rows(cli, tmp_path: Path, monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)
    assert cli("draft", REFERENCE_FACTS, "-o", tmp_path / "d", "-q").exit_code == 0
    assert cli("draft", REFERENCE_FACTS, "-o", tmp_path / "e", "-q", "--genre", "leader_speech").exit_code == 0
    lines = cli("runs", "list").stdout.splitlines()  # the runner's stdout is a pipe, not a terminal
    assert lines[0].split("\t")[:3] == ["运行 id", "时间", "类型"]
    rows = [line.split("\t") for line in lines[1:]]
    assert len(rows) == 2 and all(len(r) == 9 for r in rows)
    assert {r[3] for r in rows} == {"work_report", "leader_speech"}
    assert all(re.fullmatch(r"\d{8}-\d{6}-[0-9a-f]+", r[0]) for r in rows)
    assert not any("…" in line for line in lines)


# --- config init, profiles, XDG -----------------------------------------------------------------

def test_config_init_writes_working_example_profiles(cli, tmp_path: Path, monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)
    result = cli("config", "init")
    assert result.exit_code == 0, result.stderr
    text = (tmp_path / "speechwriter.toml").read_text(encoding="utf-8")
    assert text == starter_config() and text.startswith("#")
    settings = load_settings([tmp_path / "speechwriter.toml"])
    assert list(settings.profiles) == ["openai", "deepseek", "qwen", "glm", "moonshot", "ollama", "vllm", "llamacpp"]
    assert settings.default_profile is None  # drafting stays offline until a profile is chosen
    assert settings.profiles["qwen"].base_url == "https://dashscope.aliyuncs.com/compatible-mode/v1"
    for name, prof in settings.profiles.items():
        assert prof.base_url and prof.model, name
        assert prof.api_key is None and prof.api_key_env.endswith("_API_KEY")  # keys stay in the environment
        if prof.base_url.startswith("http://127.0.0.1"):
            assert prof.key()  # local servers: nothing to set
    assert cli("config", "init").exit_code == 2  # never overwrites
    monkeypatch.setenv("SPEECHWRITER_PROFILE", "deepseek")
    assert resolve_profile(settings=settings).model == "deepseek-chat"
    shown = json.loads(cli("config", "show", "--json").stdout)
    assert shown["env_profile"] == "deepseek" and shown["active"]["base_url"] == "https://api.deepseek.com/v1"
    monkeypatch.setenv("SPEECHWRITER_PROFILE", "nosuch")
    bad = cli("config", "show")
    assert "SPEECHWRITER_PROFILE" in bad.stdout and "nosuch" in bad.stdout
    # a local profile works as written once its server answers (the fake server stands in for Ollama)
    monkeypatch.delenv("SPEECHWRITER_PROFILE")
    with FakeLLMServer(lambda request: Step(reply="好"), models=("qwen2.5:7b",)) as server:
        checked = cli("config", "check", "--profile", "ollama", "--base-url", server.base_url)
    assert checked.exit_code == 0 and "接口可用" in checked.stdout and "qwen2.5:7b" in checked.stdout
    assert server.requests[0]["model"] == "qwen2.5:7b"


def test_xdg_config_home_is_honoured(cli, tmp_path: Path, monkeypatch) -> None:
    monkeypatch.delenv("SPEECHWRITER_CONFIG_HOME")
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "xdg"))
    monkeypatch.chdir(tmp_path)
    assert cli("config", "init", "--user").exit_code == 0
    path = tmp_path / "xdg" / "speechwriter" / "config.toml"
    assert path.is_file()
    shown = json.loads(cli("config", "show", "--json").stdout)
    assert shown["sources"] == [str(path)] and "llamacpp" in shown["profiles"]


# --- notebooks ----------------------------------------------------------------------------------

def test_draft_and_report_display_in_a_notebook() -> None:
    from speechwriter.validate import validate

    facts = load_facts(REFERENCE_FACTS)
    draft = draft_speech(facts)
    assert draft._repr_markdown_() == draft.to_markdown()
    from speechwriter.workspace import Workspace

    blueprint = Workspace(ROOT).library().blueprint(facts.meta.genre)
    broken = draft.model_copy(update={"sections": [s.model_copy(update={"body": s.body + "再投入386万元。"})
                                                   if s.id == "opening" else s for s in draft.sections]})
    html = validate(broken, facts, blueprint)._repr_html_()
    assert "<table>" in html and "F204" in html and "386" in html and "1 个错误" in html
    clean = validate(draft, facts, blueprint).model_copy(update={"findings": []})
    assert "未发现问题" in clean._repr_html_() and "未发现问题" in clean._repr_markdown_()


def test_json_on_facts_check_templates_export_and_config_check(cli, tmp_path: Path, monkeypatch) -> None:
    import json

    from speechwriter.testing.fakeserver import FakeLLMServer, Step

    monkeypatch.chdir(tmp_path)
    facts = json.loads(cli("facts", "check", REFERENCE_FACTS, "--json").stdout)
    assert facts["ok"] and facts["genre"] == "work_report" and "56个项目" in facts["figures"]
    templates = json.loads(cli("templates", "list", "--json").stdout)
    closing = [t for t in templates if t["genre"] == "work_report" and t["section"] == "closing"]
    assert len(closing) == 1 and closing[0]["template"].endswith(".j2")
    assert all(t["source"] in ("builtin", "user", None) for t in templates)
    assert cli("draft", REFERENCE_FACTS, "-o", "d", "-q").exit_code == 0
    exported = json.loads(cli("export", "d.json", "--format", "txt", "-o", "d.txt", "--json", "--allow-gaps").stdout)
    assert exported == {"output": "d.txt", "format": "txt", "bytes": (tmp_path / "d.txt").stat().st_size}
    with FakeLLMServer([Step(reply="好的")]) as server:
        checked = cli("config", "check", "--base-url", server.base_url, "--model", "fake-model", "--json")
    data = json.loads(checked.stdout)
    assert checked.exit_code == 0 and data["ok"] and data["model"] == "fake-model" and data["reply"] == "好的"

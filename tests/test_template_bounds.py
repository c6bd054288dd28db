"""A user's prompts folder cannot hang the process, fill its memory or read outside itself (issue 26 items 3, 7, 12).

The hostile templates are rendered by a real ``speechwriter draft`` process with an address-space
limit: without the bounds each of them would run out of memory or run for hours.
"""

from __future__ import annotations

import os
import resource
import subprocess
import sys
from pathlib import Path

import pytest

from speechwriter.errors import InputError
from speechwriter.prompts import PromptLibrary

from .conftest import REFERENCE_FACTS

HOSTILE = {
    "repeat": "{{ 'a' * 400000000 }}",
    "nested-range": "{% for i in range(100000) %}{% for j in range(100000) %}{% endfor %}{% endfor %}",
    "doubling": "{% set s = 'aaaaaaaaaa' %}" + "{% set s = s ~ s %}" * 40 + "{{ s|length }}",
    "center": "{{ 'x'|center(900000000) }}",
    "format-width": "{{ '%*s' % (900000000, 'x') }}",
    "replace": "{{ ('a' * 900000)|replace('a', 'bbbbbbbbbb') }}",
    "method": "{{ 'abc'.ljust(900000000) }}",
    "long-output": "{% for i in range(100000) %}{{ 'x' * 1000 }}{% endfor %}",
    "recursion": "{% macro m() %}{{ m() }}{% endmacro %}{{ m() }}",
    "power": "{{ 7 ** 99999999 }}",
}

SAID = {"recursion": "递归过深", "nested-range": "循环次数过多", "long-output": "输出过长", "power": "乘方过大"}


@pytest.mark.parametrize("name", sorted(HOSTILE))
def test_each_hostile_template_stops_with_a_chinese_reason(name: str) -> None:
    with pytest.raises(InputError, match=SAID.get(name, "值过大")) as err:
        PromptLibrary().render_string(HOSTILE[name], {}, "hostile.j2")
    assert "模板" in str(err.value)


def test_ordinary_templates_render_as_before() -> None:
    text = "{{ [1, 2]|join('、') }} {{ 3 + 4 }} {{ 'ab' ~ 'cd' }} {% for x in 'xy' %}{{ loop.index }}{% endfor %}"
    assert PromptLibrary().render_string(text, {}, "ok.j2") == "1、2 7 abcd 12"
    many = "{% for i in range(900) %}{% for j in range(900) %}{% endfor %}{% endfor %}完"  # 810k steps: allowed
    assert PromptLibrary().render_string(many, {}, "ok.j2") == "完"


def _limited() -> None:
    limit = 1536 * 1024 * 1024  # the interpreter, the SDKs and a draft fit; 400 MB strings do not
    resource.setrlimit(resource.RLIMIT_AS, (limit, limit))


@pytest.mark.parametrize("name", ["repeat", "doubling", "nested-range"])
def test_a_draft_with_a_hostile_prompts_folder_exits_with_one_line(tmp_path: Path, name: str) -> None:
    folder = tmp_path / "prompts" / "work_report"
    folder.mkdir(parents=True)
    (folder / "opening.j2").write_text(HOSTILE[name] + "\n", encoding="utf-8")
    env = {**os.environ, "SPEECHWRITER_LOCAL_ONLY": "1", "SPEECHWRITER_CONFIG_HOME": str(tmp_path / "cfg")}
    done = subprocess.run([sys.executable, "-c", "from speechwriter.cli import main; main()", "draft", str(REFERENCE_FACTS), "--prompts",
                           str(tmp_path / "prompts"), "-o", str(tmp_path / "out")], capture_output=True, text=True,
                          cwd=tmp_path, env=env, preexec_fn=_limited, timeout=600)
    assert done.returncode == 2, done.stderr
    assert "模板渲染已中止" in done.stderr and "opening.j2" in done.stderr
    assert "Traceback" not in done.stderr and "MemoryError" not in done.stderr


def test_a_link_out_of_a_prompts_folder_is_refused(tmp_path: Path, cli) -> None:
    secret = tmp_path / "secret.txt"
    secret.write_text("SECRET-OUTSIDE-TEXT {{ meta.title }}", encoding="utf-8")
    folder = tmp_path / "prompts" / "work_report"
    folder.mkdir(parents=True)
    (folder / "opening.j2").symlink_to(secret)
    result = cli("draft", REFERENCE_FACTS, "--prompts", tmp_path / "prompts", "-o", tmp_path / "out")
    assert result.exit_code == 2 and "指向提示词目录之外的符号链接" in result.stderr, result.output
    assert not list(tmp_path.glob("out*"))
    (folder / "opening.j2").unlink()  # a link that stays inside the folder is fine
    (tmp_path / "prompts" / "shared.j2").write_text("共用的 {{ who }}", encoding="utf-8")
    (folder / "closing.j2").symlink_to(tmp_path / "prompts" / "shared.j2")
    env = PromptLibrary([tmp_path / "prompts"]).env
    assert env.get_template("work_report/closing.j2").render(who="结尾") == "共用的 结尾"


def test_a_link_out_of_a_prompts_folder_does_not_bring_a_blueprint(tmp_path: Path) -> None:
    outside = tmp_path / "elsewhere.yaml"
    outside.write_text("name: x\nsections:\n  - {id: a, title: 甲, role: opening}\n", encoding="utf-8")
    (tmp_path / "prompts" / "blueprints").mkdir(parents=True)
    (tmp_path / "prompts" / "blueprints" / "evil.yaml").symlink_to(outside)
    assert "evil" not in PromptLibrary([tmp_path / "prompts"]).genres()


@pytest.mark.parametrize("kind", ["loop", "file", "fifo"])
def test_a_prompts_folder_that_is_not_a_folder_is_named_for_what_it_is(tmp_path: Path, cli, kind: str) -> None:
    path = tmp_path / "prompts"
    if kind == "loop":
        path.symlink_to(path)
    elif kind == "file":
        path.write_text("x", encoding="utf-8")
    else:
        os.mkfifo(path)
    result = cli("draft", REFERENCE_FACTS, "--prompts", path, "-o", tmp_path / "out")
    said = {"loop": "符号链接循环", "file": "这是普通文件，不是提示词目录", "fifo": "命名管道（FIFO）"}[kind]
    assert result.exit_code == 2 and said in result.stderr, result.output
    assert "不存在" not in result.stderr and "Traceback" not in result.output

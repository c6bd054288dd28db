"""Hostile facts files: every one is one Chinese line naming the file, exit 2, nothing written.

The loader's work is bounded by construction (regular files only, at most the size limit plus one
byte read, alias expansion, nesting depth and item counts capped). The subprocess timeouts below
only keep a regression from hanging the suite; they are not speed assertions.
"""

from __future__ import annotations

import os
import random
import subprocess
import sys
from pathlib import Path

import pytest

from speechwriter.errors import InputError
from speechwriter.facts import load_facts, parse_facts
from speechwriter.facts.model import MAX_COUNTS, MAX_DEPTH, MAX_NODES
from speechwriter.files import MAX_INPUT_BYTES, read_text

from .hostile import GENERATORS

EXE = Path(sys.executable).with_name("speechwriter")
HANG_GUARD = 120  # seconds; a run that needs this long is broken, not slow


def _hostile_file(tmp_path: Path, name: str, seed: int) -> Path:
    suffix, text = GENERATORS[name](random.Random(seed))
    path = tmp_path / f"{name}-{seed}{suffix}"
    path.write_text(text, encoding="utf-8")
    return path


def _cli(*args: object, cwd: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "SPEECHWRITER_LOCAL_ONLY": "1"}
    return subprocess.run([str(EXE), *map(str, args)], capture_output=True, text=True, cwd=cwd, env=env,
                          timeout=HANG_GUARD, stdin=subprocess.DEVNULL)


def _assert_one_clear_line(proc: subprocess.CompletedProcess[str], path: Path) -> None:
    assert proc.returncode == 2, proc.stderr
    assert "Traceback" not in proc.stderr and proc.stderr.count("\n") == 1, proc.stderr
    assert str(path) in proc.stderr and "错误" in proc.stderr


# --- the fuzz test: every class, several seeds, in-process ------------------------------------

@pytest.mark.parametrize("name", sorted(set(GENERATORS) - {"garbage"}))
@pytest.mark.parametrize("seed", range(4))
def test_every_hostile_class_is_one_input_error(tmp_path: Path, name: str, seed: int) -> None:
    path = _hostile_file(tmp_path, name, seed)
    with pytest.raises(InputError) as caught:
        load_facts(path)
    message = str(caught.value)
    assert message.startswith(str(path)) and "\n" not in message.strip()
    assert any("\u4e00" <= ch <= "\u9fff" for ch in message)


def test_seeded_garbage_never_escapes_as_anything_but_input_error() -> None:
    rng = random.Random(20261129)
    for n in range(300):
        suffix, text = GENERATORS["garbage"](rng)
        try:
            parse_facts(text, fmt=suffix, name=f"garbage-{n}{suffix}")
        except InputError as exc:
            assert str(exc).startswith(f"garbage-{n}{suffix}")


@pytest.mark.parametrize("text, words", [
    ("? [a, b]\n: 1\n", "键必须是简单的文本"),
    ("meta:\n  title: t\n  date: 2024-02-30\n", "日期或时间无效：「2024-02-30」"),
    ("meta:\n  target: {chars: " + "7" * 5000 + "}\n", "数字过长（5000 位"),
    ("notes: &r [*r]\n", "锚点循环引用"),
])
def test_yaml_problems_name_line_and_cause(text: str, words: str) -> None:
    with pytest.raises(InputError) as caught:
        parse_facts(text, name="f.yaml")
    assert words in str(caught.value) and str(caught.value).startswith("f.yaml:")


def test_json_and_toml_bounds() -> None:
    for text, fmt, words in [
        ('{"meta": {"target": {"chars": ' + "9" * 5000 + "}}}", ".json", "数字过长（5000 位"),
        ("[" * 100_000 + "]" * 100_000, ".json", "嵌套层数过深"),
        ('{"notes": ' + "[" * (MAX_DEPTH + 1) + "]" * (MAX_DEPTH + 1) + "}", ".json", "嵌套层数过深"),
        ("a = " + "[" * 5000 + "]" * 5000, ".toml", "嵌套层数过深"),
        ("[meta.target]\nchars = " + "9" * 5000 + "\n", ".toml", "数字过长（5000 位"),
        ("[meta]\ndate = 2024-02-30\n", ".toml", "日期或时间无效"),
    ]:
        with pytest.raises(InputError) as caught:
            parse_facts(text, fmt=fmt, name=f"f{fmt}")
        assert words in str(caught.value), (fmt, str(caught.value))


def test_alias_bombs_are_refused_by_expanded_size() -> None:
    laughs = "a0: &a0 [哈, 哈]\n" + "".join(f"a{i}: &a{i} [*a{i - 1}, *a{i - 1}]\n" for i in range(1, 40))
    with pytest.raises(InputError, match=f"超过 {MAX_NODES} 个值"):
        parse_facts(laughs + "names: *a39\n", name="bomb.yaml")
    merge = "m0: &m0 {k: 1}\n" + "".join(f"m{i}: &m{i} {{<<: *m{i - 1}, a: *m{i - 1}, b: *m{i - 1}}}\n"
                                         for i in range(1, 40))
    with pytest.raises(InputError, match="超过"):
        parse_facts(merge + "closing: *m39\n", name="merge.yaml")


def test_item_counts_are_capped_with_the_field_named() -> None:
    n = MAX_COUNTS["highlights.items"] + 1
    text = ("meta: {title: t, speaker: {role: r}, addressees: [a]}\nhighlights:\n  - theme: x\n    items:\n"
            + "".join(f"      - statement: 事项{i}\n" for i in range(n)))
    with pytest.raises(InputError) as caught:
        parse_facts(text, name="many.yaml")
    message = str(caught.value)
    assert f"共 {n} 个" in message and f"上限 {n - 1} 个" in message and "highlights[0].items[" in message


# --- files that are not files -----------------------------------------------------------------

@pytest.mark.parametrize("device", ["/dev/zero", "/dev/urandom"])
def test_symlink_to_a_device_is_refused_without_reading(tmp_path: Path, device: str) -> None:
    if not Path(device).exists():
        pytest.skip(f"{device} absent on this system")
    link = tmp_path / "facts.yaml"
    link.symlink_to(device)
    with pytest.raises(InputError, match="字符设备，不是普通文件"):
        load_facts(link)


def test_fifo_is_refused_without_blocking(tmp_path: Path) -> None:
    fifo = tmp_path / "facts.yaml"
    os.mkfifo(fifo)  # nobody ever writes: opening it for reading would block forever
    with pytest.raises(InputError, match="命名管道"):
        load_facts(fifo)


def test_reads_at_most_the_limit_plus_one_byte(tmp_path: Path) -> None:
    big = tmp_path / "big.yaml"
    big.write_bytes(b"#" * (MAX_INPUT_BYTES + 10))
    with pytest.raises(InputError, match="过大"):
        read_text(big)
    exact = tmp_path / "exact.yaml"
    exact.write_bytes(b"#" * 10)
    assert read_text(exact, max_bytes=10) == "#" * 10


# --- the CLI, in real processes: exit 2, one line, nothing written ----------------------------

def _max_rss_kib(args: list[str], cwd: Path) -> tuple[int, int, str]:
    """Run ``args`` under a small Python parent; return (exit code, the child's peak RSS in KiB, stderr)."""
    probe = ("import resource, subprocess, sys; r = subprocess.run(sys.argv[1:], stdout=subprocess.DEVNULL); "
             "print(r.returncode, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)")
    proc = subprocess.run([sys.executable, "-c", probe, *args], cwd=cwd, capture_output=True, text=True,
                          timeout=HANG_GUARD, env={**os.environ, "SPEECHWRITER_LOCAL_ONLY": "1"})
    code, rss = proc.stdout.split()
    return int(code), int(rss), proc.stderr


@pytest.mark.parametrize("name", ["billion_laughs", "merge_bomb", "anchor_chain", "deep_json", "deep_toml",
                                  "huge_integer", "impossible_date", "complex_key", "many_items"])
def test_draft_refuses_hostile_facts_in_a_real_process_and_writes_nothing(tmp_path: Path, name: str) -> None:
    path = _hostile_file(tmp_path, name, seed=3)
    before = set(tmp_path.rglob("*"))
    proc = _cli("draft", path, "-o", tmp_path / "out", "--export", "docx", cwd=tmp_path)
    _assert_one_clear_line(proc, path)
    assert set(tmp_path.rglob("*")) == before  # no draft, no export, no run record, no cache


@pytest.mark.parametrize("kind", ["zero", "urandom", "fifo"])
def test_cli_refuses_devices_and_fifos(tmp_path: Path, kind: str) -> None:
    path = tmp_path / "facts.yaml"
    if kind == "fifo":
        os.mkfifo(path)
    else:
        path.symlink_to(f"/dev/{kind}")
    for args in (("facts", "check", path), ("draft", path, "-o", tmp_path / "out")):
        proc = _cli(*args, cwd=tmp_path)
        _assert_one_clear_line(proc, path)
    assert not list(tmp_path.glob("out*"))


def test_memory_stays_small_on_a_bomb(tmp_path: Path) -> None:
    """Peak RSS of `facts check` on a billion-laughs file stays near that of a valid file."""
    bomb = tmp_path / "bomb.yaml"
    bomb.write_text("a0: &a0 [哈哈哈哈哈哈哈哈]\n" + "".join(
        f"a{i}: &a{i} [*a{i - 1}, *a{i - 1}, *a{i - 1}, *a{i - 1}]\n" for i in range(1, 30)) + "names: *a29\n",
        encoding="utf-8")
    small = Path(__file__).resolve().parent.parent / "fixtures" / "facts" / "work_report_gongqingfu.yaml"
    code_ok, rss_ok, _ = _max_rss_kib([str(EXE), "facts", "check", str(small)], tmp_path)
    code_bomb, rss_bomb, err = _max_rss_kib([str(EXE), "facts", "check", str(bomb)], tmp_path)
    assert code_ok == 0 and code_bomb == 2, err
    assert rss_bomb < rss_ok + 100 * 1024, (rss_ok, rss_bomb)

"""Hostile facts files, one generator per class of attack, for the loader's fuzz tests.

Every generator takes a seeded :class:`random.Random` and returns (suffix, text). Sizes stay under
the 1 MiB input limit so each file reaches the parser rather than the size check.
"""

from __future__ import annotations

import json
import random
from collections.abc import Callable

VALID_META = 'meta:\n  title: 测试\n  speaker: {role: 主任}\n  addressees: [同志们]\n'


def deep_json(rng: random.Random) -> tuple[str, str]:
    n = rng.choice([30, 500, 5_000, 100_000])
    opener, closer = rng.choice([("[", "]"), ('{"a":', "}")])
    return ".json", '{"meta": ' + opener * n + "1" + closer * n + "}"


def deep_toml(rng: random.Random) -> tuple[str, str]:
    n = rng.choice([30, 900, 5_000, 50_000])
    return ".toml", "notes = " + "[" * n + "]" * n + "\n"


def deep_yaml(rng: random.Random) -> tuple[str, str]:
    n = rng.choice([30, 900, 5_000, 50_000])
    if rng.random() < 0.5:
        return ".yaml", "notes: " + "[" * n + "]" * n + "\n"
    return ".yaml", "notes:\n" + "- " * n + "x\n"


def complex_key(rng: random.Random) -> tuple[str, str]:
    key = rng.choice(["[a, b]", "{a: 1}", "[meta]"])
    return ".yaml", VALID_META + f"? {key}\n: 1\n"


def impossible_date(rng: random.Random) -> tuple[str, str]:
    day = rng.choice(["2024-02-30", "2023-02-29", "2024-13-01", "2024-04-31", "2024-00-10"])
    fmt = rng.choice([".yaml", ".toml", ".json"])
    if fmt == ".yaml":
        return ".yaml", VALID_META.replace("  title", f"  date: {day}\n  title")
    if fmt == ".toml":
        return ".toml", f'[meta]\ntitle = "测试"\naddressees = ["同志们"]\ndate = {day}\n[meta.speaker]\nrole = "主任"\n'
    return ".json", json.dumps({"meta": {"title": "测试", "date": day, "speaker": {"role": "主任"},
                                         "addressees": ["同志们"]}}, ensure_ascii=False)


def huge_integer(rng: random.Random) -> tuple[str, str]:
    digits = "".join(rng.choice("123456789") for _ in range(rng.choice([65, 5_000, 50_000])))
    fmt = rng.choice([".yaml", ".json", ".toml"])
    if fmt == ".json":
        return ".json", '{"meta": {"title": "t", "target": {"chars": ' + digits + "}}}"
    if fmt == ".toml":
        return ".toml", f"[meta.target]\nchars = {digits}\n"
    return ".yaml", VALID_META + f"  target: {{chars: {digits}}}\n"


def billion_laughs(rng: random.Random) -> tuple[str, str]:
    levels = rng.choice([10, 20, 30])
    width = rng.choice([2, 5, 10])
    lines = ['a0: &a0 "哈哈哈哈"']
    for i in range(1, levels):
        lines.append(f"a{i}: &a{i} [" + ", ".join(f"*a{i - 1}" for _ in range(width)) + "]")
    where = rng.choice(["names", "notes", "shortcomings"])
    return ".yaml", VALID_META + "x-bomb:\n" + "".join(f"  {line}\n" for line in lines) + \
        f"{where}: *a{levels - 1}\n"


def merge_bomb(rng: random.Random) -> tuple[str, str]:
    levels = rng.choice([12, 20, 26])
    lines = ["m0: &m0 {k0: 1, k1: 2}"]
    for i in range(1, levels):
        lines.append(f"m{i}: &m{i} {{<<: [*m{i - 1}], a{i}: *m{i - 1}, b{i}: *m{i - 1}}}")
    return ".yaml", VALID_META + "x:\n" + "".join(f"  {line}\n" for line in lines) + f"closing: *m{levels - 1}\n"


def anchor_chain(rng: random.Random) -> tuple[str, str]:
    n = rng.choice([100, 2_000, 20_000])
    lines = ["- &c0 [x]"] + [f"- &c{i} [*c{i - 1}]" for i in range(1, n)]
    return ".yaml", VALID_META + "notes:\n" + "".join(f"  {line}\n" for line in lines)


def recursive_alias(rng: random.Random) -> tuple[str, str]:
    return ".yaml", VALID_META + rng.choice(["notes: &r [*r]\n", "closing: &r {wishes: *r}\n"])


def many_items(rng: random.Random) -> tuple[str, str]:
    n = rng.choice([401, 2_000, 10_000])
    items = "".join(f"      - statement: 第{i}项工作\n" for i in range(n))
    return ".yaml", VALID_META + "highlights:\n  - theme: 主题\n    items:\n" + items


def many_highlights(rng: random.Random) -> tuple[str, str]:
    n = rng.choice([41, 500, 5_000])
    return ".yaml", VALID_META + "highlights:\n" + "".join(f"  - theme: 主题{i}\n" for i in range(n))


def garbage(rng: random.Random) -> tuple[str, str]:
    alphabet = "{}[]:,-&*!|>'\"#?%@`\n \t0123456789abc中文<<"
    text = "".join(rng.choice(alphabet) for _ in range(rng.randint(1, 400)))
    return rng.choice([".yaml", ".json", ".toml"]), text


def control_characters(rng: random.Random) -> tuple[str, str]:
    char = rng.choice(["\x00", "\x1b[2J", "\x07", "\u202e", "\x7f", "\x9b", "\u2066"])
    fmt = rng.choice([".json", ".toml", ".yaml"])
    title = "测试" + char + "标题"
    if fmt == ".json":
        return ".json", json.dumps({"meta": {"title": title, "speaker": {"role": "主任"}, "addressees": ["同志们"]}},
                                   ensure_ascii=rng.random() < 0.5)
    if fmt == ".toml":
        escaped = json.dumps(title, ensure_ascii=True)  # a TOML basic string takes JSON's \u escapes
        return ".toml", f'[meta]\ntitle = {escaped}\naddressees = ["同志们"]\n[meta.speaker]\nrole = "主任"\n'
    escaped = json.dumps(title, ensure_ascii=True)  # YAML double quotes take the same escapes
    return ".yaml", VALID_META.replace("title: 测试", f"title: {escaped}")


def duplicate_json_key(rng: random.Random) -> tuple[str, str]:
    key = rng.choice(["title", "speaker", "meta"])
    if key == "meta":
        return ".json", '{"meta": {"title": "甲"}, "meta": {"title": "乙"}}'
    return ".json", '{"meta": {"' + key + '": "甲", "title": "测试", "' + key + '": "乙"}}'


def switch_for_number(rng: random.Random) -> tuple[str, str]:
    field = rng.choice(["chars", "minutes"])
    value = rng.choice(["true", "false", ".inf", ".nan", "-.inf"])
    return ".yaml", VALID_META + f"  target: {{{field}: {value}}}\n"


GENERATORS: dict[str, Callable[[random.Random], tuple[str, str]]] = {
    f.__name__: f for f in (deep_json, deep_toml, deep_yaml, complex_key, impossible_date, huge_integer,
                            billion_laughs, merge_bomb, anchor_chain, recursive_alias, many_items, many_highlights,
                            control_characters, duplicate_json_key, switch_for_number, garbage)
}
"""Every class of hostile input; all but ``garbage`` must be refused."""

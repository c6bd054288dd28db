"""Writing extracted facts as a commented YAML facts file for a person to review.

A small block-style writer rather than ``yaml.dump``: it puts the reviewer's comments above the
entries they concern (待核 / 待填 / 来源), keeps text unquoted where YAML allows so the file reads
like the facts files people write by hand, and keeps figure lists on one line.
"""

from __future__ import annotations

import json
import re
from typing import Any

__all__ = ["render_yaml"]

Path_ = tuple[Any, ...]

_INDICATORS = set("-?:,[]{}#&*!|>'\"%@`")
_RESERVED = {"yes", "no", "on", "off", "true", "false", "null", "y", "n", "~"}
_IDENT = re.compile(r"[A-Za-z_][A-Za-z0-9_\-]*")
_FLOW_UNSAFE = re.compile(r"[,\[\]{}]")
_CONTROL = re.compile(r"[\x00-\x1f]")
_UNPRINTABLE = re.compile(r"[\x7f-\x9f\u2028\u2029\ufeff\ufffe\uffff]")


def _plain_ok(text: str, flow: bool) -> bool:
    if not text or text != text.strip() or text[0] in _INDICATORS:
        return False
    if any(ch in text for ch in "\n\r\t\\") or ": " in text or " #" in text or text.endswith(":"):
        return False
    if _UNPRINTABLE.search(text) or _CONTROL.search(text):
        return False
    if flow and _FLOW_UNSAFE.search(text):
        return False
    if text.isascii():  # numbers, dates, booleans and the like would change type
        return bool(_IDENT.fullmatch(text)) and text.lower() not in _RESERVED
    return ":" not in text and "#" not in text


def _scalar(value: Any, flow: bool = False) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return str(value)
    text = str(value)
    if _plain_ok(text, flow):
        return text
    # JSON strings are YAML double-quoted scalars; YAML also refuses DEL and C1 controls raw.
    return _UNPRINTABLE.sub(lambda m: f"\\u{ord(m.group()):04x}", json.dumps(text, ensure_ascii=False))


def _is_scalar(value: Any) -> bool:
    return value is None or isinstance(value, (str, int, float, bool))


class _Writer:
    def __init__(self, comments: dict[Path_, list[str]]) -> None:
        self.comments = comments
        self.lines: list[str] = []

    def comment(self, path: Path_, indent: int) -> None:
        for text in self.comments.get(path, ()):
            self.lines.append(" " * indent + "# " + text)

    def mapping(self, data: dict[str, Any], path: Path_, indent: int, first_prefix: str | None = None) -> None:
        pad = " " * indent
        for n, (key, value) in enumerate(data.items()):
            prefix = first_prefix if (n == 0 and first_prefix is not None) else pad
            if n > 0 or first_prefix is None:
                self.comment((*path, key), indent)
            head = f"{prefix}{key}:"
            if _is_scalar(value):
                self.lines.append(f"{head} {_scalar(value)}")
            elif isinstance(value, list):
                self.sequence(value, (*path, key), indent, head)
            else:
                self.lines.append(head)
                self.mapping(value, (*path, key), indent + 2)

    def sequence(self, items: list[Any], path: Path_, indent: int, head: str) -> None:
        if not items:
            self.lines.append(f"{head} []")
            return
        if all(_is_scalar(v) for v in items) and not any(self.comments.get((*path, i)) for i in range(len(items))):
            flow = "[" + ", ".join(_scalar(v, flow=True) for v in items) + "]"
            if len(head) + len(flow) <= 100:
                self.lines.append(f"{head} {flow}")
                return
        self.lines.append(head)
        pad = " " * (indent + 2)
        for i, value in enumerate(items):
            self.comment((*path, i), indent + 2)
            if _is_scalar(value):
                self.lines.append(f"{pad}- {_scalar(value)}")
            elif isinstance(value, dict) and value:
                first_key = next(iter(value))
                self.comment((*path, i, first_key), indent + 2)
                self.mapping(value, (*path, i), indent + 4, first_prefix=f"{pad}- ")
            else:
                self.lines.append(f"{pad}- {json.dumps(value, ensure_ascii=False)}")


def render_yaml(data: dict[str, Any], comments: dict[Path_, list[str]] | None = None,
                header: list[str] | None = None) -> str:
    """YAML text of ``data`` with ``comments`` (path → lines) above the entries they name."""
    writer = _Writer(comments or {})
    for line in header or []:
        writer.lines.append(f"# {line}" if line else "#")
    for n, key in enumerate(data):
        if n or header:
            writer.lines.append("")
        writer.mapping({key: data[key]}, (), 0)
    return "\n".join(writer.lines) + "\n"

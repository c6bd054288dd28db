"""Data blocks: structured data carried inside a prompt as ``<tag>`` JSON ``</tag>``.

Prompts write facts and section specs into data blocks; the offline composer (and tests) read
them back. The format lives here, apart from both, so engines never import the prompt library.

A block cannot be closed, or a new one opened, from inside: every ``<``, ``>`` and ``&`` in the
data is written as a JSON escape (``\\u003c`` …), so the body holds no angle bracket at all, and
the parser accepts only tags on lines of their own around a body that is valid JSON. Text from a
facts file that a template prints outside the blocks (a heading, the occasion) may look like a
block; the parser takes the last real one, and the built-in templates put the blocks last.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

__all__ = ["BlockSpan", "block_spans", "data_block", "map_block_strings", "outside_blocks", "parse_data_block"]

_ESCAPES = {"<": "\\u003c", ">": "\\u003e", "&": "\\u0026"}


def data_block(tag: str, value: Any) -> str:
    """Serialise ``value`` as JSON inside ``<tag>…</tag>``; no character of the data can end the block."""
    return f"<{tag}>\n{_serialise(value)}\n</{tag}>"


@dataclass(frozen=True)
class BlockSpan:
    """Where one well-formed data block's JSON body lies in a text (``text[start:end]``)."""

    tag: str
    start: int
    end: int


# Any tag a template may use: the same shape as data_block writes (a name on a line of its own).
_ANY_OPENING = re.compile(r"(?m)^<(?P<tag>[A-Za-z][A-Za-z0-9_-]{0,40})>[ \t]*\n")


def block_spans(text: str) -> list[BlockSpan]:
    """Every well-formed data block in ``text``, in order: a tag line, a valid JSON body, its closing line.

    Text that merely looks like a tag (no closing line, a body that is not JSON) is no block, so
    it is outside every span; blocks do not nest (a body holds no angle bracket).
    """
    spans: list[BlockSpan] = []
    pos = 0
    while True:
        m = _ANY_OPENING.search(text, pos)
        if m is None:
            return spans
        tag = m.group("tag")
        end = re.compile(rf"(?m)\n</{re.escape(tag)}>[ \t]*$").search(text, m.end() - 1)
        if end is not None and _is_json(text[m.end():end.start()]):
            spans.append(BlockSpan(tag, m.end(), end.start()))
            pos = end.end()
        else:
            pos = m.end()


def outside_blocks(text: str) -> str:
    """``text`` without its data blocks' bodies: the instructions around them (the tag lines stay).

    Each cut leaves a line break, so no value can seem to span two pieces of instruction.
    """
    pieces, pos = [], 0
    for span in block_spans(text):
        pieces.append(text[pos:span.start])
        pos = span.end
    pieces.append(text[pos:])
    return "\n".join(pieces)


def _is_json(body: str) -> bool:
    try:
        json.loads(body)
    except json.JSONDecodeError:
        return False
    return True


def map_block_strings(text: str, change: Callable[[str], str]) -> str:
    """``text`` with ``change`` applied to every JSON string value inside its data blocks.

    Keys, numbers and everything outside the blocks stay byte for byte as they were; a body whose
    strings ``change`` leaves alone is not even re-serialised.
    """
    out: list[str] = []
    pos = 0
    for span in block_spans(text):
        body = text[span.start:span.end]
        value = json.loads(body)
        changed = _map_strings(value, change)
        out.append(text[pos:span.start])
        out.append(body if changed == value else _serialise(changed))
        pos = span.end
    out.append(text[pos:])
    return "".join(out)


def _map_strings(value: Any, change: Callable[[str], str]) -> Any:
    if isinstance(value, str):
        return change(value)
    if isinstance(value, list):
        return [_map_strings(v, change) for v in value]
    if isinstance(value, dict):
        return {k: _map_strings(v, change) for k, v in value.items()}
    return value


def _serialise(value: Any) -> str:
    body = json.dumps(value, ensure_ascii=False, indent=1, sort_keys=False)
    # Outside strings JSON has no < > &, so escaping them textually keeps the JSON valid.
    return re.sub(r"[<>&]", lambda m: _ESCAPES[m.group(0)], body)


def parse_data_block(text: str, tag: str) -> Any:
    """Inverse of :func:`data_block`: the last well-formed ``tag`` block in ``text``; None when there is none."""
    opening = re.compile(rf"(?m)^<{re.escape(tag)}>[ \t]*\n")
    closing = re.compile(rf"(?m)\n</{re.escape(tag)}>[ \t]*$")
    starts = [m.end() for m in opening.finditer(text)]
    first_error: json.JSONDecodeError | None = None
    for start in reversed(starts):
        end = closing.search(text, start - 1)
        if end is None:
            continue
        body = text[start:end.start()]
        try:
            return json.loads(body)
        except json.JSONDecodeError as exc:
            first_error = first_error or exc
    if first_error is not None:
        raise first_error
    return None

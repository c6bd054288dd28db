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
from typing import Any

__all__ = ["data_block", "parse_data_block"]

_ESCAPES = {"<": "\\u003c", ">": "\\u003e", "&": "\\u0026"}


def data_block(tag: str, value: Any) -> str:
    """Serialise ``value`` as JSON inside ``<tag>…</tag>``; no character of the data can end the block."""
    body = json.dumps(value, ensure_ascii=False, indent=1, sort_keys=False)
    # Outside strings JSON has no < > &, so escaping them textually keeps the JSON valid.
    body = re.sub(r"[<>&]", lambda m: _ESCAPES[m.group(0)], body)
    return f"<{tag}>\n{body}\n</{tag}>"


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

"""Data blocks: structured data carried inside a prompt as ``<tag>`` JSON ``</tag>``.

Prompts write facts and section specs into data blocks; the offline composer (and tests) read
them back. The format lives here, apart from both, so engines never import the prompt library.
"""

from __future__ import annotations

import json
from typing import Any

__all__ = ["data_block", "parse_data_block"]


def data_block(tag: str, value: Any) -> str:
    """Serialise ``value`` as JSON inside ``<tag>…</tag>``; '</' is escaped so data can't close it."""
    body = json.dumps(value, ensure_ascii=False, indent=1, sort_keys=False).replace("</", "<\\/")
    return f"<{tag}>\n{body}\n</{tag}>"


def parse_data_block(text: str, tag: str) -> Any:
    """Inverse of :func:`data_block`; None when the block is absent."""
    start = text.find(f"<{tag}>")
    end = text.find(f"</{tag}>", start + 1)
    if start < 0 or end < 0:
        return None
    return json.loads(text[start + len(tag) + 2:end])

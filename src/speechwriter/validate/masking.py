"""Placeholders left in a draft: a masked reply (脱敏) whose placeholder could not be read back.

A model that invents 〔数9〕, or mangles one beyond reading, leaves a mark no reader may see in a
speech. After unmasking, any placeholder-like mark in the text is an error at its place.
"""

from __future__ import annotations

from ..masking import Masker
from .checks import Finding, _Context

CHECK_NAME = "masking"


def check(ctx: _Context) -> list[Finding]:
    out: list[Finding] = []
    for section in ctx.draft.sections:
        body = section.body
        start = 0
        for mark in Masker.placeholders_in(body):
            i = body.find(mark, start)
            start = i + len(mark)
            out.append(Finding(code="M801", severity="error", section=section.id, span=(i, i + len(mark)),
                               excerpt=mark, message=f"稿件中留有无法还原的脱敏占位符「{mark}」（模型写出了未发送过的占位符）",
                               suggestion=f"把「{mark}」改为事实文件中的实际内容"))
    return out

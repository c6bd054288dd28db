"""Small builders for the review-family tests: a facts file and a draft from a few lines of text."""

from __future__ import annotations

from typing import Any

from speechwriter.blueprint import load_blueprint
from speechwriter.draft import Draft
from speechwriter.facts import Facts
from speechwriter.validate import Finding, ValidatorConfig, draft_from_text, validate

FAMILY = ["usage", "counts", "period", "claims"]


def facts(**meta: Any) -> Facts:
    """Facts with one highlight; ``meta`` adds to meta (period, date …); honours/organisations/items by key."""
    honours = meta.pop("honours", [])
    orgs = meta.pop("organisations", [])
    items = meta.pop("items", [{"statement": "开展走访活动"}])
    data = {"meta": {"title": "工作汇报", "speaker": {"role": "局长"}, "addressees": ["同志们"], **meta},
            "organisations": orgs, "highlights": [{"theme": "工作稳步推进", "items": items}], "honours": honours}
    return Facts.model_validate(data)


def draft(text: str) -> Draft:
    return draft_from_text(text, load_blueprint("work_report"))


def findings(text: str, f: Facts | None = None, checks: list[str] | None = None,
             config: ValidatorConfig | None = None) -> list[Finding]:
    d = draft(text)
    return validate(d, f or facts(), load_blueprint("work_report"), config, checks=checks or FAMILY).findings


def codes(text: str, f: Facts | None = None, **kw: Any) -> list[str]:
    return [x.code for x in findings(text, f, **kw)]


def applied(text: str, finding: Finding) -> str:
    """The speech with one finding's replacement applied as written (its section's body rebuilt)."""
    d = draft(text)
    section = d.section(finding.section or "")
    assert section is not None and finding.span is not None and finding.replacement is not None
    a, b = finding.span
    return section.body[:a] + finding.replacement + section.body[b:]

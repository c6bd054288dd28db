"""Organisations given on the command line (``--org union=市总工会,工会``) and finding them in text."""

from __future__ import annotations

import re
from dataclasses import dataclass

from ..errors import InputError
from ..facts import Organisation

__all__ = ["OrgMatcher", "parse_org_spec", "parse_org_specs"]

_SPEC = re.compile(r"^\s*([A-Za-z0-9_\-\u4e00-\u9fff]+)\s*=\s*(.+?)\s*$")
SUBJECT_WINDOW = 14  # an organisation named this close to a clause's start is its subject


def parse_org_spec(spec: str) -> Organisation:
    """``ID=名称[,简称][,别名…]`` → :class:`Organisation`; a bad spec is an :class:`InputError`."""
    m = _SPEC.match(spec or "")
    usage = "应写作 ID=名称[,简称]，如 union=市总工会,工会"
    if not m:
        raise InputError(f"--org「{spec}」格式不对：{usage}（ID 只能含字母、数字、汉字、下划线和连字符）")
    names = [n.strip() for n in re.split(r"[,，、]", m.group(2))]
    if not all(names):
        raise InputError(f"--org「{spec}」格式不对：名称不能为空，{usage}")
    return Organisation(id=m.group(1), name=names[0], short=names[1] if len(names) > 1 else None,
                        aliases=names[2:])


def parse_org_specs(specs: list[str] | None) -> list[Organisation]:
    """Every ``--org`` in order; ids must be unique."""
    out: list[Organisation] = []
    for spec in specs or []:
        org = parse_org_spec(spec)
        if any(o.id == org.id for o in out):
            raise InputError(f"--org 的 ID「{org.id}」重复")
        out.append(org)
    return out


@dataclass
class OrgMatcher:
    """Finds which organisation a clause is about, by the spellings given with ``--org``."""

    organisations: list[Organisation]

    def __post_init__(self) -> None:
        spellings = sorted({(sp, o.id) for o in self.organisations for sp in o.spellings},
                           key=lambda x: len(x[0]), reverse=True)
        self._owner = {sp: oid for sp, oid in spellings}
        self._pattern = re.compile("|".join(re.escape(sp) for sp, _ in spellings)) if spellings else None

    def subject(self, clause: str) -> str | None:
        """The organisation named at the start of ``clause`` (its grammatical subject), if any."""
        if self._pattern is None:
            return None
        m = self._pattern.search(clause, 0, SUBJECT_WINDOW + 12)
        if m is None or m.start() > SUBJECT_WINDOW:
            return None
        return self._owner[m.group()]

    def named_in(self, text: str) -> str | None:
        """The first organisation named anywhere in ``text`` (a file name, a title)."""
        if self._pattern is None:
            return None
        m = self._pattern.search(text)
        return self._owner[m.group()] if m else None

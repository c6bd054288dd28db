"""Fidelity beyond figures: firsts, superlatives, honours and influence claims that no fact holds.

Codes A901–A903 (warnings: a reviewer confirms them):

- A901 a claim (全国首支, 填补了空白, 位居全省第一, 被评为…, 影响不断扩大 …) that no statement, honour
  or name of the facts supports;
- A902 a sentence that speaks of 数字/数据 (这些数字表明 …) with no figure near it;
- A903 a claim the facts make for one organisation written under another's name.

A facts file that records no claim at all (no honours, no claim in its statements — e.g. a list
of figures for a speech not drafted with us) cannot tell an invented claim from an unrecorded one:
A901 is then given as 提示 (info), to be checked by the reader, not as a warning.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field

from ._review import Text, sentence_around, short, texts
from .checks import Finding, _Context

CHECK_NAME = "claims"

__all__ = ["CHECK_NAME", "check", "find_claims"]

_SCOPE = r"(?:全国|全省|全市|全区|全县|全州|全盟|国内|国际|世界|全球|同行业|行业|系统内|全系统)"
# Each kind: (label, pattern). The match is the claim as written; its "core" is what a fact must share.
_KINDS: list[tuple[str, re.Pattern[str]]] = [
    ("首创", re.compile(rf"{_SCOPE}(?:首[个家支批例座所条项次]|首创|率先)|首创|开创了?{_SCOPE}?先河")),
    ("排名", re.compile(rf"(?:{_SCOPE}|同类)(?:第一|领先|之最|前列|首位|榜首|一流)|(?:排名|位居|名列|位列|居)(?:{_SCOPE})?(?:第一|首位|榜首|前茅)"
                      r"|(?:处于|达到|走在)(?:{_SCOPE})?领先")),
    ("荣誉", re.compile(r"被(?:评为|授予|命名为|表彰为)|荣获|获评|喜获|摘得|获得了?[^，。；]{1,20}称号")),
    ("空白", re.compile(r"填补(?:了)?[^，。；]{0,8}空白")),
    ("影响", re.compile(r"(?:影响力?|知名度|美誉度|辐射力)(?:不断|日益|持续|进一步|显著)?(?:扩大|提升|增强|提高)")),
]
# What a fact must say to support a claim of each kind (获一等奖 supports 荣获; 领先地位 supports 处于领先).
_CORE = {"首创": re.compile(r"首[个家支批例座所条项次创]|率先|先河|第一"),
         "排名": re.compile(r"第一|领先|之最|前列|首位|榜首|一流|前茅|位居|排名"),
         "荣誉": re.compile(r"评为|授予|命名|表彰|获|奖|称号|荣誉"), "空白": re.compile(r"空白"),
         "影响": re.compile(r"影响|知名度|美誉度|辐射力")}


@dataclass(frozen=True)
class Claim:
    kind: str
    start: int
    end: int
    text: str


# A claim held as a goal is no claim: 对标国际一流, 争创全国第一, 力争走在全国前列, 首创性改革.
_GOAL = re.compile(r"(?:对标|争创|争当|争做|争先|力争|争取|努力|瞄准|打造|创建|创造|建设|迈向|向|朝着|推出|开展|鼓励|支持|更多)[^，。；]{0,4}$")


# Every claim holds one of these (searched first: a literal alternation is fast); the kinds are then
# matched in a window around each.
_ANCHOR = re.compile(r"首|率先|先河|第一|领先|之最|前列|首位|榜首|一流|前茅|评为|授予|命名为|表彰为|荣获|获评|喜获|摘得|称号|空白|"
                     r"扩大|提升|增强|提高")


def _claim_windows(text: str) -> list[tuple[int, int]]:
    spans: list[tuple[int, int]] = []
    for m in _ANCHOR.finditer(text):
        lo, hi = max(0, m.start() - 24), min(len(text), m.end() + 24)
        if spans and lo <= spans[-1][1]:
            spans[-1] = (spans[-1][0], hi)
        else:
            spans.append((lo, hi))
    return spans


def find_claims(text: str) -> list[Claim]:
    """Claims written in ``text``, in order, not overlapping (goals left out)."""
    found: list[Claim] = []
    taken: set[int] = set()
    windows = _claim_windows(text)
    for kind, pattern in _KINDS:
        for m in (m for lo, hi in windows for m in pattern.finditer(text, lo, hi)):
            if taken.intersection(range(m.start(), m.end())):
                continue
            if _GOAL.search(text, max(0, m.start() - 8), m.start()) or text.startswith("性", m.end()):
                continue
            found.append(Claim(kind, m.start(), m.end(), m.group()))
            taken.update(range(m.start(), m.end()))
    return sorted(found, key=lambda c: c.start)


def _grams(text: str) -> set[str]:
    text = re.sub(r"[^\u4e00-\u9fff]", "", text)
    return {text[i:i + 2] for i in range(len(text) - 1)}


@dataclass
class _Support:
    """The facts' own claims: each statement that makes one, with its organisation."""

    texts: list[tuple[str, str | None, set[str]]]
    names: list[tuple[str, str | None]]
    by_kind: dict[str, list[tuple[str, str | None, set[str]]]] = field(default_factory=dict)

    indexes: dict[str, dict[str, list[int]]] = field(default_factory=dict)

    def index(self, kind: str) -> dict[str, list[int]]:
        """Character pair → the places in :meth:`of_kind` of the texts holding it (shared pairs by lookup)."""
        if kind not in self.indexes:
            out: dict[str, list[int]] = {}
            for i, (_t, _o, grams) in enumerate(self.of_kind(kind)):
                for g in grams:
                    out.setdefault(g, []).append(i)
            self.indexes[kind] = out
        return self.indexes[kind]

    def of_kind(self, kind: str) -> list[tuple[str, str | None, set[str]]]:
        """The facts' texts that say something of ``kind`` (its core words): the only ones that can support it."""
        if kind not in self.by_kind:
            core = _CORE[kind]
            self.by_kind[kind] = [x for x in self.texts if core.search(x[0])]
        return self.by_kind[kind]

    @property
    def records_claims(self) -> bool:
        """The facts list honours: an honour or first they do not hold is then one they lack."""
        return bool(self.names)


def _support(ctx: _Context) -> _Support:
    facts = ctx.facts
    owned: list[tuple[str, str | None]] = [(i.statement, i.org) for h in facts.highlights for i in h.items]
    with_org = {t for t, _ in owned}
    owned += [(t, None) for t in facts.prose() if t not in with_org]
    names = [(n.text, n.org) for n in facts.honours] + [(n.text, n.org) for n in facts.names if n.kind == "honour"]
    return _Support([(t, org, _grams(t)) for t, org in owned], names)


def _supported_by(claim: Claim, sentence: str, support: _Support) -> list[str | None] | None:
    """The organisations of the facts that support ``claim`` in ``sentence`` (None: no support).

    A fact supports it when it names an honour written in the sentence, or says the claim's kind
    of thing (its core words) about what the sentence is about (shared character pairs).
    """
    orgs: list[str | None] = [org for name, org in support.names if name in sentence]
    candidates = support.of_kind(claim.kind)
    shared: Counter[int] = Counter()
    index = support.index(claim.kind)
    for g in _grams(sentence):
        shared.update(index.get(g, ()))
    for i, (text, org, tg) in enumerate(candidates):
        if claim.text in text or (tg and (shared[i] >= 3 or shared[i] / len(tg) >= 0.3)):
            orgs.append(org)
    return orgs or None


def _nearest_org(ctx: _Context, text: str, a: int, b: int) -> str | None:
    best, who = -1, None
    for o in ctx.facts.organisations:
        for sp in o.spellings:
            i = text.rfind(sp, a, b)
            if i > best:
                best, who = i, o.id
    return who


def _claims(ctx: _Context, t: Text, support: _Support) -> list[Finding]:
    out = []
    severity = "warning" if support.records_claims else "info"
    for c in find_claims(t.text):
        sa, sb = sentence_around(t.text, c.start, c.end)
        sentence = t.text[sa:sb]
        orgs = _supported_by(c, sentence, support)
        if orgs is None:
            out.append(Finding(code="A901", severity=severity, section=t.sid, span=t.span(c.start, c.end),
                               excerpt=c.text,
                               message=f"「{c.text}」（{c.kind}）在事实文件中找不到依据：{short(sentence.strip(), 40)}",
                               suggestion=f"删去「{c.text}」，或在事实文件中写明出处后再用"))
            continue
        said = _nearest_org(ctx, t.text, sa, c.start)
        owners = {o for o in orgs if o}
        if said and owners and said not in owners and None not in orgs:
            real = "、".join(o.short_name for o in ctx.facts.organisations if o.id in owners)
            who = ctx.facts.org(said)
            out.append(Finding(code="A903", severity="warning", section=t.sid, span=t.span(c.start, c.end),
                               excerpt=c.text,
                               message=f"「{c.text}」在事实中属于{real}，稿中写在{who.short_name if who else said}名下",
                               suggestion=f"把「{c.text}」写到{real}的事项中"))
    return out


_DATA_TALK = re.compile(r"(?:这些|这组|一组组?|一串串?|一个个|上述|以上)(?:数字|数据)|(?:数字|数据)(?:表明|说明|显示|证明|印证|背后)")


def _data_talk_matches(text: str) -> list[re.Match[str]]:
    out: list[re.Match[str]] = []
    for a in re.finditer("数字|数据", text):
        m = _DATA_TALK.search(text, max(0, a.start() - 3), a.end() + 2)
        if m and (not out or m.start() >= out[-1].end()):
            out.append(m)
    return out


def _data_talk(ctx: _Context, t: Text) -> list[Finding]:
    out = []
    mentions = [] if t.heading else [m for m in ctx.mentions.get(t.sid, []) if not m.weak]
    for m in _data_talk_matches(t.text):
        a = t.text.rfind("\n", 0, m.start()) + 1
        lo = max(a, m.start() - 150)
        end = t.text.find("\n", m.end())
        hi = min(len(t.text) if end < 0 else end, m.end() + 80)
        if any(lo <= q.start < hi for q in mentions):
            continue
        out.append(Finding(code="A902", severity="warning", section=t.sid, span=t.span(*m.span()), excerpt=m.group(),
                           message=f"说到「{m.group()}」，附近却没有任何数字",
                           suggestion=f"写出所指的数字，或删去「{m.group()}」的说法"))
    return out


def check(ctx: _Context) -> list[Finding]:
    """Claims the facts do not hold, data talk without data, claims under the wrong organisation."""
    support = ctx.facts.memo("claims.support", lambda: _support(ctx))
    out: list[Finding] = []
    for t in texts(ctx):
        out += _claims(ctx, t, support)
        out += _data_talk(ctx, t)
    return out

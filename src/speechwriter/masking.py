"""Masking (脱敏): a cloud model never sees the figures, people, organisations and places the facts declare.

Before a request leaves, every declared value of the chosen kinds is replaced by a stable placeholder
a model can write around — 〔数1〕, 〔单位2〕, 〔人名1〕, 〔地名1〕 — in the *data* of every message: the JSON
strings of its data blocks (:mod:`speechwriter.datablock`: facts, sources, exemplars, the sections
already written, the draft under review) and the assistant turns (a reply, the text being repaired).
The instructions around the blocks are never touched, so a masked request says what an unmasked one
says, word for word. The reply is unmasked locally before anything else reads it, so every check runs on
the real text. A placeholder the model mangled (〔数 1〕, [数1]) is still read back; one it invented, or
one of a required figure it dropped, becomes a problem of its own.

What is masked is what the facts *declare*: the figures' raw forms (and the parts of compound ones),
the organisations' names, short names and aliases, the speaker's and addressees' names, and the place
names that open an organisation's name or the title (**市, 青禾县, 海拉尔区) wherever they occur. Free text of the facts
(statements, measures) still goes out around the placeholders; a number the facts state without declaring
it as a figure is not masked.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import cache
from typing import TYPE_CHECKING, Any

from .datablock import map_block_strings, outside_blocks

if TYPE_CHECKING:
    from .facts.model import Facts

__all__ = ["MASK_KINDS", "MaskProblem", "Masker", "data_text", "instruction_words", "leading_place"]

MASK_KINDS = ("figures", "people", "organisations", "places")
_LABEL = {"figures": "数", "organisations": "单位", "people": "人名", "places": "地名"}
_KIND_OF = {v: k for k, v in _LABEL.items()}
# What a model may make of 〔数12〕: other brackets, spaces, a full-width digit.
_PLACEHOLDER = re.compile(r"[〔\[【［(（]\s*(数|单位|人名|地名)\s*([0-9０-９]+)\s*[〕\]】］)）]")
# A place name at the start of an organisation's name or the title: **市总工会, 青禾县农业农村局, 海拉尔区人民政府.
_PLACE = re.compile(r"^(?:在|关于|对|于)?+(?P<place>(?:\*\*|[\u4e00-\u9fff]{2,5}?)(?:自治州|自治县|省|市|县|区|镇|乡|街道))")


@dataclass(frozen=True)
class MaskProblem:
    """A placeholder the model wrote that was never sent (its value cannot be known)."""

    kind: str  # invented
    placeholder: str

    @property
    def message(self) -> str:
        return f"模型写出了未发送过的占位符「{self.placeholder}」，已原样保留，请核对此处"


@dataclass
class Masker:
    """A two-way map between declared values and placeholders, fixed for one facts file."""

    kinds: tuple[str, ...]
    forward: dict[str, str] = field(default_factory=dict)  # value -> placeholder
    backward: dict[str, str] = field(default_factory=dict)  # placeholder -> value
    problems: list[MaskProblem] = field(default_factory=list)

    @classmethod
    def from_facts(cls, facts: Facts, kinds: Iterable[str]) -> Masker:
        """The masker for ``facts``; ``kinds`` from :data:`MASK_KINDS`."""
        chosen = tuple(k for k in MASK_KINDS if k in set(kinds))
        masker = cls(chosen)
        for kind, value, required in _declared(facts, chosen):
            masker._add(kind, value, required)
        return masker

    @classmethod
    def from_values(cls, kinds: Iterable[str], values: Iterable[tuple[str, str]]) -> Masker:
        """A masker for ``(kind, value)`` pairs found elsewhere than in a facts file (``facts extract``'s
        sources); pairs of a kind not in ``kinds`` are left out, numbering follows the order given."""
        chosen = tuple(k for k in MASK_KINDS if k in set(kinds))
        masker = cls(chosen)
        for kind, value in values:
            if kind in chosen:
                masker._add(kind, value, False)
        return masker

    def _add(self, kind: str, value: str, required: bool) -> None:
        value = value.strip()
        if len(value) < 2 or value in self.forward:
            return
        n = sum(1 for p in self.backward if p.startswith(f"〔{_LABEL[kind]}")) + 1
        placeholder = f"〔{_LABEL[kind]}{n}〕"
        self.forward[value] = placeholder
        self.backward[placeholder] = value

    @property
    def active(self) -> bool:
        return bool(self.forward)

    def mask(self, text: str) -> str:
        """``text`` with every declared value replaced, longest first (so 1500余万元 goes before 1500)."""
        if not self.forward:
            return text
        pattern = self._pattern()
        return pattern.sub(lambda m: self.forward[m.group(0)], text)

    def mask_data(self, text: str) -> str:
        """``text`` with declared values replaced only inside its data blocks' JSON strings.

        Everything outside the blocks — the instructions, the blueprint's wording, length targets,
        section numbers — and the blocks' keys and numbers stay byte for byte as they were, so a
        value that is also an instruction word (a year, 第2部分) is masked only where it is data.
        """
        if not self.forward:
            return text
        return map_block_strings(text, self.mask)

    def mask_message(self, message: dict[str, Any]) -> dict[str, Any]:
        """One message masked: an assistant turn (a reply, the draft being repaired) is data as a
        whole; a system or user turn only inside its data blocks."""
        content = message["content"]
        masked = self.mask(content) if message.get("role") == "assistant" else self.mask_data(content)
        return {**message, "content": masked}

    def mask_messages(self, messages: list[Any]) -> list[Any]:
        """Every message masked by :meth:`mask_message`."""
        return [self.mask_message(m) for m in messages]

    def data_leaks(self, messages: list[Any]) -> list[str]:
        """Declared values still in the data of ``messages`` (assistant turns, data blocks' strings):
        empty whenever ``messages`` went through :meth:`mask_messages`."""
        return self.leaks("\n".join(data_text(m) for m in messages))

    def exposed(self, messages: list[Any]) -> list[str]:
        """Declared values that :meth:`mask_messages` leaves in ``messages``: outside every data block
        of a system or user turn. A template that prints a fact outside its blocks shows up here."""
        outside = [outside_blocks(m["content"]) for m in messages if m.get("role") != "assistant"]
        return self.leaks("\n".join(outside))

    def unmask(self, text: str) -> str:
        """The reply with placeholders read back (mangled forms too).

        A placeholder that was never sent stays as it is and is recorded in :attr:`problems`; a
        dropped one needs no record here: the figure and name checks find what the unmasked draft
        lacks, and name the real values.
        """
        def put_back(m: re.Match[str]) -> str:
            placeholder = f"〔{m.group(1)}{int(m.group(2).translate(_FULL_DIGITS))}〕"
            value = self.backward.get(placeholder)
            if value is None:
                self.problems.append(MaskProblem("invented", m.group(0)))
                return m.group(0)
            return value

        return _PLACEHOLDER.sub(put_back, text)

    @staticmethod
    def placeholders_in(text: str) -> list[str]:
        """Every placeholder-like mark left in ``text`` (after unmasking: invented or broken ones, 〔数 cut short)."""
        return [m.group(0) for m in _LEFTOVER.finditer(text)]

    def leaks(self, text: str) -> list[str]:
        """Declared values still present in ``text`` (for tests and for ``runs show --requests``)."""
        # A placeholder's own number is not a value: 〔数45〕 holds no leaked 「45」.
        text = _SENT_PLACEHOLDER.sub("\n", text)
        return [v for v in self.forward if v in text]

    def _pattern(self) -> re.Pattern[str]:
        cached: re.Pattern[str] | None = getattr(self, "_compiled", None)
        if cached is None or getattr(self, "_compiled_for", 0) != len(self.forward):
            cached = re.compile("|".join(re.escape(v) for v in sorted(self.forward, key=len, reverse=True)))
            object.__setattr__(self, "_compiled", cached)
            object.__setattr__(self, "_compiled_for", len(self.forward))
        return cached


# After unmasking, what is left of a placeholder: whole, or cut (〔数 without its number or bracket).
_LEFTOVER = re.compile(r"〔(?:数|单位|人名|地名)[0-9０-９]*〕?|[\[【［(（](?:数|单位|人名|地名)\s*[0-9０-９]+\s*[〕\]】］)）]")
_SENT_PLACEHOLDER = re.compile(r"〔(?:数|单位|人名|地名)[0-9]+〕")
_FULL_DIGITS = str.maketrans("０１２３４５６７８９", "0123456789")


@cache
def instruction_words() -> str:
    """The text of the built-in templates, blueprints and styles: the words a prompt's own
    instructions are made of. A declared value found among them in a request's instructions is a
    word of the prompt (只说一次), not a fact a template printed outside the data."""
    from .resources import builtin_prompts_dir

    return "\n".join(p.read_text(encoding="utf-8") for p in sorted(builtin_prompts_dir().rglob("*"))
                     if p.is_file() and p.suffix in (".j2", ".yaml", ".txt"))


def data_text(message: dict[str, Any]) -> str:
    """The data of one message, as text: an assistant turn whole, else its data blocks' strings."""
    if message.get("role") == "assistant":
        return str(message["content"])
    found: list[str] = []

    def keep(value: str) -> str:
        found.append(value)
        return value

    map_block_strings(str(message["content"]), keep)
    return "\n".join(found)


def _declared(facts: Facts, kinds: tuple[str, ...]) -> list[tuple[str, str, bool]]:
    """(kind, value, required) for every value the facts declare, in a stable order."""
    out: list[tuple[str, str, bool]] = []
    if "organisations" in kinds:
        for org in facts.organisations:
            out += [("organisations", name, True) for name in org.spellings]
    if "people" in kinds:
        speaker = facts.meta.speaker
        name = getattr(speaker, "name", None) if speaker is not None else None
        if name:
            out.append(("people", name, True))
        for who in facts.meta.addressees or []:
            person = _person_in(who)
            if person:
                out.append(("people", person, True))
    if "places" in kinds:
        for text in [facts.meta.title, *(name for o in facts.organisations for name in o.spellings)]:
            place = leading_place(text)
            if place:
                out.append(("places", place, False))
    if "figures" in kinds:
        for ref in facts.figure_refs():
            out.append(("figures", ref.figure.raw, ref.figure.required))
    return out


def leading_place(text: str) -> str | None:
    """The place name that opens an organisation's name or a title (青禾县农业农村局 → 青禾县), if any."""
    m = _PLACE.match(text)
    if m and not m.group("place").startswith(("全", "本", "我", "各", "该")):
        return m.group("place")
    return None


def _person_in(addressee: str) -> str | None:
    """光源主席 → 光源主席 (a name with a title); 同志们, 各位代表 → None (no person)."""
    if re.search(r"同志|代表|委员|来宾|朋友|领导|嘉宾|各位", addressee):
        return None
    return addressee if len(addressee) >= 3 else None

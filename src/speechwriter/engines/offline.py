"""The offline composer: a rule-based engine that needs no LLM.

It reads the same prompt an LLM gets, takes the ``<section>`` and ``<facts>`` data blocks out of
it, and writes the section from phrase banks (``prompts/offline/phrases.yaml``). Phrasing is
chosen by a random generator seeded with the section's data, so one facts file always gives the
same speech and different files read differently. It states every required figure exactly as
written, names every organisation and every must-appear name, and numbers points as the
blueprint says. It never writes a number of its own.
"""

from __future__ import annotations

import functools
import hashlib
import json
import random
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from ..blueprint import cn_ordinal
from ..datablock import parse_data_block
from .base import Completion, Engine, EngineError, Message, Request

_END = "。；，、：！？ "


def _sentence(text: str) -> str:
    """End a clause as a sentence (exactly one 。)."""
    text = text.strip().rstrip(_END)
    return text + "。" if text else ""


def _clause(text: str) -> str:
    return text.strip().rstrip(_END)


def _quote(name: dict[str, Any]) -> str:
    return f"“{name['text']}”" if name.get("quoted", True) else name["text"]


@functools.lru_cache(maxsize=16)
def _load_phrases(path: str, mtime_ns: int) -> dict[str, Any]:
    """Parse a phrase bank once per file version (the C loader; evals build many composers)."""
    import yaml

    text = Path(path).read_text(encoding="utf-8")
    return yaml.load(text, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader)) or {}


class OfflineComposer(Engine):
    """Deterministic, rule-based drafting. Honest about what it is: ``rule_based = True``."""

    name = "offline"
    rule_based = True

    @property
    def model_name(self) -> str:
        return "rule-based"

    def __init__(self, phrases: dict[str, Any]) -> None:
        self.phrases = phrases

    @classmethod
    def from_prompts(cls, prompts_dirs: Iterable[str | Path] | None = None) -> OfflineComposer:
        """Load the phrase bank from the first prompts folder that has one."""
        from ..resources import builtin_prompts_dir

        for folder in [*(Path(d) for d in prompts_dirs or []), builtin_prompts_dir()]:
            path = folder / "offline" / "phrases.yaml"
            if path.is_file():
                return cls(_load_phrases(str(path), path.stat().st_mtime_ns))
        raise EngineError("找不到离线撰稿器的措辞库 offline/phrases.yaml")

    # --- Engine interface -----------------------------------------------------------------

    def complete(self, messages: list[Message], request: Request | None = None) -> Completion:
        user = next((m["content"] for m in reversed(messages) if m["role"] == "user"
                     and "<section>" in m["content"]), "")
        try:
            section = parse_data_block(user, "section")
            facts = parse_data_block(user, "facts")
        except json.JSONDecodeError as exc:
            raise EngineError(f"离线撰稿器无法读取提示词中的数据块：{exc.msg}") from None
        if section is None or facts is None:
            raise EngineError("离线撰稿器需要提示词中的 <section> 和 <facts> 数据块，"
                              "自定义模板请保留 {{ section_block }} 与 {{ facts_block }}")
        text = self.compose(section, facts)
        return Completion(text=text, model=self.model_name,
                          usage={"prompt_chars": sum(len(m["content"]) for m in messages),
                                 "completion_chars": len(text)})

    # --- composition ----------------------------------------------------------------------

    def compose(self, section: dict[str, Any], facts: dict[str, Any]) -> str:
        """Write one section body from its spec and facts slice."""
        seed = hashlib.sha256(json.dumps([section, facts], ensure_ascii=False, sort_keys=True)
                              .encode()).digest()
        writer = _Writer(self.phrases, random.Random(seed), section, facts)
        role = section.get("role", "body")
        method = getattr(writer, f"write_{role}", writer.write_body)
        paragraphs = [p for p in method() if p]
        return "\n\n".join(paragraphs)


class _Writer:
    """Composes one section; holds the seeded choice so phrasing is reproducible."""

    def __init__(self, phrases: dict[str, Any], rng: random.Random, section: dict[str, Any],
                 facts: dict[str, Any]) -> None:
        self.phrases = phrases
        self.rng = rng
        self.section = section
        self.facts = facts
        self.meta = facts.get("meta", {})
        self.genre = section.get("genre", "work_report")
        self.markers: list[str] = section.get("markers") or []

    def pick(self, key: str, **fields: str) -> str:
        options = self.phrases.get(key, [""])
        if isinstance(options, dict):
            options = options.get(self.genre) or options.get("default") or next(iter(options.values()))
        return self.rng.choice(options).format(**fields)

    def marker(self, n: int) -> str:
        return self.markers[n] if n < len(self.markers) else ""

    @property
    def period(self) -> str:
        return self.meta.get("period") or "近年来"

    # roles ------------------------------------------------------------------------------

    def write_salutation(self) -> list[str]:
        return [self.meta.get("salutation_line", "同志们：")]

    def write_opening(self) -> list[str]:
        occasion = self.meta.get("occasion") or ""
        body = [_sentence(t) for t in self.facts.get("opening") or []]
        # The occasion line only when the facts say nothing of their own, or for a meeting
        # speech, whose opening lead ends in a comma and runs into the first sentence.
        wants_lead = (occasion or self.genre in ("duty_report", "annual_summary")) and (
            not body or self.genre == "leader_speech")
        lead = self.pick("opening_lead", occasion=occasion, period=self.period) if wants_lead else ""
        if self.facts.get("summary"):  # only present when the blueprint feeds it here
            body.append(_sentence(self.facts["summary"]))
        if not body:
            body = [self.pick("opening_default")]
        if lead.endswith("，"):
            return [lead + "".join(body)]
        return [p for p in (lead, "".join(body)) if p]

    def write_achievements(self) -> list[str]:
        highlights = self.facts.get("highlights") or []
        count = cn_ordinal(len(highlights)) if highlights else ""
        summary = self.facts.get("summary")
        if summary:
            intro = self.pick("achievements_intro", period=self.period, summary=_clause(summary),
                              count=count)
        else:
            intro = self.pick("achievements_intro_plain", period=self.period, count=count)
        paragraphs = [intro]
        for n, hl in enumerate(highlights):
            paragraphs.append(self._highlight(n, hl))
        paragraphs.extend(self._missing_names("\n".join(paragraphs)))
        return paragraphs

    def _highlight(self, n: int, hl: dict[str, Any]) -> str:
        marker = self.marker(n)
        theme = _clause(hl["theme"])
        head = f"{marker}{theme}。" if marker else f"{theme}。"
        parts = [head]
        if hl.get("lead"):
            parts.append(_sentence(hl["lead"]))
        clauses = []
        previous_org = None
        for item in hl.get("items", []):
            statement = _clause(item["statement"])
            org = item.get("org_name")
            # Name the organisation once when the statement does not, not on every item.
            if org and org not in statement and org != previous_org:
                statement = self.pick("item_org_prefix", org=org) + statement
            previous_org = org
            clauses.append(statement)
        if clauses:
            # One sentence reads best for short items; long runs split so each can be read aloud.
            joined = "；".join(clauses)
            parts.append((joined if len(joined) <= 100 else "。".join(clauses)) + "。")
        return "".join(parts)

    def _missing_names(self, text: str) -> list[str]:
        """Every required name the paragraphs so far do not contain, in one or two sentences."""
        def missing(key: str) -> list[dict[str, Any]]:
            # A name some other section states (it sits in the facts' own text) is left to it.
            return [n for n in self.facts.get(key) or [] if n.get("required", True)
                    and not n.get("stated_elsewhere") and n["text"] not in text]

        names, honours = missing("names"), missing("honours")
        out = []
        if names:
            out.append(self.pick("names_sentence", names="、".join(_quote(n) for n in names)
                                 if not all(n.get("quoted", True) for n in names)
                                 else "".join(_quote(n) for n in names)))
        if honours:
            out.append(self.pick("honours_sentence", honours="、".join(_quote(n) for n in honours)))
        return ["".join(out)] if out else []

    def write_assessment(self) -> list[str]:
        shortcomings = [_clause(s) for s in self.facts.get("shortcomings") or []]
        paragraphs = []
        summing = self.facts.get("summing_up")
        if summing:
            paragraphs.append(self.pick("assessment_summing", summing_up=_clause(summing)))
        if self.section.get("enumerator", "none") == "none":
            turn = self.pick("assessment_turn")
            tail = self.pick("assessment_list_tail", items="，".join(shortcomings))
            text = turn + tail
            if paragraphs:
                paragraphs[0] += text
            else:
                paragraphs.append(text)
        else:
            listed = "；".join(f"{self.marker(i)}，{s}" if self.marker(i).startswith(("第", "首", "其",
                                                                                  "再", "最"))
                              else f"{self.marker(i)}{s}" for i, s in enumerate(shortcomings))
            paragraphs.append(self.pick("assessment_enumerated") + listed + "。")
            paragraphs.append(self.pick("assessment_close"))
        return paragraphs

    def write_situation(self) -> list[str]:
        context = "".join(_sentence(c) for c in self.facts.get("context") or [])
        shortcomings = [_clause(s) for s in self.facts.get("shortcomings") or []]
        listed = "".join(f"{self.marker(i)}，{s}。" for i, s in enumerate(shortcomings))
        paragraphs = [self.pick("situation_turn") + listed]
        if context:
            paragraphs.append(context + self.pick("situation_close"))
        else:
            paragraphs[0] += self.pick("situation_close")
        return paragraphs

    def write_plans(self) -> list[str]:
        plans = self.facts.get("plans") or []
        count = cn_ordinal(len(plans)) if plans else ""
        context = "".join(_sentence(c) for c in self.facts.get("context") or [])
        paragraphs = [context + self.pick("plans_intro", count=count)]
        for n, plan in enumerate(plans):
            marker = self.marker(n)
            head = f"{marker}{_clause(plan['theme'])}。"
            measures = [_clause(m) for m in plan.get("measures") or []]
            body = ""
            if measures:
                lead = self.pick("plans_measure_lead")
                body = lead + "，".join(measures) + "。"
                if measures[0].startswith("要"):
                    body = "，".join(measures) + "。"
            paragraphs.append(head + body)
        return paragraphs

    def write_closing(self) -> list[str]:
        closing = self.facts.get("closing") or {}
        wishes = [_clause(w) for w in closing.get("wishes") or []]
        requests = [_clause(r) for r in closing.get("requests") or []]
        paragraphs = []
        if wishes:
            lead = self.pick("closing_wish_lead")
            end = "！" if self.genre == "leader_speech" else "。"
            paragraphs.append(lead + "。".join(wishes) + end)
        for r in requests:
            paragraphs.append(self.pick("closing_request_lead") + r + "。")
        if not paragraphs or self.genre == "leader_speech":
            paragraphs.append(self.pick("closing_default"))
        return paragraphs

    def write_body(self) -> list[str]:
        return [_sentence(str(v)) for v in self.facts.values() if isinstance(v, str)]

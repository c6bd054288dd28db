"""脱敏 changes the data of a request, never its instructions.

Each test sends the same work twice to a capturing server on 127.0.0.1 — once masked, once not —
and compares the request bodies the server received: outside the data blocks every system and
user message is byte-identical; inside, no declared value is left; the masked data unmasked is the
unmasked data; and the saved draft holds no placeholder.
"""

from __future__ import annotations

import json
import re
from collections import defaultdict
from pathlib import Path
from typing import Any

from speechwriter import load_facts
from speechwriter.config import Profile, Settings
from speechwriter.datablock import block_spans, map_block_strings, outside_blocks
from speechwriter.masking import MASK_KINDS, Masker
from speechwriter.prompts import PromptLibrary
from speechwriter.testing.fakeserver import FakeLLMServer, Step
from speechwriter.workspace import Workspace

from .conftest import REFERENCE_FACTS, SECRET_KEY, kind_of, section_of
from .test_extract_llm import good_reply, run, source_of
from .test_extract_structured import masked_reply, union_masker
from .test_masking import INSTRUCTIONS, placeholder_brain

PLACEHOLDER = re.compile(r"〔(数|单位|人名|地名)\d+〕")
DROPPED = "1500余万元"  # the figure the scripted model leaves out once, so that a repair round is asked


def _workspace(folder: Path, server: FakeLLMServer, mask: list[str]) -> Workspace:
    profile = Profile(name="cloud", base_url=server.base_url, model="fake-model", api_key=SECRET_KEY,
                      backoff_base=0.01, mask=mask)
    return Workspace(folder, settings=Settings(profiles={"cloud": profile}, default_profile="cloud"))


def _data_is_masked(request: dict) -> bool:
    return any(PLACEHOLDER.search(m["content"][s.start:s.end]) for m in request["messages"]
               for s in block_spans(m["content"]))


def _scripted(reference: Any, masker: Masker):
    """A model that writes each section as ``reference`` has it — masked when the data it was sent is
    masked — leaving DROPPED out of its first achievements reply, and repairing by writing it whole."""
    bodies = {s.id: s.body for s in reference.sections}
    first: set[Any] = set()

    def respond(request: dict) -> Step:
        masked = _data_is_masked(request)
        if kind_of(request) == "judge":
            if ("judge", masked) not in first:  # an answer that does not parse: the judge is asked again
                first.add(("judge", masked))
                return Step(reply="这篇讲话写得不错。")
            return Step(reply=json.dumps({"scores": [{"criterion": "逻辑清晰", "score": 4, "reason": "层次分明"}]},
                                         ensure_ascii=False))
        text = bodies.get(section_of(request), "")
        if section_of(request) == "achievements" and kind_of(request) == "generate" and masked not in first:
            first.add(masked)
            text = text.replace(DROPPED, "一批资金")
        return Step(reply=masker.mask(text) if masked else text)

    return respond


def _paired(plain: list[dict], masked: list[dict]) -> list[tuple[dict, dict]]:
    """The requests of two runs matched by what they were for (kind, section, n-th of those)."""
    def keyed(requests: list[dict]) -> dict[tuple[str, str, int], dict]:
        seen: dict[tuple[str, str], int] = defaultdict(int)
        out = {}
        for r in requests:
            k = (kind_of(r), section_of(r))
            out[(*k, seen[k])] = r
            seen[k] += 1
        return out

    a, b = keyed(plain), keyed(masked)
    assert a.keys() == b.keys(), (sorted(a), sorted(b))
    return [(a[k], b[k]) for k in sorted(a)]


def _assert_only_data_differs(pairs: list[tuple[dict, dict]], masker: Masker) -> None:
    for plain, masked in pairs:
        assert len(plain["messages"]) == len(masked["messages"])
        for p, m in zip(plain["messages"], masked["messages"], strict=True):
            assert p["role"] == m["role"]
            if m["role"] == "assistant":  # a reply sent back (the text under repair): data as a whole
                assert masker.leaks(m["content"]) == [] and masker.unmask(m["content"]) == p["content"]
                continue
            # the instructions: byte for byte the same
            assert outside_blocks(m["content"]) == outside_blocks(p["content"]), (kind_of(plain), section_of(plain))
            # the data: every declared value gone, and put back it is the unmasked data
            assert masker.data_leaks([m]) == []
            assert map_block_strings(m["content"], masker.unmask) == p["content"]
        # no fact is printed into the instructions (what is there is the templates' own wording)
        assert [v for v in masker.exposed(masked["messages"]) if v not in INSTRUCTIONS] == []


def test_draft_and_repair_send_the_same_instructions_masked_or_not(tmp_path: Path) -> None:
    facts = load_facts(REFERENCE_FACTS)
    masker = Masker.from_facts(facts, MASK_KINDS)
    reference = Workspace(tmp_path / "ref").draft(facts, record=False, use_cache=False).draft
    runs = {}
    for name, mask in (("plain", []), ("masked", list(MASK_KINDS))):
        with FakeLLMServer(_scripted(reference, masker)) as server:
            result = _workspace(tmp_path / name, server, mask).draft(facts, use_cache=False)
            runs[name] = (result, list(server.requests))
    pairs = _paired(runs["plain"][1], runs["masked"][1])
    kinds = {kind_of(p) for p, _ in pairs}
    assert {"generate", "repair"} <= kinds, kinds
    assert any(_data_is_masked(m) for _, m in pairs)
    _assert_only_data_differs(pairs, masker)
    # the instructions still say what they said with a declared 「一次」 (只说一次): only the data changed
    assert "一次" in masker.forward
    closing = next(m for p, m in pairs if section_of(p) == "closing" and kind_of(p) == "generate")
    assert "只说一次" in outside_blocks(closing["messages"][1]["content"])
    # the draft is written from the unmasked replies: the same draft, no placeholder saved
    plain, masked = runs["plain"][0], runs["masked"][0]
    assert [s.body for s in masked.draft.sections] == [s.body for s in plain.draft.sections]
    saved = masked.draft.to_text() + json.dumps(masked.draft.to_json(), ensure_ascii=False)
    assert not PLACEHOLDER.search(saved)


def test_eval_drafting_and_judging_send_the_same_instructions_masked_or_not(tmp_path: Path, monkeypatch) -> None:
    from speechwriter.evals.suite import RunOptions, Variant, load_suite, run_suite

    facts = load_facts(REFERENCE_FACTS)
    masker = Masker.from_facts(facts, MASK_KINDS)
    reference = Workspace(tmp_path / "ref").draft(facts, record=False, use_cache=False).draft
    suite = tmp_path / "s.yaml"
    suite.write_text(f"name: masking\ndefaults:\n  assertions:\n    judge: {{criteria: [逻辑清晰], min_score: 3}}\n"
                     f"cases:\n  - id: gqf\n    facts: {REFERENCE_FACTS}\n", encoding="utf-8")
    sent = {}
    for name, mask in (("plain", ()), ("masked", MASK_KINDS)):
        folder = tmp_path / name
        folder.mkdir()
        monkeypatch.chdir(folder)
        with FakeLLMServer(_scripted(reference, masker)) as server:
            (folder / "speechwriter.toml").write_text(
                f'[profiles.cloud]\nbase_url = "{server.base_url}"\nmodel = "fake-model"\napi_key = "{SECRET_KEY}"\n'
                f"backoff_base = 0.01\n", encoding="utf-8")
            result = run_suite(load_suite(suite), [Variant(engine="openai", profile="cloud", mask=tuple(mask))],
                               RunOptions(workdir=folder, use_cache=False))
            assert result.results[0].error is None, result.results[0].error
            sent[name] = list(server.requests)
    pairs = _paired(sent["plain"], sent["masked"])
    assert {"generate", "repair", "judge"} <= {kind_of(p) for p, _ in pairs}
    assert len([p for p, _ in pairs if kind_of(p) == "judge"]) == 2  # the re-ask is compared too
    _assert_only_data_differs(pairs, masker)


def test_facts_extract_sends_the_same_instructions_masked_or_not(tmp_path: Path) -> None:
    masker = union_masker()

    def respond(request: dict) -> Step:
        masked = PLACEHOLDER.search(json.dumps(source_of(request), ensure_ascii=False))
        return Step(reply=json.dumps(masked_reply(request) if masked else good_reply(request), ensure_ascii=False))

    sent = {}
    for name, mask in (("plain", ()), ("masked", ("figures", "organisations", "places", "people"))):
        with FakeLLMServer(respond) as server:
            result = run(server, tmp_path / name, mask=mask)
            sent[name] = list(server.requests)
        assert not PLACEHOLDER.search(result.text)  # the facts file written is the real text
    [(plain, masked)] = list(zip(sent["plain"], sent["masked"], strict=True))
    for p, m in zip(plain["messages"], masked["messages"], strict=True):
        assert outside_blocks(m["content"]) == outside_blocks(p["content"])
        assert masker.data_leaks([m]) == []
    assert json.dumps(source_of(plain), ensure_ascii=False) != json.dumps(source_of(masked), ensure_ascii=False)
    assert {"12场", "186万元", "市总工会"} <= set(masker.forward)
    assert json.dumps(plain["response_format"], ensure_ascii=False) == json.dumps(masked["response_format"],
                                                                                ensure_ascii=False)


# --- a value that is both an instruction word and data is masked only as data ----------------------

def test_a_value_that_is_also_an_instruction_word_is_masked_only_in_the_data() -> None:
    facts = load_facts(REFERENCE_FACTS)
    library = PromptLibrary()
    blueprint = library.blueprint(facts.meta.genre)
    section = next(s for s in blueprint.sections if s.role == "achievements")
    prompt = library.render(facts, blueprint, section)
    budget = prompt.payload["section"]["budget_chars"]
    # each of these is a word of the instructions (a length target 「不超过约 N 字」, rule 10, the gap
    # marker's 150, 「只说一次」, the common word 工作) and, as a declared value, also data
    values = [("figures", str(budget)), ("figures", "10"), ("figures", "150"), ("figures", "一次"),
              ("places", "工作")]
    masker = Masker.from_values(MASK_KINDS, values)
    instructions = "".join(outside_blocks(m["content"]) for m in prompt.messages)
    data = "".join(m["content"][s.start:s.end] for m in prompt.messages for s in block_spans(m["content"]))
    for _, value in values:
        assert value in instructions and value in data, value
    masked = masker.mask_messages(prompt.messages)
    for before, after in zip(prompt.messages, masked, strict=True):
        assert outside_blocks(after["content"]) == outside_blocks(before["content"])
    assert masker.data_leaks(masked) == []
    user = masked[1]["content"]
    assert f"不超过约 {budget} 字" in user and "只说一次" not in data  # the instruction is as it was
    # the blocks are still JSON, and a number in them is still the number (only strings are data)
    section_data = json.loads(next(user[s.start:s.end] for s in block_spans(user) if s.tag == "section"))
    assert section_data["budget_chars"] == budget
    assert PLACEHOLDER.search(json.dumps(section_data, ensure_ascii=False)) or "工作" not in json.dumps(
        prompt.payload["section"], ensure_ascii=False)
    # a one-character value (「2」 as in 第2部分) is never a masked value at all
    assert Masker.from_values(MASK_KINDS, [("figures", "2")]).forward == {}


def test_a_placeholders_own_number_is_not_taken_for_a_leaked_value() -> None:
    values = [("figures", f"{n}个") for n in range(1, 46)] + [("figures", "45")]
    masker = Masker.from_values(MASK_KINDS, values)
    masked = masker.mask("新建45个站点，另有45处")
    assert "〔数45〕" in masked and masker.leaks(masked) == []
    assert masker.leaks(masked + "，45") == ["45"]


def test_a_template_that_prints_a_fact_outside_the_blocks_is_warned_about(tmp_path: Path) -> None:
    """Masking no longer rewrites the instructions, so a user's template that writes the speaker's name
    into them sends it as is: the run says so (once), naming the value."""
    facts = load_facts(REFERENCE_FACTS)
    masker = Masker.from_facts(facts, MASK_KINDS)
    mine = tmp_path / "mine" / "common"
    mine.mkdir(parents=True)
    builtin = (Path(__file__).resolve().parent.parent / "prompts" / "common" / "system.j2").read_text(encoding="utf-8")
    (mine / "system.j2").write_text("称呼对象：{{ meta.addressees | join('、') }}。\n" + builtin, encoding="utf-8")
    with FakeLLMServer(placeholder_brain()) as server:
        ws = _workspace(tmp_path / "w", server, list(MASK_KINDS))
        ws.draft(facts, prompts=[tmp_path / "mine"], use_cache=False)
        exposed = masker.exposed([m for r in server.requests for m in r["messages"]])
    assert "光源主席" in exposed
    warned = [w for w in ws.warnings if "说明文字中出现了事实文件声明的值" in w]
    assert len(warned) == 1 and "光源主席" in warned[0]
    # the built-in templates print no fact there: no warning
    with FakeLLMServer(placeholder_brain()) as server:
        ws = _workspace(tmp_path / "b", server, list(MASK_KINDS))
        ws.draft(facts, use_cache=False)
    assert not [w for w in ws.warnings if "说明文字中出现了事实文件声明的值" in w]

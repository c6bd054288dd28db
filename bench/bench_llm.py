"""The LLM path against the scripted server with 300 ms latency per call (issue: LLM drafting).

- an 8-section draft: concurrent vs sequential wall time, and concurrent vs one call's latency;
- toolkit overhead per call vs a bare openai SDK call to the same server;
- repair cost: prompt tokens to fix one bad section vs regenerating the whole draft.
"""

from __future__ import annotations

import asyncio
import os
import sys
import tempfile
import time
from pathlib import Path

from _common import FIXTURES, composer_brain, report
from speechwriter.config import Profile
from speechwriter.engines.openai import OpenAIEngine
from speechwriter.facts import load_facts
from speechwriter.pipeline import DraftOptions, run_draft
from speechwriter.prompts import PromptLibrary
from speechwriter.testing.fakeserver import FakeLLMServer, Step

LATENCY = 0.3
KEY = "bench-key"
EIGHT = """name: 八节基准
sections:
  - {id: salutation, title: 称呼, role: salutation}
""" + "".join(f"  - {{id: part{n}, title: 第{n}部分, role: {role}, feeds: [{feeds}]}}\n" for n, (role, feeds) in enumerate([
    ("opening", "opening"), ("achievements", "summary, highlights"), ("assessment", "summing_up, shortcomings"),
    ("situation", "context, shortcomings"), ("plans", "context, plans"), ("achievements", "highlights"),
    ("plans", "plans"), ("closing", "closing")], start=1))


def brain():
    return composer_brain()


def engine(server: FakeLLMServer) -> OpenAIEngine:
    return OpenAIEngine(Profile(base_url=server.base_url, model="fake-model", api_key=KEY))


def main() -> None:
    os.environ["SPEECHWRITER_LOCAL_ONLY"] = "1"
    facts = load_facts(FIXTURES / "work_report_gongqingfu.yaml")
    with tempfile.TemporaryDirectory() as tmp:
        (Path(tmp) / "blueprints").mkdir()
        (Path(tmp) / "blueprints" / "eight.yaml").write_text(EIGHT, encoding="utf-8")
        library = PromptLibrary([tmp])
        with FakeLLMServer(brain(), latency=LATENCY) as server:
            times = {}
            eng = engine(server)
            for label, conc in (("warm-up", 8), ("concurrent", 8), ("sequential", 1)):
                start = time.perf_counter()
                result = asyncio.run(run_draft(facts, genre="eight", engine=eng, library=library,
                                               options=DraftOptions(concurrency=conc, repair_rounds=0)))
                times[label] = time.perf_counter() - start
            sections = len(result.draft.sections) - 1  # the salutation needs no call
            report(f"{sections}-section draft: sequential / concurrent", f"{times['sequential']:.2f}s / "
                   f"{times['concurrent']:.2f}s = {times['sequential'] / times['concurrent']:.1f}x", "(speed-up)", True)
            # One call's latency, measured the same way: the slowest single section request alone.
            bp = library.blueprint("eight")
            singles = []
            for spec in bp.sections[1:]:
                prompt = library.render(facts, bp, spec)
                start = time.perf_counter()
                asyncio.run(eng.acomplete(prompt.messages))
                singles.append(time.perf_counter() - start)
            one = max(singles)
            ratio = times["concurrent"] / one
            report("concurrent draft vs its slowest single call", f"{times['concurrent']:.2f}s / {one:.2f}s = "
                   f"{ratio:.2f}x", "< 1.5x", ratio < 1.5)

        # Overhead per call: our engine vs the bare SDK, same server, interleaved.
        import openai

        with FakeLLMServer(default=Step(reply="好的回复内容" * 20), latency=LATENCY) as server:
            ours = engine(server)
            bare = openai.OpenAI(base_url=server.base_url, api_key=KEY, max_retries=0)
            msgs = [{"role": "user", "content": "你好"}]
            ours.complete(msgs)
            bare.chat.completions.create(model="fake-model", messages=msgs, stream=True).close()
            t_ours, t_bare, n = 0.0, 0.0, 10
            for _ in range(n):
                start = time.perf_counter()
                ours.complete(msgs)
                t_ours += time.perf_counter() - start
                start = time.perf_counter()
                stream = bare.chat.completions.create(model="fake-model", messages=msgs, stream=True,
                                                      stream_options={"include_usage": True})
                "".join(c.choices[0].delta.content or "" for c in stream if c.choices)
                t_bare += time.perf_counter() - start
            per_call_ms = (t_ours - t_bare) / n * 1000
            pct = (t_ours - t_bare) / t_bare * 100
            report("toolkit overhead per call vs bare openai SDK", f"{per_call_ms:+.1f} ms ({pct:+.1f}%)",
                   "< 10 ms or < 5%", per_call_ms < 10 or pct < 5)

        # Repair cost: one bad section vs the whole draft regenerated.
        composer = brain()

        def respond(request):
            step = composer(request)
            last = request["messages"][-1]["content"]
            if '"id": "plans"' in last and "校验发现" not in last:
                step.reply += "另投入386万元。"
            return step

        with FakeLLMServer(respond) as server:
            eng = engine(server)
            result = asyncio.run(run_draft(facts, engine=eng, library=PromptLibrary(),
                                           options=DraftOptions(repair_rounds=1)))
            generate = [r for r in server.requests if "校验发现" not in r["messages"][-1]["content"]]
            repairs = [r for r in server.requests if "校验发现" in r["messages"][-1]["content"]]
            size = lambda reqs: sum(len(m["content"]) for r in reqs for m in r["messages"])  # noqa: E731
            ratio = size(repairs) / size(generate)
            report("repair one section vs regenerate the draft (prompt size)", f"{ratio:.0%} "
                   f"(repaired: {', '.join(result.repaired) or 'none'})", "< 25%", ratio < 0.25)


if __name__ == "__main__":
    sys.exit(main())

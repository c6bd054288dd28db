"""The LLM path against the scripted server (300 ms latency per call), measured as the names say.

- the shipped work report drafted with default options vs its slowest single call (target ≤ 1.5×);
- the pipeline's call path (EngineCaller → engine → stream) vs a bare openai SDK streaming call,
  for a 1,200-character reply (target ≤ 5% more);
- repairing one bad figure in each section vs regenerating that section, in characters sent and
  received (no tokenizer works offline here, so characters; target ≤ 25%);
- how long after its process starts ``speechwriter draft`` sends its first request, vs a bare openai
  SDK script sending one streaming request (both fresh processes; target: at most 0.1 s later).

Every comparison alternates its variants in one process over ≥ 7 rounds (min / median / spread).
"""

from __future__ import annotations

import asyncio
import os
import sys
import tempfile
from pathlib import Path

from _common import FIXTURES, alternate, composer_brain, report
from speechwriter.config import Profile
from speechwriter.engines.base import Request
from speechwriter.engines.openai import OpenAIEngine
from speechwriter.facts import load_facts
from speechwriter.testing.fakeserver import FakeLLMServer, Step
from speechwriter.workspace import Workspace

LATENCY = 0.3
KEY = "bench-key"
REPORT = FIXTURES / "work_report_gongqingfu.yaml"


def engine(server: FakeLLMServer) -> OpenAIEngine:
    return OpenAIEngine(Profile(base_url=server.base_url, model="fake-model", api_key=KEY))


def wall_vs_slowest_call() -> None:
    facts = load_facts(REPORT)
    with FakeLLMServer(composer_brain(), latency=LATENCY) as server, tempfile.TemporaryDirectory() as tmp:
        eng = engine(server)
        ws = Workspace(tmp)
        bp = ws.library().blueprint(facts.meta.genre)
        prompts = [ws.library().render(facts, bp, s) for s in bp.sections if s.role != "salutation"]
        rounds = iter(range(1000))

        def draft() -> None:  # defaults, as `speechwriter draft` runs; a fresh folder so the cache is empty
            Workspace(Path(tmp) / f"r{next(rounds)}").draft(facts, engine=eng)

        singles: list[float] = []

        def single_max() -> None:
            import time

            worst = 0.0
            for p in prompts:
                start = time.perf_counter()
                asyncio.run(eng.acomplete(p.messages, Request(section=p.section)))
                worst = max(worst, time.perf_counter() - start)
            singles.append(worst)

        t = alternate({"work report, default options": draft, "each section alone": single_max}, rounds=7)
        wall = t["work report, default options"].median
        slowest = sorted(singles)[len(singles) // 2]
        ratio = wall / slowest
        report(f"work report ({len(prompts)} model sections) vs slowest call", f"{wall:.2f}s / {slowest:.2f}s = "
               f"{ratio:.2f}x", "≤ 1.5x", ratio <= 1.5)


def path_overhead() -> None:
    import openai

    reply = ("各级组织坚持以服务大局为主线，扎实推进各项工作，取得了明显成效。" * 40)[:1200]
    with FakeLLMServer(default=Step(reply=reply), latency=0.05) as server:
        eng = engine(server)
        caller = Workspace().caller(eng)
        bare = openai.AsyncOpenAI(base_url=server.base_url, api_key=KEY, max_retries=0)
        msgs = [{"role": "user", "content": "请写一段话"}]

        async def ours() -> None:
            pieces: list[str] = []
            completion = await caller.call(msgs, Request(section="bench"), use_cache=False, on_text=pieces.append)
            assert len(completion.text) == 1200

        async def sdk() -> None:
            pieces: list[str] = []
            stream = await bare.chat.completions.create(model="fake-model", messages=msgs, stream=True,
                                                        stream_options={"include_usage": True})
            async for chunk in stream:
                if chunk.choices and chunk.choices[0].delta.content:
                    pieces.append(chunk.choices[0].delta.content)
            assert len("".join(pieces)) == 1200

        loop = asyncio.new_event_loop()
        try:
            t = alternate({"pipeline call path": lambda: loop.run_until_complete(ours()),
                           "bare openai SDK stream": lambda: loop.run_until_complete(sdk())}, rounds=15)
        finally:
            loop.run_until_complete(bare.close())
            loop.close()
        a, b = t["pipeline call path"].median, t["bare openai SDK stream"].median
        pct = (a - b) / b * 100
        report("pipeline path vs bare SDK, 1,200-char reply", f"{a * 1000:.1f} / {b * 1000:.1f} ms = {pct:+.1f}%",
               "≤ +5%", pct <= 5)


def repair_share() -> None:
    """For each section: inject an invented figure into one paragraph, repair, compare sizes."""
    facts = load_facts(REPORT)
    worst = 0.0
    rows = []
    for target in ("opening", "achievements", "assessment", "plans", "closing"):
        brain = composer_brain()

        def respond(request, target=target, brain=brain):
            tags = request["speechwriter"]
            if tags["kind"] == "repair":
                return Step(reply=_fix(request))
            step = brain(request)
            if tags["section"] == target:
                first, sep, rest = step.reply.partition("。")
                step = Step(reply=first + "，另投入386万元" + sep + rest)
            return step

        with FakeLLMServer(respond) as server, tempfile.TemporaryDirectory() as tmp:
            result = Workspace(tmp).draft(facts, engine=engine(server), record=False, use_cache=False)
            size = lambda r: sum(len(m["content"]) for m in r["messages"])  # noqa: E731
            gen = next(r for r in server.requests if r["speechwriter"] == {"kind": "generate", "section": target})
            rep = [r for r in server.requests if r["speechwriter"]["kind"] == "repair"]
            gen_chars = size(gen) + len(result.draft.section(target).body)
            rep_chars = sum(size(r) for r in rep) + sum(len(_fix(r)) for r in rep)
            share = rep_chars / gen_chars
            worst = max(worst, share)
            rows.append(f"{target} {share:.0%}{'' if result.ok else ' (still failing)'}")
    report("repair vs regenerate, per section (characters)", "max " + f"{worst:.0%}: " + ", ".join(rows),
           "≤ 25%", worst <= 0.25)


def _fix(request: dict) -> str:
    """What a model asked to repair would send back: the paragraphs without the invented figure."""
    import re

    block = request["messages"][-1]["content"].split("<paragraphs>", 1)[-1]
    asked = re.findall(r"【段落\d+】\n(.*?)\n问题：", block, flags=re.S)
    return "\n\n".join(a.replace("，另投入386万元", "") for a in asked) or "（无）"


BARE_SDK = """
import sys, openai
client = openai.OpenAI(base_url=sys.argv[1], api_key="bench-key", max_retries=0)
stream = client.chat.completions.create(model="fake-model", messages=[{"role": "user", "content": "写一段话"}],
                                        stream=True)
for _ in stream:
    pass
"""


def first_request() -> None:
    """Seconds from process start to the first request reaching the server (wall clock, one machine)."""
    import subprocess
    import time

    from _common import PYTHON

    exe = str(Path(PYTHON).with_name("speechwriter"))
    arrivals: list[float] = []

    def respond(request):
        arrivals.append(time.time())
        return Step(reply="各项工作扎实推进。")

    with FakeLLMServer(respond) as server, tempfile.TemporaryDirectory() as tmp:
        env = {**os.environ, "OPENAI_API_KEY": KEY, "SPEECHWRITER_MODEL": "fake-model", "NO_COLOR": "1"}
        runs = iter(range(1000))

        def timed(argv: list[str]) -> float:
            arrivals.clear()
            start = time.time()
            subprocess.run(argv, env=env, cwd=tmp, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            return arrivals[0] - start if arrivals else float("nan")

        seen: dict[str, list[float]] = {"speechwriter draft": [], "bare openai SDK script": []}

        def ours() -> None:
            seen["speechwriter draft"].append(timed(
                [exe, "draft", str(REPORT), "--engine", "openai", "--base-url", server.base_url, "--no-cache",
                 "-o", str(Path(tmp) / f"d{next(runs)}"), "-q", "--allow-gaps"]))

        def bare() -> None:
            seen["bare openai SDK script"].append(timed([PYTHON, "-c", BARE_SDK, server.base_url]))

        alternate({"speechwriter draft (whole run)": ours, "bare openai SDK script (whole run)": bare}, rounds=7)
    import statistics

    a, b = (statistics.median(v) for v in seen.values())
    print(f"       first request after start: speechwriter draft {a * 1000:.0f} ms, bare SDK script {b * 1000:.0f} ms")
    report("first request: draft vs bare SDK script", f"{a:.2f} s / {b:.2f} s = {a - b:+.2f} s", "≤ +0.1 s",
           a - b <= 0.1)


def main() -> None:
    os.environ["SPEECHWRITER_LOCAL_ONLY"] = "1"
    if "--first-request" in sys.argv[1:]:
        first_request()
        return
    wall_vs_slowest_call()
    path_overhead()
    repair_share()
    first_request()


if __name__ == "__main__":
    sys.exit(main())

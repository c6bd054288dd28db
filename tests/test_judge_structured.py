"""The eval judge's structured output: LangChain's fallbacks, re-asks through tenacity, only parsable verdicts cached."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

from speechwriter.evals import RunOptions, Variant, load_suite, run_suite
from speechwriter.testing.fakeserver import FakeLLMServer, Step

from .conftest import SECRET_KEY, composer_brain
from .test_evals import suite_file

VERDICT = json.dumps({"scores": [{"criterion": "逻辑清晰", "score": 4, "reason": "层次分明"}]}, ensure_ascii=False)
SUITE = """
name: judged
defaults: {engine: openai}
cases:
  - id: gqf
    facts: FIX/work_report_gongqingfu.yaml
    assert:
      judge: {criteria: [逻辑清晰], min_score: 3}
"""


def judge_request(request: dict) -> bool:
    return "审稿专家" in request["messages"][0]["content"]


def run(tmp_path: Path, monkeypatch, respond) -> tuple[object, FakeLLMServer]:
    monkeypatch.chdir(tmp_path)
    with FakeLLMServer(respond) as server:
        monkeypatch.setenv("OPENAI_API_KEY", SECRET_KEY)
        monkeypatch.setenv("OPENAI_BASE_URL", server.base_url)
        monkeypatch.setenv("SPEECHWRITER_MODEL", "fake-model")
        result = run_suite(load_suite(suite_file(tmp_path, SUITE)), [Variant(engine="openai")],
                           RunOptions(workdir=tmp_path))
    return result, server


def test_a_malformed_verdict_is_re_asked_and_never_cached(tmp_path: Path, monkeypatch) -> None:
    brain = composer_brain()
    judged = {"n": 0}

    def respond(request: dict) -> Step:
        if judge_request(request):
            judged["n"] += 1
            return Step(reply="这篇讲话写得不错。" if judged["n"] == 1 else VERDICT)
        return brain(request)

    result, _ = run(tmp_path, monkeypatch, respond)
    assert result.results[0].metrics["judge:逻辑清晰"] == 4 and judged["n"] == 2
    db = sqlite3.connect(tmp_path / ".speechwriter" / "cache.sqlite")
    texts = [row[0] for row in db.execute("SELECT text FROM replies")]
    db.close()
    assert VERDICT in texts and "这篇讲话写得不错。" not in texts


def test_a_judge_endpoint_without_json_schema_answers_by_function_calling(tmp_path: Path, monkeypatch) -> None:
    brain = composer_brain()
    seen: list[str] = []

    def respond(request: dict) -> Step:
        if not judge_request(request):
            return brain(request)
        if "response_format" in request:
            seen.append("json_schema")
            return Step(status=400, error_message="response_format is not supported")
        seen.append("tools")
        return Step(reply=VERDICT, tool_call=request["tool_choice"]["function"]["name"], finish_reason="tool_calls")

    result, _ = run(tmp_path, monkeypatch, respond)
    r = result.results[0]
    assert r.status == "passed", r.error
    assert r.metrics["judge:逻辑清晰"] == 4 and seen == ["json_schema", "tools"]

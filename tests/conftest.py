"""Shared test helpers: paths, the CLI runner, and access to ../shared/."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

# Property tests explore new random inputs on developers' machines; in CI they replay a fixed
# sequence, so a landing never depends on the luck of the draw (found counterexamples become tests).
from hypothesis import settings as _hypothesis_settings
from typer.testing import CliRunner

_hypothesis_settings.register_profile("ci", derandomize=True, print_blob=True)
if os.environ.get("CI"):
    _hypothesis_settings.load_profile("ci")

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = ROOT / "fixtures" / "facts"
SHARED = ROOT.parent / "shared"
REFERENCE_FACTS = FIXTURES / "work_report_gongqingfu.yaml"
ALL_FIXTURES = sorted(FIXTURES.glob("*.yaml"))


def shared_path(*parts: str) -> Path:
    """A path under ../shared/; skips the test (with the reason) when it is absent.

    CI sets SPEECHWRITER_REQUIRE_SHARED=1, and there an absent file is a failure, not a skip.
    """
    path = SHARED.joinpath(*parts)
    if not path.exists():
        if os.environ.get("SPEECHWRITER_REQUIRE_SHARED"):
            pytest.fail(f"{path} is required in CI but missing")
        pytest.skip(f"{path} not present (../shared/ is only guaranteed in CI)")
    return path


@pytest.fixture
def runner() -> CliRunner:
    return CliRunner()


@pytest.fixture
def cli(runner: CliRunner):
    """Run the CLI in-process; returns the click Result (stdout and stderr kept apart)."""
    from speechwriter.cli import app

    def invoke(*args: str, input: str | None = None):
        return runner.invoke(app, [str(a) for a in args], input=input, catch_exceptions=False)

    return invoke


SECRET_KEY = "sk-test-SECRET-0123456789abcdefXYZ"


@pytest.fixture(autouse=True)
def _isolated_environment(monkeypatch, tmp_path_factory):
    """No test reaches beyond 127.0.0.1, reads the developer's config, or sees their keys."""
    for var in ("OPENAI_API_KEY", "OPENAI_BASE_URL", "SPEECHWRITER_MODEL", "SPEECHWRITER_PROMPTS"):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv("SPEECHWRITER_LOCAL_ONLY", "1")
    monkeypatch.setenv("SPEECHWRITER_CONFIG_HOME", str(tmp_path_factory.mktemp("config-home")))
    # A test that does not choose a folder works in a fresh one, never in the repository itself:
    # the workspace is the current folder, and its .speechwriter/ (runs, cache, sessions) and
    # evals/runs/ would otherwise fill the checkout and leak from one test into the next.
    if Path.cwd().resolve() == ROOT:
        monkeypatch.chdir(tmp_path_factory.mktemp("cwd"))


def composer_brain():
    """A fake LLM that writes good sections: the offline composer behind the HTTP server.

    Asked to repair sentences, it answers with the sentences it first wrote that they most
    resemble, as a model that follows the findings would.
    """
    from speechwriter.datablock import parse_data_block
    from speechwriter.engines.offline import OfflineComposer
    from speechwriter.pipeline.repair import split_units
    from speechwriter.testing.fakeserver import Step

    composer = OfflineComposer.from_prompts()
    written: list[str] = []

    def grams(text: str) -> set[str]:
        return {text[i:i + 2] for i in range(len(text) - 1)}

    def respond(request: dict) -> Step:
        messages = [{"role": m["role"], "content": m["content"]} for m in request["messages"]]
        block = parse_data_block(messages[-1]["content"], "paragraphs")
        if request.get("speechwriter", {}).get("kind") == "repair" and block is not None:
            asked = [p["text"] for p in block]
            fixed = [max(written, key=lambda w, a=a: len(grams(w) & grams(a))) for a in asked]
            return Step(reply="\n\n".join(fixed))
        text = composer.complete(messages).text
        written.extend(text[a:b].strip() for a, b in split_units(text))
        return Step(reply=text)

    return respond


def section_of(request: dict) -> str:
    """The section id a chat request is about (the client tags every request with it)."""
    return request["speechwriter"]["section"] or "?"


def kind_of(request: dict) -> str:
    """What a chat request is for: generate, continue, repair, rewrite, judge, ping."""
    return request["speechwriter"]["kind"] or "?"


def is_repair(request: dict) -> bool:
    return kind_of(request) == "repair"


def is_continuation(request: dict) -> bool:
    return kind_of(request) == "continue"


def closed_port() -> int:
    """A loopback port nothing listens on (connection refused)."""
    import socket

    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    sock.close()
    return port


def within_a_longer_speech(facts, chars: int = 5000):
    """``facts`` extracted from a short invented text, as a part of a longer speech: their target
    is longer than they fill, so the draft is written as for facts that do not hold a whole speech
    (with the genre's leads, counts and close), which is what such a test is about."""
    from speechwriter.facts import TargetLength

    return facts.model_copy(update={"meta": facts.meta.model_copy(update={"target": TargetLength(chars=chars)})})

"""Seeded fuzz over the new fault classes of issue 26: key echoes in every form and split, endpoints that fail
in random sequences. Each seed is fixed, so a failure replays exactly."""

from __future__ import annotations

import base64
import random
import string
from urllib.parse import quote

import pytest

from speechwriter.config import Profile
from speechwriter.engines.base import EngineError
from speechwriter.engines.openai import OpenAIEngine
from speechwriter.redact import MIN_SECRET_LENGTH, StreamScrubber, forget_secrets, remember_secret, scrub
from speechwriter.testing.fakeserver import FakeLLMServer, Step

KEY_ALPHABET = string.ascii_letters + string.digits + "-_.~+="
PROSE = "各项工作扎实推进，取得明显成效。同志们，我们要坚定信心。"


def _pieces(text: str) -> set[str]:
    return {text[i:i + MIN_SECRET_LENGTH] for i in range(len(text) - MIN_SECRET_LENGTH + 1)}


def _echo(rng: random.Random, key: str) -> str:
    """One form of the key as a server could echo it, inside other text."""
    kind = rng.choice(["whole", "piece", "base64", "base64-inside", "url", "basic"])
    if kind == "whole":
        return key
    if kind == "piece":
        start = rng.randrange(0, len(key) - MIN_SECRET_LENGTH + 1)
        return key[start:rng.randrange(start + MIN_SECRET_LENGTH, len(key) + 1)]
    if kind == "base64":
        return base64.b64encode(key.encode()).decode()
    if kind == "base64-inside":
        before = "".join(rng.choice(KEY_ALPHABET) for _ in range(rng.randrange(0, 7))).encode()
        return base64.b64encode(before + key.encode() + b"|tail").decode()
    if kind == "url":
        return quote(key, safe="")
    return base64.b64encode(f"user:{key}".encode()).decode()


def _must_not_survive(key: str) -> set[str]:
    """Pieces that identify the key in any of its forms (a base64 form's edges depend on what surrounds it)."""
    b64 = base64.b64encode(key.encode()).decode()
    return _pieces(key) | _pieces(quote(key, safe="")) | _pieces(b64[4:-4])


@pytest.mark.parametrize("seed", range(8))
def test_no_piece_of_the_key_survives_scrubbing_whole_or_streamed(seed: int) -> None:
    rng = random.Random(seed)
    for _ in range(40):
        forget_secrets()
        key = "".join(rng.choice(KEY_ALPHABET) for _ in range(rng.randrange(16, 64)))
        remember_secret(key, user="user")
        reply = "".join(rng.choice([PROSE, " ", "\n", _echo(rng, key), "abc 123"]) for _ in range(rng.randrange(1, 12)))
        reply += _echo(rng, key)
        whole, found = scrub(reply)
        scrubber = StreamScrubber()
        cuts = sorted(rng.sample(range(1, len(reply)), min(len(reply) - 1, rng.randrange(1, 30))))
        parts = [reply[a:b] for a, b in zip([0, *cuts], [*cuts, len(reply)], strict=True)]
        streamed = "".join(scrubber.feed(p) for p in parts) + scrubber.finish()
        bad = _must_not_survive(key)
        assert found and scrubber.found
        for shown in (whole, streamed):
            assert not [p for p in bad if p in shown], (seed, key, reply, shown)
        assert PROSE in whole or PROSE not in reply  # the words around the key are kept
    forget_secrets()


FAULTS = [Step(status=429, headers={"Retry-After": "0"}), Step(status=500), Step(status=503),
          Step(reply="半截回复内容" * 5, drop_mid_stream=True), Step(reply="坏的数据块" * 5, bad_json_at=2),
          Step(status=400, error_message="bad request"), Step(status=401), Step(reply="", finish_reason="stop")]


@pytest.mark.parametrize("seed", range(6))
def test_a_random_sequence_of_endpoint_faults_ends_in_a_reply_or_one_chinese_error(seed: int) -> None:
    rng = random.Random(1000 + seed)
    script = [rng.choice(FAULTS) for _ in range(rng.randrange(0, 6))] + [Step(reply="好的回复。")]
    with FakeLLMServer(list(script)) as server:
        engine = OpenAIEngine(Profile(name="fuzz", base_url=server.base_url, model="fake-model", api_key="k-fuzz-key",
                                      backoff_base=0.01, max_attempts=4, deadline=60), sleep=lambda _s: None)
        try:
            reply = engine.complete([{"role": "user", "content": "你好"}])
        except EngineError as exc:
            message = str(exc)
            assert any("\u4e00" <= ch <= "\u9fff" for ch in message) and "Traceback" not in message
            assert "Error" not in message.replace("EngineError", "")  # no exception class names
        else:
            assert reply.text in ("好的回复。", "")
        assert server.calls <= 4

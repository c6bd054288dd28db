"""One redaction function for every boundary where text leaves the process.

Messages printed, errors raised, call and run records, eval results and reports all pass through
:func:`redact`: it removes the API keys this process has been given (:func:`remember_secret`),
any ``Bearer …`` token, anything shaped like an ``sk-…`` key, and the user:password part of
URLs. :func:`public_url` is the form of an endpoint URL that may be shown or stored.

A remembered key is removed in every form a server could echo it in: whole, any piece of it of at
least :data:`MIN_SECRET_LENGTH` characters (half a key identifies it), its base64 (at each of the
three byte alignments, so inside a longer base64 text too), its URL-encoded form, and the base64 of
``user:key`` that HTTP Basic auth sends when the base URL carries userinfo. Replies from a model
pass through :func:`scrub` (which also says whether a key was there) or, while streaming, a
:class:`StreamScrubber`, before anything is shown or stored.
"""

from __future__ import annotations

import base64
import re
import threading
from typing import Any
from urllib.parse import quote, unquote, urlsplit, urlunsplit

__all__ = ["REDACTED", "StreamScrubber", "forget_secrets", "public_url", "redact", "redact_data",
           "remember_secret", "remember_url_credentials", "scrub"]

REDACTED = "***"

_BEARER = re.compile(r"(?i)\b(bearer\s+|authorization:\s*(?:[a-z]+\s+)?)[A-Za-z0-9._~+/=\-]{6,}")
_SK = re.compile(r"\bsk-[A-Za-z0-9_\-]{6,}")
_KEY_PARAM = re.compile(r"(?i)\b(api[_-]?key|access[_-]?token|key)=([^&\s\"']{6,})")
_USERINFO = re.compile(r"(?i)\b([a-z][a-z0-9+.\-]*://)[^/\s@]*@")

MIN_SECRET_LENGTH = 8
"""Shorter "keys" are placeholders for local servers (none, EMPTY, ollama): blanking them would eat words.
It is also the shortest piece of a key that is removed on its own."""


class _Secrets:
    """The remembered secrets as the set of their ``MIN_SECRET_LENGTH``-character pieces, in every form."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.secrets: set[str] = set()
        self.grams: frozenset[str] = frozenset()
        self.run: re.Pattern[str] | None = None  # runs of characters a piece can consist of
        self.tail: re.Pattern[str] | None = None  # such a run at the end of a text (a piece still arriving)

    def add(self, forms: list[str]) -> None:
        with self.lock:
            grams = set(self.grams)
            for form in forms:
                if len(form) >= MIN_SECRET_LENGTH:
                    self.secrets.add(form)
                    grams.update(form[i:i + MIN_SECRET_LENGTH] for i in range(len(form) - MIN_SECRET_LENGTH + 1))
            self.grams = frozenset(grams)
            chars = sorted({ch for gram in grams for ch in gram})
            cls = "[" + "".join(re.escape(ch) for ch in chars) + "]"
            self.run = re.compile(f"{cls}{{{MIN_SECRET_LENGTH},}}") if chars else None
            self.tail = re.compile(cls + r"+\Z") if chars else None

    def clear(self) -> None:
        with self.lock:
            self.secrets.clear()
            self.grams = frozenset()
            self.run = self.tail = None


_known = _Secrets()


def _encodings(secret: str) -> list[str]:
    """The forms a server could echo ``secret`` in: itself, URL-encoded, base64 at each alignment."""
    raw = secret.encode("utf-8")
    forms = [secret, quote(secret, safe=""), quote(secret, safe="/:@")]
    for encode in (base64.b64encode, base64.urlsafe_b64encode):
        forms.append(encode(raw).decode("ascii"))
        for shift in (1, 2):
            # Inside a longer base64 text the secret starts at one of three byte offsets; keep the
            # characters that depend on the secret alone (not the first group, nor a partial last one).
            text = encode(b"\0" * shift + raw).decode("ascii")
            end = len(text) - 4 if (shift + len(raw)) % 3 else len(text)
            forms.append(text[4:end])
    return forms


def remember_secret(secret: str | None, *, user: str | None = None) -> None:
    """Add a secret (a configured API key) to what :func:`redact` removes, in every form, wherever it appears.

    ``user`` is the user name sent with it as HTTP Basic auth (a base URL with ``user:key@``), whose
    ``user:key`` base64 is removed too.
    """
    if not secret or len(secret) < MIN_SECRET_LENGTH:
        return
    forms = _encodings(secret)
    if user is not None:
        basic = f"{user}:{secret}".encode()
        forms += [base64.b64encode(basic).decode("ascii").rstrip("="), f"{user}:{secret}"]
    _known.add(forms)


def remember_url_credentials(url: str | None) -> None:
    """Remember the password of a ``user:password@`` base URL (and its Basic-auth form) as a secret."""
    if not url or "@" not in url:
        return
    try:
        parts = urlsplit(url)
        user, password = parts.username, parts.password
    except ValueError:
        return
    if password:
        remember_secret(unquote(password), user=unquote(user or ""))
        if unquote(password) != password:
            remember_secret(password, user=user or "")


def forget_secrets() -> None:
    """Forget the remembered secrets (for tests)."""
    _known.clear()


def _remove_known(text: str) -> tuple[str, bool]:
    """``text`` with every piece of a remembered secret replaced; True when there was one."""
    run, grams = _known.run, _known.grams
    if run is None:
        return text, False
    out: list[str] = []
    last = 0
    found = False
    for match in run.finditer(text):
        segment, base = match.group(), match.start()
        covered_to = -1
        spans: list[list[int]] = []
        for i in range(len(segment) - MIN_SECRET_LENGTH + 1):
            if segment[i:i + MIN_SECRET_LENGTH] in grams:
                end = i + MIN_SECRET_LENGTH
                if spans and i <= covered_to:
                    spans[-1][1] = end
                else:
                    spans.append([i, end])
                covered_to = end
        for start, end in spans:
            out.append(text[last:base + start])
            out.append(REDACTED)
            last = base + end
            found = True
    if not found:
        return text, False
    out.append(text[last:])
    return "".join(out), True


def scrub(text: str) -> tuple[str, bool]:
    """:func:`redact` for a model's reply: the clean text, and whether a remembered key was in it."""
    if not text:
        return text, False
    cleaned, found = _remove_known(text)
    return _generic(cleaned), found


def redact(text: str) -> str:
    """``text`` without remembered secrets, bearer tokens, ``sk-…`` keys or URL credentials."""
    if not text:
        return text
    return _generic(_remove_known(text)[0])


def _generic(text: str) -> str:
    """The patterns any secret has, remembered or not: URL userinfo, bearer tokens, sk- keys, key= params."""
    text = _USERINFO.sub(r"\1", text)
    text = _BEARER.sub(lambda m: f"{m.group(1)}{REDACTED}", text)
    text = _SK.sub("sk-" + REDACTED, text)
    return _KEY_PARAM.sub(lambda m: f"{m.group(1)}={REDACTED}", text)


class StreamScrubber:
    """Redacts a reply that arrives in pieces: a key split across two pieces is still removed.

    :meth:`feed` returns what may be shown now; it holds back the trailing run of characters a
    key piece can consist of (a key does not contain CJK text or spaces, so the hold is short).
    :meth:`finish` returns the rest. ``found`` says whether a remembered key was seen.
    """

    HOLD_LIMIT = 4096  # a longer unbroken run is released except its last few characters

    def __init__(self) -> None:
        self._held = ""
        self.found = False

    def feed(self, piece: str) -> str:
        text = self._held + piece
        tail_pattern = _known.tail
        cut = len(text)
        if tail_pattern is not None:
            tail = tail_pattern.search(text)
            if tail is not None:
                cut = tail.start()
                if len(text) - cut > self.HOLD_LIMIT:
                    cut = len(text) - 2 * MIN_SECRET_LENGTH
        ready, self._held = text[:cut], text[cut:]
        return self._clean(ready)

    def finish(self) -> str:
        ready, self._held = self._held, ""
        return self._clean(ready)

    def _clean(self, text: str) -> str:
        cleaned, found = scrub(text)
        self.found = self.found or found
        return cleaned


def redact_data(value: Any) -> Any:
    """:func:`redact` applied to every string in a JSON-like structure (dict keys included)."""
    if isinstance(value, str):
        return redact(value)
    if isinstance(value, dict):
        return {redact_data(k): redact_data(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [redact_data(v) for v in value]
    return value


def public_url(url: str | None) -> str | None:
    """``url`` without ``user:password@`` (and with secrets in its query redacted)."""
    if not url:
        return url
    try:
        parts = urlsplit(url)
    except ValueError:
        return redact(url)
    if parts.username is not None or parts.password is not None or "@" in parts.netloc:
        host = parts.netloc.rsplit("@", 1)[1]
        parts = parts._replace(netloc=host)
    return redact(urlunsplit(parts))

"""One redaction function for every boundary where text leaves the process.

Messages printed, errors raised, call and run records, eval results and reports all pass through
:func:`redact`: it removes the API keys this process has been given (:func:`remember_secret`),
any ``Bearer …`` token, anything shaped like an ``sk-…`` key, and the user:password part of
URLs. :func:`public_url` is the form of an endpoint URL that may be shown or stored.
"""

from __future__ import annotations

import re
import threading
from typing import Any
from urllib.parse import urlsplit, urlunsplit

__all__ = ["REDACTED", "forget_secrets", "public_url", "redact", "redact_data", "remember_secret"]

REDACTED = "***"

_BEARER = re.compile(r"(?i)\b(bearer\s+|authorization:\s*(?:[a-z]+\s+)?)[A-Za-z0-9._~+/=\-]{6,}")
_SK = re.compile(r"\bsk-[A-Za-z0-9_\-]{6,}")
_KEY_PARAM = re.compile(r"(?i)\b(api[_-]?key|access[_-]?token|key)=([^&\s\"']{6,})")
_USERINFO = re.compile(r"(?i)\b([a-z][a-z0-9+.\-]*://)[^/\s@]*@")

_known: set[str] = set()
_lock = threading.Lock()


MIN_SECRET_LENGTH = 8
"""Shorter "keys" are placeholders for local servers (none, EMPTY, ollama): blanking them would eat words."""


def remember_secret(secret: str | None) -> None:
    """Add a secret (a configured API key) to what :func:`redact` removes, wherever it appears."""
    if secret and len(secret) >= MIN_SECRET_LENGTH:
        with _lock:
            _known.add(secret)


def forget_secrets() -> None:
    """Forget the remembered secrets (for tests)."""
    with _lock:
        _known.clear()


def redact(text: str) -> str:
    """``text`` without remembered secrets, bearer tokens, ``sk-…`` keys or URL credentials."""
    if not text:
        return text
    with _lock:
        known = sorted(_known, key=len, reverse=True)
    for secret in known:
        if secret in text:
            text = text.replace(secret, REDACTED)
    text = _USERINFO.sub(r"\1", text)
    text = _BEARER.sub(lambda m: f"{m.group(1)}{REDACTED}", text)
    text = _SK.sub("sk-" + REDACTED, text)
    return _KEY_PARAM.sub(lambda m: f"{m.group(1)}={REDACTED}", text)


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

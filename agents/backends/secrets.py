"""Keeping API keys out of everything sociolab prints or writes.

A provider that reads a key registers it here (:func:`remember`); :func:`redact`
then removes it, ``Bearer`` tokens and URL credentials from any text that came
from outside (a server's error body, a reply echoing the request) before it is
shown or stored.
"""

from __future__ import annotations

import re

_SECRETS: set[str] = set()
_BEARER = re.compile(r"(?i)\b(bearer\s+)[A-Za-z0-9._~+/=\-]{4,}")
_USERINFO = re.compile(r"(?i)\b([a-z][a-z0-9+.\-]*://)[^/\s@]+@")
_KEYLIKE = re.compile(r"\b(sk-[A-Za-z0-9_\-]{8,})")

MASK = "***"
"""What a secret is replaced with."""


def remember(secret: str) -> None:
    """Register a key's value so that :func:`redact` removes it (short values are ignored)."""
    if len(secret) >= 8:
        _SECRETS.add(secret)


def redact(text: str) -> str:
    """``text`` without registered keys, ``Bearer`` tokens, ``sk-...`` keys or URL credentials."""
    for secret in _SECRETS:
        if secret in text:
            text = text.replace(secret, MASK)
    text = _BEARER.sub(lambda m: m.group(1) + MASK, text)
    text = _USERINFO.sub(lambda m: m.group(1) + MASK + "@", text)
    return _KEYLIKE.sub(MASK, text)


def has_secrets() -> bool:
    """Whether any key was registered (replies need redacting only then)."""
    return bool(_SECRETS)


__all__ = ["MASK", "has_secrets", "redact", "remember"]

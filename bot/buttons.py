"""Callback data parsed strictly: what a button press asks for, or None for anything malformed.

Button data comes back from Telegram as the client sent it, so it is untrusted input: a forged or mangled
press must get a short "stale button" answer, never a traceback. Numbers are at most 9 digits (no
``OverflowError`` in SQLite), ids are short words, and the whole is at most 64 bytes (Telegram's limit).
See :mod:`bot.cards` for the formats.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

__all__ = ["Press", "parse"]

MAX_BYTES = 64
_INT = r"-?\d{1,9}"
_UID = r"[0-9A-Za-z_-]{1,40}"
_PATTERNS = {
    "m": re.compile(rf"m:(\d{{1,9}}):({_INT})", re.ASCII),
    "a": re.compile(rf"a:({_UID}):({_INT}):(n|{_INT})", re.ASCII),
    "p": re.compile(rf"p:({_UID}):({_INT})", re.ASCII),
    "f": re.compile(r"f:(\d{1,9}):(\d{1,9}):([+-])", re.ASCII),
}


@dataclass(frozen=True)
class Press:
    """A parsed button: ``kind`` (m, a, p, f), an id (question or article), a number and an optional page."""

    kind: str
    key: str
    number: int
    page: int | None = None
    up: bool = False


def parse(data: str | None) -> Press | None:
    """The press ``data`` asks for, or None when it is not one of ours."""
    if not data or len(data.encode("utf-8", "surrogatepass")) > MAX_BYTES:
        return None
    pattern = _PATTERNS.get(data[0])
    found = pattern.fullmatch(data) if pattern is not None else None
    if found is None:
        return None
    kind, groups = data[0], found.groups()
    if kind == "m":
        return Press(kind, groups[0], int(groups[1]))
    if kind == "a":
        return Press(kind, groups[0], int(groups[1]), None if groups[2] == "n" else int(groups[2]))
    if kind == "p":
        return Press(kind, groups[0], int(groups[1]))
    return Press(kind, groups[0], int(groups[1]), up=groups[2] == "+")

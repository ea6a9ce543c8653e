"""Checking the command line before a command runs: usage mistakes and text that is not UTF-8.

Both become a :class:`CommandError`, which ``newsqa`` prints as ``Error: …`` (with the fix) and exit status 1 —
argparse's own habit (usage text, exit status 2) is replaced so every bad input looks the same.
"""

from __future__ import annotations

import argparse
import os
from typing import NoReturn

__all__ = ["CommandError", "Parser", "check_utf8"]


class CommandError(Exception):
    """A command cannot go on; the message says why and how to fix it."""


class Parser(argparse.ArgumentParser):
    """argparse, but a usage mistake is a :class:`CommandError` naming the command's help."""

    def error(self, message: str) -> NoReturn:
        raise CommandError(f"{message[:1].upper()}{message[1:]}. See: {self.prog} --help")


def check_utf8(args: argparse.Namespace) -> None:
    """Text that goes to SQLite and jieba must be UTF-8 (paths need not be: ingest reports those itself)."""
    for name in ("question", "id"):
        value = getattr(args, name, None)
        if not isinstance(value, str):
            continue
        try:
            value.encode("utf-8")
        except UnicodeEncodeError:
            shown = os.fsencode(value).decode("utf-8", "backslashreplace")
            raise CommandError(
                f"The {name} '{shown}' is not valid UTF-8. Set a UTF-8 locale (e.g. LANG=C.UTF-8) or pass "
                "UTF-8 text."
            ) from None

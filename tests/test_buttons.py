"""Callback data parsing: our formats in, anything else None."""

from __future__ import annotations

import pytest

from bot.buttons import Press, parse


def test_the_formats_cards_write() -> None:
    assert parse("m:12:2") == Press("m", "12", 2)
    assert parse("a:921c1351aa:3:n") == Press("a", "921c1351aa", 3, None)
    assert parse("a:921c1351aa:3:-1") == Press("a", "921c1351aa", 3, -1)
    assert parse("p:921c1351aa:0") == Press("p", "921c1351aa", 0)
    assert parse("f:12:345:+") == Press("f", "12", 345, up=True)
    assert parse("f:12:345:-") == Press("f", "12", 345, up=False)


@pytest.mark.parametrize(
    "data",
    [
        None,
        "",
        "m:99999999999999999999:1",  # above 2^63: OverflowError in SQLite before
        "m:1:1234567890",
        "m:-1:1",
        "m:１:1",  # a full-width digit
        "m:1",
        "m:1:1:1",
        "f:1:2",
        "f:1:2:*",
        "a:x:1:" + "9" * 40,
        "p:../..:1",
        "p:" + "a" * 41 + ":1",
        "x:1:1",
        "m:1:1\n",
        "剑" * 30,
    ],
)
def test_anything_else_is_refused(data: str | None) -> None:
    assert parse(data) is None

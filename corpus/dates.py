"""Dates as a reader writes them: the store keeps ISO dates, citations and questions say 2019年7月12日."""

from __future__ import annotations

import re

__all__ = ["chinese_date"]

_ISO_DATE = re.compile(r"(\d{4})-(\d{1,2})(?:-(\d{1,2}))?(?:[T ].*)?")


def chinese_date(date: str | None) -> str | None:
    """An ISO date as a reader writes it (`2019-07-12` → `2019年7月12日`, `2019-07` → `2019年7月`);
    anything else as it was stored."""
    if not date:
        return None
    found = _ISO_DATE.fullmatch(date.strip())
    if found is None:
        return date
    year, month, day = found.groups()
    return f"{year}年{int(month)}月" + (f"{int(day)}日" if day else "")

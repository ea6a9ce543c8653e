"""A progress bar on a terminal, nothing when output is piped."""

from __future__ import annotations

import sys
import time
from collections.abc import Callable
from typing import TextIO


def progress_bar(label: str, stream: TextIO = sys.stderr) -> Callable[[int, int], None] | None:
    """A ``progress(done, total)`` callback drawing a bar on ``stream``, or None when it is not a terminal."""
    if not stream.isatty():
        return None
    started = time.perf_counter()

    def update(done: int, total: int) -> None:
        total = max(total, 1)
        width = 30
        filled = int(width * done / total)
        rate = done / max(time.perf_counter() - started, 1e-6)
        stream.write(f"\r{label} [{'#' * filled}{'.' * (width - filled)}] {done}/{total} {rate:,.0f}/s")
        if done >= total:
            stream.write("\n")
        stream.flush()

    return update

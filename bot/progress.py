"""A progress bar on a terminal, nothing when output is piped."""

from __future__ import annotations

import sys
import time
from collections.abc import Callable
from typing import TextIO


def progress_bar(label: str, stream: TextIO | None = None) -> Callable[[int, int], None] | None:
    """A ``progress(done, total)`` callback drawing a bar on ``stream``, or None when it is not a terminal.

    A count that starts again from zero is a new pass over the data (user words, then postings) and is
    numbered as such.
    """
    stream = stream if stream is not None else sys.stderr  # the stderr of now, not of import time
    if not stream.isatty():
        return None
    state = {"started": time.perf_counter(), "last": 0, "pass": 1}

    def update(done: int, total: int) -> None:
        if done < state["last"]:
            state["pass"] += 1
            state["started"] = time.perf_counter()
        state["last"] = done
        total = max(total, 1)
        width = 30
        filled = min(width, int(width * done / total))
        rate = done / max(time.perf_counter() - state["started"], 1e-6)
        stream.write(
            f"\r{label} (pass {state['pass']}) [{'#' * filled}{'.' * (width - filled)}] {done}/{total} {rate:,.0f}/s"
        )
        if done >= total:
            stream.write("\n")
        stream.flush()

    return update

"""A progress bar on a terminal, nothing when output is piped."""

from __future__ import annotations

import sys
import time
from collections.abc import Callable
from typing import TextIO


def progress_bar(label: str, stream: TextIO | None = None) -> Callable[[int, int], None] | None:
    """A ``progress(done, total)`` callback drawing a bar on ``stream``, or None when it is not a terminal.

    A count that starts again from zero is a new pass over the data (user words, then postings) and is
    numbered as such. The rate is the pass's average since it started (its first call, typically
    ``progress(0, total)``), and the time left (``ETA``) is what is left at that rate.
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
        left = f" ETA {_clock((total - done) / rate)}" if 0 < done < total else ""
        stream.write(
            f"\r{label} (pass {state['pass']}) [{'#' * filled}{'.' * (width - filled)}] {done}/{total} "
            f"{rate:,.0f}/s{left}   "
        )
        if done >= total:
            stream.write("\n")
        stream.flush()

    return update


def _clock(seconds: float) -> str:
    """``75`` → ``1:15``, ``3725`` → ``1:02:05``."""
    minutes, secs = divmod(int(seconds + 0.5), 60)
    hours, minutes = divmod(minutes, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes}:{secs:02d}"

import io
import re

import pytest

import bot.progress
from bot.progress import _clock, progress_bar


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_no_bar_when_piped() -> None:
    assert progress_bar("x", io.StringIO()) is None


def test_bar_counts_and_numbers_passes() -> None:
    out = Terminal()
    update = progress_bar("building the index", out)
    assert update is not None
    update(5, 10)
    update(10, 10)
    update(3, 10)  # a new pass starts from zero
    text = out.getvalue()
    assert "building the index (pass 1) [###############...............] 5/10" in text
    assert "(pass 1) [##############################] 10/10" in text
    assert "building the index (pass 2) [#########.....................] 3/10" in text
    assert text.count("\n") == 1


def test_time_left_is_what_is_left_at_the_average_rate(monkeypatch: pytest.MonkeyPatch) -> None:
    now = [100.0]
    monkeypatch.setattr(bot.progress.time, "perf_counter", lambda: now[0])
    out = Terminal()
    update = progress_bar("indexing", out)
    assert update is not None
    update(0, 1000)  # the pass starts: no rate, no time left yet
    now[0] += 30.0
    update(250, 1000)  # 250 in 30 s: 750 left at 8.3/s is 90 s
    now[0] += 30.0
    update(1000, 1000)
    lines = [line.strip() for line in re.split(r"[\r\n]", out.getvalue()) if line.strip()]
    assert lines[0].endswith("0/1000 0/s")
    assert lines[1].endswith("250/1000 8/s ETA 1:30")
    assert lines[2].endswith("1000/1000 17/s")


def test_clock() -> None:
    assert [_clock(s) for s in (0, 59.6, 75, 3725)] == ["0:00", "1:00", "1:15", "1:02:05"]

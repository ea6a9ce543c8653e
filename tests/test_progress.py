import io

from bot.progress import progress_bar


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

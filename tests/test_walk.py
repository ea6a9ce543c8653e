"""Walking hostile folders on the real file system: odd names, FIFOs, sockets, devices, link loops, links out
of the folder, a link to /dev/zero, files over the size limit — none may crash, hang or publish outside files."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from pathlib import Path

import pytest

from corpus.ingest import format_report, ingest
from corpus.store import Store
from corpus.walk import MB

RECORD = '{{"title": "{title}", "text": "{text}"}}\n'
SECRET = "# 保险柜\n\n保险柜密码是7391。\n"


@pytest.fixture
def store(tmp_path: Path):
    with Store.open(tmp_path / "var" / "newsqa.db") as opened:
        yield opened


@pytest.fixture
def hostile(tmp_path: Path) -> Path:
    """A folder with one good file and every odd entry a file system can hold."""
    root = tmp_path / "news"
    root.mkdir()
    (root / "good.jsonl").write_text(RECORD.format(title="山区公路通车", text="公路通车了。"), "utf-8")
    os.mkfifo(root / "pipe.txt")
    os.symlink("/dev/zero", root / "zero.txt")
    os.symlink(root / "loop-b.md", root / "loop-a.md")
    os.symlink(root / "loop-a.md", root / "loop-b.md")
    os.symlink(root / "gone.md", root / "dangling.md")
    outside = tmp_path / "private"
    outside.mkdir()
    (outside / "secret.md").write_text(SECRET, encoding="utf-8")
    os.symlink(outside / "secret.md", root / "secret.md")
    os.symlink(outside, root / "linked-folder")
    os.symlink(root, root / "sub-loop")
    sock = socket.socket(socket.AF_UNIX)
    sock.bind(str(root / "sock.md"))
    sock.close()
    with open(os.fsencode(root) + b"/caf\xe9.txt", "wb") as fh:  # Latin-1 name: not UTF-8
        fh.write("咖啡馆开业。\n".encode())
    os.mkdir(os.fsencode(root) + b"/\xb1\xa8")  # 报 in GBK: a folder name that is not UTF-8
    return root


def test_hostile_folder_reads_only_the_regular_file_inside(store: Store, hostile: Path) -> None:
    report = ingest(store, [hostile])
    assert report.added == [str(hostile / "good.jsonl")]
    assert [a.title for a in store.articles()] == ["山区公路通车"]
    assert report.failed == [
        (
            f"{hostile}/caf\\xe9.txt",
            "file name is not valid UTF-8: rename it to UTF-8 (e.g. convmv -f gbk -t utf-8 --notest NAME)",
        ),
        (
            f"{hostile}/\\xb1\\xa8",
            "folder name is not valid UTF-8: rename it to UTF-8 (e.g. convmv -f gbk -t utf-8 --notest NAME)",
        ),
    ]
    assert report.skipped == [
        (
            str(hostile / "dangling.md"),
            f"broken symbolic link (its target {hostile}/gone.md does not exist): fix or remove it",
        ),
        (
            str(hostile / "linked-folder"),
            "symbolic link to a folder: not followed (newsqa ingest --follow-links enters it)",
        ),
        (str(hostile / "loop-a.md"), "symbolic link loop: fix or remove the link"),
        (str(hostile / "loop-b.md"), "symbolic link loop: fix or remove the link"),
        (
            str(hostile / "pipe.txt"),
            "a FIFO (named pipe), not a regular file: newsqa reads only regular files",
        ),
        (
            str(hostile / "secret.md"),
            f"symbolic link to {hostile.parent}/private/secret.md, outside the ingested folder: not read "
            "(newsqa ingest --follow-links reads it)",
        ),
        (str(hostile / "sock.md"), "a socket, not a regular file: newsqa reads only regular files"),
        (
            str(hostile / "sub-loop"),
            "symbolic link to a folder: not followed (newsqa ingest --follow-links enters it)",
        ),
        (
            str(hostile / "zero.txt"),
            "symbolic link to /dev/zero, outside the ingested folder: not read (newsqa ingest --follow-links reads it)",
        ),
    ]
    again = ingest(store, [hostile])  # a rerun reports the same, and nothing crashes
    assert (again.unchanged, again.failed, again.skipped) == (
        [str(hostile / "good.jsonl")],
        report.failed,
        report.skipped,
    )


def test_follow_links_reads_outside_files_but_never_a_device_and_ends_loops(
    store: Store, hostile: Path
) -> None:
    report = ingest(store, [hostile], follow_links=True)
    assert report.added == [
        str(hostile / "good.jsonl"),
        str(hostile / "secret.md"),
        str(hostile / "linked-folder" / "secret.md"),
    ]
    assert sorted(a.title for a in store.articles()) == ["保险柜", "山区公路通车"]  # the same file twice
    assert report.duplicates == [(str(hostile / "linked-folder" / "secret.md"), "保险柜")]
    reasons = dict(report.skipped)
    assert reasons[str(hostile / "zero.txt")] == (
        "a character device, not a regular file: newsqa reads only regular files"
    )
    assert reasons[str(hostile / "sub-loop")] == "a link back to a folder already read (a link loop): skipped"


def test_a_removed_link_is_pruned(store: Store, tmp_path: Path) -> None:
    root = tmp_path / "news"
    root.mkdir()
    outside = tmp_path / "elsewhere.md"
    outside.write_text(SECRET, encoding="utf-8")
    os.symlink(outside, root / "secret.md")
    assert ingest(store, [root], follow_links=True).added == [str(root / "secret.md")]
    (root / "secret.md").unlink()
    report = ingest(store, [root])
    assert report.pruned == [str(root / "secret.md")]
    assert store.articles() == []


def test_a_link_followed_once_is_pruned_when_no_longer_followed(store: Store, tmp_path: Path) -> None:
    root = tmp_path / "news"
    root.mkdir()
    (tmp_path / "elsewhere.md").write_text(SECRET, encoding="utf-8")
    os.symlink(tmp_path / "elsewhere.md", root / "secret.md")
    ingest(store, [root], follow_links=True)
    assert ingest(store, [root]).pruned == [str(root / "secret.md")]


def test_a_link_inside_the_folder_is_read_under_its_own_path(store: Store, tmp_path: Path) -> None:
    root = tmp_path / "news"
    (root / "2019").mkdir(parents=True)
    (root / "2019" / "road.jsonl").write_text(RECORD.format(title="公路", text="通车。"), "utf-8")
    os.symlink(root / "2019" / "road.jsonl", root / "latest.jsonl")
    report = ingest(store, [root])
    assert report.added == [str(root / "latest.jsonl"), str(root / "2019" / "road.jsonl")]


def test_a_file_over_the_size_limit_is_refused_unread(store: Store, tmp_path: Path) -> None:
    big = tmp_path / "big.jsonl"
    big.write_text(RECORD.format(title="大", text="字" * (MB // 2)), encoding="utf-8")  # 1.5 MB of UTF-8
    report = ingest(store, [big], max_file_bytes=1 * MB)
    assert report.failed == [
        (
            str(big),
            "file is 1.5 MB, over the 1 MB limit (NEWSQA_MAX_FILE_MB): split it into smaller files, "
            "or raise the limit: NEWSQA_MAX_FILE_MB=2 newsqa ingest PATH",
        )
    ]
    assert ingest(store, [big], max_file_bytes=2 * MB).added == [str(big)]


def test_a_fifo_or_device_named_on_the_command_line(store: Store, tmp_path: Path) -> None:
    os.mkfifo(tmp_path / "pipe.txt")
    report = ingest(store, [tmp_path / "pipe.txt", Path("/dev/zero")])
    assert report.failed == [
        (
            str(tmp_path / "pipe.txt"),
            "a FIFO (named pipe), not a regular file: newsqa reads only regular files",
        ),
        ("/dev/zero", "a character device, not a regular file: newsqa reads only regular files"),
    ]


def test_cli_ingest_of_a_hostile_folder_finishes_and_reports(hostile: Path, tmp_path: Path) -> None:
    """The real command in a real process (a FIFO opened for reading would hang it: the timeout fails it)."""
    env = {**os.environ, "NEWSQA_DB": str(tmp_path / "cli.db"), "NEWSQA_MAX_FILE_MB": "1"}
    done = subprocess.run(
        [sys.executable, "-m", "bot", "ingest", str(hostile)],
        capture_output=True,
        env=env,
        timeout=120,
        check=False,
    )
    out = done.stdout.decode()
    assert done.returncode == 1, done.stderr.decode()
    assert "Traceback" not in done.stderr.decode()
    assert out.splitlines()[0] == "added 1 · updated 0 · unchanged 0 · pruned 0 · failed 2 · skipped 9"
    assert f"failed: {hostile}/caf\\xe9.txt: file name is not valid UTF-8" in out
    assert f"skipped: {hostile}/pipe.txt: a FIFO (named pipe), not a regular file" in out


def test_format_report_lists_skipped_entries(store: Store, hostile: Path) -> None:
    report = ingest(store, [hostile])
    lines = format_report(report).splitlines()
    assert lines[0] == "added 1 · updated 0 · unchanged 0 · pruned 0 · failed 2 · skipped 9"
    assert (
        lines[4]
        == f"skipped: {hostile}/dangling.md: broken symbolic link (its target {hostile}/gone.md does not exist): fix or remove it"
    )


def test_read_limited_refuses_a_fifo_or_device_swapped_in_after_the_walk(tmp_path: Path) -> None:
    from corpus.walk import NotReadable, read_limited

    os.mkfifo(tmp_path / "swapped.txt")  # no writer: a blocking open would hang here
    with pytest.raises(NotReadable, match=r"^a FIFO \(named pipe\), not a regular file"):
        read_limited(str(tmp_path / "swapped.txt"), MB)
    with pytest.raises(NotReadable, match=r"^a character device, not a regular file"):
        read_limited("/dev/zero", MB)


def test_cli_follow_links(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from bot.cli import main

    root = tmp_path / "news"
    root.mkdir()
    (tmp_path / "elsewhere.md").write_text("# 保险柜\n\n保险柜的密码是7391。\n", encoding="utf-8")
    os.symlink(tmp_path / "elsewhere.md", root / "secret.md")
    monkeypatch.setenv("NEWSQA_DB", str(tmp_path / "newsqa.db"))
    assert main(["ingest", str(root)]) == 0
    assert capsys.readouterr().out.splitlines()[0] == (
        "added 0 · updated 0 · unchanged 0 · pruned 0 · failed 0 · skipped 1"
    )
    assert main(["ingest", str(root), "--follow-links"]) == 0
    assert (
        capsys.readouterr().out.splitlines()[0] == "added 1 · updated 0 · unchanged 0 · pruned 0 · failed 0"
    )
    assert main(["articles"]) == 0
    assert capsys.readouterr().out.split()[1] == "保险柜"

"""Finding the source files to ingest, safely, and reading one with a size limit.

What a folder may hold and what happens to it (nothing here can hang, crash or read outside the folder):
- hidden files and folders (``.name``) and files without a source extension: ignored, as before;
- a file or folder name that is not valid UTF-8: reported as failed (rename it) and skipped — never stored,
  never a crash (SQLite cannot hold such a name as text);
- FIFOs, sockets, character and block devices: skipped with the reason; never opened for reading (a FIFO
  would block the ingest), and :func:`read_limited` re-checks the opened file, so a swap after the walk
  cannot slip one in;
- a symbolic link whose target is outside the ingested folder: skipped unless ``follow_links``; a link to a
  file inside it is read under the link's own path; a link to a folder is only entered with ``follow_links``
  (each folder at most once, so link loops end); a link loop or a dangling link: skipped with the reason.

Paths are kept as given (absolute, links not resolved), so removing a link prunes what was read through it.
"""

from __future__ import annotations

import errno
import os
import stat
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from corpus.readers import EXTENSIONS

__all__ = ["Found", "NotReadable", "display", "find", "read_limited", "walk"]

MB = 1024 * 1024
_KINDS = {
    stat.S_IFIFO: "a FIFO (named pipe)",
    stat.S_IFCHR: "a character device",
    stat.S_IFBLK: "a block device",
    stat.S_IFSOCK: "a socket",
    stat.S_IFDIR: "a folder",
}
_BAD_NAME = "{} name is not valid UTF-8: rename it to UTF-8 (e.g. convmv -f gbk -t utf-8 --notest NAME)"


class NotReadable(Exception):
    """A file that must not be read (not regular, or over the size limit); the message says why and the fix."""


@dataclass(frozen=True)
class Found:
    """One entry of a walk: a file to read (``reason`` None), or one skipped or failed with its reason."""

    path: str
    reason: str | None = None
    failed: bool = False  # a source that could not be read (counts as failed), not just something skipped


def display(path: str) -> str:
    """``path`` printable: bytes that are not UTF-8 shown as ``\\xff``."""
    return os.fsencode(path).decode("utf-8", "backslashreplace")


def _utf8(name: str) -> bool:
    try:
        name.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def _kind(mode: int) -> str:
    return _KINDS.get(stat.S_IFMT(mode), "not a regular file")


def _is_source(name: str) -> bool:
    return not name.startswith(".") and Path(name).suffix.lower() in EXTENSIONS


def _inside(target: str, root: str) -> bool:
    return target == root or target.startswith(root.rstrip(os.sep) + os.sep)


def _link_problem(path: str, exc: OSError) -> str:
    if exc.errno == errno.ELOOP:
        return "symbolic link loop: fix or remove the link"
    if exc.errno == errno.ENOENT:
        return (
            f"broken symbolic link (its target {display(os.readlink(path))} does not exist): fix or remove it"
        )
    return f"cannot follow the link: {exc.strerror or exc}"


def walk(folder: str, *, follow_links: bool = False) -> Iterator[Found]:
    """Every source file under ``folder`` (files of a folder before its sub-folders, names sorted)."""
    root = os.path.realpath(folder)
    seen: set[tuple[int, int]] = set()
    yield from _walk_dir(folder, root, follow_links, seen)


def _walk_dir(folder: str, root: str, follow_links: bool, seen: set[tuple[int, int]]) -> Iterator[Found]:
    try:
        st = os.stat(folder)
        if (st.st_dev, st.st_ino) in seen:
            yield Found(folder, "a link back to a folder already read (a link loop): skipped")
            return
        seen.add((st.st_dev, st.st_ino))
        with os.scandir(folder) as it:
            entries = sorted(it, key=lambda e: e.name)
    except OSError as exc:
        yield Found(folder, f"cannot read the folder: {exc.strerror or exc}", failed=True)
        return
    folders: list[str] = []
    for entry in entries:
        if entry.name.startswith("."):
            continue
        found = _entry(entry, root, follow_links)
        if found is None:
            continue
        if found.reason is None and found.path.endswith(os.sep):
            folders.append(found.path.rstrip(os.sep))
        elif found.reason is not None or _is_source(entry.name):
            yield found
    for sub in folders:
        yield from _walk_dir(sub, root, follow_links, seen)


def _entry(entry: os.DirEntry[str], root: str, follow_links: bool) -> Found | None:
    """What to do with one entry; a folder to enter comes back as its path with a trailing separator."""
    path = entry.path
    if not _utf8(entry.name):
        what = "folder" if entry.is_dir(follow_symlinks=False) else "file"
        return Found(path, _BAD_NAME.format(what), failed=True)
    is_link = entry.is_symlink()
    if is_link:
        try:
            mode = os.stat(path).st_mode
        except OSError as exc:
            return Found(path, _link_problem(path, exc)) if _is_source(entry.name) else None
        target = os.path.realpath(path)
        if stat.S_ISDIR(mode):
            if follow_links:
                return Found(path + os.sep)
            return Found(
                path, "symbolic link to a folder: not followed (newsqa ingest --follow-links enters it)"
            )
        if not _is_source(entry.name):
            return None
        if not follow_links and not _inside(target, root):
            return Found(
                path,
                f"symbolic link to {display(target)}, outside the ingested folder: not read "
                "(newsqa ingest --follow-links reads it)",
            )
    else:
        try:
            mode = entry.stat(follow_symlinks=False).st_mode
        except OSError as exc:
            return Found(path, f"cannot read it: {exc.strerror or exc}", failed=True)
        if stat.S_ISDIR(mode):
            return Found(path + os.sep)
        if not _is_source(entry.name):
            return None
    if not stat.S_ISREG(mode):
        return Found(path, f"{_kind(mode)}, not a regular file: newsqa reads only regular files")
    return Found(path)


def find(given: Path, *, follow_links: bool = False) -> tuple[list[Found], bool]:
    """The entries for one path given on the command line, and whether it was a folder."""
    path = os.path.abspath(os.path.expanduser(str(given)))
    if not _utf8(path):
        return [Found(path, _BAD_NAME.format("path"), failed=True)], False
    try:
        mode = os.stat(path).st_mode
    except OSError as exc:
        if exc.errno == errno.ENOENT and not os.path.lexists(path):
            return [Found(path, "no such file or folder: check the path", failed=True)], False
        return [Found(path, _link_problem(path, exc), failed=True)], False
    if stat.S_ISDIR(mode):
        return list(walk(path, follow_links=follow_links)), True
    if not stat.S_ISREG(mode):
        return [
            Found(path, f"{_kind(mode)}, not a regular file: newsqa reads only regular files", True)
        ], False
    return [Found(path)], False


def read_limited(path: str, max_bytes: int) -> bytes:
    """The file's bytes; :class:`NotReadable` for a file that is not regular or is over ``max_bytes``."""
    fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0))
    try:
        st = os.fstat(fd)
        if not stat.S_ISREG(st.st_mode):
            raise NotReadable(f"{_kind(st.st_mode)}, not a regular file: newsqa reads only regular files")
        if st.st_size > max_bytes:
            raise NotReadable(_too_large(st.st_size, max_bytes))
        chunks: list[bytes] = []
        size = 0
        while chunk := os.read(fd, 1 << 20):
            size += len(chunk)
            if size > max_bytes:  # grew while being read
                raise NotReadable(_too_large(size, max_bytes))
            chunks.append(chunk)
        return b"".join(chunks)
    finally:
        os.close(fd)


def _too_large(size: int, max_bytes: int) -> str:
    limit = max_bytes / MB
    need = int(size / MB) + 1
    return (
        f"file is {size / MB:.1f} MB, over the {limit:g} MB limit (NEWSQA_MAX_FILE_MB): split it into smaller "
        f"files, or raise the limit: NEWSQA_MAX_FILE_MB={need} newsqa ingest PATH"
    )

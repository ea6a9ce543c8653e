"""Incremental ingest: files and folders of sources into the store, each file in one transaction.

A file whose bytes hash (sha256) to what the store recorded for its path is skipped; a new or changed file is
read and replaces what the store held for it; a file recorded under an ingested folder that the walk no longer
finds there is pruned (paths as given, see :mod:`corpus.walk` for what a walk reads and skips). A bad file is
reported with its reason and skipped, keeping whatever was stored for it before; a file over the size limit is
refused unread. A file whose bytes match a recorded source whose path is gone is a move: the record is renamed,
the file not read again; an article already stored from another file is not stored twice
(:mod:`corpus.store_identity`). Interrupting an ingest (Ctrl-C) loses at most the file being written; a full disk stops it
with ``report.stopped`` naming the space to free; either way the store stays usable.
"""

from __future__ import annotations

import hashlib
import logging
import os
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from corpus.prefetch import Prefetch
from corpus.readers import BadSource, read_source
from corpus.store import Store, StoreFull
from corpus.store_guard import disk_full_message
from corpus.store_identity import orphaned_sources
from corpus.walk import MB, NotReadable, display, find, read_limited

log = logging.getLogger(__name__)

#: Files larger than this are refused (the ``NEWSQA_MAX_FILE_MB`` setting).
DEFAULT_MAX_FILE_MB = 50

#: Duplicate articles listed one by one in the report; the rest are counted.
MAX_LISTED = 20

#: ``progress(done, total, path)`` is called after each file.
Progress = Callable[[int, int, str], None]


@dataclass
class IngestReport:
    """What an ingest did: paths per outcome, the store's totals afterwards, and the time it took."""

    added: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    pruned: list[str] = field(default_factory=list)
    failed: list[tuple[str, str]] = field(default_factory=list)  # (path, reason)
    skipped: list[tuple[str, str]] = field(default_factory=list)  # not sources: FIFOs, links out, loops
    moved: list[tuple[str, str]] = field(default_factory=list)  # (old path, new path), not re-read
    duplicates: list[tuple[str, str]] = field(default_factory=list)  # (path, title) stored from elsewhere
    stopped: str | None = None  # why the ingest stopped early (a full disk), or None
    articles: int = 0
    paragraphs: int = 0
    seconds: float = 0.0

    @property
    def changed(self) -> bool:
        """True when the store's content changed."""
        return bool(self.added or self.updated or self.pruned or self.moved)


def bundled_corpus_dir() -> Path:
    """The folder of articles shipped inside the package (``corpus/articles``)."""
    return Path(__file__).resolve().parent / "articles"


def _plan(
    paths: Sequence[Path], report: IngestReport, follow_links: bool
) -> tuple[list[str], list[str], set[str]]:
    """(files to ingest, folders walked, every path the walk saw); skipped and failed entries reported."""
    files: dict[str, None] = {}
    folders: list[str] = []
    seen: set[str] = set()
    for given in paths:
        found, is_folder = find(given, follow_links=follow_links)
        if is_folder:
            folders.append(os.path.abspath(os.path.expanduser(str(given))))
        for entry in found:
            if entry.reason is None:
                files[entry.path] = None
                seen.add(entry.path)
            elif entry.failed:
                report.failed.append((display(entry.path), entry.reason))
                seen.add(entry.path)
            else:
                report.skipped.append((display(entry.path), entry.reason))
    return list(files), folders, seen


def ingest(
    store: Store,
    paths: Sequence[Path],
    *,
    progress: Progress | None = None,
    follow_links: bool = False,
    max_file_bytes: int = DEFAULT_MAX_FILE_MB * MB,
    workers: int = 1,
) -> IngestReport:
    """Bring the store up to date with the files and folders in ``paths``.

    A full disk stops the ingest: ``report.stopped`` holds the message, the files stored before stay stored.
    ``workers`` > 1 parse the next files in processes while this one stores (:mod:`corpus.prefetch`).
    """
    started = time.perf_counter()
    report = IngestReport()
    files, folders, seen = _plan(paths, report, follow_links)
    prefixes = tuple(f.rstrip(os.sep) + os.sep for f in folders)

    def gone(path: str) -> bool:
        """A recorded path this ingest will prune, or that no longer exists: its file may have moved."""
        return (path.startswith(prefixes) and path not in seen) or not os.path.lexists(path)

    done = 0
    prefetch = Prefetch(files, _known_hash(store), max_file_bytes, workers)
    try:
        with prefetch:
            for done, path in enumerate(files, start=1):
                _ingest_file(store, path, report, max_file_bytes, gone, prefetch)
                if progress is not None:
                    progress(done, len(files), path)
        _prune(store, prefixes, seen, report)
        for path in orphaned_sources(store.conn):  # their copy of an article went: read them again
            if os.path.isfile(path):
                if path in report.unchanged:
                    report.unchanged.remove(path)
                _ingest_file(
                    store,
                    path,
                    report,
                    max_file_bytes,
                    gone,
                    Prefetch([], _known_hash(store), 0, 1),
                    force=True,
                )
    except StoreFull:
        left = sum(_size(p) for p in files[max(0, done - 1) :])  # the store takes about twice the text
        report.stopped = disk_full_message(store.path, 2 * left + MB)
    counts = store.counts()
    report.articles, report.paragraphs = counts["articles"], counts["paragraphs"]
    report.seconds = time.perf_counter() - started
    log.info(
        "ingest: %d added, %d updated, %d unchanged, %d pruned, %d failed, %d skipped in %.2f s",
        len(report.added),
        len(report.updated),
        len(report.unchanged),
        len(report.pruned),
        len(report.failed),
        len(report.skipped),
        report.seconds,
    )
    return report


def _known_hash(store: Store) -> Callable[[str], str | None]:
    def known(path: str) -> str | None:
        source = store.source(path)
        return None if source is None else source.content_hash

    return known


def _size(path: str) -> int:
    try:
        return os.stat(path).st_size
    except OSError:
        return 0


def _ingest_file(
    store: Store,
    key: str,
    report: IngestReport,
    max_file_bytes: int,
    gone: Callable[[str], bool],
    prefetch: Prefetch,
    *,
    force: bool = False,
) -> None:
    try:
        data = read_limited(key, max_file_bytes)
    except NotReadable as exc:
        prefetch.skip(key)
        report.failed.append((key, str(exc)))
        return
    except OSError as exc:
        prefetch.skip(key)
        report.failed.append((key, f"cannot read the file: {exc.strerror or exc}"))
        return
    digest = hashlib.sha256(data).hexdigest()
    known = store.source(key)
    if known is not None and known.content_hash == digest and not force:
        prefetch.skip(key)
        report.unchanged.append(key)
        return
    if known is None:
        moved_from = next((s.path for s in store.sources_with_hash(digest) if gone(s.path)), None)
        if moved_from is not None:
            prefetch.skip(key)
            store.rename_source(moved_from, key)
            report.moved.append((moved_from, key))
            return
    try:
        parsed = prefetch.take(key, digest)
        fmt, articles = parsed if parsed is not None else read_source(Path(key), data)
    except BadSource as exc:
        report.failed.append((key, str(exc)))
        return
    except Exception as exc:  # a reader bug must not stop the other files
        log.exception("reading %s failed", key)
        report.failed.append(
            (key, f"internal error while reading ({type(exc).__name__}: {exc}); please report it")
        )
        return
    skipped = store.replace_source(key, digest, len(data), fmt, articles)
    report.duplicates.extend((key, title) for title in skipped)
    (report.added if known is None else report.updated).append(key)


def _prune(store: Store, prefixes: tuple[str, ...], seen: set[str], report: IngestReport) -> None:
    """Forget sources recorded under an ingested folder that the walk no longer found there (paths as given:
    a removed link, a file turned into a FIFO or a link out of the folder are pruned)."""
    if not prefixes:
        return
    for source in store.sources():
        if source.path.startswith(prefixes) and source.path not in seen:
            store.remove_source(source.path)
            report.pruned.append(source.path)


def format_report(report: IngestReport) -> str:
    """The lines the CLI prints for an ingest."""
    counts = (
        f"added {len(report.added)} · updated {len(report.updated)} · unchanged {len(report.unchanged)} · "
        f"pruned {len(report.pruned)} · failed {len(report.failed)}"
    )
    for label, items in (("moved", report.moved), ("duplicate articles", report.duplicates)):
        if items:
            counts += f" · {label} {len(items)}"
    if report.skipped:
        counts += f" · skipped {len(report.skipped)}"
    lines = [counts, f"{report.articles} articles, {report.paragraphs} paragraphs in {report.seconds:.2f} s"]
    lines += [f"failed: {path}: {reason}" for path, reason in report.failed]
    lines += [f"skipped: {path}: {reason}" for path, reason in report.skipped]
    lines += [f"moved: {old} → {new} (recognised by content, not read again)" for old, new in report.moved]
    lines += [
        f"duplicate: {path}: 《{title}》 is already stored (same title and text), not stored twice"
        for path, title in report.duplicates[:MAX_LISTED]
    ]
    if len(report.duplicates) > MAX_LISTED:
        lines.append(f"duplicate: … and {len(report.duplicates) - MAX_LISTED} more")
    if report.stopped:  # the reason itself is the CLI's `Error:` line
        stored = report.added + report.updated + [new for _, new in report.moved]
        lines += [f"stored before the disk filled: {path}" for path in stored]
    return "\n".join(lines)

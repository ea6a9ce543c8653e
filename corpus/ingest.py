"""Incremental ingest: files and folders of sources into the store, each file in one transaction.

A file whose bytes hash (sha256) to what the store recorded for its path is skipped; a new or changed file is
read and replaces what the store held for it; a file recorded under an ingested folder that no longer exists
is pruned. A bad file is reported with its reason and skipped, keeping whatever was stored for it before.
Interrupting an ingest (Ctrl-C) loses at most the file being written; the store stays usable.
"""

from __future__ import annotations

import hashlib
import logging
import os
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from corpus.readers import EXTENSIONS, BadSource, read_source
from corpus.store import Store

log = logging.getLogger(__name__)

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
    articles: int = 0
    paragraphs: int = 0
    seconds: float = 0.0

    @property
    def changed(self) -> bool:
        """True when the store's content changed."""
        return bool(self.added or self.updated or self.pruned)


def bundled_corpus_dir() -> Path:
    """The folder of articles shipped inside the package (``corpus/articles``)."""
    return Path(__file__).resolve().parent / "articles"


def _hidden(name: str) -> bool:
    return name.startswith(".")


def walk(folder: Path) -> Iterator[Path]:
    """Source files under ``folder``, recursively, sorted; hidden files and folders skipped."""
    for root, dirs, files in os.walk(folder):
        dirs[:] = sorted(d for d in dirs if not _hidden(d))
        for name in sorted(files):
            if not _hidden(name) and Path(name).suffix.lower() in EXTENSIONS:
                yield Path(root) / name


def _plan(paths: Sequence[Path], report: IngestReport) -> tuple[list[Path], list[Path]]:
    """(files to ingest, folders walked); a path that does not exist goes to ``report.failed``."""
    files: dict[Path, None] = {}
    folders: list[Path] = []
    for given in paths:
        path = Path(given).expanduser().resolve()
        if path.is_dir():
            folders.append(path)
            files.update(dict.fromkeys(p.resolve() for p in walk(path)))
        elif path.is_file():
            files[path] = None
        else:
            report.failed.append((str(path), "no such file or folder: check the path"))
    return list(files), folders


def ingest(store: Store, paths: Sequence[Path], *, progress: Progress | None = None) -> IngestReport:
    """Bring the store up to date with the files and folders in ``paths``."""
    started = time.perf_counter()
    report = IngestReport()
    files, folders = _plan(paths, report)
    for done, path in enumerate(files, start=1):
        _ingest_file(store, path, report)
        if progress is not None:
            progress(done, len(files), str(path))
    _prune(store, folders, report)
    counts = store.counts()
    report.articles, report.paragraphs = counts["articles"], counts["paragraphs"]
    report.seconds = time.perf_counter() - started
    log.info(
        "ingest: %d added, %d updated, %d unchanged, %d pruned, %d failed in %.2f s",
        len(report.added),
        len(report.updated),
        len(report.unchanged),
        len(report.pruned),
        len(report.failed),
        report.seconds,
    )
    return report


def _ingest_file(store: Store, path: Path, report: IngestReport) -> None:
    key = str(path)
    try:
        data = path.read_bytes()
    except OSError as exc:
        report.failed.append((key, f"cannot read the file: {exc.strerror or exc}"))
        return
    digest = hashlib.sha256(data).hexdigest()
    known = store.source(key)
    if known is not None and known.content_hash == digest:
        report.unchanged.append(key)
        return
    try:
        fmt, articles = read_source(path, data)
    except BadSource as exc:
        report.failed.append((key, str(exc)))
        return
    except Exception as exc:  # a reader bug must not stop the other files
        log.exception("reading %s failed", key)
        report.failed.append(
            (key, f"internal error while reading ({type(exc).__name__}: {exc}); please report it")
        )
        return
    store.replace_source(key, digest, len(data), fmt, articles)
    (report.added if known is None else report.updated).append(key)


def _prune(store: Store, folders: Sequence[Path], report: IngestReport) -> None:
    """Forget sources recorded under an ingested folder whose files no longer exist."""
    if not folders:
        return
    prefixes = tuple(str(f).rstrip(os.sep) + os.sep for f in folders)
    for source in store.sources():
        if source.path.startswith(prefixes) and not os.path.exists(source.path):
            store.remove_source(source.path)
            report.pruned.append(source.path)


def format_report(report: IngestReport) -> str:
    """The lines the CLI prints for an ingest."""
    lines = [
        f"added {len(report.added)} · updated {len(report.updated)} · unchanged {len(report.unchanged)} · "
        f"pruned {len(report.pruned)} · failed {len(report.failed)}",
        f"{report.articles} articles, {report.paragraphs} paragraphs in {report.seconds:.2f} s",
    ]
    lines += [f"failed: {path}: {reason}" for path, reason in report.failed]
    return "\n".join(lines)

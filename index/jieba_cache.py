"""jieba's prepared dictionary *with* the corpus's user words, cached on disk so a process loads it, not builds it.

Building a tokenizer costs jieba's own dictionary load (its ``jieba.cache``, ~1 s) plus one ``add_word`` and a
trial cut per user word (~0.4 s at 200k paragraphs). :func:`prepared` instead loads one ``marshal`` file holding
the finished prefix dictionary (read whole, then ``marshal.loads``: ~0.25 s), named by :func:`dictionary_key` — a digest of jieba's version, its dictionary
file and the user words in order — so a changed corpus gets a new file and an old one is never read for it.

Writes are safe against concurrent processes: each writes a private temporary file in the same folder and
renames it over the final name (``os.replace`` is atomic), so a reader sees a whole file or none; a file that
fails to load is rebuilt. The newest :data:`KEEP` files are kept, older ones removed.

:func:`import_jieba` imports jieba without ``pkg_resources`` (which jieba imports only to find its data files,
~0.3 s of the first answer's imports); :func:`import_posseg` imports jieba's POS tagger without the 0.8 s
parse of ``dict.txt`` it does at import (the tag table comes from a cache too).
"""

from __future__ import annotations

import hashlib
import io
import logging
import marshal
import os
import sys
import tempfile
from collections.abc import Callable, Sequence
from pathlib import Path
from types import ModuleType
from typing import Any

__all__ = ["KEEP", "dictionary_key", "import_jieba", "import_posseg", "prepared", "word_tags"]

log = logging.getLogger(__name__)

#: Prepared dictionaries kept in the cache folder (one per user-word set seen lately).
KEEP = 4
_FORMAT = 1
_PREFIX = "jieba-user-"
_TAGS_PREFIX = "jieba-tags-"


def import_jieba() -> ModuleType:
    """``import jieba``, with jieba's data files read from its folder instead of through ``pkg_resources``."""
    if "jieba" in sys.modules:  # imported by other code (corpus/repair.py): jieba set its logger to DEBUG
        logging.getLogger("jieba").setLevel(logging.WARNING)
        return sys.modules["jieba"]
    missing = object()
    saved = sys.modules.get("pkg_resources", missing)
    if saved is missing:
        sys.modules["pkg_resources"] = None  # type: ignore[assignment]  # jieba._compat falls back to open()
    try:
        import jieba
    finally:
        if saved is missing:
            del sys.modules["pkg_resources"]
    logging.getLogger("jieba").setLevel(logging.WARNING)
    return jieba


def import_posseg(directory: Path) -> ModuleType:
    """``import jieba.posseg`` without its import-time parse of ``dict.txt`` (~0.8 s): the module-level tagger
    it builds gets the tag table from :func:`word_tags` (cached in ``directory``) instead. Its Viterbi is
    :mod:`index.posseg_viterbi`'s (the same tags, several times faster)."""
    from index import posseg_viterbi

    if "jieba.posseg" in sys.modules:
        posseg_viterbi.install(sys.modules["jieba.posseg"])
        return sys.modules["jieba.posseg"]
    default = import_jieba().dt
    default.get_dict_file = lambda: io.BytesIO()  # read by POSTokenizer(jieba.dt) at import: nothing
    try:
        import jieba.posseg as posseg
    finally:
        del default.get_dict_file
    posseg.dt.word_tag_tab = word_tags(directory)
    posseg_viterbi.install(posseg)
    return posseg


def _dictionary_file() -> Path:
    return Path(str(import_jieba().__file__)).parent / "dict.txt"


def _dictionary_id() -> str:
    """jieba's version and its dictionary file's size and modification time."""
    jieba = import_jieba()
    stat = _dictionary_file().stat()
    return f"{jieba.__version__}:{stat.st_size}:{int(stat.st_mtime)}"


def dictionary_key(user_words: Sequence[str]) -> str:
    """A digest naming jieba's dictionary plus these user words, in this order."""
    digest = hashlib.sha1(f"{_FORMAT}\n{_dictionary_id()}\n".encode())
    digest.update("\n".join(user_words).encode("utf-8"))
    return digest.hexdigest()[:20]


def _load(path: Path, key: str) -> tuple[dict[str, int], int] | None:
    try:
        found = marshal.loads(path.read_bytes())  # 3-7x faster than marshal.load(file), which jieba uses
    except FileNotFoundError:
        return None
    except (OSError, EOFError, ValueError, TypeError) as exc:
        log.debug("jieba cache %s unreadable (%s): rebuilding it", path, exc)
        return None
    if not (isinstance(found, tuple) and len(found) == 4 and found[:2] == (_FORMAT, key)):
        return None
    return found[2], found[3]


def _save(directory: Path, name: str, value: Any) -> None:
    """Write ``value`` to ``directory/name`` through a private temporary file and an atomic rename."""
    try:
        directory.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=directory, prefix=f".{name}.", suffix=".tmp")
    except OSError as exc:
        log.debug("cannot write jieba's cache in %s: %s", directory, exc)
        return
    try:
        with os.fdopen(fd, "wb") as f:
            marshal.dump(value, f)
        os.replace(tmp, directory / name)
    except OSError as exc:
        log.debug("cannot write jieba's cache %s: %s", directory / name, exc)
        Path(tmp).unlink(missing_ok=True)


def _prune(directory: Path, prefix: str) -> None:
    """Remove all but the :data:`KEEP` newest cache files (a reader with one open keeps reading it)."""
    try:
        files = sorted(directory.glob(f"{prefix}*.marshal"), key=lambda p: p.stat().st_mtime, reverse=True)
        for old in files[KEEP:]:
            old.unlink(missing_ok=True)
    except OSError:
        pass


def prepared(
    user_words: Sequence[str], directory: Path, add_words: Callable[[Any], None]
) -> tuple[Any, bool]:
    """A ready ``jieba.Tokenizer`` for jieba's dictionary plus ``user_words``, and whether it came from the cache.

    On a miss the tokenizer is built from jieba's own cache (in ``directory``), ``add_words(tokenizer)`` adds
    the user words, and the result is written for the next process.
    """
    jieba = import_jieba()
    key = dictionary_key(user_words)
    path = directory / f"{_PREFIX}{key}.marshal"
    tokenizer = jieba.Tokenizer()
    found = _load(path, key)
    if found is not None:
        tokenizer.FREQ, tokenizer.total = found
        tokenizer.initialized = True
        return tokenizer, True
    try:
        directory.mkdir(parents=True, exist_ok=True)
        tokenizer.tmp_dir = str(directory)
    except OSError as exc:  # read-only home: jieba falls back to the system temp dir
        log.warning("cannot use %s for jieba's cache: %s", directory, exc)
    tokenizer.initialize()
    add_words(tokenizer)
    _save(directory, path.name, (_FORMAT, key, tokenizer.FREQ, tokenizer.total))
    _prune(directory, _PREFIX)
    return tokenizer, False


def word_tags(directory: Path) -> dict[str, str]:
    """jieba's dictionary word → part-of-speech tag table (what ``POSTokenizer`` parses from ``dict.txt``),
    cached beside the prepared dictionaries."""
    key = hashlib.sha1(f"{_FORMAT}\n{_dictionary_id()}".encode()).hexdigest()[:20]
    path = directory / f"{_TAGS_PREFIX}{key}.marshal"
    try:
        found = marshal.loads(path.read_bytes())
        if isinstance(found, tuple) and len(found) == 4 and found[:2] == (_FORMAT, key):
            return dict(found[2])
    except (OSError, EOFError, ValueError, TypeError):
        pass
    tags: dict[str, str] = {}
    with _dictionary_file().open("rb") as f:
        for line in f:
            parts = line.decode("utf-8").split()
            if len(parts) == 3:
                tags[parts[0]] = parts[2]
    _save(directory, path.name, (_FORMAT, key, tags, len(tags)))
    _prune(directory, _TAGS_PREFIX)
    return tags

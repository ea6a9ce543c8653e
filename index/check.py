"""``newsqa check``: verify the index against the store it was built from, and repair what is wrong.

Everything is recomputed from the index's own cached tokens (``ix_tokens``) and the store's paragraphs, in
one read snapshot, and compared with what search reads:

- every paragraph up to ``last_id`` indexed once, no indexed passage the store never had;
- document lengths (``ix_doclens``) equal to the token counts; N and the total length (so avgdl) in ``ix_meta``;
- document frequency per term (``ix_terms``) and its histogram (``ix_dfhist``);
- the postings of the listed segments (what search reads): for every term, each live passage once, with its
  term frequency;
- ``PRAGMA integrity_check`` of the whole file.

An index *behind* the store (paragraphs added or deleted since the last sync: an ingest running, or one
killed) is consistent, not wrong: it is reported as a note. :func:`repair_statistics` rewrites the counts
from the tokens when only they are wrong; anything else is rebuilt (``SparseIndex.clear`` then a sync).
"""

from __future__ import annotations

import itertools
import sqlite3
from collections import Counter
from dataclasses import dataclass, field

import numpy as np

from index.postings import CHUNK_BITS, get_meta, invert, set_meta
from index.writer import load_lengths

__all__ = ["CheckReport", "check_index", "repair_statistics"]

#: Examples named per kind of problem.
EXAMPLES = 3


@dataclass
class CheckReport:
    """What :func:`check_index` found: problems (each fixed by a statistics rewrite or a rebuild) and notes."""

    statistics: list[str] = field(default_factory=list)  # fixed by repair_statistics
    structure: list[str] = field(default_factory=list)  # fixed by rebuilding the index
    damaged: list[str] = field(default_factory=list)  # the file itself: integrity_check
    notes: list[str] = field(default_factory=list)
    pending: int = 0  # paragraphs added or deleted since the last sync

    @property
    def ok(self) -> bool:
        """Whether nothing is wrong (notes and pending work aside)."""
        return not (self.statistics or self.structure or self.damaged)

    def lines(self) -> list[str]:
        """Every finding, one line each."""
        return [
            *(f"damaged: {p}" for p in self.damaged),
            *(f"wrong: {p}" for p in self.structure),
            *(f"wrong: {p}" for p in self.statistics),
            *(f"note: {n}" for n in self.notes),
        ]


def _examples(items: list) -> str:
    shown = ", ".join(str(x) for x in items[:EXAMPLES])
    return shown + (" …" if len(items) > EXAMPLES else "")


def check_index(conn: sqlite3.Connection, *, integrity: bool = True) -> CheckReport:
    """Compare the index with the store (see the module docstring); reads one snapshot, writes nothing."""
    report = CheckReport()
    if integrity:
        rows = [r[0] for r in conn.execute("PRAGMA integrity_check")]
        if rows != ["ok"]:
            report.damaged.append(f"PRAGMA integrity_check: {_examples(rows)}")
            return report
    conn.execute("BEGIN")
    try:
        _check(conn, report)
    finally:
        conn.execute("COMMIT")
    return report


def _check(conn: sqlite3.Connection, report: CheckReport) -> None:
    last = get_meta(conn, "last_id")
    store_ids = {pid for (pid,) in conn.execute("SELECT id FROM paragraphs")}
    deleted = {pid for (pid,) in conn.execute("SELECT id FROM deleted_paragraphs")}
    tokens = {pid: (text.split(" ") if text else []) for pid, text in conn.execute("SELECT * FROM ix_tokens")}
    missing = sorted(pid for pid in store_ids if pid <= last and pid not in tokens)
    if missing:
        report.structure.append(
            f"{len(missing)} paragraphs up to last_id {last} not indexed: {_examples(missing)}"
        )
    unknown = sorted(pid for pid in tokens if pid <= last and pid not in store_ids and pid not in deleted)
    if unknown:
        report.structure.append(f"{len(unknown)} indexed passages the store never had: {_examples(unknown)}")
    staged = sorted(pid for pid in tokens if pid > last)  # written by a sync not published yet (or cut short)
    if staged:
        report.notes.append(f"{len(staged)} passages staged by an unfinished index write (not searched yet)")
        tokens = {pid: toks for pid, toks in tokens.items() if pid <= last}
    added = sum(1 for pid in store_ids if pid > last)
    removals = sum(1 for pid in tokens if pid in deleted)
    report.pending = added + removals
    if report.pending:
        report.notes.append(
            f"the index is behind the store: {added} paragraphs not indexed yet, {removals} deleted ones "
            "still indexed (newsqa index, or the running ingest, brings it up to date)"
        )
    lens = _lengths(conn, max([last, *tokens]) if tokens else last)
    wrong_len = sorted(pid for pid, toks in tokens.items() if int(lens[pid]) != len(toks))
    live = {pid for pid, toks in tokens.items() if toks}
    stray_len = sorted(int(pid) for pid in np.flatnonzero(lens) if int(pid) not in live)
    if wrong_len or stray_len:
        report.structure.append(
            f"document lengths wrong for {len(wrong_len) + len(stray_len)} passages: "
            f"{_examples(wrong_len + stray_len)}"
        )
    garbage = conn.execute("SELECT COUNT(*) FROM ix_garbage").fetchone()[0]
    if garbage:
        report.notes.append(
            f"{garbage} unlisted segments of an index write cut short or running (not searched; a sync clears them)"
        )
    _check_counts(conn, report, tokens)
    _check_postings(conn, report, tokens, lens)


def _lengths(conn: sqlite3.Connection, last: int) -> np.ndarray:
    size = ((last >> CHUNK_BITS) + 1) << CHUNK_BITS
    lens = np.zeros(size, dtype=np.uint32)
    for chunk, values in load_lengths(conn).items():
        end = (chunk + 1) << CHUNK_BITS
        if end > len(lens):
            lens = np.concatenate([lens, np.zeros(end - len(lens), dtype=np.uint32)])
        lens[chunk << CHUNK_BITS : end] = values
    return lens


def expected_df(tokens: dict[int, list[str]]) -> Counter[str]:
    """Document frequency of every term, from the indexed passages' tokens."""
    df: Counter[str] = Counter()
    for toks in tokens.values():
        df.update(set(toks))
    return df


def _check_counts(conn: sqlite3.Connection, report: CheckReport, tokens: dict[int, list[str]]) -> None:
    n_docs, total = get_meta(conn, "n_docs"), get_meta(conn, "total_len")
    want_total = sum(len(t) for t in tokens.values())
    if n_docs != len(tokens):
        report.statistics.append(f"N is {n_docs}, {len(tokens)} passages are indexed")
    if total != want_total:
        report.statistics.append(f"total length is {total}, the passages hold {want_total} tokens (avgdl)")
    want = expected_df(tokens)
    have: Counter[str] = Counter(dict(conn.execute("SELECT term, df FROM ix_terms").fetchall()))
    have.update(  # deltas of published segments not folded into ix_terms yet count (as search counts them)
        dict(
            conn.execute(
                "SELECT p.term, SUM(p.delta) FROM ix_df_pending p JOIN ix_segments s ON s.segment = p.segment "
                "GROUP BY p.term"
            ).fetchall()
        )
    )
    wrong = sorted(t for t in set(want) | set(have) if want.get(t, 0) != have.get(t, 0))
    if wrong:
        shown = [f"{t} {have.get(t, 0)}≠{want.get(t, 0)}" for t in wrong[:EXAMPLES]]
        report.statistics.append(f"df wrong for {len(wrong)} terms: {_examples(shown)}")
    hist = dict(conn.execute("SELECT df, terms FROM ix_dfhist").fetchall())
    if hist != dict(Counter(want.values())):
        report.statistics.append("the df histogram (ix_dfhist) does not match the terms")


def _check_postings(
    conn: sqlite3.Connection, report: CheckReport, tokens: dict[int, list[str]], lens: np.ndarray
) -> None:
    """Each term's live postings (as search reads them) against the tokens, inverted again."""
    want = invert(sorted((pid, toks) for pid, toks in tokens.items() if toks))
    expected = {term: (docs, tfs) for term, docs, tfs in want.items()}
    wrong: list[str] = []
    seen: set[str] = set()
    rows = conn.execute(
        "SELECT p.term, p.docs, p.tfs FROM ix_postings p JOIN ix_segments s ON s.segment = p.segment "
        "ORDER BY p.term, p.segment"
    )
    for term, group in itertools.groupby(rows, key=lambda row: row[0]):
        seen.add(term)
        parts = [(np.frombuffer(d, dtype="<i4"), np.frombuffer(f, dtype="<u2")) for _, d, f in group]
        if not _same(parts, expected.get(term), lens):
            wrong.append(term)
    wrong += sorted(t for t in expected if t not in seen)
    if wrong:
        report.structure.append(f"postings wrong for {len(wrong)} terms: {_examples(sorted(wrong))}")


def _same(
    parts: list[tuple[np.ndarray, np.ndarray]], want: tuple[np.ndarray, np.ndarray] | None, lens: np.ndarray
) -> bool:
    docs = np.concatenate([d for d, _ in parts]) if parts else np.zeros(0, np.int32)
    tfs = np.concatenate([f for _, f in parts]) if parts else np.zeros(0, np.uint16)
    inside = docs < len(lens)
    keep = np.zeros(len(docs), dtype=bool)
    keep[inside] = (
        lens[docs[inside]] > 0
    )  # postings of deleted passages stay until a merge; search skips them
    docs, tfs = docs[keep], tfs[keep]
    order = np.argsort(docs, kind="stable")
    docs, tfs = docs[order], tfs[order]
    if want is None:
        return len(docs) == 0
    return bool(np.array_equal(docs, want[0]) and np.array_equal(tfs, want[1]))


def repair_statistics(conn: sqlite3.Connection) -> None:
    """Rewrite N, the total length, df and its histogram from the indexed tokens, in one transaction."""
    conn.execute("BEGIN IMMEDIATE")
    try:
        tokens = {pid: (t.split(" ") if t else []) for pid, t in conn.execute("SELECT * FROM ix_tokens")}
        df = expected_df(tokens)
        conn.execute("DELETE FROM ix_terms")
        conn.execute("DELETE FROM ix_df_pending")
        conn.executemany("INSERT INTO ix_terms(term, df) VALUES (?, ?)", sorted(df.items()))
        conn.execute("DELETE FROM ix_dfhist")
        conn.executemany("INSERT INTO ix_dfhist(df, terms) VALUES (?, ?)", Counter(df.values()).items())
        set_meta(conn, "n_docs", len(tokens))
        set_meta(conn, "total_len", sum(len(t) for t in tokens.values()))
        set_meta(conn, "version", get_meta(conn, "version") + 1)
    except BaseException:
        conn.execute("ROLLBACK")
        raise
    conn.execute("COMMIT")

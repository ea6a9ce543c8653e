"""Read one source file into articles: page dumps, Markdown, HTML, JSON/JSONL records, squad-style JSON.

:func:`read_source` picks the reader by extension, sniffing the text where the extension does not decide
(a ``.txt`` holding HTML or JSON, a ``.json`` holding JSON lines). Every failure is a :class:`BadSource` whose
message says what is wrong and how to fix it.

Format names (stored with the source): ``page``, ``dump`` (a ``.txt`` of many articles, :mod:`corpus.dump`), ``markdown``, ``html``, ``json``, ``jsonl``, ``squad``.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from corpus.clean import clean_text
from corpus.dump import is_dump, parse_dump
from corpus.encoding import BadSource, decode
from corpus.furniture import is_credit, split_caption_credit
from corpus.html_reader import parse_html, squash
from corpus.markdown_reader import parse_markdown
from corpus.models import CAPTION, CREDIT, NOTE, Article, Caption, Paragraph
from corpus.page import parse_page
from corpus.passages import LONG_CHARS, split_long
from corpus.records import derive_title, markdown_article, normalize_date, record_article
from corpus.titles import clean_title

__all__ = ["EXTENSIONS", "BadSource", "normalize_date", "read_source", "read_text"]

#: File extensions a folder walk picks up.
EXTENSIONS = frozenset((".txt", ".md", ".markdown", ".html", ".htm", ".json", ".jsonl"))
_FORMAT_BY_EXT = {".txt": "page", ".md": "markdown", ".markdown": "markdown", ".html": "html", ".htm": "html",
                  ".json": "json", ".jsonl": "jsonl"}  # fmt: skip
_HTML_START = re.compile(r"^\s*(<!--.*?-->\s*)*<(!doctype\s+html|html|head|body)\b", re.I | re.S)
_LATIN_END = re.compile(r"[A-Za-z0-9,.;:!?)]$")
_LATIN_START = re.compile(r"^[A-Za-z0-9(]")


def read_source(path: Path, data: bytes | None = None) -> tuple[str, list[Article]]:
    """Read the file at ``path`` (or its already-read bytes ``data``): (format name, articles)."""
    if data is None:
        try:
            data = path.read_bytes()
        except OSError as exc:
            raise BadSource(f"cannot read the file: {exc.strerror or exc}") from exc
    text, _ = decode(data)
    fmt, articles = read_text(text, path.suffix.lower(), name=path.stem)
    if not any(a.paragraphs for a in articles):
        raise BadSource(f"no article text found in this {fmt} file: check that it holds article paragraphs")
    for article in articles:
        article.paragraphs = bounded(article.paragraphs)
    return fmt, articles


def bounded(paragraphs: list[Paragraph]) -> list[Paragraph]:
    """Passages of a readable size whatever the reader made: a paragraph over :data:`LONG_CHARS` is cut at
    sentence ends (then clause marks, then every :data:`MAX_CHARS`), each piece keeping its heading and flags."""
    out: list[Paragraph] = []
    for p in paragraphs:
        if len(p.text) <= LONG_CHARS:
            out.append(p)
            continue
        out += [Paragraph(piece, heading=p.heading, flags=p.flags, raw=piece) for piece in split_long(p.text)]
    return out


def read_text(text: str, ext: str, *, name: str = "") -> tuple[str, list[Article]]:
    """Read decoded ``text`` as a source with extension ``ext``; ``name`` is the title of last resort."""
    fmt = _FORMAT_BY_EXT.get(ext) or _sniff(text)
    if fmt == "page":
        fmt = _sniff(text) or "page"
    if fmt is None:
        known = " ".join(sorted(EXTENSIONS))
        raise BadSource(f"unknown file type {ext or '(no extension)'}: newsqa reads {known}; rename the file")
    if fmt == "page" and is_dump(text):
        return "dump", parse_dump(text)
    if fmt == "page":
        return fmt, parse_page(text, source=None)
    if fmt == "markdown":
        return fmt, [read_markdown(text, name=name)]
    if fmt == "html":
        return fmt, [read_html(text, name=name)]
    return read_json(text, jsonl=fmt == "jsonl")


def _sniff(text: str) -> str | None:
    """Recognise HTML and JSON by their content; None for anything else."""
    head = text.lstrip()[:2000]
    if _HTML_START.match(head):
        return "html"
    if head[:1] in "{[":
        try:
            json.loads(text)
        except json.JSONDecodeError as exc:
            return "jsonl" if exc.msg == "Extra data" and head[:1] == "{" else None
        return "json"
    return None


# -- shared helpers -----------------------------------------------------------------------------------------


def clean(raw: str) -> str:
    """Text cleaned for display (:func:`corpus.clean.clean_text`), stripped."""
    return clean_text(raw).strip()


def join_lines(lines: Iterable[str]) -> str:
    """Join soft-wrapped lines: a space between Latin words or numbers, nothing between Chinese."""
    out = ""
    for line in (squash(x) for x in lines):
        if not line:
            continue
        sep = " " if out and _LATIN_END.search(out) and _LATIN_START.match(line) else ""
        out += sep + line
    return out


def make_paragraphs(items: Iterable[tuple[str | None, str, str]]) -> list[Paragraph]:
    """Paragraphs from (heading, text, raw) triples: lines joined, cleaned, empty ones dropped, raw kept."""
    out = []
    for heading, text, raw in items:
        shown = clean(join_lines(text.split("\n")))
        if shown:
            out.append(Paragraph(text=shown, heading=clean(heading) if heading else None, raw=raw))
    return out


# -- HTML ---------------------------------------------------------------------------------------------------


def read_html(text: str, *, name: str = "") -> Article:
    """One article from an HTML page."""
    doc = parse_html(text)
    paragraphs = make_paragraphs((h, t, t) for h, t in doc.blocks)
    title = clean_title(doc.title) if doc.title else ""
    article = Article(
        title=title,
        title_derived=not title,
        paragraphs=paragraphs,
        subtitle=clean_title(doc.subtitle) if doc.subtitle else None,
        byline=doc.byline,
        date=normalize_date(doc.date),
        source=doc.source,
        url=doc.url,
        captions=_captions(doc.captions) + [Caption(clean(n), kind=NOTE, raw=n) for n in doc.notes],
    )
    article.title = title or derive_title(article, name)
    return article


def _captions(texts: list[str]) -> list[Caption]:
    """Captions, a credit glued to its caption (``新添的CT设备。王五摄``) split off as a credit."""
    out: list[Caption] = []
    for raw in texts:
        text = clean(raw)
        glued = split_caption_credit(text)
        if glued:
            out += [Caption(glued[0], raw=raw), Caption(glued[1], kind=CREDIT, raw=raw)]
        elif text:
            out.append(Caption(text, kind=CREDIT if is_credit(text) else CAPTION, raw=raw))
    return out


# -- Markdown -----------------------------------------------------------------------------------------------


def read_markdown(text: str, *, name: str = "") -> Article:
    """One article from a Markdown file (see :mod:`corpus.markdown_reader` and :mod:`corpus.records`)."""
    return markdown_article(parse_markdown(text), name=name)


# -- JSON ---------------------------------------------------------------------------------------------------


def read_json(text: str, *, jsonl: bool = False) -> tuple[str, list[Article]]:
    """Articles from JSON (one record, a list of records, or a squad-style file) or from JSON lines."""
    if jsonl:
        records: list[tuple[str, Any]] = []
        for number, line in enumerate(text.split("\n"), start=1):
            if line.strip():
                records.append((f"line {number}", _loads(line, line_offset=number - 1)))
        return "jsonl", [_record(r, where) for where, r in records]
    try:
        value = json.loads(text)
    except json.JSONDecodeError as exc:
        if exc.msg == "Extra data" and text.lstrip().startswith("{"):
            return read_json(text, jsonl=True)  # JSON lines in a .json file
        raise _syntax_error(exc) from exc
    if isinstance(value, dict) and isinstance(value.get("data"), list) and _is_squad(value["data"]):
        return "squad", _squad(value["data"])
    if isinstance(value, dict) and isinstance(value.get("articles"), list):
        value = value["articles"]
    if isinstance(value, list):
        return "json", [_record(r, f"record {i}") for i, r in enumerate(value, start=1)]
    return "json", [_record(value, "the record")]


def _loads(text: str, *, line_offset: int = 0) -> Any:
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise _syntax_error(exc, line_offset) from exc


def _syntax_error(exc: json.JSONDecodeError, line_offset: int = 0) -> BadSource:
    # json's message names the spot itself ("Unterminated string starting at"): the spot is given before it
    what = re.sub(r"\s+(?:starting\s+)?at$", "", exc.msg)
    return BadSource(
        f"JSON syntax error at line {exc.lineno + line_offset}, column {exc.colno}: {what}; "
        "fix it there (python -m json.tool FILE shows the spot)"
    )


def _record(value: Any, where: str) -> Article:
    return record_article(value, where)


def _is_squad(data: list[Any]) -> bool:
    first = data[0] if data else None
    paragraphs = first.get("paragraphs") if isinstance(first, dict) else None
    return (
        isinstance(paragraphs, list)
        and bool(paragraphs)
        and isinstance(paragraphs[0], dict)
        and ("context" in paragraphs[0])
    )


def _squad(data: list[Any]) -> list[Article]:
    """One article per context, titled by its entry's title (with its ordinal when the entry has several)."""
    articles = []
    for entry in data:
        title = str(entry.get("title") or "").strip() or "（无题）"
        contexts = [p.get("context") or "" for p in entry.get("paragraphs", [])]
        for i, context in enumerate(contexts, start=1):
            lines = [line for line in context.split("\n") if line.strip()]
            paragraphs = [Paragraph(text=line.strip(), raw=line) for line in lines]
            if paragraphs:
                shown = f"{title}（{i}）" if len(contexts) > 1 else title
                articles.append(Article(title=shown, paragraphs=paragraphs))
    return articles

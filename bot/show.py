"""`newsqa show`: an article as clean text — kicker, title, byline, numbered paragraphs, captions, flags."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from corpus.store import ArticleInfo, Passage


def format_article(info: ArticleInfo, passages: Sequence[Passage]) -> str:
    """The article as plain text, paragraphs numbered under their subheadings."""
    lines: list[str] = []
    if info.column:
        lines.append(f"【{info.column}】")
    if info.kicker:
        lines.append(info.kicker)
    title = info.title + ("  （标题由首句生成）" if info.title_derived else "")
    lines.append(f"# {title}")
    if info.subtitle:
        lines.append(info.subtitle)
    # labelled: the dateline's city, and the source as the citation says it (try-out: 北京日报 read as a place)
    place = f"发自{info.place}" if info.place else None
    source = f"来源：{info.source}" if info.source else None
    meta = [x for x in (info.byline, info.date, info.page, place, source, info.url) if x]
    if meta:
        lines.append(" · ".join(meta))
    lines.append(f"id {info.uid} · {info.source_path}")
    heading = None
    for p in passages:
        if p.kind != "body":
            continue
        if p.heading and p.heading != heading:
            lines.append(f"\n## {p.heading}")
        heading = p.heading
        flags = f"  [{', '.join(p.flags)}]" if p.flags else ""
        lines.append(f"\n{p.ordinal}. {p.text}{flags}")
    captions = [p for p in passages if p.kind != "body"]
    if captions:
        lines.append("\n图片说明与附注：")
        lines.extend(f"  - ({p.kind}) {p.text}" for p in captions)
    return "\n".join(lines)


def format_debris(paths: Sequence[str]) -> str:
    """Per source file: the stretches of Chinese text read into no field (debris) and stored text that is not
    in the file (invented, should never happen). The files are read again with the same readers as ingest."""
    from corpus.debris import article_text, debris, invented
    from corpus.encoding import decode
    from corpus.readers import BadSource, read_source

    lines: list[str] = []
    total = 0
    for path in paths:
        try:
            data = Path(path).read_bytes()
            fmt, articles = read_source(Path(path), data)
        except (OSError, BadSource) as exc:
            lines.append(f"{path}: cannot read it again ({exc})")
            continue
        text = article_text(decode(data)[0], fmt)
        lost = debris(text, articles, per_line=fmt == "dump")
        made = invented(text, articles)
        total += sum(len(x) for x in lost)
        if lost or made:
            lines.append(f"{path} ({fmt}): debris {len(lost)}, invented {len(made)}")
            lines += [f"  debris: {x}" for x in lost] + [f"  invented: {x}" for x in made]
    lines.append(f"{len(paths)} source(s), {total} character(s) of debris")
    return "\n".join(lines)

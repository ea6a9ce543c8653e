"""`newsqa show`: an article as clean text — kicker, title, byline, numbered paragraphs, captions, flags."""

from __future__ import annotations

from collections.abc import Sequence

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
    meta = [x for x in (info.byline, info.date, info.page, info.place, info.source, info.url) if x]
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
        lines.append("\n图片说明：")
        lines.extend(f"  - ({p.kind}) {p.text}" for p in captions)
    return "\n".join(lines)

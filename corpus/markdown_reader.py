"""Read a Markdown article: title, front matter or ``作者:``/``日期:`` lines, headings, paragraphs, images.

The title is the first level-1 heading (``# 标题`` or a ``===`` underline) unless the front matter names one;
lower headings become the heading of the paragraphs below them — except a heading above the title (the
kicker, ``### 引题``) and one right under it before any paragraph (the subtitle, ``## 副题``). A line that is
all bold (``**数据赋能，供需双方精准对接**``) is a subheading. Paragraphs are blocks between blank lines
(each list item its own paragraph), with links, emphasis, block-quote and list markers removed; an image's
alt text is a caption. ``作者:``-style lines count as fields only before the first paragraph.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

_FRONT_MATTER = re.compile(r"\A---[ \t]*\n(.*?)\n(?:---|\.\.\.)[ \t]*(?:\n|\Z)", re.S)
_FIELD_LINE = re.compile(r"^\W{0,2}(作者|记者|来源|日期|时间|发布时间|标题|链接|网址)\W{0,2}\s*[:：]\s*(.+)$")
_FIELD_NAMES = {"作者": "author", "记者": "author", "来源": "source", "日期": "date", "时间": "date",
                "发布时间": "date", "标题": "title", "链接": "url", "网址": "url"}  # fmt: skip
_ATX = re.compile(r"^(#{1,6})\s+(.*?)\s*#*\s*$")
_IMAGE = re.compile(r"!\[([^\]]*)\]\([^)]*\)")
_LINK = re.compile(r"\[([^\]]*)\]\([^)]*\)")
_INLINE = re.compile(r"(\*\*|__|\*|`)(.+?)\1")
_LIST = re.compile(r"^\s*(?:[-*+]|\d+[.)])\s+")
_QUOTE = re.compile(r"^\s*>\s?")
_SETEXT = re.compile(r"\s*(=+|-+)\s*")
_RULE = re.compile(r"^\s*([-*_])(\s*\1){2,}\s*$")
_BOLD_LINE = re.compile(r"^\s*(\*\*|__)([^*_]+)\1\s*$")


@dataclass
class MarkdownDoc:
    """What a Markdown file says about its article, as plain strings (not yet cleaned)."""

    title: str | None = None
    fields: dict[str, str] = field(default_factory=dict)  # author, date, source, url (lower-case keys)
    blocks: list[tuple[str | None, str, str]] = field(
        default_factory=list
    )  # (heading, text lines, raw lines)
    captions: list[str] = field(default_factory=list)
    kicker: str | None = None  # a heading above the title (### 引题)
    subtitle: str | None = None  # a heading right under the title, before any paragraph (## 副题)


def strip_inline(text: str) -> str:
    """Text without link targets, emphasis and code marks."""
    return _INLINE.sub(r"\2", _LINK.sub(r"\1", text))


def _front_matter(text: str, doc: MarkdownDoc) -> str:
    front = _FRONT_MATTER.match(text)
    if not front:
        return text
    for line in front.group(1).split("\n"):
        key, sep, value = line.partition(":")
        if sep and value.strip():
            doc.fields.setdefault(key.strip().lower(), value.strip().strip("\"'"))
    return text[front.end() :]


def parse_markdown(text: str) -> MarkdownDoc:
    """Read Markdown into a :class:`MarkdownDoc`."""
    doc = MarkdownDoc()
    text = re.sub(r"<!--.*?-->", "", text.replace("\r\n", "\n").replace("\r", "\n"), flags=re.S)
    lines = _front_matter(text, doc).split("\n")
    doc.title = doc.fields.pop("title", None)
    heading: str | None = None
    current: list[tuple[str, str]] = []  # (line without Markdown syntax, line as written)

    def flush() -> None:
        if current:
            doc.blocks.append((heading, "\n".join(t for t, _ in current), "\n".join(r for _, r in current)))
            current.clear()

    underline = h1_seen = False
    for i, line in enumerate(lines):
        if underline:  # the === or --- under a setext heading
            underline = False
            continue
        atx = _ATX.match(line)
        nxt = lines[i + 1] if i + 1 < len(lines) else ""
        underline = bool(line.strip() and not _LIST.match(line) and _SETEXT.fullmatch(nxt))
        if atx or underline:
            flush()
            level = len(atx.group(1)) if atx else (1 if nxt.strip()[0] == "=" else 2)
            words = strip_inline(atx.group(2) if atx else line.strip())
            if level == 1 and not h1_seen:
                h1_seen = True
                doc.title = doc.title or words
                if heading is not None and not doc.blocks:
                    doc.kicker, heading = heading, None
            elif h1_seen and not doc.blocks and doc.subtitle is None and heading is None:
                doc.subtitle = words or None
            else:
                heading = words or None
            continue
        bold = _BOLD_LINE.match(line)
        if bold and not current:
            flush()
            heading = bold.group(2).strip() or None
            continue
        if not line.strip() or _RULE.match(line) or line.lstrip().startswith("```"):
            flush()
            continue
        doc.captions += [alt.strip() for alt in _IMAGE.findall(line) if alt.strip()]
        bare = strip_inline(_LIST.sub("", _QUOTE.sub("", _IMAGE.sub("", line))))
        field_line = _FIELD_LINE.match(bare.strip())
        if field_line and not doc.blocks and not current:
            doc.fields.setdefault(_FIELD_NAMES[field_line.group(1)], field_line.group(2).strip())
            continue
        if _LIST.match(line):
            flush()
        if bare.strip():
            current.append((bare, line))
    flush()
    return doc

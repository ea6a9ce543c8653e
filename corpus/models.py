"""The things the corpus is made of: articles, their paragraphs and captions.

Readers and the page parser produce these; the store saves and loads them. Plain data, no behaviour.
"""

from __future__ import annotations

from dataclasses import dataclass, field

#: Paragraph flags (stored as a comma-separated string).
TRUNCATED = "truncated"  # the page lost the continuation: the paragraph ends mid-sentence
JOINED = "joined"  # put together from pieces the page split (column break, caption in between, stray lines)
#: Caption kinds: photo caption, photo/chart credit, printed note (byline line, trailer, signature).
CAPTION, CREDIT, NOTE = "caption", "credit", "note"


@dataclass
class Paragraph:
    """One paragraph of body text, cleaned for display (proper Chinese punctuation, no PDF wrap spaces)."""

    text: str
    heading: str | None = None  # the subheading this paragraph stands under
    flags: tuple[str, ...] = ()
    raw: str = ""  # the source text this paragraph was made from, as it stood in the file (for tracing)


@dataclass
class Caption:
    """A photo caption or a photo credit: searchable, never body text."""

    text: str
    kind: str = "caption"  # "caption", "credit" or "note" (byline line, filing/reprint trailer, signature)
    raw: str = ""


@dataclass
class Article:
    """An article as read from a source file."""

    title: str
    paragraphs: list[Paragraph] = field(default_factory=list)
    kicker: str | None = (
        None  # the lead line above the title (often ends in —) or a place-line (辽宁省沈阳市)
    )
    subtitle: str | None = None
    byline: str | None = None  # e.g. 本报记者 马跃峰
    column: str | None = None  # column name, e.g. 金台潮声 (marker glyph R removed)
    date: str | None = None  # ISO date when known
    source: str | None = None  # newspaper or site name
    url: str | None = None
    page: str | None = (
        None  # the printed page, e.g. 第07版 (from a 《人民日报》（…第 07 版） trailer or a record)
    )
    place: str | None = None  # where it was filed, from the dateline (本报北京7月11日电 → 北京)
    captions: list[Caption] = field(default_factory=list)
    title_derived: bool = False  # True when the source gave no title and one was chosen (see README)

    @property
    def headings(self) -> list[str]:
        """Subheadings in order of first appearance."""
        seen: list[str] = []
        for p in self.paragraphs:
            if p.heading and p.heading not in seen:
                seen.append(p.heading)
        return seen

"""Inferring structure where a format has none: headings of plain text, titles for headless sections,
and the inline Markdown of scraped career profiles."""

from __future__ import annotations

import re

from indexer.analysis.text import normalize_space, split_sentences, strip_inline_markdown
from indexer.documents import Block, Section

_FILLER = re.compile(
    r"^(?:(?:here\s+(?:are|is)|there\s+are|the\s+following|with|several|some|these|those|the|a|an|its|their)\s+)+",
    re.I,
)
_CONNECTORS = {"of", "and", "the", "for", "a", "an", "in", "to", "on", "with", "&", "vs", "vs.", "or", "at", "by"}
_INLINE_ITEM = re.compile(r"\s+(?=(?:\d{1,2}\.|[-•])\s+(?:\*\*|[A-Z0-9\"'(]))")
_ITEM_MARK = re.compile(r"^(?:\d{1,2}\.|[-•])\s+")
# A "Title Case phrase:" glued to the end of a list item: the lead-in of the next list, lost its line break.
_GLUED_LEAD = re.compile(
    r"(?<=[a-z0-9.)%])\s+((?:[A-Z][\w'’&/()-]*)(?:\s+(?:[A-Z][\w'’&/()-]*|and|of|the|for|to|in|&)){0,7}:)$"
)


def looks_like_heading(line: str) -> bool:
    """A short line with no final punctuation that starts like a title."""
    words = line.split()
    return (
        0 < len(words) <= 12
        and line[-1] not in ".,;:!?"
        and (line[0].isupper() or line[0].isdigit())
        and not _ITEM_MARK.match(line)
        and len(line) <= 100
    )


def title_from_lead(text: str, max_words: int = 8) -> str:
    """A heading for a section whose heading was lost, made from its lead-in sentence."""
    sentences = split_sentences(normalize_space(text)) or [text]
    lead = next((s for s in reversed(sentences) if s.endswith(":")), sentences[0]).rstrip(":.!? ")
    clause = _FILLER.sub("", re.split(r",\s+|;\s+", lead)[-1]).strip()
    words = clause.split()
    if len(words) < 2:
        words = lead.split()
    title = " ".join(words[:max_words]) + ("…" if len(words) > max_words else "")
    return title[:1].upper() + title[1:]


def split_glued_lead(item: str) -> tuple[str, str | None]:
    """'Do X. Next Topic:' -> ('Do X.', 'Next Topic:')."""
    m = _GLUED_LEAD.search(item)
    if m and len(item[: m.start()].split()) >= 3:
        return item[: m.start()].strip(), m.group(1)
    return item, None


def inline_blocks(text: str) -> list[Block]:
    """A dense paragraph with inline '1.' and '-' lists -> a lead-in paragraph and list items, Markdown stripped."""
    blocks: list[Block] = []
    for piece in _INLINE_ITEM.split(text.strip()):
        piece = piece.strip()
        if not piece:
            continue
        if _ITEM_MARK.match(piece):
            blocks.append(Block(strip_inline_markdown(_ITEM_MARK.sub("", piece)), "item"))
        else:
            blocks.append(Block(strip_inline_markdown(piece), "para"))
    return [b for b in blocks if b.text]


def _same_words(words: list[str], title_words: list[str]) -> bool:
    return all(w.lower().rstrip("s’'") == t.lower().rstrip("s’'") for w, t in zip(words, title_words, strict=True))


def split_inline_heading(chunk: str, doc_title: str) -> tuple[str, str]:
    """'Tools and Technologies Data Platform Architects use ...' -> ('Tools and Technologies', 'Data Platform ...').

    The heading is the run of capitalised words; when body text follows directly, its first capitalised word
    (or the career's own name) opens the body, not the heading."""
    words = chunk.split()
    i, stopped_by_text = 0, False
    while i < len(words):
        w = words[i]
        if w in ("-", "•") or re.match(r"^\d{1,2}\.$", w) or w.startswith("**"):
            break
        if w[0].isupper() or w[0].isdigit() or (i > 0 and w.lower() in _CONNECTORS) or w[0] in "(&":
            i += 1
            continue
        stopped_by_text = True
        break
    if stopped_by_text and i > 1:
        tw = doc_title.split()
        cut = next(
            (j for j in range(1, i) if j + len(tw) <= len(words) and _same_words(words[j : j + len(tw)], tw)), None
        )
        i = cut if cut is not None else i - 1
    while i > 0 and words[i - 1].lower() in _CONNECTORS:
        i -= 1
    heading = strip_inline_markdown(" ".join(words[:i])).rstrip(":")
    body = " ".join(words[i:])
    if not heading or len(heading.split()) > 10:
        return title_from_lead(chunk), chunk
    return heading, body


def profile_sections(body: str, doc_title: str) -> list[Section]:
    """A scraped career profile: one dense paragraph whose '###' marks open its sections."""
    chunks = re.split(r"(?:^|\s)#{2,6}\s+", body)
    sections = []
    if chunks[0].strip():
        sections.append(Section(("Overview",), inline_blocks(chunks[0])))
    for chunk in chunks[1:]:
        heading, rest = split_inline_heading(chunk.strip(), doc_title)
        sections.append(Section((heading,), inline_blocks(rest)))
    return [s for s in sections if s.blocks]

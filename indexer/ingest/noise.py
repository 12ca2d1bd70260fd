"""Site noise in scraped pages: logo lines, image captions, and boilerplate lines repeated across a corpus."""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable

_CAPTION = re.compile(
    r"^(?:(?:first|second|third|fourth|fifth|sixth|main|hero|header|featured|cover|\d+(?:st|nd|rd|th)?)\s+)?"
    r"(?:image|img|photo|picture|figure|banner|thumbnail)(?:\s*\d+)?$",
    re.I,
)
_LOGO = re.compile(r"^logo[\w.-]*$|^[\w.-]*logo$", re.I)


def is_caption_or_logo(line: str) -> bool:
    """An image caption ("first image") or a site-logo line ("logoAcme") carries no content."""
    line = line.strip()
    return bool(_CAPTION.match(line) or _LOGO.match(line))


def standalone_lines(text: str) -> list[tuple[str, bool]]:
    """Each single-line block of a text, with whether the next block is body text (long or a list)."""
    blocks = [b.strip() for b in re.split(r"\n\s*\n", text) if b.strip()]
    out = []
    for i, block in enumerate(blocks):
        if "\n" in block or len(block.split()) > 12:
            continue
        nxt = blocks[i + 1] if i + 1 < len(blocks) else ""
        body_follows = "\n" in nxt or len(nxt.split()) > 12
        out.append((block, body_follows))
    return out


def repeated_noise(texts: Iterable[str]) -> frozenset[str]:
    """Lines that stand alone in at least half of the pages (two at least) and are not followed by body text
    there: navigation, banners, footers. Headings repeat too, but they are followed by their content."""
    seen: Counter[str] = Counter()
    headed: Counter[str] = Counter()
    pages = 0
    for text in texts:
        pages += 1
        lines = {}
        for line, body_follows in standalone_lines(text):
            lines[line] = lines.get(line, False) or body_follows
        for line, body_follows in lines.items():
            seen[line] += 1
            headed[line] += body_follows
    if pages < 2:
        return frozenset()
    threshold = max(2, pages / 2)
    return frozenset(line for line, n in seen.items() if n >= threshold and headed[line] * 2 < n)

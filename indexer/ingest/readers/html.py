"""HTML pages: the main content without site chrome; h1-h6 become the section path, lists and tables become items."""

from __future__ import annotations

import codecs
import re

from selectolax.lexbor import LexborHTMLParser, LexborNode

from indexer.analysis.text import normalize_space
from indexer.documents import Block, Document
from indexer.ingest.readers.decode import decode_text
from indexer.ingest.readers.outline import Outline

_CHROME = (
    "nav, aside, script, style, noscript, form, svg, template, iframe, object, button, select, "
    "[role=navigation], [role=banner], [role=contentinfo], [hidden], [aria-hidden=true]"
)
_HEADINGS = {"h1": 1, "h2": 2, "h3": 3, "h4": 4, "h5": 5, "h6": 6}
_LISTS = {"ul", "ol", "menu"}
_LEAVES = {"p", "pre", "dt", "dd", "figcaption", "summary", "caption", "address", "legend"}  # one paragraph each
_BLOCKS = {
    "html", "body", "main", "article", "section", "div", "header", "footer", "blockquote", "figure", "details",
    "dl", "center", "fieldset", "hr", "li", "table", "tr", "td", "th", "thead", "tbody", "tfoot", "hgroup",
    *_LISTS, *_LEAVES, *_HEADINGS,
}  # fmt: skip
_SKIP = {"img", "picture", "video", "audio", "canvas", "input", "textarea", "map", "head", "title", "meta", "link"}
_BR = "\x1e"  # marks a <br> in collected text: two in a row split a paragraph
_META_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([\w.:-]+)""", re.I)
_TITLE_SUFFIX = re.compile(r"\s+[|–—-]\s+.*$")  # "Career | Site name" -> "Career"


def read(data: bytes, source: str, noise: frozenset[str] = frozenset()) -> list[Document]:
    return parse(_decode(data), source, noise)


def _decode(data: bytes) -> str:
    text = decode_text(data)  # refuses empty and binary files
    m = _META_CHARSET.search(data[:4096])
    if m:
        try:
            data.decode("utf-8")
        except UnicodeDecodeError:  # not UTF-8: the page's own charset beats a guess
            try:
                name = codecs.lookup(m.group(1).decode("ascii")).name
                return data.decode("cp1252" if name == "latin-1" else name)  # browsers read latin-1 as cp1252
            except (LookupError, UnicodeDecodeError):
                pass
    return text


def parse(html: str, source: str, noise: frozenset[str] = frozenset()) -> list[Document]:
    tree = LexborHTMLParser(html)
    page_title = tree.css_first("title")
    fallback_title = _TITLE_SUFFIX.sub("", normalize_space(page_title.text())) if page_title else ""
    for node in reversed(tree.css(_CHROME)):  # innermost first: never touch a node already removed
        node.decompose()
    for node in reversed(tree.css("header, footer")):
        # a header inside the article holds its title; one outside it is the site banner
        if node.tag == "footer" or not _inside(node, ("article", "main")):
            node.decompose()
    root = tree.css_first("main") or _single(tree.css("article")) or tree.body
    if root is None:
        return []
    h1 = root.css_first("h1")
    title = normalize_space(_text(h1)) if h1 else ""
    outline = Outline(title=title or fallback_title)
    _Walker(outline, noise, skip_first_h1=bool(title)).walk(root)
    doc = outline.document(source, fmt="html")
    return [doc] if doc.sections else []


def _inside(node: LexborNode, tags: tuple[str, ...]) -> bool:
    parent = node.parent
    while parent is not None:
        if parent.tag in tags:
            return True
        parent = parent.parent
    return False


def _single(nodes: list[LexborNode]) -> LexborNode | None:
    return nodes[0] if len(nodes) == 1 else None


def _text(node: LexborNode, skip: frozenset[str] = frozenset()) -> str:
    """The node's text as one line; block children are kept apart by a space."""
    parts: list[str] = []
    for child in node.iter(include_text=True):
        if child.is_text_node:
            parts.append(child.text_content or "")
        elif not child.is_element_node or child.tag in skip or child.tag in _SKIP:
            continue
        elif child.tag == "br":
            parts.append(" ")
        elif child.tag in _BLOCKS:
            parts.append(f" {_text(child, skip)} ")
        else:
            parts.append(_text(child, skip))
    return "".join(parts)


class _Walker:
    """Reads the content tree in document order and feeds headings and blocks to the outline."""

    def __init__(self, outline: Outline, noise: frozenset[str], skip_first_h1: bool) -> None:
        self.outline = outline
        self.noise = noise
        self.skip_h1 = skip_first_h1  # the first <h1> is the title, already given to the outline
        self.buffer: list[str] = []  # loose text of the current container, not in any <p>
        self.list_depth = -1

    def add(self, text: str, kind: str = "para", depth: int = 0) -> None:
        text = normalize_space(text)
        if text and text not in self.noise:
            self.outline.add(Block(text, kind, depth))

    def flush(self) -> None:
        for para in re.split(f"{_BR}\\s*{_BR}", "".join(self.buffer)):
            self.add(para.replace(_BR, " "))
        self.buffer = []

    def walk(self, node: LexborNode) -> None:
        for child in node.iter(include_text=True):
            if child.is_text_node:
                self.buffer.append(child.text_content or "")
                continue
            tag = child.tag or ""
            if not child.is_element_node or tag in _SKIP:
                continue
            if tag == "br":
                self.buffer.append(_BR)
            elif tag not in _BLOCKS:
                self.walk(child)  # inline markup: its text joins the current paragraph
            else:
                self.flush()
                self.block(child, tag)
                self.flush()

    def block(self, node: LexborNode, tag: str) -> None:
        if tag in _HEADINGS:
            if tag == "h1" and self.skip_h1:
                self.skip_h1 = False
            else:
                self.outline.heading(_HEADINGS[tag], normalize_space(_text(node)))
        elif tag in _LEAVES:
            self.add(_text(node))
        elif tag in _LISTS:
            self.list_depth += 1
            self.walk(node)
            self.list_depth -= 1
        elif tag == "li":
            self.add(_text(node, skip=frozenset(_LISTS | {"table"})), "item", max(self.list_depth, 0))
            for sub in _outermost(node, frozenset(_LISTS | {"table"})):
                self.block(sub, sub.tag or "")
        elif tag == "table":
            self.table(node)
        else:
            self.walk(node)

    def table(self, node: LexborNode) -> None:
        caption = node.css_first("caption")
        if caption is not None:
            self.add(_text(caption))
        for row in node.css("tr"):
            if not _same_table(row, node):
                continue  # a row of a nested table
            cells = [normalize_space(_text(c)) for c in row.iter() if c.tag in ("td", "th")]
            cells = [c for c in cells if c]
            if cells:
                self.add(" | ".join(cells), "item")


def _outermost(node: LexborNode, tags: frozenset[str]) -> list[LexborNode]:
    """Descendants with one of the tags, not looking inside those found."""
    found: list[LexborNode] = []
    for child in node.iter():
        if child.tag in tags:
            found.append(child)
        else:
            found.extend(_outermost(child, tags))
    return found


def _same_table(row: LexborNode, table: LexborNode) -> bool:
    parent = row.parent
    while parent is not None and parent.tag != "table":
        parent = parent.parent
    return parent is not None and parent.mem_id == table.mem_id

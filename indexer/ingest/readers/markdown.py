"""Markdown (with optional YAML front matter): real headings become the section path."""

from __future__ import annotations

import re

import yaml
from markdown_it import MarkdownIt
from markdown_it.token import Token

from indexer.analysis.text import normalize_space
from indexer.documents import Block, Document
from indexer.errors import ReadError
from indexer.ingest.readers.decode import decode_text
from indexer.ingest.readers.outline import Outline

_FRONT_MATTER = re.compile(r"\A---\s*\n(.*?)\n---\s*(?:\n|\Z)", re.S)
_md = MarkdownIt("commonmark").enable("table")


def _inline_text(token: Token) -> str:
    parts = []
    for child in token.children or []:
        if child.type in ("text", "code_inline", "html_inline"):
            parts.append(re.sub(r"<[^>]+>", "", child.content) if child.type == "html_inline" else child.content)
        elif child.type in ("softbreak", "hardbreak"):
            parts.append(" ")
        elif child.type == "image":
            parts.append(child.content)
    return normalize_space("".join(parts))


def front_matter(text: str) -> tuple[dict, str]:
    m = _FRONT_MATTER.match(text)
    if not m:
        return {}, text
    try:
        meta = yaml.safe_load(m.group(1)) or {}
    except yaml.YAMLError as exc:
        raise ReadError(f"front matter is not valid YAML ({exc.__class__.__name__})") from None
    return (meta if isinstance(meta, dict) else {}), text[m.end() :]


def read(data: bytes, source: str, noise: frozenset[str] = frozenset()) -> list[Document]:
    return parse(decode_text(data), source)


def parse(text: str, source: str) -> list[Document]:
    meta, body = front_matter(text)
    outline = Outline(title=str(meta.get("title") or "").strip())
    tokens = _md.parse(body)
    list_depth = -1
    in_item = 0
    heading_level = 0
    row: list[str] | None = None  # cells of the table row being read
    for tok in tokens:
        if tok.type == "heading_open":
            heading_level = int(tok.tag[1])
        elif tok.type == "inline" and heading_level:
            outline.heading(heading_level, _inline_text(tok))
            heading_level = 0
        elif tok.type in ("bullet_list_open", "ordered_list_open"):
            list_depth += 1
        elif tok.type in ("bullet_list_close", "ordered_list_close"):
            list_depth -= 1
        elif tok.type == "list_item_open":
            in_item += 1
        elif tok.type == "list_item_close":
            in_item -= 1
        elif tok.type == "tr_open":
            row = []
        elif tok.type == "inline" and row is not None:
            row.append(_inline_text(tok))
        elif tok.type == "tr_close":
            if row and any(row):
                outline.add(Block(" | ".join(c for c in row if c), "item"))
            row = None
        elif tok.type == "inline":
            text_ = _inline_text(tok)
            if text_:
                outline.add(Block(text_, "item" if in_item else "para", max(list_depth, 0)))
        elif tok.type in ("fence", "code_block", "html_block"):
            content = normalize_space(re.sub(r"<[^>]+>", " ", tok.content))
            if content:
                outline.add(Block(content, "para"))
    doc = outline.document(source, fmt="markdown")
    aliases = meta.get("aliases") or []
    doc.aliases = [str(a) for a in (aliases if isinstance(aliases, list) else [aliases])]
    doc.category = str(meta.get("category") or "")
    audience = meta.get("audience") or []
    doc.audience = [str(a) for a in (audience if isinstance(audience, list) else [audience])]
    return [doc] if doc.sections else []

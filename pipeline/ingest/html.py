"""HTML: visible text via BeautifulSoup + lxml; block elements become line breaks; title."""
from __future__ import annotations

import re
from typing import Optional

from .text import decode

_META_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([A-Za-z0-9_\-:.]+)""", re.I)
_SPACES = re.compile(r"[ \t\r\n\f\v\u00a0]+")
_BLANKS = re.compile(r"\n[ \t]*\n(?:[ \t]*\n)+")

DROP = {"script", "style", "noscript", "template", "head", "svg", "math", "iframe", "object", "canvas"}
BLOCK = {
    "address", "article", "aside", "blockquote", "body", "caption", "center", "dd", "details", "dialog", "dir",
    "div", "dl", "dt", "fieldset", "figcaption", "figure", "footer", "form", "h1", "h2", "h3", "h4", "h5", "h6",
    "header", "hgroup", "hr", "html", "legend", "li", "main", "menu", "nav", "ol", "p", "pre", "section",
    "summary", "table", "tbody", "tfoot", "thead", "title", "tr", "ul",
}
CELL = {"td", "th"}


def _declared(data: bytes) -> Optional[str]:
    m = _META_CHARSET.search(data[:4096])
    if not m:
        return None
    name = m.group(1).decode("ascii", "replace").lower()
    return {"gb2312": "gb18030", "gbk": "gb18030", "x-gbk": "gb18030", "big5": "big5hkscs"}.get(name, name)


def _to_text(data: bytes) -> tuple[str, str, tuple[str, ...]]:
    enc = _declared(data)
    if enc and not data.startswith((b"\xef\xbb\xbf", b"\xff\xfe", b"\xfe\xff")):
        try:
            return data.decode(enc), enc, ()
        except (LookupError, UnicodeDecodeError):
            pass  # a wrong declaration: fall back to detection
    return decode(data)


def _walk(node, out: list[str]) -> None:
    from bs4 import Comment, Doctype, NavigableString, ProcessingInstruction, Tag

    for child in node.children:
        if isinstance(child, (Comment, Doctype, ProcessingInstruction)):
            continue
        if isinstance(child, NavigableString):
            out.append(_SPACES.sub(" ", str(child)))
            continue
        if not isinstance(child, Tag) or child.name in DROP:
            continue
        if child.name == "br":
            out.append("\n")
            continue
        if child.name == "pre":
            out.append("\n" + child.get_text() + "\n")
            continue
        block = child.name in BLOCK
        if block:
            out.append("\n")
        _walk(child, out)
        if child.name in CELL:
            out.append("\t")
        elif block:
            out.append("\n")


def read_html(data: bytes) -> tuple[str, Optional[str], str, tuple[str, ...]]:
    """(visible text, title, encoding, warnings)."""
    from bs4 import BeautifulSoup

    markup, enc, warnings = _to_text(data)
    soup = BeautifulSoup(markup, "lxml")
    title = None
    if soup.title and soup.title.string:
        title = _SPACES.sub(" ", soup.title.string).strip() or None
    root = soup.body or soup
    out: list[str] = []
    _walk(root, out)
    text = "".join(out)
    lines = [line.strip(" ") for line in text.split("\n")]
    text = _BLANKS.sub("\n\n", "\n".join(lines)).strip("\n")
    return text, title, enc, warnings

"""Normalisation: width folding, Traditional→Simplified, header/footer removal, line-wrap joining.

The original text is ``"\\f".join(page.text for page in pages)``; the result carries an ``OffsetMap``
whose ``orig[i]`` is the original offset of normalised char ``i`` (a char that replaces another, e.g. the
space that replaces a wrapped line's newline, points to the char it replaces).

Steps, per page:

1. Folding: full-width ASCII letters and digits and the ideographic space become half-width; Chinese
   punctuation (，。；：？！（）…) stays full-width. Compatibility characters fold as NFKC does: Kangxi and
   CJK radicals (⼀→一), CJK compatibility ideographs, Latin ligatures (ﬁ→fi), no-break and other spaces;
   zero-width characters, soft hyphens and control characters are dropped; ``\\r\\n``/``\\r`` → ``\\n``,
   tab → space.
2. Traditional→Simplified with OpenCC ``t2s`` per line; where a phrase conversion changes the length,
   that Han run is converted character by character so that every output char maps to one input char.
   ``Normalised.script`` records the original script (hans | hant | latin | mixed) either way.
3. Running headers/footers: a line among the first or last two non-blank lines of a page whose key
   (whitespace removed, digits → ``#``) recurs in that zone on at least half of the pages (documents of
   three pages or more) is dropped; so are bare page-number lines there ("12", "- 12 -", "第 3 页",
   "Page 3 of 10", "3/10") in documents of two pages or more.
4. Line wraps: a line that starts with closing punctuation (》）」，。、…) or follows a line ending in an
   opening one (《（“) always joins (CJK typography never breaks there; some sources do). Otherwise
   consecutive non-blank lines join, except after Chinese sentence-final punctuation
   (。！？；：, optionally followed by closing quotes), before a list item or heading (第X条, 一、, （一）,
   1., (a), •, §, SEC. ...), before an indented line, or after a short line (narrower than 60 % of the
   page's typical line width, at least 40 columns, CJK counting double: a paragraph's last line or a
   heading). A join adds no space between a CJK char and a CJK char or punctuation, and one space
   otherwise. De-hyphenation: when the upper line ends in ``<lowercase letter>-`` and the next starts
   with a lowercase letter, the hyphen is dropped ("tech-\\nnology" → "technology") unless both halves
   are English words and the joined form is not ("well-\\nknown" → "well-known"); the word list is
   spacy-lookups-data's lemma tables, loaded on the first hyphenated wrap (without it every such hyphen
   is dropped). Blank lines become exactly ``\\n\\n``; runs of spaces and tabs become one space; lines
   are trimmed.

Pages are joined by ``\\n\\n`` (both chars point to the page separator); empty pages add nothing.
"""
from __future__ import annotations

import logging
import math
import re
import threading
import unicodedata
from array import array
from typing import Optional, Sequence

from .language import HAN_CLASS, script_counts
from .types import PAGE_SEPARATOR, Normalised, OffsetMap, Page

log = logging.getLogger(__name__)

_FOLD_RE = re.compile(
    "[\uff10-\uff19\uff21-\uff3a\uff41-\uff5a\u3000\u2e80-\u2fdf\uf900-\ufaff\U0002f800-\U0002fa1f"
    "\ufb00-\ufb06\u00a0\u2000-\u200f\u2028\u2029\u202f\u205f\u2060\ufeff\u00ad\r\t"
    "\x00-\x08\x0b\x0c\x0e-\x1f\x7f]"
)
_DROP = set("\u200b\u200c\u200d\u200e\u200f\u2060\ufeff\u00ad") | {chr(c) for c in range(0, 9)} | {
    chr(c) for c in (0x0B, 0x0C, *range(0x0E, 0x20), 0x7F)
}
_HAN_RUN = re.compile(f"[{HAN_CLASS}]+")
_CJK = re.compile(r"[\u3000-\u303f\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uff00-\uffef\u2018-\u201d\u2026\u2014"
                  r"\U00020000-\U0002ffff]")
_ZH_FINAL = re.compile(r"[。！？；：!?][”’」』）)】》]*$")
_LIST_START = re.compile(
    r"^(?:第[一二三四五六七八九十百千零〇两0-9]+[条章节编款部分篇]"
    r"|[一二三四五六七八九十百]+[、.．]"
    r"|[（(][一二三四五六七八九十百0-9]+[）)]"
    r"|[0-9]{1,3}(?:\.[0-9]{1,3})*[、.．)）](?![0-9])"
    r"|[(（][a-zA-Z]{1,4}[)）]"
    r"|[a-zA-Z][.)]\s"
    r"|[①-⑳⑴-⒇⒈-⒛]"
    r"|[•·●○■□◆◇▪►\-–—*]\s?"
    r"|§|SEC(?:TION)?\.?\s+\d|Sec\.\s+\d|Article\s+\d|Chapter\s+\d|Title\s+[IVX0-9]|PART\s)"
)
_PAGE_NUMBER = re.compile(
    r"^(?:[-–—~•·]*\s*[0-9]{1,4}\s*[-–—~•·]*"
    r"|第\s*[0-9一二三四五六七八九十百零〇]+\s*页(?:\s*[/,，]?\s*共\s*[0-9一二三四五六七八九十百零〇]+\s*页)?"
    r"|共\s*[0-9]+\s*页\s*第\s*[0-9]+\s*页"
    r"|(?:page|p\.|pg\.?)\s*[0-9]{1,4}(?:\s*(?:of|/)\s*[0-9]{1,4})?"
    r"|[0-9]{1,4}\s*/\s*[0-9]{1,4}"
    r"|[ivx]{1,5})$",
    re.I,
)
_NO_LINE_START = set("》）」』】〉，。、；：！？…%％")  # a Chinese line never starts with these
_NO_LINE_END = set("《（「『【〈“‘")  # nor ends with these
_HSPACE = re.compile(r"[ \t]{2,}")
MIN_FULL_WIDTH = 40  # a "full" line is at least this wide (CJK chars count double), so a page of a
# few short lines (a title page, a short text file) keeps its line breaks

_CC_LOCK = threading.Lock()
_CC: dict[str, object] = {}


def _converter():
    cc = _CC.get("t2s")
    if cc is None:
        with _CC_LOCK:
            cc = _CC.get("t2s")
            if cc is None:
                import opencc

                cc = _CC["t2s"] = opencc.OpenCC("t2s")
    return cc


def _fold_char(c: str) -> str:
    if c in _DROP:
        return ""
    if c == "\t":
        return " "
    if c == "\r":
        return "\n"
    o = ord(c)
    if 0xFF10 <= o <= 0xFF5A:
        return chr(o - 0xFEE0)
    if c == "\u3000" or unicodedata.category(c) == "Zs":
        return " "
    if c in "\u2028\u2029":
        return "\n"
    return unicodedata.normalize("NFKC", c)


def fold(text: str, base: int = 0) -> tuple[str, list[int]]:
    """Width/compatibility folding of ``text``; returns the folded text and each char's source offset."""
    if not _FOLD_RE.search(text):
        return text, list(range(base, base + len(text)))
    out: list[str] = []
    idx: list[int] = []
    pos = 0
    for m in _FOLD_RE.finditer(text):
        i = m.start()
        if i > pos:
            out.append(text[pos:i])
            idx.extend(range(base + pos, base + i))
        c = text[i]
        if c == "\r" and text[i + 1 : i + 2] == "\n":
            rep = ""
        else:
            rep = _fold_char(c)
        if rep:
            out.append(rep)
            idx.extend([base + i] * len(rep))
        pos = i + 1
    out.append(text[pos:])
    idx.extend(range(base + pos, base + len(text)))
    return "".join(out), idx


def _t2s_line(cc, line: str) -> tuple[str, int]:
    """Convert one line; same length as ``line`` guaranteed. Returns (text, chars changed)."""
    conv = cc.convert(line)
    if len(conv) != len(line):
        parts, pos = [], 0
        for m in _HAN_RUN.finditer(line):
            parts.append(line[pos : m.start()])
            run = cc.convert(m.group(0))
            if len(run) != len(m.group(0)):
                run = "".join(ch if len(ch := cc.convert(c)) == 1 else c for c in m.group(0))
            parts.append(run)
            pos = m.end()
        parts.append(line[pos:])
        conv = "".join(parts)
    changed = sum(1 for a, b in zip(line, conv) if a != b) if conv != line else 0
    return conv, changed


def _width(s: str) -> int:
    return len(s) + len(_CJK.findall(s))


def _key(line: str) -> str:
    return re.sub(r"[0-9]+", "#", "".join(line.split()))


class _Line:
    __slots__ = ("text", "idx", "nl", "indent")

    def __init__(self, text: str, idx: list[int], nl: int, indent: bool = False) -> None:
        self.text, self.idx, self.nl = text, idx, nl  # nl: orig offset of the newline ending the line
        self.indent = indent  # began with two or more spaces (a paragraph indent)


def _split_lines(text: str, idx: list[int], end_orig: int) -> list[_Line]:
    lines, pos = [], 0
    while True:
        j = text.find("\n", pos)
        if j < 0:
            lines.append(_Line(text[pos:], idx[pos:], end_orig))
            return lines
        lines.append(_Line(text[pos:j], idx[pos:j], idx[j]))
        pos = j + 1


def _clean(line: _Line) -> _Line:
    """Trim the line and collapse runs of horizontal space (keeping the first space's offset)."""
    t, ix = line.text, line.idx
    a, b = 0, len(t)
    while a < b and t[a].isspace():
        a += 1
    while b > a and t[b - 1].isspace():
        b -= 1
    t, ix = t[a:b], ix[a:b]
    if "  " in t or "\t" in t:
        out, oi, pos = [], [], 0
        for m in _HSPACE.finditer(t):
            out.append(t[pos : m.start()] + " ")
            oi.extend(ix[pos : m.start() + 1])
            pos = m.end()
        out.append(t[pos:])
        oi.extend(ix[pos:])
        t, ix = "".join(out), oi
    return _Line(t, ix, line.nl, indent=a >= 2)


def _edge_positions(lines: list[_Line]) -> list[int]:
    nonblank = [k for k, ln in enumerate(lines) if ln.text.strip()]
    return sorted(set(nonblank[:2] + nonblank[-2:]))


def normalise(pages: Sequence[Page], *, t2s: bool = True) -> Normalised:
    """Normalise a document's pages into one text with an offset map (see the module docstring)."""
    cc = _converter()
    page_starts: list[int] = []
    pos = 0
    page_lines: list[list[_Line]] = []
    han = latin = kana = changed = 0
    for page in pages:
        page_starts.append(pos)
        raw = page.text
        folded, idx = fold(raw, pos)
        lines = _split_lines(folded, idx, pos + len(raw))
        for ln in lines:
            h, l, k = script_counts(ln.text)
            han, latin, kana = han + h, latin + l, kana + k
            if h:
                conv, n = _t2s_line(cc, ln.text)
                changed += n
                if t2s:
                    ln.text = conv
        page_lines.append(lines)
        pos += len(raw) + len(PAGE_SEPARATOR)
    original_len = max(0, pos - len(PAGE_SEPARATOR)) if pages else 0

    removed = _drop_headers_footers(page_lines)

    out_text: list[str] = []
    out_idx: list[int] = []
    for k, lines in enumerate(page_lines):
        t, ix = _join_lines([_clean(ln) for ln in lines])
        if not t:
            continue
        if out_text:
            sep = page_starts[k] - 1  # the \f before this page
            out_text.append("\n\n")
            out_idx.extend((sep, sep))
        out_text.append(t)
        out_idx.extend(ix)
    text = "".join(out_text)
    orig = array("q", out_idx)
    orig.append(original_len)
    return Normalised(
        text=text,
        offsets=OffsetMap(orig=orig, page_starts=tuple(page_starts) or (0,)),
        script=_script(han, latin, kana, changed),
        removed_lines=tuple(removed),
    )


def _script(han: int, latin: int, kana: int, changed: int) -> str:
    if han == 0:
        return "latin" if latin else "hans" if not kana else "mixed"
    share = han / (han + latin / 3)
    if share < 0.75:
        return "mixed"
    return "hant" if changed / han >= 0.05 else "hans"


def _drop_headers_footers(page_lines: list[list[_Line]]) -> list[str]:
    n = len(page_lines)
    if n < 2:
        return []
    edges = [_edge_positions(lines) for lines in page_lines]
    counts: dict[str, int] = {}
    for lines, pos in zip(page_lines, edges):
        for key in {_key(lines[k].text) for k in pos}:
            if key:
                counts[key] = counts.get(key, 0) + 1
    need = max(2, math.ceil(n / 2))
    repeated = {key for key, c in counts.items() if c >= need} if n >= 3 else set()
    removed = []
    for lines, pos in zip(page_lines, edges):
        for k in pos:
            s = lines[k].text.strip()
            if _key(s) in repeated or _PAGE_NUMBER.match(s):
                removed.append(s)
                lines[k].text, lines[k].idx = "", []
    if removed:
        log.debug("dropped %d header/footer/page-number lines", len(removed))
    return removed


def _join_lines(lines: list[_Line]) -> tuple[str, list[int]]:
    widths = sorted(_width(ln.text) for ln in lines if ln.text)
    if not widths:
        return "", []
    full = widths[min(len(widths) - 1, int(len(widths) * 0.8))] if len(widths) >= 5 else widths[-1]
    full = max(full, MIN_FULL_WIDTH)
    out: list[str] = []
    idx: list[int] = []
    prev: Optional[_Line] = None
    pending_break: Optional[int] = None  # orig offset of the newline before a blank line
    for ln in lines:
        if not ln.text:
            if prev is not None and pending_break is None:
                pending_break = prev.nl
            continue
        if prev is None:
            pass
        elif pending_break is not None:
            out.append("\n\n")
            idx.extend((pending_break, pending_break))
        else:
            sep = _join(prev, ln, full)
            if sep == "-":  # de-hyphenate: drop the hyphen already written
                out[-1] = out[-1][:-1]
                idx.pop()
            elif sep == "=":  # keep the hyphen, join without a space
                pass
            elif sep:
                out.append(sep)
                idx.append(prev.nl)
        out.append(ln.text)
        idx.extend(ln.idx)
        prev, pending_break = ln, None
    return "".join(out), idx


_WORD_END = re.compile(r"([a-z]+)-$")
_WORD_START = re.compile(r"[a-z]+")
_WORDS: dict[str, Optional[frozenset]] = {}


def english_words() -> Optional[frozenset]:
    """English word forms from spacy-lookups-data's lemma tables (None when it is not installed)."""
    if "en" not in _WORDS:
        with _CC_LOCK:
            if "en" not in _WORDS:
                words: set[str] = set()
                try:
                    import gzip
                    import json
                    from pathlib import Path

                    import spacy_lookups_data

                    data = Path(spacy_lookups_data.__file__).parent / "data"
                    with gzip.open(data / "en_lemma_lookup.json.gz", "rt", encoding="utf-8") as fh:
                        table = json.load(fh)
                    words.update(table)
                    words.update(table.values())
                    with gzip.open(data / "en_lemma_index.json.gz", "rt", encoding="utf-8") as fh:
                        for forms in json.load(fh).values():
                            words.update(forms)
                except (ImportError, OSError, ValueError) as exc:
                    log.debug("no English word list for de-hyphenation: %s", exc)
                _WORDS["en"] = frozenset(w.lower() for w in words) if words else None
    return _WORDS["en"]


def _dehyphenate(at: str, bt: str) -> str:
    """"-" (drop the hyphen) when the joined word is a known English word or no word list is
    available; "=" (keep the hyphen, no space: "well-known") when both halves are known but not the
    joined form."""
    left, right = _WORD_END.search(at), _WORD_START.match(bt)
    words = english_words()
    if words is None or not left or not right:
        return "-"
    joined = left.group(1) + right.group(0)
    if joined in words:
        return "-"
    if left.group(1) in words and right.group(0) in words:
        return "="
    return "-"


def _join(a: _Line, b: _Line, full: int) -> str:
    """What replaces the newline between two non-blank lines: "\\n", " ", "" or "-" (de-hyphenate)."""
    at, bt = a.text, b.text
    if bt[0] in _NO_LINE_START or at[-1] in _NO_LINE_END:  # CJK typography never breaks here
        return "" if _CJK.match(at[-1]) or _CJK.match(bt[0]) else " "
    if b.indent or _ZH_FINAL.search(at) or _LIST_START.match(bt):
        return "\n"
    if _width(at) < 0.6 * full:
        return "\n"
    if len(at) >= 2 and at[-1] == "-" and at[-2].islower() and bt[0].islower():
        return _dehyphenate(at, bt)
    if _CJK.match(at[-1]) and _CJK.match(bt[0]):
        return ""
    return " "

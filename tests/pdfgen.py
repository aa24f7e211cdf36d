"""Test helper: PDFs with known text, generated with reportlab, and the character error rate.

``make_pdf(path, paragraphs, ...)`` lays out ``paragraphs`` (the reference body text) on A4 pages in one
or two columns, with optional running headers/footers and page numbers, letter spacing (charSpace),
and a font: the non-embedded CID font ``STSong-Light``, an embedded TrueType CJK font (wqy-zenhei /
Noto via ``TTFont(subfontIndex=0)``), or Helvetica for English. It returns the body text actually drawn,
the reference for ``cer``: headers and footers are not part of it.
"""
from __future__ import annotations

import unicodedata
from pathlib import Path
from typing import Optional, Sequence

PAGE_W, PAGE_H = 595.27, 841.89  # A4 in points
MARGIN = 56.0


def _is_wide(ch: str) -> bool:
    return unicodedata.east_asian_width(ch) in ("W", "F")


def register_font(font: str, ttf_path: Optional[Path] = None) -> str:
    """Register and return a reportlab font name: 'cid' (STSong-Light), 'ttf' (ttf_path) or a base font."""
    from reportlab.pdfbase import pdfmetrics

    if font == "cid":
        from reportlab.pdfbase.cidfonts import UnicodeCIDFont

        pdfmetrics.registerFont(UnicodeCIDFont("STSong-Light"))
        return "STSong-Light"
    if font == "ttf":
        from reportlab.pdfbase.ttfonts import TTFont

        if ttf_path is None:
            raise ValueError("font='ttf' needs ttf_path")
        name = "CJK-" + Path(ttf_path).stem
        if name not in pdfmetrics.getRegisteredFontNames():
            kw = {"subfontIndex": 0} if str(ttf_path).lower().endswith(".ttc") else {}
            pdfmetrics.registerFont(TTFont(name, str(ttf_path), **kw))
        return name
    return font


def wrap(text: str, font: str, size: float, width: float, char_space: float = 0.0) -> list[str]:
    """Greedy line breaking: Chinese breaks anywhere, Latin at spaces."""
    from reportlab.pdfbase.pdfmetrics import stringWidth

    def w(s: str) -> float:
        return stringWidth(s, font, size) + char_space * len(s)

    lines: list[str] = []
    line = ""
    tokens: list[str] = []
    buf = ""
    for ch in text:  # tokens: a run of Latin letters/digits+following space, or one wide char
        if _is_wide(ch):
            if buf:
                tokens.append(buf)
                buf = ""
            tokens.append(ch)
        else:
            buf += ch
            if ch == " ":
                tokens.append(buf)
                buf = ""
    if buf:
        tokens.append(buf)
    for tok in tokens:
        if line and w(line + tok.rstrip()) > width:
            lines.append(line.rstrip())
            line = tok.lstrip() if tok.strip() else ""
        else:
            line += tok
    if line.strip():
        lines.append(line.rstrip())
    return lines


def make_pdf(
    path: Path,
    paragraphs: Sequence[str],
    *,
    font: str = "Helvetica",
    ttf_path: Optional[Path] = None,
    size: float = 11.0,
    columns: int = 1,
    header: Optional[str] = None,
    footer: Optional[str] = None,
    page_numbers: bool = False,
    char_space: float = 0.0,
    leading: Optional[float] = None,
) -> str:
    """Write the PDF; return the body text drawn (paragraphs joined by newlines), the CER reference."""
    from reportlab.pdfgen import canvas

    name = register_font(font, ttf_path)
    leading = leading or size * 1.5
    gap = 24.0
    col_w = (PAGE_W - 2 * MARGIN - gap * (columns - 1)) / columns
    top, bottom = PAGE_H - MARGIN - 20, MARGIN + 20
    lines: list[str] = []
    for para in paragraphs:
        lines.extend(wrap(para, name, size, col_w, char_space))
        lines.append("")
    per_col = int((top - bottom) // leading)
    c = canvas.Canvas(str(path), pagesize=(PAGE_W, PAGE_H))
    c.setTitle("policylens test document")
    page, i = 1, 0
    while i < len(lines):
        if header:
            c.setFont(name, 9)
            c.drawString(MARGIN, PAGE_H - MARGIN + 8, header)
        for col in range(columns):
            x = MARGIN + col * (col_w + gap)
            y = top
            for line in lines[i:i + per_col]:
                if line:
                    t = c.beginText(x, y)
                    t.setFont(name, size)
                    if char_space:
                        t.setCharSpace(char_space)
                    t.textLine(line)
                    c.drawText(t)
                y -= leading
            i += per_col
            if i >= len(lines):
                break
        if footer or page_numbers:  # drawn after the body, as most producers do
            c.setFont(name, 9)
            parts = [p for p in (footer, f"- {page} -" if page_numbers else None) if p]
            c.drawCentredString(PAGE_W / 2, MARGIN - 12, "  ".join(parts))
        c.showPage()
        page += 1
    c.save()
    return "\n".join(p for p in paragraphs)


def edit_distance(a: str, b: str) -> int:
    """Levenshtein distance, O(len(a)·len(b)) time and O(len(b)) memory."""
    if len(a) < len(b):
        a, b = b, a
    prev = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        cur = [i]
        for j, cb in enumerate(b, 1):
            cur.append(min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (ca != cb)))
        prev = cur
    return prev[-1]


def aligned_distance(a: str, b: str) -> int:
    """Edit distance summed over the differing blocks of a difflib alignment: exact for a single
    differing block, an upper bound otherwise, and fast on long, nearly equal texts."""
    from difflib import SequenceMatcher

    total = 0
    for op, i1, i2, j1, j2 in SequenceMatcher(None, a, b, autojunk=False).get_opcodes():
        if op == "replace":
            total += edit_distance(a[i1:i2], b[j1:j2])
        elif op != "equal":
            total += (i2 - i1) + (j2 - j1)
    return total


def cer(reference: str, hypothesis: str) -> float:
    """Character error rate: edit distance / reference length, whitespace ignored (an upper bound on
    long texts, see ``aligned_distance``)."""
    ref = "".join(reference.split())
    hyp = "".join(hypothesis.split())
    if not ref:
        return 0.0 if not hyp else 1.0
    if len(ref) * len(hyp) <= 250_000:
        return edit_distance(ref, hyp) / len(ref)
    return aligned_distance(ref, hyp) / len(ref)

"""PDF pages: pypdfium2 text first, pdfplumber and GBK recovery as per-page fallbacks, OCR last.

Each page's candidates are scored by ``quality.assess``; the best one wins. pypdfium2 keeps column
order and is fast; pdfplumber (``dedupe_chars`` + ``x_tolerance_ratio=0.5``) is tried only on pages whose
pypdfium2 text is poor, because it interleaves columns.
"""
from __future__ import annotations

import io
import logging
import re
from typing import Optional, Sequence

from ..errors import CorruptError, EmptyError, EncryptedError, NeedsOCRError, TooLargeError
from ..types import (METHOD_GBK_RECOVERED, METHOD_NONE, METHOD_OCR, METHOD_PDFIUM, METHOD_PDFPLUMBER, Page)
from . import ocr as ocr_mod
from .quality import GOOD, Assessment, assess, recover_gbk

log = logging.getLogger(__name__)

SCAN_COVER = 0.7  # an image covering this share of the page makes it a scanned page
_RETRY_ISSUES = {"mojibake", "cid", "repeats", "duplicated", "doubled", "replacement"}
PAGE_LOAD_FAILED = "page cannot be loaded"
RETRY_BELOW = 0.95  # a page with one of those issues and a score below this tries the fallbacks too
_EOL = re.compile(r"[ \t]*\r\n?|[ \t]+\n")
_DROP = re.compile("[\ufffe\x00\x02]")  # pdfium marks soft hyphens with U+FFFE


def clean_pdfium(text: str) -> str:
    """pypdfium2 ends lines with ``\\r\\n``: make them ``\\n``; drop soft-hyphen markers and NULs."""
    return _DROP.sub("", _EOL.sub("\n", text))


def _candidates(password) -> tuple[Optional[str], ...]:
    """No password first (an empty user password needs none), then each one given, in order."""
    given = (password,) if isinstance(password, str) else tuple(password or ())
    return (None,) + tuple(p for p in given if p)


def _open(data: bytes, password, path: str):
    """``(document, the password that opened it)``; ``password`` is one string or several to try."""
    import pypdfium2 as pdfium

    candidates = _candidates(password)
    for candidate in candidates:
        try:
            return pdfium.PdfDocument(data, password=candidate), candidate
        except pdfium.PdfiumError as exc:
            code = getattr(exc, "err_code", None)
            if code == 4:  # FPDF_ERR_PASSWORD: try the next candidate
                continue
            if code == 5:  # FPDF_ERR_SECURITY
                raise EncryptedError("unsupported security handler", path=path, stage="ingest") from None
            raise CorruptError(f"cannot parse the PDF ({exc})", path=path, stage="ingest") from None
    if len(candidates) > 1:
        raise EncryptedError(f"none of the {len(candidates) - 1} password(s) given opens it", path=path,
                             stage="ingest")
    raise EncryptedError("needs a password (encrypted PDF)", path=path, stage="ingest")


class _Plumber:
    """pdfplumber opened lazily, once per document, only if some page needs it."""

    def __init__(self, data: bytes, password: Optional[str]) -> None:
        self._data, self._password = data, password
        self._pdf = None
        self._failed = False

    def text(self, index: int) -> tuple[Optional[str], Optional[str]]:
        if self._failed:
            return None, None
        try:
            if self._pdf is None:
                import pdfplumber

                self._pdf = pdfplumber.open(io.BytesIO(self._data), password=self._password or "")
            page = self._pdf.pages[index]
            text = page.dedupe_chars().extract_text(x_tolerance_ratio=0.5) or ""
            page.close()
            return text, None
        except Exception as exc:  # pdfminer raises many kinds; pdfplumber is only a fallback
            if self._pdf is None:
                self._failed = True
            return None, f"pdfplumber failed: {type(exc).__name__}"

    def close(self) -> None:
        if self._pdf is not None:
            try:
                self._pdf.close()
            except Exception:  # noqa: BLE001 - closing a fallback must never fail the document
                pass


def _image_cover(page, width: float, height: float) -> tuple[bool, float]:
    """(has any image, largest image's share of the page area)."""
    import pypdfium2.raw as raw

    area = max(width * height, 1.0)
    best, seen = 0.0, False
    try:
        for obj in page.get_objects(filter=[raw.FPDF_PAGEOBJ_IMAGE], max_depth=3):
            seen = True
            left, bottom, right, top = obj.get_bounds()
            best = max(best, abs(right - left) * abs(top - bottom) / area)
    except Exception:  # noqa: BLE001 - geometry is a hint
        pass
    return seen, min(best, 1.0)


def _extractions(text: str, method: str, scanned: bool) -> list[tuple[Assessment, str, str]]:
    """``(assessment, text, method)`` of one extraction, plus its GBK recovery when it reads as mojibake."""
    a = assess(text, scanned=scanned)
    out = [(a, text, method)]
    if "mojibake" in a.issues:
        rec = recover_gbk(text)
        if rec is not None:
            out.append((assess(rec, scanned=scanned), rec, METHOD_GBK_RECOVERED))
    return out


def _page(doc, index: int, plumber: _Plumber, ocr: str, can_ocr: bool) -> Page:
    number = index + 1
    warnings: list[str] = []
    try:
        page = doc[index]
    except Exception as exc:  # noqa: BLE001 - e.g. a page tree that loops: this page is lost, not the file
        return Page(number, "", METHOD_NONE, 0.0, False, (f"{PAGE_LOAD_FAILED}: {type(exc).__name__}",))
    try:
        width, height = page.get_size()
        try:
            textpage = page.get_textpage()
            text = clean_pdfium(textpage.get_text_range())
            textpage.close()
        except Exception as exc:  # noqa: BLE001 - a broken page must not sink the document
            text = ""
            warnings.append(f"pdfium text failed: {type(exc).__name__}")
        has_image, cover = _image_cover(page, width, height)
        scanned = cover >= SCAN_COVER
        cands = _extractions(text, METHOD_PDFIUM, scanned)
        a = cands[0][0]
        if a.score < GOOD or (a.score < RETRY_BELOW and _RETRY_ISSUES.intersection(a.issues)):
            if not (a.n_chars == 0 and has_image):
                ptext, warn = plumber.text(index)
                if warn:
                    warnings.append(warn)
                if ptext:
                    cands += _extractions(ptext, METHOD_PDFPLUMBER, scanned)
        best = max(cands, key=lambda c: c[0].score)  # first wins ties: pdfium
        a, text, method = best
        blank = a.n_chars == 0 and not has_image
        poor = a.score < GOOD and not blank
        if ocr == "force" or (poor and ocr == "auto"):
            if can_ocr:
                try:
                    otext = ocr_mod.ocr_page(page)
                    oa = assess(otext)
                    if ocr == "force" or oa.score >= a.score or a.n_chars == 0:
                        if a.n_chars:
                            warnings.append(f"text layer replaced by OCR ({method} quality {a.score:.2f})")
                        return Page(number, otext, METHOD_OCR, oa.score, False, tuple(warnings), width, height)
                    warnings.append(f"OCR not better ({oa.score:.2f})")
                except RuntimeError as exc:
                    warnings.append(f"OCR failed: {exc}")
            else:
                warnings.append("tesseract is not installed")
        if blank:
            return Page(number, "", METHOD_NONE, 0.0, False, tuple(warnings + ["blank page"]), width, height)
        if a.n_chars == 0:
            return Page(number, "", METHOD_NONE, 0.0, True, tuple(warnings + ["image only: needs OCR"]), width, height)
        if poor:
            warnings.append(f"low quality text ({a.score:.2f}: {', '.join(a.issues)})")
        for issue in a.issues:
            if issue != "empty" and f"quality issue: {issue}" not in warnings:
                warnings.append(f"quality issue: {issue}")
        return Page(number, text, method, a.score, poor, tuple(warnings), width, height)
    finally:
        page.close()


def read_pdf(data: bytes, *, path: str, password: Optional[str | Sequence[str]] = None, ocr: str = "auto",
             max_pages: int = 5000) -> tuple[tuple[Page, ...], tuple[str, ...]]:
    """Pages of a PDF held in ``data``; raises EncryptedError, CorruptError, TooLargeError, EmptyError,
    NeedsOCRError."""
    doc, password = _open(data, password, path)
    plumber = _Plumber(data, password)
    try:
        n = len(doc)
        if n == 0:
            raise EmptyError("the PDF has no pages", path=path, stage="ingest")
        if n > max_pages:
            raise TooLargeError(f"{n} pages > the limit of {max_pages}", path=path, stage="ingest")
        can_ocr = ocr != "off" and ocr_mod.available()
        pages = tuple(_page(doc, i, plumber, ocr, can_ocr) for i in range(n))
    finally:
        plumber.close()
        doc.close()
    warnings: list[str] = []
    lost = sum(1 for p in pages if p.warnings and p.warnings[0].startswith(PAGE_LOAD_FAILED))
    if lost == n:
        raise CorruptError(f"none of the {n} pages can be loaded (broken page tree)", path=path, stage="ingest")
    if lost:
        warnings.append(f"{lost} of {n} pages cannot be loaded")
    if not any(p.text.strip() for p in pages):
        if any(p.needs_ocr for p in pages):
            why = "OCR is off" if ocr == "off" else ("tesseract is not installed" if not can_ocr else "OCR found nothing")
            raise NeedsOCRError(f"no text layer on any of {n} pages and {why}", path=path, stage="ingest")
        raise EmptyError(f"no text on any of {n} pages", path=path, stage="ingest")
    n_ocr = sum(p.needs_ocr for p in pages)
    if n_ocr:
        warnings.append(f"{n_ocr} of {n} pages need OCR")
    return pages, tuple(warnings)

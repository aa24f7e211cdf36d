"""Ingest: the only code that opens input files.

``read(path) -> RawDocument`` decides the format by magic bytes (the extension only breaks ties for
text-like files), checks the size caps, and hands the bytes to the PDF, text, HTML or DOCX reader. The
document id is the SHA-256 of the file's bytes. Every failure is a ``PipelineError`` subclass.
"""
from __future__ import annotations

import logging
import os
import stat
import zipfile
from io import BytesIO
from pathlib import Path
from typing import Optional, Sequence

from ..errors import (CorruptError, EmptyError, PipelineError, TooLargeError, UnreadableError,
                      UnsupportedError)
from ..resources import sha256_bytes
from ..types import METHOD_TEXT, Page, RawDocument

log = logging.getLogger(__name__)

MAX_BYTES = 200 * 1024 * 1024
MAX_PAGES = 5000
OCR_MODES = ("auto", "off", "force")

TEXT_EXT = {".txt", ".md", ".markdown", ".text", ".rst"}
HTML_EXT = {".html", ".htm", ".xhtml", ".shtml"}
_BINARY_MAGIC = (
    (b"\x89PNG", "PNG image"), (b"\xff\xd8\xff", "JPEG image"), (b"GIF8", "GIF image"),
    (b"\xd0\xcf\x11\xe0", "legacy Office (OLE) file"), (b"\x1f\x8b", "gzip archive"), (b"7z\xbc\xaf", "7z archive"),
    (b"Rar!", "RAR archive"), (b"II*\x00", "TIFF image"), (b"MM\x00*", "TIFF image"), (b"{\\rtf", "RTF file"),
    (b"\x7fELF", "executable"), (b"MZ", "executable"), (b"BM", "bitmap image"), (b"OggS", "audio"),
    (b"ID3", "audio"), (b"\x00\x00\x01\x00", "icon"), (b"RIFF", "RIFF media"), (b"SQLite format 3", "database"),
    (b"PAR1", "Parquet file"),
)


def sniff(head: bytes, ext: str) -> str:
    """The format name (pdf | docx | html | txt) from the first bytes and the extension."""
    if b"%PDF-" in head[:1024]:
        return "pdf"
    if head.startswith(b"PK\x03\x04"):
        return "zip"
    for magic, what in _BINARY_MAGIC:
        if head.startswith(magic):
            raise UnsupportedError(f"a {what}, not a document we read")
    if ext == ".pdf":
        raise CorruptError("named .pdf but has no %PDF header")
    if ext == ".docx":
        raise CorruptError("named .docx but is not a ZIP package")
    lower = head[:2048].lstrip(b"\xef\xbb\xbf").lower().replace(b"\x00", b"")
    if ext in HTML_EXT or lower.lstrip().startswith((b"<!doctype html", b"<html")):
        return "html"
    if ext in TEXT_EXT:
        return "txt"
    raise UnsupportedError(f"unknown file type {ext or '(no extension)'}")


def _pseudo_page(text: str, warnings: tuple[str, ...]) -> tuple[Page, ...]:
    return (Page(1, text, METHOD_TEXT, 1.0 if text.strip() else 0.0, False, warnings),)


def _read_bytes(path: str, max_bytes: int) -> bytes:
    try:
        st = os.stat(path)
    except FileNotFoundError:
        raise UnreadableError("no such file", path=path, stage="ingest") from None
    except OSError as exc:
        raise UnreadableError(f"cannot stat: {exc.strerror or exc}", path=path, stage="ingest") from None
    if stat.S_ISDIR(st.st_mode):
        raise UnreadableError("is a directory", path=path, stage="ingest")
    if not stat.S_ISREG(st.st_mode):  # a FIFO or a device: opening it could block for ever
        raise UnreadableError("not a regular file (FIFO, socket or device)", path=path, stage="ingest")
    if st.st_size > max_bytes:
        raise TooLargeError(f"{st.st_size} bytes > the limit of {max_bytes}", path=path, stage="ingest")
    try:
        with open(path, "rb") as fh:  # never ask for a max_bytes buffer up front: it counts against the cap
            data = fh.read(min(st.st_size, max_bytes) + 1)
            if len(data) > st.st_size:  # the file grew since stat
                data += fh.read(max_bytes + 1 - len(data))
    except OSError as exc:
        raise UnreadableError(f"cannot read: {exc.strerror or exc}", path=path, stage="ingest") from None
    if len(data) > max_bytes:
        raise TooLargeError(f"more than {max_bytes} bytes", path=path, stage="ingest")
    if not data:
        raise EmptyError("zero bytes", path=path, stage="ingest")
    return data


def read(path: os.PathLike | str, *, password: Optional[str | Sequence[str]] = None, ocr: str = "auto",
         max_bytes: int = MAX_BYTES, max_pages: int = MAX_PAGES) -> RawDocument:
    """Read one input file into a RawDocument. Raises only PipelineError subclasses."""
    spath = str(path)
    if ocr not in OCR_MODES:
        raise ValueError(f"ocr must be one of {OCR_MODES}, not {ocr!r}")
    data = _read_bytes(spath, max_bytes)
    try:
        return _dispatch(data, spath, password=password, ocr=ocr, max_pages=max_pages)
    except PipelineError as exc:
        if exc.path is None:
            exc.path = spath
        if exc.stage is None:
            exc.stage = "ingest"
        raise
    except MemoryError:
        raise TooLargeError("out of memory while reading", path=spath, stage="ingest") from None
    except RecursionError:
        raise CorruptError("nesting too deep", path=spath, stage="ingest") from None


def _dispatch(data: bytes, path: str, *, password, ocr, max_pages) -> RawDocument:
    ext = Path(path).suffix.lower()
    fmt = sniff(data[:2048], ext)
    digest = sha256_bytes(data)
    if fmt == "pdf":
        from .pdf import read_pdf

        pages, warnings = read_pdf(data, path=path, password=password, ocr=ocr, max_pages=max_pages)
        return RawDocument(path, digest, "pdf", pages, None, warnings, None, len(data))
    if fmt == "zip":
        return _read_zip(data, path, digest)
    if fmt == "html":
        from .html import read_html

        text, title, enc, warnings = read_html(data)
        if not text.strip():
            raise EmptyError("no visible text in the HTML", path=path)
        return RawDocument(path, digest, "html", _pseudo_page(text, warnings), enc, warnings, title, len(data))
    from .text import decode

    # the decoded file as it is (BOM dropped): offsets are the file's character offsets; line ends and NULs
    # are folded by the normaliser, which keeps the offset map
    text, enc, warnings = decode(data)
    if not text.strip():
        raise EmptyError("only whitespace", path=path)
    return RawDocument(path, digest, "txt", _pseudo_page(text, warnings), enc, warnings, None, len(data))


def _read_zip(data: bytes, path: str, digest: str) -> RawDocument:
    try:
        names = set(zipfile.ZipFile(BytesIO(data)).namelist())
    except (zipfile.BadZipFile, OSError, ValueError) as exc:
        raise CorruptError(f"broken ZIP package ({exc})", path=path) from None
    if "word/document.xml" not in names:
        raise UnsupportedError("a ZIP package that is not a Word document", path=path)
    from .docx import read_docx

    try:
        text, title = read_docx(data)
    except PipelineError:
        raise
    except Exception as exc:  # python-docx / lxml raise many kinds on broken packages
        raise CorruptError(f"cannot parse the Word document ({type(exc).__name__}: {exc})", path=path) from None
    if not text.strip():
        raise EmptyError("no text in the Word document", path=path)
    return RawDocument(path, digest, "docx", _pseudo_page(text, ()), None, (), title, len(data))

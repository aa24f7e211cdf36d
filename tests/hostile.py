"""Test helper: generators of hostile and broken inputs (bytes or files), all deterministic.

Every generator returns ``bytes`` (or writes a file and returns its path) and uses a fixed seed, so a
failing case can be rebuilt exactly. Hand-written PDFs go through ``build_pdf``, which lays out numbered
objects and a correct cross-reference table, so the only defect in a file is the one a test puts there.
"""
from __future__ import annotations

import os
import random
import zlib
from pathlib import Path
from typing import Sequence

HELLO = "Hostile input suite sentinel text."
_FONT = b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>"


# ------------------------------------------------------------------------------------------ PDF bytes


def build_pdf(objects: Sequence[bytes], root: int = 1, header: bytes = b"%PDF-1.7") -> bytes:
    """A PDF whose object ``i`` (1-based) is ``objects[i-1]`` with an exact xref table."""
    out = bytearray(header + b"\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for i, obj in enumerate(objects, 1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % i + obj + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    for off in offsets:
        out += b"%010d 00000 n \n" % off
    out += b"trailer\n<< /Size %d /Root %d 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, root, xref)
    return bytes(out)


def stream(body: bytes, extra: bytes = b"") -> bytes:
    return b"<< /Length %d %s>>\nstream\n" % (len(body), extra) + body + b"\nendstream"


def text_ops(text: str = HELLO, y: int = 720) -> bytes:
    return b"BT /F1 12 Tf 72 %d Td (%s) Tj ET" % (y, text.encode("latin-1"))


def page(contents: int = 4, parent: int = 2, extra: bytes = b"") -> bytes:
    return (b"<< /Type /Page /Parent %d 0 R /MediaBox [0 0 612 792] /Contents %d 0 R "
            b"/Resources << /Font << /F1 5 0 R >> >> %s>>" % (parent, contents, extra))


def simple_pdf(text: str = HELLO) -> bytes:
    """A valid one-page PDF with ``text`` in Helvetica (the control case for the hand-written ones)."""
    return build_pdf([b"<< /Type /Catalog /Pages 2 0 R >>", b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
                      page(), stream(text_ops(text)), _FONT])


def kids_loop_pdf() -> bytes:
    """The page tree lists itself among its own kids (``/Kids [2 0 R 3 0 R]`` in object 2)."""
    return build_pdf([b"<< /Type /Catalog /Pages 2 0 R >>", b"<< /Type /Pages /Kids [2 0 R 3 0 R] /Count 2 >>",
                      page(), stream(text_ops()), _FONT])


def mutual_kids_loop_pdf() -> bytes:
    """Two page-tree nodes that are each other's only kid, and a /Count that lies."""
    return build_pdf([b"<< /Type /Catalog /Pages 2 0 R >>",
                      b"<< /Type /Pages /Kids [6 0 R] /Count 1000000 >>",
                      page(), stream(text_ops()), _FONT,
                      b"<< /Type /Pages /Parent 2 0 R /Kids [2 0 R] /Count 1000000 >>"])


def self_reference_pdf() -> bytes:
    """Objects that reference themselves: an array holding itself, a resources dict that is its own font."""
    return build_pdf([b"<< /Type /Catalog /Pages 2 0 R /Self 1 0 R /Loop 6 0 R >>",
                      b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
                      b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R "
                      b"/Resources 7 0 R /Annots 6 0 R >>",
                      stream(text_ops()), _FONT, b"[6 0 R 6 0 R]",
                      b"<< /Font << /F1 5 0 R /F2 7 0 R >> /XObject << /X 7 0 R >> /Parent 7 0 R >>"])


def deep_array_pdf(depth: int = 10_000) -> bytes:
    """A page whose dictionary holds an array nested ``depth`` levels deep (and one in the content)."""
    nest = b"[" * depth + b"1" + b"]" * depth
    return build_pdf([b"<< /Type /Catalog /Pages 2 0 R >>", b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
                      page(extra=b"/Deep " + nest + b" "), stream(text_ops() + b"\n" + nest + b" pop"), _FONT])


def deep_dict_pdf(depth: int = 10_000) -> bytes:
    """The catalog holds dictionaries nested ``depth`` levels deep."""
    nest = b"<< /A " * depth + b"1" + b" >>" * depth
    return build_pdf([b"<< /Type /Catalog /Pages 2 0 R /Deep " + nest + b" >>",
                      b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>", page(), stream(text_ops()), _FONT])


def deflate_bomb(n_mb: int = 300, fill: bytes = b" ") -> bytes:
    """``n_mb`` MB of ``fill`` compressed with zlib (≈ 1000:1), built a megabyte at a time."""
    comp = zlib.compressobj(9)
    block = fill * (1024 * 1024 // len(fill))
    parts = [comp.compress(block) for _ in range(n_mb)]
    parts.append(comp.flush())
    return b"".join(parts)


def flate_bomb_pdf(n_mb: int = 300) -> bytes:
    """A small PDF whose page content inflates to ``n_mb`` MB: a line of text, then whitespace."""
    comp = zlib.compressobj(9)
    parts = [comp.compress(text_ops() + b"\n")]
    block = b" " * (1024 * 1024)
    parts += [comp.compress(block) for _ in range(n_mb)]
    parts.append(comp.flush())
    body = b"".join(parts)
    return build_pdf([b"<< /Type /Catalog /Pages 2 0 R >>", b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
                      page(), stream(body, b"/Filter /FlateDecode "), _FONT])


def many_pages_pdf(path: Path, n: int = 3000) -> Path:
    """``n`` tiny pages, each with one short line of text (reportlab; about a second for 3000)."""
    from reportlab.pdfgen import canvas

    c = canvas.Canvas(str(path), pagesize=(200, 100), pageCompression=1)
    for i in range(1, n + 1):
        c.setFont("Helvetica", 8)
        c.drawString(10, 50, f"Page {i} of the long document.")
        c.showPage()
    c.save()
    return path


def truncations(data: bytes, fractions: Sequence[float] = (0.0005, 0.05, 0.25, 0.5, 0.75, 0.9, 0.99)) -> list[bytes]:
    """``data`` cut at each fraction of its length (always keeping at least the 8-byte header)."""
    return [data[: max(9, int(len(data) * f))] for f in fractions]


def random_bytes(n: int, seed: int) -> bytes:
    return random.Random(seed).randbytes(n)


def mutate(data: bytes, seed: int, n_edits: int | None = None) -> bytes:
    """Random byte-level mutations: flips, overwrites, deletions, insertions and a duplicated block."""
    rng = random.Random(seed)
    buf = bytearray(data)
    n_edits = n_edits or rng.randint(1, 40)
    for _ in range(n_edits):
        if not buf:
            break
        op = rng.random()
        i = rng.randrange(len(buf))
        if op < 0.35:
            buf[i] ^= 1 << rng.randrange(8)
        elif op < 0.6:
            buf[i] = rng.choice(b"0123456789[]<>()/%RobjendstreamxrefEOF \n\x00\xff")
        elif op < 0.75:
            del buf[i : i + rng.randint(1, 64)]
        elif op < 0.9:
            buf[i:i] = rng.randbytes(rng.randint(1, 32))
        else:
            j = rng.randrange(len(buf))
            buf[i:i] = buf[j : j + rng.randint(1, 512)]
    return bytes(buf)


# ------------------------------------------------------------------------------------------ text bytes

ZH_SENTENCE = "国家支持科技创新和人才培养，推动产业发展。"
ZH_TRAD_SENTENCE = "國家支持科技創新和人才培養，推動產業發展。"
EN_SENTENCE = "The agency shall support research and training."


def encoded_texts() -> dict[str, tuple[bytes, str]]:
    """name -> (file bytes, a phrase the decoded text must contain after normalisation)."""
    zh = (ZH_SENTENCE + "\n") * 3
    trad = (ZH_TRAD_SENTENCE + "\n") * 3
    return {
        "gbk.txt": (zh.encode("gbk"), "科技创新"),
        "gb18030.txt": ((zh + "𠀀").encode("gb18030"), "人才培养"),
        "big5.txt": (trad.encode("big5"), "科技创新"),  # t2s folds it to Simplified
        "utf16le_bom.txt": (b"\xff\xfe" + (EN_SENTENCE + "\n" + zh).encode("utf-16-le"), "人才培养"),
        "utf16be_bom.txt": (b"\xfe\xff" + (EN_SENTENCE + "\n" + zh).encode("utf-16-be"), "人才培养"),
        "utf16le_nobom.txt": ((EN_SENTENCE + "\n" + zh).encode("utf-16-le"), "人才培养"),
        "utf16be_nobom.txt": ((EN_SENTENCE + "\n" + zh).encode("utf-16-be"), "人才培养"),
        "utf16le_nobom_cjk_only.txt": (zh.encode("utf-16-le"), "科技创新"),
        "utf8_invalid.txt": (zh.encode("utf-8")[:20] + b"\xff\xfe\xc3\x28\x80" + zh.encode("utf-8"), "人才培养"),
        "gbk_invalid.txt": (zh.encode("gbk") + b"\x81\x20\xff" + zh.encode("gbk"), "科技创新"),
        "utf8_bom.txt": (b"\xef\xbb\xbf" + zh.encode("utf-8"), "科技创新"),
        # stray NULs, sparse enough not to look like UTF-16 (one every 97 bytes, both parities)
        "nul_sprinkled.txt": (b"\x00".join(((EN_SENTENCE + " ") * 40).encode()[i:i + 97]
                                            for i in range(0, 1960, 97)) + b"\n", "support"),
    }


def long_line_text(n_bytes: int = 20 * 1024 * 1024) -> bytes:
    """One line of ``n_bytes`` bytes: English words with no full stop, no newline."""
    unit = b"policy research funding innovation talent "
    return (unit * (n_bytes // len(unit) + 1))[:n_bytes]


def long_line_text_zh(n_bytes: int = 20 * 1024 * 1024) -> bytes:
    """One line of ``n_bytes`` UTF-8 bytes of Chinese with no sentence end."""
    unit = "国家支持科技创新和人才培养推动产业发展".encode("utf-8")
    return (unit * (n_bytes // len(unit) + 1))[: n_bytes - n_bytes % 3]


# ------------------------------------------------------------------------------------------ file system


def make_dir_loop(root: Path) -> Path:
    """``root/loop/a/back -> ..`` (a symlink to its own ancestor) plus one readable file inside."""
    d = root / "loop" / "a"
    d.mkdir(parents=True)
    (d / "inside.txt").write_text(EN_SENTENCE + " Inside the loop.\n", "utf-8")
    os.symlink("..", d / "back")
    os.symlink(str(root / "loop"), d / "again")
    return root / "loop"


def chmod_blocks_reads(path: Path) -> bool:
    """Whether ``chmod 000`` actually stops this process reading ``path`` (it does not for root)."""
    path.write_bytes(b"x")
    path.chmod(0)
    try:
        with open(path, "rb"):
            return False
    except PermissionError:
        return True
    finally:
        path.chmod(0o600)

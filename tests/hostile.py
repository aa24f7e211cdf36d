"""Test helper: generators of hostile and broken inputs (bytes or files), all deterministic.

Every generator returns ``bytes`` (or writes a file and returns its path) and uses a fixed seed, so a
failing case can be rebuilt exactly. Hand-written PDFs go through ``build_pdf``, which lays out numbered
objects and a correct cross-reference table, so the only defect in a file is the one a test puts there.
"""
from __future__ import annotations

import json
import os
import random
import select
import subprocess
import sys
import textwrap
import zipfile
import zlib
from io import BytesIO
from pathlib import Path
from typing import Sequence

_REPO = Path(__file__).resolve().parent.parent

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


_WORDS = ("research funding talent industry chips quantum networks data privacy energy health space "
          "climate agriculture ports rail roads bridges water schools universities labs grants loans taxes "
          "standards patents export import security defence trade cities villages provinces markets banks "
          "insurance pensions housing transport aviation shipping mining forestry fisheries").split()


def many_pages_pdf(path: Path, n: int = 3000) -> Path:
    """``n`` tiny pages, each with one short line of text (reportlab; about a second for 3000). The lines
    differ (word pairs cycle over 37 × 41), so header/footer removal keeps them."""
    from reportlab.pdfgen import canvas

    c = canvas.Canvas(str(path), pagesize=(200, 100), pageCompression=1)
    for i in range(1, n + 1):
        c.setFont("Helvetica", 8)
        c.drawString(10, 50, f"Page {i} on {_WORDS[i % 37]} and {_WORDS[(i // 37) % 41]}.")
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


# ------------------------------------------------------------------------------------------ a watched reader

_CHILD = textwrap.dedent("""
    import json, resource, sys, traceback
    resource.setrlimit(resource.RLIMIT_AS, (2 * 1024 ** 3, resource.RLIM_INFINITY))
    from pipeline.errors import PipelineError
    from pipeline.ingest import read
    for line in sys.stdin:
        path = line.strip()
        try:
            raw = read(path, ocr="off")
            out = {"ok": len(raw.pages)}
        except PipelineError as err:
            out = {"error": err.error_class, "message": str(err)}
            if "\\n" in str(err):
                out["bad"] = "multi-line message"
        except BaseException as exc:
            out = {"bad": f"{type(exc).__name__}: {exc}", "tb": traceback.format_exc()[-1500:]}
        print(json.dumps(out), flush=True)
""")


class Reader:
    """A child process reading one file at a time; restarted after a hang or a crash."""

    def __init__(self) -> None:
        self.proc = None

    def start(self) -> None:
        self.proc = subprocess.Popen([sys.executable, "-c", _CHILD], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                     stderr=subprocess.DEVNULL, text=True, cwd=_REPO, bufsize=1)

    def read(self, path: Path, timeout: float) -> dict:
        if self.proc is None or self.proc.poll() is not None:
            self.start()
        self.proc.stdin.write(f"{path}\n")
        self.proc.stdin.flush()
        ready, _, _ = select.select([self.proc.stdout], [], [], timeout)
        if not ready:
            self.stop()
            return {"bad": f"hang: no answer within {timeout:g} s"}
        line = self.proc.stdout.readline()
        if not line:
            code = self.proc.wait(5)
            self.proc = None
            return {"bad": f"child died (exit code {code})"}
        return json.loads(line)

    def stop(self) -> None:
        if self.proc is not None:
            self.proc.kill()
            self.proc.wait(5)
            self.proc = None


# ------------------------------------------------------------------------------------------ DOCX / HTML

_W = 'xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"'


def _docx_with(base_docx: bytes, document_xml: bytes, *, compress_level: int = 6) -> bytes:
    """``base_docx`` with ``word/document.xml`` replaced."""
    out = BytesIO()
    with zipfile.ZipFile(BytesIO(base_docx)) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED,
                                                                      compresslevel=compress_level) as dst:
        for item in src.infolist():
            data = document_xml if item.filename == "word/document.xml" else src.read(item.filename)
            dst.writestr(item.filename, data)
    return out.getvalue()


def _body(inner: str, doctype: str = "") -> bytes:
    return (f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n{doctype}'
            f'<w:document {_W}><w:body><w:p><w:r><w:t>{inner}</w:t></w:r></w:p>'
            f'<w:p><w:r><w:t>{HELLO}</w:t></w:r></w:p></w:body></w:document>').encode("utf-8")


def docx_xxe(base_docx: bytes, secret: Path) -> bytes:
    """An external entity that would pull ``secret`` into the text if entities were resolved."""
    doctype = f'<!DOCTYPE w:document [<!ENTITY xxe SYSTEM "file://{secret}">]>\n'
    return _docx_with(base_docx, _body("&xxe;", doctype))


def docx_billion_laughs(base_docx: bytes, levels: int = 10) -> bytes:
    """Nested entities that expand to 10**levels copies of "lol" if expanded."""
    ents = ['<!ENTITY lol0 "lol">'] + [f'<!ENTITY lol{i} "{("&lol%d;" % (i - 1)) * 10}">' for i in range(1, levels)]
    doctype = "<!DOCTYPE w:document [" + "".join(ents) + "]>\n"
    return _docx_with(base_docx, _body(f"&lol{levels - 1};", doctype))


def docx_zip_bomb(base_docx: bytes, n_mb: int = 200) -> bytes:
    """``word/document.xml`` padded with ``n_mb`` MB of whitespace between elements (deflates ~1000:1)."""
    xml = _body("bomb").replace(b"<w:body>", b"<w:body>" + b" " * (n_mb * 1024 * 1024))
    return _docx_with(base_docx, xml, compress_level=9)


def html_billion_laughs(levels: int = 10) -> bytes:
    ents = ['<!ENTITY lol0 "lol">'] + [f'<!ENTITY lol{i} "{("&lol%d;" % (i - 1)) * 10}">' for i in range(1, levels)]
    return ("<!DOCTYPE html [" + "".join(ents) + "]>\n<html><body><p>" + HELLO + f"</p><p>&lol{levels - 1};</p>"
            "</body></html>").encode()


def html_deep_nesting(depth: int = 100_000) -> bytes:
    return b"<html><body>" + b"<div>" * depth + HELLO.encode() + b"</div>" * depth + b"</body></html>"

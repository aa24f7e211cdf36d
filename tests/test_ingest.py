"""Ingest: sniffing, size caps, text encodings, HTML, DOCX, quality scoring, GBK recovery, extract CLI."""
from __future__ import annotations

import json

import pytest

from pipeline import ingest
from pipeline.errors import (CorruptError, EmptyError, TooLargeError, UnreadableError,
                             UnsupportedError)
from pipeline.ingest.quality import GOOD, assess, recover_gbk
from pipeline.ingest.text import decode
from pipeline.resources import sha256_bytes

ZH = "为加快量子信息产业发展，省人民政府决定设立专项资金，2025年底前投入不少于10亿元，支持关键技术攻关和人才培养。"
ZH_HANT = "為加快量子資訊產業發展，政府決定設立專項資金，支持關鍵技術攻關與人才培養，深化國際合作。"


def _write(tmp_path, name, data: bytes):
    p = tmp_path / name
    p.write_bytes(data)
    return p


# --- text encodings ---------------------------------------------------------------------------------

@pytest.mark.parametrize("enc, data", [
    ("utf-8", ZH.encode("utf-8")),
    ("utf-8-sig", b"\xef\xbb\xbf" + ZH.encode("utf-8")),
    ("utf-16-le", b"\xff\xfe" + ("Quantum 量子\n" + ZH).encode("utf-16-le")),
    ("utf-16-be", b"\xfe\xff" + ("Quantum 量子\n" + ZH).encode("utf-16-be")),
    ("utf-16-le", ("Quantum policy 量子政策 2025\n" + ZH).encode("utf-16-le")),  # no BOM: NUL pattern
    ("utf-16-be", ("Quantum policy 量子政策 2025\n" + ZH).encode("utf-16-be")),
    ("gb18030", ZH.encode("gbk")),
    ("big5", ZH_HANT.encode("big5")),
])
def test_decode_encodings(enc, data):
    text, got, warnings = decode(data)
    assert got == enc
    assert warnings == ()
    assert ("量子" in text) and "\ufffd" not in text


def test_decode_invalid_bytes_never_crash():
    data = ZH.encode("utf-8")[:30] + b"\xff\xfe\x80\x81" + ZH.encode("utf-8")[30:] + b"\xc3"
    text, enc, warnings = decode(data)
    assert "量子" in text
    assert warnings and "replaced" in warnings[0]


def test_read_text_file_gbk_and_identity(tmp_path):
    data = (ZH + "\r\n第二行。\r\n").encode("gbk")
    p = _write(tmp_path, "notice.txt", data)
    raw = ingest.read(p)
    assert raw.format == "txt" and raw.encoding == "gb18030"
    assert raw.sha256 == sha256_bytes(data)
    assert len(raw.pages) == 1 and raw.pages[0].method == "text"
    assert raw.pages[0].text == ZH + "\r\n第二行。\r\n"  # as in the file: offsets are the file's offsets


# --- sniffing, caps, errors -------------------------------------------------------------------------

def test_empty_file(tmp_path):
    with pytest.raises(EmptyError):
        ingest.read(_write(tmp_path, "a.pdf", b""))


def test_whitespace_text_is_empty(tmp_path):
    with pytest.raises(EmptyError):
        ingest.read(_write(tmp_path, "a.txt", b" \n\t\n"))


def test_too_large(tmp_path):
    with pytest.raises(TooLargeError):
        ingest.read(_write(tmp_path, "a.txt", b"x" * 2000), max_bytes=1000)


def test_unknown_extension_and_magic(tmp_path):
    with pytest.raises(UnsupportedError):
        ingest.read(_write(tmp_path, "a.xyz", b"hello"))
    with pytest.raises(UnsupportedError):  # a PNG named .txt: magic wins
        ingest.read(_write(tmp_path, "a.txt", b"\x89PNG\r\n\x1a\n" + b"\x00" * 50))


def test_pdf_by_magic_not_extension(tmp_path, cjk_font):
    from pdfgen import make_pdf

    src = tmp_path / "real.pdf"
    make_pdf(src, ["Quantum policy text for sniffing."])
    p = _write(tmp_path, "misnamed.txt", src.read_bytes())
    assert ingest.read(p).format == "pdf"


def test_corrupt_pdf(tmp_path):
    with pytest.raises(CorruptError):
        ingest.read(_write(tmp_path, "a.pdf", b"%PDF-1.4\n" + b"\x00garbage" * 50))
    with pytest.raises(CorruptError):
        ingest.read(_write(tmp_path, "b.pdf", b"this is not a pdf at all"))


def test_missing_and_directory(tmp_path):
    with pytest.raises(UnreadableError):
        ingest.read(tmp_path / "nope.pdf")
    with pytest.raises(UnreadableError):
        ingest.read(tmp_path)


def test_zip_that_is_not_docx(tmp_path):
    import io
    import zipfile

    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr("xl/workbook.xml", "<x/>")
    with pytest.raises(UnsupportedError):
        ingest.read(_write(tmp_path, "a.docx", buf.getvalue()))
    with pytest.raises(CorruptError):
        ingest.read(_write(tmp_path, "b.docx", b"PK\x03\x04 truncated"))


# --- HTML and DOCX ----------------------------------------------------------------------------------

def test_html_visible_text_blocks_title(tmp_path):
    html = ("<html><head><title> 量子 Strategy </title><style>p{color:red}</style>"
            "<script>var hidden = 1;</script></head><body><h1>Quantum</h1><p>First <b>para</b>graph.</p>"
            "<div>Second<br>line</div><ul><li>one</li><li>two</li></ul>"
            "<table><tr><td>a</td><td>b</td></tr></table><!-- comment --></body></html>")
    raw = ingest.read(_write(tmp_path, "a.html", html.encode("utf-8")))
    text = raw.pages[0].text
    assert raw.title == "量子 Strategy"
    assert "hidden" not in text and "color" not in text and "comment" not in text
    lines = [line.strip() for line in text.split("\n") if line.strip()]
    assert lines[:6] == ["Quantum", "First paragraph.", "Second", "line", "one", "two"]
    assert lines[6].split() == ["a", "b"]


def test_html_meta_charset_gbk(tmp_path):
    html = f'<html><head><meta charset="gb2312"><title>t</title></head><body><p>{ZH}</p></body></html>'
    raw = ingest.read(_write(tmp_path, "a.htm", html.encode("gbk")))
    assert ZH in raw.pages[0].text


def test_docx_paragraphs_and_tables(tmp_path):
    import docx

    d = docx.Document()
    d.add_paragraph("第一段：设立量子专项。")
    t = d.add_table(rows=2, cols=2)
    t.cell(0, 0).text, t.cell(0, 1).text = "任务", "时限"
    t.cell(1, 0).text, t.cell(1, 1).text = "建设平台", "2025年底前"
    d.add_paragraph("最后一段。")
    p = tmp_path / "a.docx"
    d.save(str(p))
    raw = ingest.read(p)
    lines = raw.pages[0].text.split("\n")
    assert raw.format == "docx"
    assert lines[0] == "第一段：设立量子专项。"
    assert lines[1] == "任务\t时限" and lines[2] == "建设平台\t2025年底前"
    assert lines[-1] == "最后一段。"


# --- quality and GBK recovery -----------------------------------------------------------------------

@pytest.mark.parametrize("text, issue", [
    ("(cid:12)(cid:345)(cid:9)(cid:77) abc", "cid"),
    ("\ufffd\ufffd\ufffd量子", "replacement"),
    ("\ue000\ue001\ue002\ue003量子", "private_use"),
    ("佛佛佛佛佛佛佛佛 贸易", "repeats"),
    ("安安徽徽安安利利合合成成革革股股份份", "doubled"),
    (ZH.encode("gbk").decode("latin-1"), "mojibake"),
])
def test_assess_flags_junk(text, issue):
    a = assess(text)
    assert issue in a.issues
    assert a.score < GOOD


@pytest.mark.parametrize("text", [ZH, "The Director shall establish a National Quantum Coordination Office.",
                                  "2011 年年度报告", "目 录\n关于红军作战的原则……１"])
def test_assess_accepts_clean_text(text):
    assert assess(text).score >= 0.95


def test_assess_scanned_stub():
    assert "scan_stub" in assess("pdf.js", scanned=True).issues
    assert assess("pdf.js").score == 1.0


def test_recover_gbk():
    moji = "目录\n" + ZH.encode("gbk").decode("latin-1")
    assert recover_gbk(moji) == "目录\n" + ZH
    assert recover_gbk("plain English café text") is None


# --- CLI --------------------------------------------------------------------------------------------

def test_extract_cli_text_json_and_error(tmp_path):
    from click.testing import CliRunner

    pytest.importorskip("pipeline.normalise")
    from pipeline.cli import main

    p = _write(tmp_path, "n.txt", (ZH + "\n").encode("utf-8"))
    runner = CliRunner()
    res = runner.invoke(main, ["extract", str(p)])
    assert res.exit_code == 0 and ZH in res.output
    res = runner.invoke(main, ["extract", str(p), "--format", "json"])
    obj = json.loads(res.output)
    assert set(obj) == {"path", "doc_id", "format", "pages", "warnings", "text"}
    assert obj["pages"][0] == {"page": 1, "method": "text", "quality": 1.0, "needs_ocr": False, "warnings": []}
    bad = _write(tmp_path, "z.pdf", b"")
    res = runner.invoke(main, ["extract", str(bad)])
    assert res.exit_code == 2
    assert res.output.strip() == f"policylens: error: {bad}: empty: zero bytes"
    assert "Traceback" not in res.output

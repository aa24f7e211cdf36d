"""PDF ingest: CER of ingest+normalise on generated PDFs, and the behaviour on ../shared/pdfs."""
from __future__ import annotations

import csv
import re
import time

import pytest

from pdfgen import cer, make_pdf
from pipeline import ingest
from pipeline.errors import EmptyError, EncryptedError, NeedsOCRError, PipelineError
from pipeline.ingest.pdf import clean_pdfium
from pipeline.types import METHOD_OCR

ZH = [
    "为加快量子信息产业发展，省人民政府决定设立量子科技专项资金，2025年底前累计投入不少于10亿元，支持量子通信、量子计算和量子精密测量关键技术攻关。",
    "各市要加大对基础研究的投入，建设一批量子科学重点实验室和新型研发机构，推动高校、科研院所与企业联合开展核心器件和材料的研发，提升产业链供应链自主可控水平。",
    "实施量子人才培养计划，引进海外高层次人才，支持青年科学家牵头承担重大项目。鼓励企业参与国际标准制定，深化与有关国家的科技合作与交流。",
    "建立首台套应用奖励机制，对首次实现产业化的量子测量仪器按照销售额的百分之十给予奖励，单个企业每年最高奖励五百万元。",
]
ZH_HANT = [
    "為加快量子資訊產業發展，政府決定設立專項資金，支持關鍵技術攻關與人才培養，深化國際合作與交流。",
    "各機構應加強基礎研究，建設重點實驗室，推動科研成果轉化，提升產業鏈供應鏈的自主可控水準。",
] * 3
EN = [
    "The Director shall establish a National Quantum Coordination Office to oversee interagency research, "
    "workforce development and technology transfer activities across the Federal Government.",
    "There is authorized to be appropriated $250,000,000 for each of fiscal years 2025 through 2029 to carry "
    "out this section, including grants to universities, national laboratories and small businesses.",
    "The Secretary shall assess the domestic supply chain for cryogenic systems, lasers and photonic "
    "components, and shall report critical dependencies on foreign sources to Congress.",
]
TARGET = 0.005


def _ingest_cer(path, reference):
    from pipeline.normalise import normalise

    raw = ingest.read(path, ocr="off")
    norm = normalise(raw.pages)
    return cer(reference, norm.text), raw, norm


CASES = {
    "zh_cid_one_column": dict(paragraphs=ZH * 2, font="cid"),
    "zh_ttf_embedded": dict(paragraphs=ZH * 2, font="ttf"),
    "zh_two_columns_headers": dict(paragraphs=ZH * 10, font="cid", columns=2, size=12, header="某省人民政府文件",
                                   footer="量子信息产业专项", page_numbers=True),
    "zh_letter_spaced": dict(paragraphs=ZH * 2, font="cid", char_space=4.0),
    "zh_hant_t2s": dict(paragraphs=ZH_HANT, font="ttf"),
    "en_one_column_headers": dict(paragraphs=EN * 10, size=12, header="NATIONAL QUANTUM PROGRAM ACT",
                                  page_numbers=True),
    "en_two_columns": dict(paragraphs=EN * 16, columns=2, header="QUANTUM STRATEGY", page_numbers=True),
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_generated_pdf_cer(name, tmp_path, request):
    kw = dict(CASES[name])
    if kw.get("font") == "ttf":
        kw["ttf_path"] = request.getfixturevalue("cjk_font")
    path = tmp_path / f"{name}.pdf"
    reference = make_pdf(path, **kw)
    if name == "zh_hant_t2s":  # the reference after t2s: the normaliser converts to Simplified
        import opencc

        reference = opencc.OpenCC("t2s").convert(reference)
    rate, raw, norm = _ingest_cer(path, reference)
    assert all(p.method == "pdfium" for p in raw.pages), [p.method for p in raw.pages]
    assert rate <= TARGET, f"{name}: CER {rate:.4f}"
    if kw.get("header"):
        assert len(raw.pages) >= 3 and kw["header"] not in norm.text


def test_cer_function():
    assert cer("量子 科技", "量子科技") == 0.0
    assert cer("abcd", "abxd") == 0.25
    assert cer("abcd", "") == 1.0


def test_clean_pdfium_line_ends():
    assert clean_pdfium("a \r\nb\r\nmea\ufffebership\r") == "a\nb\nmeabership\n"


def test_password_and_wrong_password(tmp_path):
    from reportlab.lib import pdfencrypt
    from reportlab.pdfgen import canvas

    path = tmp_path / "locked.pdf"
    c = canvas.Canvas(str(path), encrypt=pdfencrypt.StandardEncryption("s3cret", ownerPassword="owner"))
    c.drawString(72, 720, "Quantum funding of GBP 2.5 billion")
    c.save()
    with pytest.raises(EncryptedError, match="needs a password"):
        ingest.read(path)
    with pytest.raises(EncryptedError):
        ingest.read(path, password="wrong")
    assert "Quantum funding" in ingest.read(path, password="s3cret").pages[0].text


def test_blank_pdf_is_empty(tmp_path):
    from reportlab.pdfgen import canvas

    path = tmp_path / "blank.pdf"
    c = canvas.Canvas(str(path))
    c.showPage()
    c.save()
    with pytest.raises(EmptyError):
        ingest.read(path)


def test_max_pages(tmp_path):
    path = tmp_path / "long.pdf"
    make_pdf(path, EN * 10, size=14)
    with pytest.raises(PipelineError) as err:
        ingest.read(path, max_pages=1)
    assert err.value.error_class == "too_large"


# --- ../shared/pdfs ---------------------------------------------------------------------------------

_PW = re.compile(r"(?:user )?(?:password|pw) '([^']+)'", re.I)


def _manifest(shared):
    with open(shared / "pdfs" / "MANIFEST.tsv", encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh, delimiter="\t"))


@pytest.mark.shared
def test_shared_pdfs_all_bounded(shared):
    """Every file yields a RawDocument or a PipelineError (nothing else), each within a bounded time."""
    outcomes = {}
    for row in _manifest(shared):
        path = shared / row["file"]
        t0 = time.perf_counter()
        try:
            raw = ingest.read(path, ocr="off")
            outcomes[row["file"]] = "ok"
            assert raw.sha256.startswith(row["sha256_16"])
            assert all("\r" not in p.text for p in raw.pages)
        except PipelineError as err:
            outcomes[row["file"]] = err.error_class
        assert time.perf_counter() - t0 < 30, row["file"]
    assert outcomes["pdfs/bad/plumber_empty_0_bytes.pdf"] == "empty"
    assert outcomes["pdfs/bad/plumber_encrypted_password_test.pdf"] == "encrypted"
    assert outcomes["pdfs/bad/plumber_image_only_scan_ccitt.pdf"] == "needs_ocr"
    for f in ("plumber_encrypted_empty_userpw.pdf", "unst_copy_protected_permissions.pdf",
              "plumber_content_stream_syntax_error.pdf", "miner_zen_of_python_corrupted.pdf"):
        assert outcomes[f"pdfs/bad/{f}"] == "ok", f
    assert sum(v == "ok" for v in outcomes.values()) >= 60


@pytest.mark.shared
def test_shared_passwords_from_manifest(shared):
    rows = [r for r in _manifest(shared) if _PW.search(r["description"])]
    assert len(rows) >= 4
    for row in rows:
        pw = _PW.search(row["description"]).group(1)
        path = shared / row["file"]
        with pytest.raises(EncryptedError):
            ingest.read(path, ocr="off")
        try:
            raw = ingest.read(path, password=pw, ocr="off")
        except (EmptyError, NeedsOCRError):
            continue  # opened, but the page holds no text: still not an encryption failure
        assert raw.pages


@pytest.mark.shared
def test_shared_gbk_mojibake_yields_chinese(shared):
    raw = ingest.read(shared / "pdfs/zh/pdfjs_gb2312_font_winansi_MOJIBAKE.pdf", ocr="off")
    text = "".join(raw.pages[0].text.split())
    assert "关于红军作战的原则" in text
    assert not re.search(r"[\u00c0-\u00ff]{3}", text)


@pytest.mark.shared
def test_shared_scan_needs_ocr_when_off(shared):
    with pytest.raises(NeedsOCRError):
        ingest.read(shared / "pdfs/bad/miner_image_only_scan_2pages.pdf", ocr="off")
    raw = ingest.read(shared / "pdfs/bad/pdfjs_scan_bad.pdf", ocr="off")  # a 6-char stamp over a scan
    assert raw.pages[0].needs_ocr


@pytest.mark.shared
def test_shared_scan_ocr_auto(shared, tesseract):
    """The one OCR run (seconds): a scan whose invisible OCR layer is garbage is OCRed again."""
    path = shared / "pdfs/bad/unst_scan_with_garbage_ocr_layer.pdf"
    off = ingest.read(path, ocr="off").pages[0]
    assert off.needs_ocr and "bad_ocr_layer" in " ".join(off.warnings)
    page = ingest.read(path, ocr="auto").pages[0]
    assert page.method == METHOD_OCR and not page.needs_ocr
    assert "Foundation" in page.text and len(page.text.split()) > 60
    assert "«" not in page.text


def test_several_passwords_open_each_protected_file(shared):
    """One batch, several passwords: each encrypted file opens with whichever of them is its own."""
    from pipeline.errors import EncryptedError
    from pipeline.ingest import read

    passwords = ("userpassword", "test")
    for name in ("plumber_encrypted_password_test.pdf", "tabula_encrypted_needs_password.pdf",
                 "plumber_encrypted_empty_userpw.pdf"):
        doc = read(shared / "pdfs" / "bad" / name, password=passwords, ocr="off")
        assert any(p.text.strip() for p in doc.pages), name
    with pytest.raises(EncryptedError, match="none of the 2 password"):
        read(shared / "pdfs" / "bad" / "unst_password_protected.pdf", password=passwords, ocr="off")

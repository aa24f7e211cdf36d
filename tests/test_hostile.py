"""Hostile and broken inputs: every file ends as a document or as one stable error class, and a batch
of them through the runner leaves the good files in it exactly as they are when processed alone.

Cases (generators in ``tests/hostile.py``): ../shared/pdfs/bad; a real PDF truncated at seven points;
random bytes named .pdf; zero bytes; 3000 tiny pages (under and over ``max_pages``); page-tree loops,
self-references and 10,000-deep nested arrays/dictionaries; a FlateDecode bomb (300 KB → 300 MB);
text in GBK, GB18030, Big5, UTF-16 LE/BE with and without BOM, with invalid bytes; 20 MB single-line
files; a directory symlink loop; a dangling symlink; a FIFO. Unreadable by permissions: the tests run
as root here, where ``chmod 000`` does not block reads (``hostile.chmod_blocks_reads`` detects it), so
the unreadable cases are a dangling symlink and a FIFO, and the chmod case runs only for a non-root user.

All runs use ``ocr="off"`` and no optional stages (the spine: ingest → normalise → segment), two workers
and small time/memory limits.
"""
from __future__ import annotations

import os
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

import hostile as H
from pipeline.errors import ERROR_CLASSES, CorruptError, PipelineError, TooLargeError, UnreadableError
from pipeline.ingest import read
from pipeline.process import process
from pipeline.resources import shared_root
from pipeline.runner import run
from pipeline.settings import Settings
from pipeline.store import Store

REPO = Path(__file__).resolve().parent.parent
SAMPLES = REPO / "corpus" / "samples"
GOOD = ["en_national_quantum_program_act.pdf", "zh_provincial_quantum_industry_measures.pdf",
        "zh_city_quantum_ecosystem_notice.txt", "uk_quantum_strategy_extract.html",
        "zh_municipal_quantum_talent_supply_chain.docx"]
SECRET = "TOPSECRET-XXE-MARKER"
SETTINGS = Settings(ocr="off", stages=(), time_limit=40.0, memory_mb=700, max_pages=1000)
ANY_OK = set(ERROR_CLASSES) | {"ok"}
NOT_A_BUG = ANY_OK - {"internal", "crashed"}


def _outcomes(db: Path) -> dict[str, str]:
    """path -> 'ok' or the error class, from ``files`` (tasks and duplicates) and ``errors`` (the rest)."""
    with Store(str(db), read_only=True) as st:
        out = {p: e for p, e in st.con.execute("SELECT path, error_class FROM errors").fetchall()}
        for path, doc_id, status in st.con.execute("SELECT path, doc_id, status FROM files").fetchall():
            if status == "ok":
                assert st.con.execute("SELECT 1 FROM documents WHERE doc_id = ?", [doc_id]).fetchone(), path
            out[path] = status
    return out


def _messages(db: Path) -> list[tuple[str, str, str]]:
    with Store(str(db), read_only=True) as st:
        return st.con.execute("SELECT path, error_class, message FROM errors").fetchall()


def _sentences(db: Path, path: str) -> list[str]:
    with Store(str(db), read_only=True) as st:
        return [r[0] for r in st.con.execute(
            "SELECT s.text FROM files f JOIN sentences s ON s.doc_id = f.doc_id WHERE f.path = ? ORDER BY s.sent",
            [path]).fetchall()]


def _doc_text(db: Path, path: str) -> str:
    with Store(str(db), read_only=True) as st:
        row = st.con.execute("SELECT d.text FROM files f JOIN documents d ON d.doc_id = f.doc_id WHERE f.path = ?",
                             [path]).fetchone()
    return row[0] if row else ""


# ------------------------------------------------------------------------------------------ the batch


def _generated(root: Path) -> dict[str, set[str]]:
    """Write the generated cases under ``root``; return file name -> the outcomes accepted for it."""
    root.mkdir()
    expect: dict[str, set[str]] = {}
    sample = (SAMPLES / "zh_provincial_quantum_industry_measures.pdf").read_bytes()
    for i, data in enumerate(H.truncations(sample)):
        (root / f"truncated_{i}.pdf").write_bytes(data)
        expect[f"truncated_{i}.pdf"] = {"corrupt", "ok", "empty"}  # pdfium may repair a cut near the end
    for i in range(3):
        (root / f"random_{i}.pdf").write_bytes(H.random_bytes(4096 + i, seed=i))
        expect[f"random_{i}.pdf"] = {"corrupt"}
    (root / "random_with_header.pdf").write_bytes(b"%PDF-1.7\n" + H.random_bytes(20000, seed=99))
    expect["random_with_header.pdf"] = {"corrupt"}
    (root / "zero_bytes.txt").write_bytes(b"")
    expect["zero_bytes.txt"] = {"empty"}
    (root / "zero_bytes.pdf").write_bytes(b"")
    expect["zero_bytes.pdf"] = {"empty"}
    (root / "whitespace.txt").write_bytes(b" \n\t\r\n \x0c ")
    expect["whitespace.txt"] = {"empty"}
    H.many_pages_pdf(root / "pages_3000.pdf", 3000)
    expect["pages_3000.pdf"] = {"too_large"}  # SETTINGS.max_pages = 1000
    (root / "simple.pdf").write_bytes(H.simple_pdf())
    expect["simple.pdf"] = {"ok"}
    for name, gen, ok in (("kids_loop.pdf", H.kids_loop_pdf, {"ok"}),
                          ("mutual_kids_loop.pdf", H.mutual_kids_loop_pdf, {"too_large", "corrupt"}),
                          ("self_reference.pdf", H.self_reference_pdf, {"ok"}),
                          ("deep_array.pdf", H.deep_array_pdf, {"ok", "corrupt"}),
                          ("deep_dict.pdf", H.deep_dict_pdf, {"ok", "corrupt"})):
        (root / name).write_bytes(gen())
        expect[name] = ok
    (root / "flate_bomb.pdf").write_bytes(H.flate_bomb_pdf(300))
    expect["flate_bomb.pdf"] = {"ok", "too_large"}
    for name, (data, _) in H.encoded_texts().items():
        (root / name).write_bytes(data)
        expect[name] = {"ok"}
    docx = (SAMPLES / "zh_municipal_quantum_talent_supply_chain.docx").read_bytes()
    secret = root.parent / "secret.txt"
    secret.write_text(SECRET)
    for name, data, ok in (("xxe.docx", H.docx_xxe(docx, secret), {"ok"}),
                           ("billion_laughs.docx", H.docx_billion_laughs(docx), {"corrupt", "ok"}),
                           ("zip_bomb.docx", H.docx_zip_bomb(docx), {"corrupt", "too_large", "ok"}),
                           ("billion_laughs.html", H.html_billion_laughs(), {"ok"}),
                           ("deep_nesting.html", H.html_deep_nesting(), {"corrupt", "ok"})):
        (root / name).write_bytes(data)
        expect[name] = ok
    return expect


@pytest.fixture(scope="module")
def batch(tmp_path_factory):
    """One runner batch over everything (two workers); returns (db, inputs, expectations)."""
    tmp = tmp_path_factory.mktemp("hostile")
    gen = tmp / "gen"
    expect = {str(gen / k): v for k, v in _generated(gen).items()}
    loop = H.make_dir_loop(tmp)
    dangling = tmp / "dangling.pdf"
    os.symlink(str(tmp / "does-not-exist.pdf"), dangling)
    expect[str(dangling)] = {"unreadable"}
    expect[str(loop / "a" / "inside.txt")] = {"ok"}
    expect[str(loop / "a" / "back")] = {"unreadable"}  # the directory loop itself
    inputs = [str(gen), str(loop), str(dangling)]
    if not H.chmod_blocks_reads(tmp / "probe"):  # root: chmod 000 blocks nothing, see the module doc
        (tmp / "probe").unlink()
    else:
        locked = tmp / "locked.txt"
        locked.write_text("secret\n")
        locked.chmod(0)
        inputs.append(str(locked))
        expect[str(locked)] = {"unreadable"}
    for name in GOOD:
        inputs.append(str(SAMPLES / name))
        expect[str(SAMPLES / name)] = {"ok"}
    shared = shared_root()
    if shared is not None:
        bad = shared / "pdfs" / "bad"
        inputs.append(str(bad))
        for p in bad.iterdir():
            expect[str(p)] = _shared_expectation(p.name)
    db = tmp / "hostile.duckdb"
    t0 = time.monotonic()
    summary = run(inputs, db=str(db), settings=SETTINGS, workers=2)
    return db, inputs, expect, summary, time.monotonic() - t0


def _shared_expectation(name: str) -> set[str]:
    if "_pw_" in name or name in ("plumber_encrypted_password_test.pdf", "tabula_encrypted_needs_password.pdf",
                                  "unst_password_protected.pdf"):
        return {"encrypted"}
    if "0_bytes" in name:
        return {"empty"}
    if "image_only" in name:
        return {"needs_ocr"}
    return NOT_A_BUG - {"timeout", "too_large"}


def test_batch_accounts_for_every_input(batch):
    db, inputs, expect, summary, seconds = batch
    got = _outcomes(db)
    missing = sorted(set(expect) - set(got))
    assert not missing, f"inputs neither in documents nor in errors: {missing}"
    wrong = {p: (got[p], sorted(expect[p])) for p in expect if got[p] not in expect[p]}
    assert not wrong, wrong
    assert set(got.values()) <= ANY_OK
    assert "internal" not in got.values() and "crashed" not in got.values(), got
    assert summary.ok + summary.n_failed + summary.skipped >= len(expect) - summary.duplicates
    assert seconds < 150, f"the hostile batch took {seconds:.0f} s"
    with Store(str(db), read_only=True) as st:
        assert st.con.execute("SELECT status FROM runs").fetchall() == [("done",)]


def test_batch_messages_are_one_line(batch):
    db = batch[0]
    rows = _messages(db)
    assert rows
    for path, cls, message in rows:
        assert cls in ERROR_CLASSES
        assert message and "\n" not in message and len(message) < 500, (path, message)


def test_good_files_unaffected_by_hostile_neighbours(batch):
    db = batch[0]
    for name in GOOD:
        path = str(SAMPLES / name)
        alone = process(path, SETTINGS)
        assert _sentences(db, path) == [alone.text[s.start:s.end] for s in alone.sentences], name
        assert alone.sentences


def test_recovered_text_is_right(batch):
    db, _, _, _, _ = batch
    gen = db.parent / "gen"
    for name, (_, phrase) in H.encoded_texts().items():
        text = _doc_text(db, str(gen / name))
        assert phrase in text, (name, text[:80])
        assert "\x00" not in text
    for name in ("xxe.docx", "billion_laughs.html"):  # entities are never resolved or expanded
        text = _doc_text(db, str(gen / name))
        assert H.HELLO in text and SECRET not in text and "lollollol" not in text, (name, text[:200])
    assert H.HELLO in _doc_text(db, str(gen / "kids_loop.pdf"))
    assert H.HELLO in _doc_text(db, str(gen / "self_reference.pdf"))
    assert H.HELLO in _doc_text(db, str(db.parent / "loop" / "a" / "inside.txt")) or \
        "Inside the loop." in _doc_text(db, str(db.parent / "loop" / "a" / "inside.txt"))


def test_flate_bomb_stays_under_the_memory_cap(batch):
    """The bomb inflates to 300 MB; the worker's address-space cap (memory_mb) holds it, or it is too_large."""
    db, _, _, summary, _ = batch
    got = _outcomes(db)[str(db.parent / "gen" / "flate_bomb.pdf")]
    assert got in {"ok", "too_large"}
    # peak RSS of any worker: the cap is on address space above the worker's start size, so RSS
    # stays below it plus the loaded libraries (a generous 600 MB)
    assert summary.peak_worker_rss_mb < SETTINGS.memory_mb + 600, summary.peak_worker_rss_mb


# ------------------------------------------------------------------------------------------ direct reads


def test_shared_bad_classes(shared):
    """Each ../shared/pdfs/bad file read directly: a RawDocument or a PipelineError of the expected class."""
    seen = {}
    for p in sorted((shared / "pdfs" / "bad").iterdir()):
        try:
            raw = read(p, ocr="off")
            seen[p.name] = "ok"
            assert raw.pages and raw.sha256
        except PipelineError as err:
            seen[p.name] = err.error_class
            assert err.path and "\n" not in str(err)
        assert seen[p.name] in _shared_expectation(p.name), (p.name, seen[p.name])
    assert list(seen.values()).count("encrypted") >= 6


def test_many_pages_processed_under_the_cap(tmp_path):
    pdf = H.many_pages_pdf(tmp_path / "pages.pdf", 3000)
    with pytest.raises(TooLargeError) as info:
        read(pdf, ocr="off", max_pages=100)
    assert "3000 pages" in str(info.value)
    t0 = time.monotonic()
    raw = read(pdf, ocr="off", max_pages=5000)
    assert len(raw.pages) == 3000 and time.monotonic() - t0 < 30
    assert raw.pages[2999].text.strip().startswith("Page 3000")
    t0 = time.monotonic()
    result = process(str(pdf), Settings(ocr="off", stages=(), max_pages=5000))
    assert len(result.pages) == 3000 and len(result.sentences) >= 3000 and time.monotonic() - t0 < 60
    assert result.offsets.page_of(result.sentences[-1].start) == 3000


def test_truncated_pdfs_are_corrupt(tmp_path):
    sample = (SAMPLES / "en_national_quantum_program_act.pdf").read_bytes()
    classes = []
    for i, data in enumerate(H.truncations(sample)):
        p = tmp_path / f"cut{i}.pdf"
        p.write_bytes(data)
        try:
            read(p, ocr="off")
            classes.append("ok")
        except PipelineError as err:
            classes.append(err.error_class)
    assert set(classes) <= {"corrupt", "ok", "empty"}, classes
    assert classes[0] == "corrupt"  # only the header left


def test_kids_loop_keeps_the_loadable_page(tmp_path):
    p = tmp_path / "loop.pdf"
    p.write_bytes(H.kids_loop_pdf())
    raw = read(p, ocr="off")
    assert any(H.HELLO in pg.text for pg in raw.pages)
    assert any("cannot be loaded" in w for w in raw.warnings)


def test_all_pages_unloadable_is_corrupt(tmp_path):
    """A page tree whose only kid is itself: no page loads → corrupt (not an escaped PdfiumError)."""
    data = H.build_pdf([b"<< /Type /Catalog /Pages 2 0 R >>", b"<< /Type /Pages /Kids [2 0 R] /Count 3 >>"])
    p = tmp_path / "only_loop.pdf"
    p.write_bytes(data)
    with pytest.raises(CorruptError) as info:
        read(p, ocr="off")
    assert "none of the 3 pages" in str(info.value)


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no FIFOs on this platform")
def test_fifo_read_is_unreadable_not_a_hang(tmp_path):
    fifo = tmp_path / "pipe.txt"
    os.mkfifo(fifo)
    code = f"from pipeline.ingest import read\ntry:\n read({str(fifo)!r})\nexcept Exception as e:\n print(type(e).__name__)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60, cwd=REPO)
    assert out.stdout.strip() == "UnreadableError", out.stderr[-500:]


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no FIFOs on this platform")
def test_fifo_through_the_runner_is_unreadable(tmp_path):
    fifo = tmp_path / "pipe.txt"
    os.mkfifo(fifo)
    code = textwrap.dedent(f"""
        from pipeline.runner import run
        from pipeline.settings import Settings
        s = run([{str(fifo)!r}], db={str(tmp_path / 'f.duckdb')!r}, settings=Settings(ocr="off", stages=()), workers=1)
        print(dict(s.failed))
    """)
    try:
        out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=90, cwd=REPO)
    except subprocess.TimeoutExpired:
        pytest.fail("the runner blocked on a FIFO for 90 s")
    assert "unreadable" in out.stdout, out.stderr[-500:]


def test_unreadable_paths(tmp_path):
    dangling = tmp_path / "gone.txt"
    os.symlink(str(tmp_path / "nowhere.txt"), dangling)
    with pytest.raises(UnreadableError):
        read(dangling)
    with pytest.raises(UnreadableError):
        read(tmp_path)
    if H.chmod_blocks_reads(tmp_path / "probe.txt"):
        locked = tmp_path / "locked.txt"
        locked.write_text("secret\n")
        locked.chmod(0)
        with pytest.raises(UnreadableError):
            read(locked)
    else:  # running as root: chmod 000 cannot make a file unreadable, so only the other cases count
        assert os.geteuid() == 0 or os.access(tmp_path / "probe.txt", os.R_OK)


def test_text_encodings_decode(tmp_path):
    for name, (data, phrase) in H.encoded_texts().items():
        p = tmp_path / name
        p.write_bytes(data)
        result = process(str(p), SETTINGS)
        assert phrase in result.text, (name, result.text[:60])
        assert result.sentences


# ------------------------------------------------------------------------------------------ long lines


def test_long_single_line_english(tmp_path):
    """2 MB, one line, no full stop: more than spaCy's max_length in one sentence (was E088 → internal,
    fixed in ce7b129 by chunking)."""
    p = tmp_path / "one_line.txt"
    p.write_bytes(H.long_line_text(2 * 1024 * 1024))
    try:
        result = process(str(p), SETTINGS)
    except TooLargeError:
        return
    assert result.tokens and result.tokens[-1].end <= len(result.text)


def test_long_single_lines_through_the_runner(tmp_path):
    """20 MB single-line files: processed, too_large (memory) or timeout, each in bounded time; no hang."""
    (tmp_path / "in").mkdir()
    zh = tmp_path / "in" / "line_zh.txt"
    zh.write_bytes(H.long_line_text_zh())
    en = tmp_path / "in" / "line_en.txt"
    en.write_bytes(H.long_line_text())
    settings = Settings(ocr="off", stages=(), time_limit=25.0, memory_mb=800)
    t0 = time.monotonic()
    summary = run([str(tmp_path / "in")], db=str(tmp_path / "l.duckdb"), settings=settings, workers=2)
    assert time.monotonic() - t0 < 25 + 40
    got = _outcomes(tmp_path / "l.duckdb")
    assert got[str(zh)] in {"ok", "too_large", "timeout"}, got
    assert got[str(en)] in {"ok", "too_large", "timeout"}, got
    assert summary.ok + summary.n_failed == 2


# ------------------------------------------------------------------------------------------ memory cap


def _bomb_run(tmp_path: Path, memory_mb: int):
    d = tmp_path / f"bomb{memory_mb}"
    d.mkdir()
    (d / "bomb.pdf").write_bytes(H.flate_bomb_pdf(300))
    db = tmp_path / f"bomb{memory_mb}.duckdb"
    summary = run([str(d)], db=str(db), settings=Settings(ocr="off", stages=(), memory_mb=memory_mb, time_limit=60),
                  workers=1)
    return _outcomes(db)[str(d / "bomb.pdf")], summary


def _bomb_message(tmp_path: Path, memory_mb: int) -> str:
    with Store(tmp_path / f"bomb{memory_mb}.duckdb", read_only=True) as st:
        return st.sql("SELECT message FROM errors")["message"].tolist()[0]


@pytest.mark.parametrize("memory_mb", [150, 400])
def test_flate_bomb_under_a_memory_cap_costs_that_document_only(tmp_path, memory_mb):
    """A 300 MB inflate under the cap: pdfium aborts on the failed allocation (SIGABRT) or Python raises
    MemoryError; either way the document is a classified error, memory stays under the cap and a
    crash's message names the cap as the likely cause."""
    got, summary = _bomb_run(tmp_path, memory_mb)
    assert got in {"too_large", "crashed"}, got
    assert summary.peak_worker_rss_mb < memory_mb + 300  # the cap is on growth above the worker's start size
    if got == "crashed":
        assert f"{memory_mb} MB memory cap" in _bomb_message(tmp_path, memory_mb)

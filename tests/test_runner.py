"""Runner: discovery, dedupe, resume, isolation of hanging/crashing/hungry workers, kill -9, Dask parity.

Workers here run ``fake_worker`` (no stages needed): the file name picks the behaviour.
"""
from __future__ import annotations

import hashlib
import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from pipeline import runner as runner_mod
from pipeline.errors import EncryptedError
from pipeline.runner import discover, run
from pipeline.settings import Settings
from pipeline.store import CHILD_SCHEMAS, Store

from test_store import counts, expected_counts, fake_result

TESTS = Path(__file__).resolve().parent
V = "test-version"


def fake_worker(path: str, settings: Settings):
    """Behaviour by file name: hang, crash (os._exit), sigkill, hog (memory), raise, enc; else a result."""
    name = os.path.basename(path)
    if "hang" in name:
        time.sleep(3600)
    if "crash" in name:
        os._exit(3)
    if "sigkill" in name:
        os.kill(os.getpid(), signal.SIGKILL)
    if "hog" in name:
        chunks = []
        for _ in range(200):  # up to ~10 GB, touched, 50 MB at a time
            chunks.append(bytearray(50 * 1024 * 1024))
            time.sleep(0.01)
    if "raise" in name:
        raise ValueError("boom")
    if "enc" in name:
        raise EncryptedError("needs a password", path=path, stage="ingest")
    delay = float(os.environ.get("FAKE_WORKER_DELAY", "0"))
    if delay:
        time.sleep(delay)
    data = Path(path).read_bytes()
    return fake_result(data.decode("utf-8"), path=path, doc_id=hashlib.sha256(data).hexdigest(), version=V)


def make_corpus(root: Path, n: int = 6) -> Path:
    root.mkdir(parents=True, exist_ok=True)
    for i in range(n):
        (root / f"doc{i}.txt").write_text(f"Document Number {i}\n第{i}号 文件 内容\nThe End of {i}\n", "utf-8")
    return root


def go(inputs, db, **kw):
    kw.setdefault("workers", 2)
    kw.setdefault("settings", Settings(time_limit=30, memory_mb=500))
    return run([str(p) for p in inputs], db=str(db), worker_fn=fake_worker, pipeline_version=V, **kw)


def test_run_dedupe_ignored_and_resume(tmp_path, monkeypatch):
    corpus = make_corpus(tmp_path / "c")
    (corpus / "copy.txt").write_bytes((corpus / "doc0.txt").read_bytes())  # duplicate content
    (corpus / "notes.xyz").write_text("ignored")
    (corpus / "sub").mkdir()
    (corpus / "sub" / "deep.md").write_text("Deep Markdown file\n")
    db = tmp_path / "a.duckdb"
    events = []
    s = go([corpus], db, progress=events.append)
    assert (s.ok, s.n_failed, s.duplicates, s.ignored) == (7, 0, 1, 1)
    assert s.n_pages == 7 and s.pages_by_method == {"text": 7} and s.n_sentences == 7 * 3 - 2
    assert events[0].kind == "planned" and events[-1].kind == "finished"
    assert events[-1].finished == events[-1].total == 8
    with Store(db, read_only=True) as st:
        assert len(st.table("documents")) == 7
        files = st.table("files")
        assert len(files) == 8 and files["doc_id"].nunique() == 7
        for p in corpus.glob("doc*.txt"):
            r = fake_result(p.read_text("utf-8"))
            assert counts(st, r.doc_id) == expected_counts(r)
    # unchanged re-run: every file skipped without hashing it
    monkeypatch.setattr(runner_mod, "sha256_file", lambda p: pytest.fail(f"re-hashed {p}"))
    s2 = go([corpus], db)
    assert (s2.ok, s2.skipped, s2.n_failed) == (0, 8, 0)
    monkeypatch.undo()
    # touched (new mtime, same content): hashed again but not reprocessed; changed content: reprocessed
    os.utime(corpus / "doc1.txt", ns=(1, 1))
    (corpus / "doc2.txt").write_text("Changed Text\n")
    s3 = go([corpus], db)
    assert (s3.ok, s3.skipped) == (1, 7)
    s4 = go([corpus], db, force=True)
    assert s4.ok == 7 and s4.duplicates == 1
    with Store(db, read_only=True) as st:
        assert len(st.table("documents")) == 8  # the old doc2 content stays as its own document
        assert st.con.execute("SELECT count(*) FROM tokens").fetchone()[0] == sum(
            len(fake_result(t).tokens) for t in st.table("documents")["text"])
        assert st.table("runs")["status"].tolist() == ["done"] * 4


def test_bad_paths(tmp_path):
    corpus = make_corpus(tmp_path / "c", 2)
    (corpus / "loop").symlink_to(corpus, target_is_directory=True)  # a directory loop
    (corpus / "broken.pdf").symlink_to(tmp_path / "nowhere.pdf")
    explicit = tmp_path / "data.xyz"
    explicit.write_text("x")
    locked = corpus / "locked.txt"
    locked.write_text("secret")
    locked.chmod(0)
    db = tmp_path / "a.duckdb"
    s = go([corpus, explicit, tmp_path / "missing.txt"], db)
    locked.chmod(0o600)
    expect_unreadable = 3 + (0 if os.geteuid() == 0 else 1)  # root reads mode-0 files
    assert s.failed["unreadable"] == expect_unreadable and s.failed["unsupported"] == 1
    assert s.ok == 2 + (1 if os.geteuid() == 0 else 0)
    with Store(db, read_only=True) as st:
        errs = st.table("errors")
        msgs = dict(zip(errs["path"], errs["message"]))
        assert "directory loop" in msgs[str(corpus / "loop")]
        assert errs["error_class"].value_counts().to_dict() == dict(s.failed)


def test_discover_counts_ignored(tmp_path):
    corpus = make_corpus(tmp_path / "c", 3)
    (corpus / "a.jpg").write_bytes(b"x")
    from collections import Counter

    c = Counter()
    found = list(discover([corpus], c))
    assert len(found) == 3 and all(err is None for _, _, err in found) and c["ignored"] == 1


def test_isolation_hang_crash_memory_raise(tmp_path):
    corpus = make_corpus(tmp_path / "c", 4)
    for name in ("hang", "crash", "sigkill", "hog", "raise", "enc"):
        (corpus / f"{name}.txt").write_text(f"{name}\n")
    db = tmp_path / "a.duckdb"
    t = time.monotonic()
    s = go([corpus], db, settings=Settings(time_limit=3, memory_mb=400))
    elapsed = time.monotonic() - t
    assert s.ok == 4, s
    assert dict(s.failed) == {"timeout": 1, "crashed": 2, "too_large": 1, "internal": 1, "encrypted": 1}
    assert elapsed < 20
    with Store(db, read_only=True) as st:
        errs = st.table("errors")
        by_path = {Path(p).stem: c for p, c in zip(errs["path"], errs["error_class"])}
        assert by_path == {"hang": "timeout", "crash": "crashed", "sigkill": "crashed", "hog": "too_large",
                           "raise": "internal", "enc": "encrypted"}
        assert "ValueError: boom" in errs.set_index("error_class").loc["internal", "message"]
        assert "SIGKILL" in errs.set_index("error_class").loc["crashed"]["message"].tolist()[1] or any(
            "SIGKILL" in m for m in errs["message"])
    # failures are not retried on an unchanged re-run with the same settings, unless asked
    few = [corpus / "enc.txt", corpus / "raise.txt", corpus / "doc0.txt"]
    s2 = go(few, db, settings=Settings(time_limit=3, memory_mb=400))
    assert s2.skipped == 3 and not s2.failed
    s3 = go(few, db, settings=Settings(time_limit=3, memory_mb=400), retry_failed=True)
    assert s3.skipped == 1 and dict(s3.failed) == {"internal": 1, "encrypted": 1}
    s4 = go(few, db, settings=Settings(time_limit=4, memory_mb=400))  # other settings: failures retried
    assert s4.skipped == 1 and s4.n_failed == 2


def test_memory_watchdog_catches_slow_growth(tmp_path, monkeypatch):
    # RSS sampling in the parent (no RLIMIT_AS): a worker growing past the cap is killed as too_large
    monkeypatch.setattr(runner_mod, "_limit_memory", lambda mb: None)
    (tmp_path / "hog.txt").write_text("hog\n")
    s = go([tmp_path / "hog.txt"], tmp_path / "a.duckdb", settings=Settings(time_limit=30, memory_mb=300),
           workers=1)
    assert dict(s.failed) == {"too_large": 1}


SCRIPT = textwrap.dedent("""
    import sys
    sys.path.insert(0, {tests!r})
    from test_runner import fake_worker, V
    from pipeline.runner import run
    from pipeline.settings import Settings
    def progress(ev):
        print(ev.kind, ev.ok, flush=True)
    s = run([{corpus!r}], db={db!r}, worker_fn=fake_worker, pipeline_version=V, workers=2,
            settings=Settings(time_limit=30, memory_mb=500), progress=progress)
    print("OK", s.ok)
""")


def _table_content(db: Path) -> dict:
    """Every table's rows, without run ids, timestamps or row order."""
    out = {}
    with Store(db, read_only=True) as st:
        for name in ("documents", *CHILD_SCHEMAS, "files"):
            df = st.table(name).drop(columns=["run_id", "processed_at"], errors="ignore")
            rows = sorted(repr(tuple(map(_plain, r))) for r in df.itertuples(index=False))
            out[name] = rows
    return out


def _plain(v):
    if hasattr(v, "tolist"):
        return v.tolist()
    return v


def test_kill_9_leaves_whole_documents_and_rerun_completes(tmp_path):
    corpus = make_corpus(tmp_path / "c", 40)
    killed, clean = tmp_path / "killed.duckdb", tmp_path / "clean.duckdb"
    env = dict(os.environ, FAKE_WORKER_DELAY="0.1", PYTHONPATH=str(TESTS.parent))
    code = SCRIPT.format(tests=str(TESTS), corpus=str(corpus), db=str(killed))
    proc = subprocess.Popen([sys.executable, "-c", code], env=env, start_new_session=True,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    for line in proc.stdout:  # kill once a few documents are committed and more are in flight
        if line.startswith(b"ok ") and int(line.split()[1]) >= 5:
            break
    os.killpg(proc.pid, signal.SIGKILL)
    proc.wait(10)
    assert proc.returncode == -signal.SIGKILL
    with Store(killed) as st:  # reopen (replays the WAL) and check every document is whole
        ids = st.table("documents")["doc_id"].tolist()
        assert 0 < len(ids) < 40, len(ids)
        for path in corpus.glob("*.txt"):
            r = fake_result(path.read_text("utf-8"))
            if r.doc_id in ids:
                assert counts(st, r.doc_id) == expected_counts(r)
            else:
                assert sum(counts(st, r.doc_id).values()) == 0
        assert st.table("runs")["status"].tolist() == ["running"]
    s = go([corpus], killed)
    assert s.ok == 40 - len(ids) and s.skipped == len(ids)
    go([corpus], clean)
    assert _table_content(killed) == _table_content(clean)


def test_dask_backend_matches_local(tmp_path):
    pytest.importorskip("distributed")
    corpus = make_corpus(tmp_path / "c", 4)
    (corpus / "enc.txt").write_text("enc\n")
    (corpus / "crash.txt").write_text("crash\n")
    s1 = go([corpus], tmp_path / "local.duckdb")
    s2 = go([corpus], tmp_path / "dask.duckdb", backend="dask")
    assert (s2.ok, dict(s2.failed)) == (s1.ok, dict(s1.failed)) == (4, {"encrypted": 1, "crashed": 1})
    assert _table_content(tmp_path / "local.duckdb") == _table_content(tmp_path / "dask.duckdb")


def test_real_pipeline_under_a_memory_cap_processes_every_sample(tmp_path):
    """Regression: the address-space cap counted arrow's mimalloc reservations and a max_bytes read
    buffer, so documents after the first few failed as too_large far below the real cap."""
    samples = Path(__file__).resolve().parent.parent / "corpus" / "samples"
    inputs = sorted(str(p) for p in samples.iterdir() if p.suffix in {".pdf", ".txt", ".html", ".docx"})
    summary = run(inputs, db=str(tmp_path / "cap.duckdb"), workers=1,
                  settings=Settings(ocr="off", memory_mb=700, max_bytes=1 << 30))
    assert summary.ok == len(inputs) and not summary.failed, dict(summary.failed)


def test_importing_pipeline_keeps_arrow_off_mimalloc():
    """mimalloc reserves ~1.4 GB of address space at import, which the workers' RLIMIT_AS cap counts."""
    code = "import pipeline, pyarrow as pa; print(pa.default_memory_pool().backend_name)"
    env = {k: v for k, v in os.environ.items() if k != "ARROW_DEFAULT_MEMORY_POOL"}
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, timeout=120)
    assert out.stdout.strip() == "system", out.stderr[-300:]

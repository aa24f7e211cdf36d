"""``policylens run`` and ``policylens export`` through the real CLI (fake workers, and real PDFs)."""
from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pytest
from click.testing import CliRunner

from pipeline.cli import main
from pipeline.store import Store

from test_runner import make_corpus

TESTS = Path(__file__).resolve().parent
FAKE = ["--worker", "test_runner:fake_worker", "--no-progress", "--workers", "2"]


def cli(*args):
    return CliRunner().invoke(main, [str(a) for a in args], catch_exceptions=False)


def test_help_has_examples():
    for cmd in ("run", "export"):
        res = cli(cmd, "--help")
        assert res.exit_code == 0 and "Example:" in res.output


def test_run_strict_and_export(tmp_path):
    corpus = make_corpus(tmp_path / "c", 3)
    (corpus / "enc.txt").write_text("enc\n")
    db = tmp_path / "a.duckdb"
    res = cli("run", corpus, "--db", db, *FAKE)
    assert res.exit_code == 0, res.output
    assert "documents: ok 3, failed 1 (encrypted 1), skipped 0" in res.stdout
    assert f"failed: {corpus / 'enc.txt'}: encrypted: needs a password" in res.stderr
    res = cli("run", corpus, "--db", db, "--strict", *FAKE)  # enc is skipped (same settings), not failed
    assert res.exit_code == 0 and "skipped 4" in res.stdout
    res = cli("run", corpus, "--db", db, "--strict", "--password", "pw", *FAKE)  # new settings: retried
    assert res.exit_code == 1 and "failed 1" in res.stdout
    with Store(db, read_only=True) as st:
        args = [json.loads(a) for a in st.table("runs")["args"]]
        assert args[2]["password"] == "***" and "pw" not in json.dumps(args)
    out = tmp_path / "out"
    res = cli("export", "--db", db, "--format", "parquet", "--out", out, "--tables", "documents,tokens",
              "--tables", "errors")
    assert res.exit_code == 0, res.output
    assert sorted(p.name for p in out.iterdir()) == ["documents.parquet", "errors.parquet", "tokens.parquet"]
    assert len(pd.read_parquet(out / "documents.parquet")) == 3
    res = cli("export", "--db", db, "--format", "jsonl", "--out", tmp_path / "j")
    assert res.exit_code == 0 and (tmp_path / "j" / "sentences.jsonl").read_text().count("\n") == 9
    res = cli("export", "--db", tmp_path / "missing.duckdb", "--out", out)
    assert res.exit_code == 2 and "policylens: error:" in res.stderr


def test_ctrl_c_stops_cleanly(tmp_path):
    corpus = make_corpus(tmp_path / "c", 30)
    db = tmp_path / "a.duckdb"
    env = dict(os.environ, FAKE_WORKER_DELAY="0.3", PYTHONPATH=f"{TESTS.parent}{os.pathsep}{TESTS}")
    proc = subprocess.Popen([sys.executable, "-m", "pipeline", "run", str(corpus), "--db", str(db), *FAKE],
                            env=env, start_new_session=True, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    deadline = time.monotonic() + 60
    while not db.exists() and time.monotonic() < deadline:  # the run has begun once the file exists
        time.sleep(0.1)
    time.sleep(4)
    os.killpg(proc.pid, signal.SIGINT)  # what a terminal's Ctrl-C does: the whole process group
    out, err = proc.communicate(timeout=30)
    assert proc.returncode == 130, err.decode()[-3000:]
    assert b"interrupted" in err
    with Store(db, read_only=True) as st:
        assert st.table("runs")["status"].tolist() == ["interrupted"]
        n = len(st.table("documents"))
        assert n < 30
        assert st.con.execute("SELECT count(*) FROM sentences").fetchone()[0] == 3 * n
    res = cli("run", corpus, "--db", db, *FAKE)
    assert res.exit_code == 0 and f"documents: ok {30 - n}, failed 0 (none), skipped {n}" in res.stdout


@pytest.mark.shared
def test_real_pipeline_on_bad_pdfs(shared, tmp_path):
    """The default worker on broken and encrypted PDFs: every file is processed or recorded, exit 0."""
    pytest.importorskip("pipeline.ingest")
    try:
        from pipeline.ingest import read  # noqa: F401
    except ImportError:
        pytest.skip("ingest.read has not landed")
    bad = shared / "pdfs" / "bad"
    names = ["plumber_empty_0_bytes.pdf", "plumber_encrypted_password_test.pdf", "miner_encrypted_aes128_pw_foo.pdf",
             "unst_password_protected.pdf"]
    db = tmp_path / "a.duckdb"
    res = cli("run", *[bad / n for n in names], "--db", db, "--no-progress", "--workers", "2",
              "--time-limit", "120")
    assert res.exit_code == 0, res.output
    with Store(db, read_only=True) as st:
        files = st.table("files")
        errors = st.table("errors")
    assert len(files) == len(names)  # every file recorded, as a document or as a failure
    classes = dict(zip((Path(p).name for p in errors["path"]), errors["error_class"]))
    assert classes["plumber_empty_0_bytes.pdf"] == "empty"
    assert classes["plumber_encrypted_password_test.pdf"] == "encrypted"
    assert "crashed" not in classes.values()

"""Store: schema, one-transaction writes, idempotence, offsets round trip, export, kill -9 safety."""
from __future__ import annotations

import dataclasses
import hashlib
import json
from array import array
from pathlib import Path

import pandas as pd
import pytest
from hypothesis import given, settings as hsettings, strategies as st

from pipeline.errors import EncryptedError
from pipeline.store import CHILD_SCHEMAS, SCHEMA_VERSION, Store
from pipeline.types import (DocArea, DocumentResult, Entity, Measure, Mention, OffsetMap, Page, Sentence,
                            Token)

REPO = Path(__file__).resolve().parent.parent


def fake_result(text: str, *, path: str = "x.txt", doc_id: str | None = None, version: str = "test") -> DocumentResult:
    """A deterministic DocumentResult for ``text``: one sentence per line, one token per word."""
    doc_id = doc_id or hashlib.sha256(text.encode()).hexdigest()
    sents, toks, pos = [], [], 0
    for line in text.split("\n"):
        if line.strip():
            i = len(sents)
            sents.append(Sentence(pos, pos + len(line), "en" if line.isascii() else "zh", 0))
            off = pos
            for word in line.split(" "):
                if word:
                    toks.append(Token(off, off + len(word), word, word.lower(), "X", "x", i))
                off += len(word) + 1
        pos += len(line) + 1
    ents = tuple(Entity(t.start, t.end, t.text, "ORG", id=f"id:{t.text}") for t in toks if t.text.istitle())
    ments = tuple(Mention(i, s.start, s.end, "C1", 0.5 + i / 1000, "problem", ("w",)) for i, s in enumerate(sents))
    meas = tuple(Measure(i, s.start, s.end, text[s.start:s.end], areas=("C1", "C2"), amount=1.5, year=2020)
                 for i, s in enumerate(sents[:2]))
    return DocumentResult(
        doc_id=doc_id, path=path, format="txt", lang="en", script="latin", text=text,
        offsets=OffsetMap(array("q", range(len(text) + 1)), (0,)),
        pages=(Page(1, text, "text", 1.0),), sentences=tuple(sents), tokens=tuple(toks), entities=ents,
        mentions=ments, doc_areas=(DocArea("C1", 0.5, 0.9, 0.6, True, (0, 1)),), measures=meas,
        timings=(("ingest", 0.01), ("segment", 0.02)), pipeline_version=version, n_bytes=len(text.encode()),
        meta=(("jurisdiction", "CN"),))


def counts(store: Store, doc_id: str) -> dict:
    return {name: store.con.execute(f"SELECT count(*) FROM {name} WHERE doc_id = ?", [doc_id]).fetchone()[0]
            for name in ("documents", *CHILD_SCHEMAS)}


def expected_counts(r: DocumentResult) -> dict:
    return {"documents": 1, "pages": len(r.pages), "sentences": len(r.sentences), "tokens": len(r.tokens),
            "entities": len(r.entities), "mentions": len(r.mentions), "doc_areas": len(r.doc_areas),
            "measures": len(r.measures)}


TEXT = "Quantum Computing needs funding\n量子 计算 的 挑战\nThe Ministry plans 5 programmes\n"


def test_schema_and_version(tmp_path):
    with Store(tmp_path / "a.duckdb") as s:
        names = set(s.con.execute("SELECT table_name FROM information_schema.tables").df()["table_name"])
        assert {"documents", "files", "pages", "sentences", "tokens", "entities", "mentions", "doc_areas",
                "measures", "errors", "runs", "schema_version"} <= names
        assert s.table("schema_version")["version"].tolist() == [SCHEMA_VERSION]
    with Store(tmp_path / "a.duckdb") as s:  # reopening does not add a second version row
        assert len(s.table("schema_version")) == 1


def test_write_is_idempotent_and_complete(tmp_path):
    r = fake_result(TEXT)
    with Store(tmp_path / "a.duckdb") as s:
        run = s.begin_run({"x": 1}, "v1")
        s.write(r, run, "/d/x.txt", file_stat=(10, 20))
        s.write(r, run, "/d/x.txt", file_stat=(10, 20))
        assert counts(s, r.doc_id) == expected_counts(r)
        sent = s.table("sentences")
        assert sent["text"].tolist()[0] == "Quantum Computing needs funding"
        ent = s.table("entities")
        assert set(ent["sent"]) == {0, 2} and ent["entity_id"].iloc[0] == "id:Quantum"
        doc = s.table("documents").iloc[0]
        assert doc["pipeline_version"] == "v1" and doc["jurisdiction"] == "CN" and doc["text"] == TEXT
        assert json.loads(doc["timings"]) == [["ingest", 0.01], ["segment", 0.02]]
        assert s.done(r.doc_id, "v1") and not s.done(r.doc_id, "v2")
        assert s.known_file("/d/x.txt", 10, 20) == r.doc_id
        assert s.known_file("/d/x.txt", 11, 20) is None
        assert list(s.table("measures")["areas"].iloc[0]) == ["C1", "C2"]


def test_rewrite_replaces_old_rows(tmp_path):
    r1 = fake_result(TEXT, doc_id="d" * 64)
    r2 = fake_result("One Line only\n", doc_id="d" * 64)
    with Store(tmp_path / "a.duckdb") as s:
        run = s.begin_run({}, "v1")
        s.write(r1, run)
        s.write(r2, run)
        assert counts(s, "d" * 64) == expected_counts(r2)


def test_failed_write_rolls_back(tmp_path):
    good = fake_result(TEXT)
    bad = fake_result("Another Text\n")
    bad = dataclasses.replace(bad, tokens=(Token(0, 1, "A", sent="not-an-int"),))
    with Store(tmp_path / "a.duckdb") as s:
        run = s.begin_run({}, "v1")
        s.write(good, run)
        with pytest.raises(Exception):
            s.write(bad, run)
        assert s.con.execute("SELECT count(*) FROM documents").fetchone()[0] == 1
        assert s.con.execute("SELECT count(*) FROM sentences WHERE doc_id = ?", [bad.doc_id]).fetchone()[0] == 0


class _FailingCommit:
    """A connection stand-in whose COMMIT fails (as a full disk or a kill would make it)."""

    def __init__(self, con):
        self._con = con

    def execute(self, sql, *args):
        if sql.strip() == "COMMIT":
            raise RuntimeError("commit failed")
        return self._con.execute(sql, *args)

    def __getattr__(self, name):
        return getattr(self._con, name)


def test_write_many_is_one_transaction(tmp_path):
    docs = [fake_result(f"Line {i} of Text\nSecond Line {i}\n") for i in range(3)]
    with Store(tmp_path / "a.duckdb") as s:
        run = s.begin_run({}, "v1")
        s.write_many([(r, f"/d/{i}.txt", (i + 1, 7)) for i, r in enumerate(docs)], run,
                     extra_files=[("/d/copy.txt", docs[1].doc_id, 9, 7)])
        for i, r in enumerate(docs):
            assert counts(s, r.doc_id) == expected_counts(r)
            assert s.known_file(f"/d/{i}.txt", i + 1, 7) == r.doc_id
        assert s.known_file("/d/copy.txt", 9, 7) == docs[1].doc_id  # a duplicate's path, same transaction
        assert s.table("documents")["path"].tolist() == [f"/d/{i}.txt" for i in range(3)]
        # a batch that fails at COMMIT leaves none of its documents, and the earlier rows untouched
        more = [fake_result(f"Other Text {i}\n") for i in range(2)]
        real, s.con = s.con, _FailingCommit(s.con)
        with pytest.raises(RuntimeError):
            s.write_many([(r, None, (1, 1)) for r in more], run, extra_files=[("/d/lost.txt", more[0].doc_id, 1, 1)])
        s.con = real
        assert s.known_file("/d/lost.txt", 1, 1) is None
        assert s.con.execute("SELECT count(*) FROM documents").fetchone()[0] == 3
        assert all(counts(s, r.doc_id)["sentences"] == 0 for r in more)
        # rewriting a batch that includes known documents replaces their rows, no duplicates
        s.write_many([(docs[0], None, None), (more[0], None, None)], run)
        assert counts(s, docs[0].doc_id) == expected_counts(docs[0])
        assert s.con.execute("SELECT count(*) FROM documents").fetchone()[0] == 4


@hsettings(max_examples=25, deadline=None)
@given(st.lists(st.integers(0, 10**12), min_size=1, max_size=50), st.lists(st.integers(0, 10**6), max_size=5))
def test_offsets_round_trip(tmp_path_factory, orig, starts):
    path = tmp_path_factory.mktemp("off") / "a.duckdb"
    text = "x" * (len(orig) - 1)
    r = fake_result(text + "\n", doc_id="o" * 64)
    r = dataclasses.replace(r, text=text, offsets=OffsetMap(array("q", orig), tuple(starts) or (0,)))
    with Store(path) as s:
        s.write(r, s.begin_run({}, "v"))
        back = s.offsets("o" * 64)
    assert list(back.orig) == orig and back.page_starts == (tuple(starts) or (0,))


def test_errors_runs_and_export(tmp_path):
    r = fake_result(TEXT)
    with Store(tmp_path / "a.duckdb") as s:
        run = s.begin_run({"password": None}, "v1")
        s.write(r, run, "/d/x.txt")
        s.record_error(run, "/d/bad.pdf", EncryptedError("needs a password", page=2, stage="ingest"), sha256="ab")
        s.end_run(run, {"ok": 1, "n_failed": 1, "skipped": 0})
        err = s.table("errors").iloc[0]
        assert (err["error_class"], err["page"], err["stage"], err["sha256"]) == ("encrypted", 2, "ingest", "ab")
        runs = s.table("runs").iloc[0]
        assert (runs["n_ok"], runs["n_failed"], runs["status"]) == (1, 1, "done")
    with Store(tmp_path / "a.duckdb", read_only=True) as s:
        for fmt in ("parquet", "jsonl", "csv"):
            files = s.export(tmp_path / fmt, fmt, tables=["documents", "tokens"])
            assert [f.name for f in files] == [f"documents.{fmt}", f"tokens.{fmt}"]
        assert len(pd.read_parquet(tmp_path / "parquet" / "tokens.parquet")) == len(r.tokens)
        lines = (tmp_path / "jsonl" / "tokens.jsonl").read_text().splitlines()
        assert len(lines) == len(r.tokens) and json.loads(lines[0])["text"] == "Quantum"
        assert len(pd.read_csv(tmp_path / "csv" / "tokens.csv")) == len(r.tokens)
        with pytest.raises(Exception, match="no table"):
            s.export(tmp_path / "x", "csv", tables=["nope"])


def test_read_only_missing_db_is_clean_error(tmp_path):
    from pipeline.errors import BadInputError

    with pytest.raises(BadInputError):
        Store(tmp_path / "none.duckdb", read_only=True)


def test_prepared_document_writes_the_same_rows_as_the_result(tmp_path):
    """The worker-side Arrow form and the in-process form give identical tables."""
    from pipeline.process import process_text
    from pipeline.settings import Settings
    from pipeline.store import PreparedDocument, Store, prepare

    result = process_text("国家设立量子计算专项，投入10亿元。The Director shall establish an office.", doc_id="p1",
                          settings=Settings(stages=("entities", "classify", "measures")))
    prepared = prepare(result)
    assert isinstance(prepared, PreparedDocument) and prepared.n_sentences == len(result.sentences)
    tables = {}
    for name, obj in (("a", result), ("b", prepared)):
        with Store(tmp_path / f"{name}.duckdb") as st:
            run_id = st.begin_run({}, "v")
            st.write(obj, run_id, "same/path.txt")
            tables[name] = {t: st.sql(f"SELECT * FROM {t} ORDER BY start, \"end\"")
                            for t in ("sentences", "tokens", "entities", "measures")}
            tables[name]["doc"] = st.sql("SELECT path, lang, text, n_chars FROM documents")
    for t, frame in tables["a"].items():
        assert len(frame) > 0, t
        pd.testing.assert_frame_equal(frame, tables["b"][t])
    assert tables["b"]["doc"]["path"].tolist() == ["same/path.txt"]

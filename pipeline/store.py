"""DuckDB storage: the schema, the single writer, readers and export.

One ``Store`` wraps one DuckDB file. The runner's parent process is the only writer: each
``DocumentResult`` goes in with ``write()`` — or a few at once with ``write_many()`` — inside ONE
transaction (old rows of the documents deleted, new rows bulk-inserted from Arrow tables), so a crash
or ``kill -9`` at any moment leaves only whole documents (DuckDB's WAL replays committed transactions
and drops the rest on reopen).

Imports only ``types`` and ``errors`` (never a stage).
"""
from __future__ import annotations

import json
import logging
import os
import uuid
from array import array
from bisect import bisect_right
from datetime import datetime, timezone
from pathlib import Path
from dataclasses import dataclass
from typing import Any, Iterable, Iterator, Optional, Union

import pyarrow as pa

from .errors import BadInputError, PipelineError
from .types import DocumentResult, OffsetMap

log = logging.getLogger(__name__)

SCHEMA_VERSION = 1
DEFAULT_DB = "policylens.duckdb"
EXPORT_FORMATS = ("parquet", "jsonl", "csv")

_S, _I, _L, _F, _B = pa.string(), pa.int32(), pa.int64(), pa.float64(), pa.bool_()

# Child tables of a document: name -> Arrow schema (column order = table column order).
CHILD_SCHEMAS: dict[str, pa.Schema] = {
    "pages": pa.schema([("doc_id", _S), ("page", _I), ("method", _S), ("quality", _F), ("needs_ocr", _B),
                        ("n_chars", _I), ("warnings", pa.list_(_S))]),
    "sentences": pa.schema([("doc_id", _S), ("sent", _I), ("start", _I), ("end", _I), ("lang", _S),
                            ("paragraph", _I), ("text", _S)]),
    "tokens": pa.schema([("doc_id", _S), ("sent", _I), ("idx", _I), ("start", _I), ("end", _I), ("text", _S),
                         ("lemma", _S), ("pos", _S), ("tag", _S)]),
    "entities": pa.schema([("doc_id", _S), ("sent", _I), ("start", _I), ("end", _I), ("text", _S),
                           ("label", _S), ("entity_id", _S), ("value", _F), ("unit", _S)]),
    "mentions": pa.schema([("doc_id", _S), ("sent", _I), ("start", _I), ("end", _I), ("area", _S),
                           ("score", _F), ("stance", _S), ("evidence", pa.list_(_S))]),
    "doc_areas": pa.schema([("doc_id", _S), ("area", _S), ("share", _F), ("max_score", _F),
                            ("mean_score", _F), ("decision", _B), ("evidence", pa.list_(_I))]),
    "measures": pa.schema([("doc_id", _S), ("sent", _I), ("start", _I), ("end", _I), ("text", _S),
                           ("actor", _S), ("actor_id", _S), ("action", _S), ("object", _S),
                           ("instrument", _S), ("subtool", _S), ("areas", pa.list_(_S)), ("amount", _F),
                           ("currency", _S), ("time", _S), ("year", _I), ("status", _S),
                           ("jurisdiction", _S)]),
}
DOC_SCHEMA = pa.schema([
    ("doc_id", _S), ("path", _S), ("format", _S), ("lang", _S), ("script", _S), ("title", _S),
    ("jurisdiction", _S), ("year", _I), ("n_pages", _I), ("n_chars", _L), ("n_bytes", _L), ("text", _S),
    ("offsets", pa.binary()), ("offsets_typecode", _S), ("page_starts", pa.list_(_L)),
    ("warnings", pa.list_(_S)), ("timings", _S), ("pipeline_version", _S), ("run_id", _S),
    ("processed_at", pa.timestamp("us", tz="UTC")),
])

_DUCK = {_S: "VARCHAR", _I: "INTEGER", _L: "BIGINT", _F: "DOUBLE", _B: "BOOLEAN", pa.binary(): "BLOB",
         pa.list_(_S): "VARCHAR[]", pa.list_(_I): "INTEGER[]", pa.list_(_L): "BIGINT[]",
         pa.timestamp("us", tz="UTC"): "TIMESTAMPTZ"}


def _ddl(name: str, schema: pa.Schema, extra: str = "") -> str:
    cols = ", ".join(f'"{f.name}" {_DUCK[f.type]}' for f in schema)
    return f"CREATE TABLE IF NOT EXISTS {name} ({cols}{extra})"


DDL = [
    "CREATE TABLE IF NOT EXISTS schema_version (version INTEGER, created_at TIMESTAMPTZ)",
    _ddl("documents", DOC_SCHEMA, ", PRIMARY KEY (doc_id)"),
    *(_ddl(n, s) for n, s in CHILD_SCHEMAS.items()),
    # status: 'ok' or the error class of the file's last attempt; settings_key: what it was tried with.
    """CREATE TABLE IF NOT EXISTS files (path VARCHAR PRIMARY KEY, doc_id VARCHAR, size BIGINT,
       mtime BIGINT, run_id VARCHAR, status VARCHAR, pipeline_version VARCHAR, settings_key VARCHAR)""",
    """CREATE TABLE IF NOT EXISTS errors (run_id VARCHAR, path VARCHAR, sha256 VARCHAR,
       error_class VARCHAR, message VARCHAR, stage VARCHAR, page INTEGER, "at" TIMESTAMPTZ)""",
    """CREATE TABLE IF NOT EXISTS runs (run_id VARCHAR PRIMARY KEY, started_at TIMESTAMPTZ,
       finished_at TIMESTAMPTZ, pipeline_version VARCHAR, args VARCHAR, n_ok INTEGER, n_failed INTEGER,
       n_skipped INTEGER, status VARCHAR, summary VARCHAR)""",
]
TABLES = ("documents", *CHILD_SCHEMAS, "files", "errors", "runs", "schema_version")


def _now() -> datetime:
    return datetime.now(timezone.utc)


def _sent_of(starts: list[int], offset: int) -> int:
    return max(0, bisect_right(starts, offset) - 1)


def _table(schema: pa.Schema, rows: dict[str, list]) -> pa.Table:
    return pa.table({f.name: pa.array(rows[f.name], type=f.type) for f in schema}, schema=schema)


def iter_result_tables(result: DocumentResult) -> Iterator[tuple[str, pa.Table]]:
    """``(name, table)`` for each child table, built one at a time (a caller that serialises each before
    asking for the next holds one table's column lists at a time: the tokens table of a 85k-token text
    is tens of MB of Python lists)."""
    d, text = result.doc_id, result.text
    pg = result.pages
    yield "pages", _table(CHILD_SCHEMAS["pages"], {
        "doc_id": [d] * len(pg), "page": [p.number for p in pg], "method": [p.method for p in pg],
        "quality": [float(p.quality) for p in pg], "needs_ocr": [bool(p.needs_ocr) for p in pg],
        "n_chars": [len(p.text) for p in pg], "warnings": [list(p.warnings) for p in pg]})
    ss = result.sentences
    yield "sentences", _table(CHILD_SCHEMAS["sentences"], {
        "doc_id": [d] * len(ss), "sent": list(range(len(ss))), "start": [s.start for s in ss],
        "end": [s.end for s in ss], "lang": [s.lang for s in ss], "paragraph": [s.paragraph for s in ss],
        "text": [text[s.start:s.end] for s in ss]})
    tk = result.tokens
    yield "tokens", _table(CHILD_SCHEMAS["tokens"], {
        "doc_id": [d] * len(tk), "sent": [t.sent for t in tk], "idx": list(range(len(tk))),
        "start": [t.start for t in tk], "end": [t.end for t in tk], "text": [t.text for t in tk],
        "lemma": [t.lemma for t in tk], "pos": [t.pos for t in tk], "tag": [t.tag for t in tk]})
    starts = [s.start for s in ss]
    en = result.entities
    yield "entities", _table(CHILD_SCHEMAS["entities"], {
        "doc_id": [d] * len(en), "sent": [_sent_of(starts, e.start) for e in en],
        "start": [e.start for e in en], "end": [e.end for e in en], "text": [e.text for e in en],
        "label": [e.label for e in en], "entity_id": [e.id for e in en],
        "value": [None if e.value is None else float(e.value) for e in en], "unit": [e.unit for e in en]})
    mn = result.mentions
    yield "mentions", _table(CHILD_SCHEMAS["mentions"], {
        "doc_id": [d] * len(mn), "sent": [m.sent for m in mn], "start": [m.start for m in mn],
        "end": [m.end for m in mn], "area": [m.area for m in mn], "score": [float(m.score) for m in mn],
        "stance": [m.stance for m in mn], "evidence": [list(m.evidence) for m in mn]})
    da = result.doc_areas
    yield "doc_areas", _table(CHILD_SCHEMAS["doc_areas"], {
        "doc_id": [d] * len(da), "area": [a.area for a in da], "share": [float(a.share) for a in da],
        "max_score": [float(a.max_score) for a in da], "mean_score": [float(a.mean_score) for a in da],
        "decision": [bool(a.decision) for a in da], "evidence": [list(a.evidence) for a in da]})
    ms = result.measures
    cols: dict[str, list] = {"doc_id": [d] * len(ms)}
    for f in CHILD_SCHEMAS["measures"]:
        if f.name == "doc_id":
            continue
        vals = [getattr(m, f.name) for m in ms]
        if f.name == "areas":
            vals = [list(v) for v in vals]
        elif f.name == "amount":
            vals = [None if v is None else float(v) for v in vals]
        cols[f.name] = vals
    yield "measures", _table(CHILD_SCHEMAS["measures"], cols)


def _doc_table(result: DocumentResult, run_id: str, path: str, version: str) -> pa.Table:
    meta = dict(result.meta)
    year = meta.get("year")
    try:
        year = int(year) if year not in (None, "") else None
    except ValueError:
        year = None
    orig = result.offsets.orig
    row = {
        "doc_id": result.doc_id, "path": path, "format": result.format, "lang": result.lang,
        "script": result.script, "title": result.title, "jurisdiction": meta.get("jurisdiction"),
        "year": year, "n_pages": len(result.pages), "n_chars": len(result.text),
        "n_bytes": result.n_bytes, "text": result.text, "offsets": orig.tobytes(),
        "offsets_typecode": orig.typecode, "page_starts": list(result.offsets.page_starts),
        "warnings": list(result.warnings), "timings": json.dumps(list(result.timings)),
        "pipeline_version": version, "run_id": run_id, "processed_at": _now(),
    }
    return _table(DOC_SCHEMA, {k: [v] for k, v in row.items()})


@dataclass(frozen=True)
class PreparedDocument:
    """A DocumentResult turned into Arrow IPC bytes in the worker, so the single writer in the parent
    only inserts (no unpickling of token objects, no table building). Plus the counts the run summary
    needs."""

    doc_id: str
    path: str
    pipeline_version: str
    tables: tuple[tuple[str, bytes], ...]  # ("documents", ipc), ("pages", ipc), ...
    page_methods: tuple[str, ...] = ()
    n_sentences: int = 0
    timings: tuple[tuple[str, float], ...] = ()

    @property
    def n_pages(self) -> int:
        return len(self.page_methods)


# zstd-compressed IPC: 15.7 MB -> 3.2 MB for a 85k-token document at the same speed; the worker holds
# the bytes and their pickled copy while sending, so this is most of its per-document peak above tagging.
_IPC_OPTIONS = pa.ipc.IpcWriteOptions(compression="zstd" if pa.Codec.is_available("zstd") else None)


def _ipc(table: pa.Table) -> bytes:
    sink = pa.BufferOutputStream()
    with pa.ipc.new_stream(sink, table.schema, options=_IPC_OPTIONS) as writer:
        writer.write_table(table)
    return sink.getvalue().to_pybytes()


def prepare(result: DocumentResult) -> PreparedDocument:
    """Pure: the document's rows as Arrow IPC streams (run id, path and time are set by the writer)."""
    tables = [("documents", _ipc(_doc_table(result, "", result.path, result.pipeline_version)))]
    tables.extend((name, _ipc(t)) for name, t in iter_result_tables(result) if t.num_rows)
    return PreparedDocument(
        doc_id=result.doc_id, path=result.path, pipeline_version=result.pipeline_version,
        tables=tuple(tables),
        page_methods=tuple(p.method for p in result.pages), n_sentences=len(result.sentences),
        timings=result.timings)


def _set_column(table: pa.Table, name: str, value: Any) -> pa.Table:
    i = table.schema.get_field_index(name)
    return table.set_column(i, table.schema.field(i), pa.array([value] * table.num_rows, type=table.schema.field(i).type))


class Store:
    """A policylens DuckDB file. Use as a context manager; one writer process at a time."""

    def __init__(self, path: str | os.PathLike = DEFAULT_DB, read_only: bool = False) -> None:
        import duckdb

        self.path = str(path)
        self.read_only = read_only
        if read_only and not Path(self.path).exists():
            raise BadInputError(f"no database at {self.path}", path=self.path)
        try:
            self.con = duckdb.connect(self.path, read_only=read_only)
        except duckdb.Error as exc:
            raise BadInputError(f"cannot open database: {exc}", path=self.path) from exc
        self._versions: dict[str, str] = {}
        if not read_only:
            self._create()

    # -- lifecycle -----------------------------------------------------------------------------
    def __enter__(self) -> "Store":
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()

    def close(self) -> None:
        if getattr(self, "con", None) is not None:
            self.con.close()
            self.con = None

    def _create(self) -> None:
        for stmt in DDL:
            self.con.execute(stmt)
        row = self.con.execute("SELECT max(version) FROM schema_version").fetchone()
        if row[0] is None:
            self.con.execute("INSERT INTO schema_version VALUES (?, ?)", [SCHEMA_VERSION, _now()])
        elif row[0] != SCHEMA_VERSION:
            raise BadInputError(f"database schema version {row[0]}, this policylens writes {SCHEMA_VERSION}",
                                path=self.path)

    # -- runs ----------------------------------------------------------------------------------
    def begin_run(self, args: dict, pipeline_version: str) -> str:
        run_id = uuid.uuid4().hex[:16]
        self.con.execute("INSERT INTO runs (run_id, started_at, pipeline_version, args, status) "
                         "VALUES (?, ?, ?, ?, 'running')",
                         [run_id, _now(), pipeline_version, json.dumps(args, default=str, sort_keys=True)])
        self._versions[run_id] = pipeline_version
        return run_id

    def end_run(self, run_id: str, summary: dict, status: str = "done") -> None:
        self.con.execute("UPDATE runs SET finished_at = ?, n_ok = ?, n_failed = ?, n_skipped = ?, status = ?, "
                         "summary = ? WHERE run_id = ?",
                         [_now(), summary.get("ok", 0), summary.get("n_failed", 0), summary.get("skipped", 0),
                          status, json.dumps(summary, default=str, sort_keys=True), run_id])

    def _version(self, run_id: str) -> str:
        if run_id not in self._versions:
            row = self.con.execute("SELECT pipeline_version FROM runs WHERE run_id = ?", [run_id]).fetchone()
            self._versions[run_id] = row[0] if row else ""
        return self._versions[run_id]

    # -- writing -------------------------------------------------------------------------------
    def write(self, result: Union[DocumentResult, PreparedDocument], run_id: str, path: Optional[str] = None, *,
              file_stat: Optional[tuple[int, int]] = None, settings_key: str = "") -> None:
        """Replace one document's rows in ONE transaction (plus its ``files`` row when ``file_stat``)."""
        self.write_many([(result, path, file_stat)], run_id, settings_key=settings_key)

    def write_many(self, items: Iterable[tuple[Union[DocumentResult, PreparedDocument], Optional[str],
                                               Optional[tuple[int, int]]]],
                   run_id: str, *, settings_key: str = "",
                   extra_files: Iterable[tuple[str, str, int, int]] = ()) -> None:
        """Replace several documents' rows in ONE transaction: ``items`` are ``(result, path, file_stat)``;
        ``extra_files`` are more ``files`` rows ``(path, doc_id, size, mtime)`` for paths that hold one of
        these documents too (duplicates), committed with them.

        Each table gets one INSERT for the whole batch, and there is one COMMIT: per document these
        cost 28 ms on ../shared/pdfs in the runner's parent, where they compete with the workers for the
        cores. A crash leaves either the whole batch or none of it (a resumed run redoes the rest).
        """
        version = self._version(run_id)
        docs: list[tuple[PreparedDocument, str, Optional[tuple[int, int]]]] = []
        batches: dict[str, list[pa.Table]] = {}
        now = _now()
        for result, path, file_stat in items:
            prepared = result if isinstance(result, PreparedDocument) else prepare(result)
            path = path or prepared.path
            docs.append((prepared, path, file_stat))
            for name, blob in prepared.tables:
                table = pa.ipc.open_stream(blob).read_all()
                if name == "documents":
                    for col, value in (("path", path), ("run_id", run_id),
                                       ("pipeline_version", version or prepared.pipeline_version),
                                       ("processed_at", now)):
                        table = _set_column(table, col, value)
                batches.setdefault(name, []).append(table)
        if not docs:
            return
        ids = [d[0].doc_id for d in docs]
        con = self.con
        con.execute("BEGIN TRANSACTION")
        try:
            marks = ", ".join("?" * len(ids))
            old = [r[0] for r in con.execute(f"SELECT doc_id FROM documents WHERE doc_id IN ({marks})",
                                             ids).fetchall()]
            if old:  # deleting scans a child table: only pay it for documents written before
                marks_old = ", ".join("?" * len(old))
                for name in (*CHILD_SCHEMAS, "documents"):
                    con.execute(f"DELETE FROM {name} WHERE doc_id IN ({marks_old})", old)
            for name in ("documents", *(n for n in batches if n != "documents")):
                tbl = pa.concat_tables(batches[name])
                if tbl.num_rows:
                    con.register(f"_pl_{name}", tbl)
                    con.execute(f"INSERT INTO {name} SELECT * FROM _pl_{name}")
                    con.unregister(f"_pl_{name}")
            file_version = version or docs[0][0].pipeline_version
            self._put_files([(path, prepared.doc_id, stat, run_id, "ok", version or prepared.pipeline_version,
                              settings_key) for prepared, path, stat in docs if stat is not None]
                            + [(path, doc_id, (size, mtime), run_id, "ok", file_version, settings_key)
                               for path, doc_id, size, mtime in extra_files])
            con.execute("COMMIT")
        except BaseException:
            try:
                con.execute("ROLLBACK")
            except Exception:  # noqa: BLE001 - the transaction already ended (interrupted COMMIT)
                pass
            raise

    def _put_files(self, rows: list[tuple]) -> None:
        """``files`` rows ``(path, doc_id, (size, mtime), run_id, status, version, settings_key)``."""
        if rows:
            self.con.executemany("INSERT OR REPLACE INTO files VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                                 [[path, doc_id, int(stat[0]), int(stat[1]), run_id, status, version, skey]
                                  for path, doc_id, stat, run_id, status, version, skey in rows])

    def put_file(self, path: str, doc_id: Optional[str], size: int, mtime: int, run_id: str,
                 status: str = "ok", settings_key: str = "") -> None:
        """Record that ``path`` (with this size and mtime in ns) holds ``doc_id`` (or failed: status)."""
        self._put_files([(path, doc_id, (size, mtime), run_id, status, self._version(run_id), settings_key)])

    def record_error(self, run_id: str, path: str, err: PipelineError, sha256: Optional[str] = None) -> None:
        cls = getattr(err, "error_class", "internal")
        self.con.execute("INSERT INTO errors VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                         [run_id, path, sha256, cls, getattr(err, "message", str(err)),
                          getattr(err, "stage", None), getattr(err, "page", None), _now()])

    # -- lookups -------------------------------------------------------------------------------
    def done(self, doc_id: str, pipeline_version: str) -> bool:
        return self.con.execute("SELECT 1 FROM documents WHERE doc_id = ? AND pipeline_version = ?",
                                [doc_id, pipeline_version]).fetchone() is not None

    def done_ids(self, pipeline_version: str) -> set[str]:
        rows = self.con.execute("SELECT doc_id FROM documents WHERE pipeline_version = ?",
                                [pipeline_version]).fetchall()
        return {r[0] for r in rows}

    def known_file(self, path: str, size: int, mtime: int) -> Optional[str]:
        row = self.con.execute("SELECT doc_id FROM files WHERE path = ? AND size = ? AND mtime = ? "
                               "AND status = 'ok'", [path, int(size), int(mtime)]).fetchone()
        return row[0] if row else None

    def known_files(self) -> dict[str, tuple]:
        """Every ``files`` row: path -> (size, mtime, doc_id, status, pipeline_version, settings_key)."""
        rows = self.con.execute("SELECT path, size, mtime, doc_id, status, pipeline_version, settings_key "
                                "FROM files").fetchall()
        return {r[0]: tuple(r[1:]) for r in rows}

    # -- readers -------------------------------------------------------------------------------
    def table(self, name: str):
        """A whole table as a pandas DataFrame."""
        if name not in TABLES:
            raise BadInputError(f"no table {name!r}; tables: {', '.join(TABLES)}")
        return self.con.execute(f"SELECT * FROM {name}").df()

    def sql(self, query: str, params: Optional[list] = None):
        return self.con.execute(query, params or []).df()

    def offsets(self, doc_id: str) -> OffsetMap:
        """The stored offset map of a document (normalised offset -> original offset and page)."""
        row = self.con.execute("SELECT offsets, offsets_typecode, page_starts FROM documents WHERE doc_id = ?",
                               [doc_id]).fetchone()
        if row is None:
            raise BadInputError(f"no document {doc_id}")
        orig = array(row[1] or "q")
        orig.frombytes(bytes(row[0]))
        return OffsetMap(orig=orig, page_starts=tuple(row[2] or (0,)))

    def export(self, out_dir: str | os.PathLike, fmt: str = "parquet",
               tables: Optional[Iterable[str]] = None) -> list[Path]:
        """Write each table to ``out_dir/NAME.{parquet,jsonl,csv}``; returns the files written."""
        if fmt not in EXPORT_FORMATS:
            raise BadInputError(f"unknown export format {fmt!r}; use one of {', '.join(EXPORT_FORMATS)}")
        names = list(tables) if tables else [t for t in TABLES if t != "schema_version"]
        for name in names:
            if name not in TABLES:
                raise BadInputError(f"no table {name!r}; tables: {', '.join(TABLES)}")
        out = Path(out_dir)
        out.mkdir(parents=True, exist_ok=True)
        written = []
        for name in names:
            ext = {"parquet": "parquet", "jsonl": "jsonl", "csv": "csv"}[fmt]
            target = out / f"{name}.{ext}"
            # BLOBs do not survive JSON/CSV: the offset map goes out as base64 there.
            cols = "* REPLACE (base64(offsets) AS offsets)" if name == "documents" and fmt != "parquet" else "*"
            opts = {"parquet": "FORMAT parquet, COMPRESSION zstd", "jsonl": "FORMAT json",
                    "csv": "FORMAT csv, HEADER true"}[fmt]
            lit = str(target).replace("'", "''")
            self.con.execute(f"COPY (SELECT {cols} FROM {name}) TO '{lit}' ({opts})")
            written.append(target)
        log.info("exported %d tables to %s", len(written), out)
        return written

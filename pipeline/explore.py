"""Exploration API for analysts: a policylens DuckDB file as pandas DataFrames, KWIC, keyness, profiles.

``Corpus(path)`` opens the database read-only and reads exactly the tables and columns of the README
schema. Every method returns a ``pandas.DataFrame`` (``render`` returns an HTML string), works on an
empty database, and never prints.

    >>> from pipeline import open_corpus
    >>> c = open_corpus("policylens.duckdb")
    >>> c.kwic("量子", window=20).head()
    >>> c.keyness(by="jurisdiction", target="CN", top=20)
    >>> c.profile(by="jurisdiction")
"""
from __future__ import annotations

import json
import logging
import math
import re
from bisect import bisect_right
from pathlib import Path
from typing import Any, Optional

import pandas as pd

from .language import HAN
from .store import CHILD_SCHEMAS, DOC_SCHEMA

log = logging.getLogger(__name__)

AREAS = ("C1", "C2", "C3", "C4", "C5", "C6", "C7")
AREA_NAMES = {
    "C1": "strategy & governance",
    "C2": "technology transfer & enterprises",
    "C3": "talent & education",
    "C4": "basic research & R&D capacity",
    "C5": "funding & capital",
    "C6": "supply chain & self-reliance",
    "C7": "ecosystem & international cooperation",
}
AREA_SHORT = {
    "C1": "strategy", "C2": "transfer", "C3": "talent", "C4": "research",
    "C5": "funding", "C6": "supply chain", "C7": "ecosystem",
}
# Colour-blind-friendly (Okabe-Ito + one), one per area; the report and render() share them.
AREA_COLORS = {
    "C1": "#E69F00", "C2": "#56B4E9", "C3": "#009E73", "C4": "#F0E442",
    "C5": "#0072B2", "C6": "#D55E00", "C7": "#CC79A7",
}
INSTRUMENT_COLORS = {"supply": "#4C72B0", "environment": "#55A868", "demand": "#C44E52", "unknown": "#BBBBBB"}
EXTRA_COLOR = "#BBBBBB"

_DOC_BULK = {"text", "offsets", "offsets_typecode", "page_starts", "warnings", "timings"}  # not in frames
_COLUMNS = {
    "documents": [n for n in DOC_SCHEMA.names if n not in _DOC_BULK],
    **{name: list(schema.names) for name, schema in CHILD_SCHEMAS.items() if name != "pages"},
    "errors": ["run_id", "path", "sha256", "error_class", "message", "stage", "page", "at"],
    "runs": ["run_id", "started_at", "finished_at", "pipeline_version", "args", "n_ok", "n_failed",
             "n_skipped", "status"],
}
_SKIP_POS = {"PUNCT", "SYM", "NUM", "SPACE", "X"}
_WORDLIKE = re.compile(r"[^\W\d_]", re.UNICODE)  # at least one letter or CJK character
_CJK = HAN


def area_color(area: str) -> str:
    return AREA_COLORS.get(area, EXTRA_COLOR)


def area_label(area: str) -> str:
    short = AREA_SHORT.get(area)
    return f"{area} {short}" if short else area


def as_list(value: Any) -> list:
    """A list from a DuckDB list, a numpy array, a JSON string, a comma-separated string or None."""
    if value is None:
        return []
    if isinstance(value, float) and math.isnan(value):
        return []
    if isinstance(value, str):
        s = value.strip()
        if not s:
            return []
        if s.startswith("["):
            try:
                out = json.loads(s)
                return list(out) if isinstance(out, list) else [out]
            except json.JSONDecodeError:
                pass
        return [part.strip() for part in s.split(",") if part.strip()]
    if isinstance(value, (list, tuple)):
        return list(value)
    try:
        return list(value)  # numpy arrays, pyarrow scalars
    except TypeError:
        return [value]


def _stopwords() -> set[str]:
    words: set[str] = set()
    try:
        from spacy.lang.en.stop_words import STOP_WORDS as en
        from spacy.lang.zh.stop_words import STOP_WORDS as zh

        words |= {w.lower() for w in en} | set(zh)
    except ImportError:  # pragma: no cover - spaCy is a dependency
        log.warning("spaCy stop word lists unavailable; keyness keeps stop words")
    words |= {"的", "和", "与", "及", "等", "在", "对", "为", "是", "了", "将", "其", "中", "上", "以", "或",
              "并", "而", "从", "由", "向", "把", "被", "之", "于", "也", "都", "这", "那", "有", "个",
              "shall", "may", "also", "s"}
    return words


class Corpus:
    """A read-only view of a policylens database for notebooks, the report and the CLI."""

    def __init__(self, path: str | Path = "policylens.duckdb"):
        import duckdb

        self.path = Path(path)
        if not self.path.exists():
            raise FileNotFoundError(f"no policylens database at {self.path} (run `make run` first)")
        self._con = duckdb.connect(str(self.path), read_only=True)
        self._tables = {r[0] for r in self._con.execute(
            "SELECT table_name FROM information_schema.tables").fetchall()}
        self._cache: dict[str, pd.DataFrame] = {}

    # -- plumbing -----------------------------------------------------------------------------------
    def close(self) -> None:
        self._con.close()

    def __enter__(self) -> "Corpus":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"Corpus({str(self.path)!r}: {len(self.documents())} documents)"

    def has(self, table: str) -> bool:
        return table in self._tables

    def _columns(self, table: str) -> list[str]:
        """A table's columns, asked once (the database is open read-only, so they cannot change)."""
        cache = self.__dict__.setdefault("_column_cache", {})
        if table not in cache:
            rows = self._con.execute(
                "SELECT column_name FROM information_schema.columns WHERE table_name = ? ORDER BY ordinal_position",
                [table]).fetchall()
            cache[table] = [r[0] for r in rows]
        return cache[table]

    def query(self, sql: str, params: Optional[list] = None) -> pd.DataFrame:
        """Run any read-only SQL against the database and return a DataFrame."""
        return self._con.execute(sql, params or []).df()

    def table(self, name: str, where: str = "", params: Optional[list] = None) -> pd.DataFrame:
        """The README columns of ``name`` (those present), empty with the right columns if absent."""
        wanted = _COLUMNS[name]
        if not self.has(name):
            return pd.DataFrame(columns=wanted)
        present = set(self._columns(name))
        cols = [c for c in wanted if c in present]
        sql = f'SELECT {", ".join(chr(34) + c + chr(34) for c in cols)} FROM "{name}" {where}'
        df = self.query(sql, params)
        for c in wanted:
            if c not in df.columns:
                df[c] = None
        return df[wanted]

    def _cached(self, name: str, order: str) -> pd.DataFrame:
        if name not in self._cache:
            self._cache[name] = self.table(name, f"ORDER BY {order}" if self.has(name) else "")
        return self._cache[name].copy()

    # -- tables ------------------------------------------------------------------------------------
    def documents(self) -> pd.DataFrame:
        """One row per document (without the text), with ``label`` for charts and tables."""
        df = self._cached("documents", "jurisdiction, lang, doc_id")
        df["label"] = [self._label(r) for r in df.itertuples()]
        return df

    @staticmethod
    def _label(row) -> str:
        title = row.title if isinstance(row.title, str) and row.title.strip() else None
        if title is None and isinstance(row.path, str) and row.path:
            title = Path(row.path).name
        title = (title or str(row.doc_id)[:12]).strip()
        return title if len(title) <= 60 else title[:57] + "…"

    def sentences(self) -> pd.DataFrame:
        return self._cached("sentences", 'doc_id, sent')

    def mentions(self) -> pd.DataFrame:
        """Sentence × area rows with the sentence text and the document's jurisdiction and language."""
        m = self._cached("mentions", "doc_id, sent, area")
        s = self.sentences()[["doc_id", "sent", "text"]]
        d = self.documents()[["doc_id", "jurisdiction", "lang"]]
        m = m.merge(s, on=["doc_id", "sent"], how="left").merge(d, on="doc_id", how="left")
        m["evidence"] = m["evidence"].map(as_list)
        return m

    def measures(self, instrument: Optional[str] = None) -> pd.DataFrame:
        df = self._cached("measures", 'doc_id, start')
        df["areas"] = df["areas"].map(as_list)
        if instrument is not None:
            df = df[df["instrument"] == instrument].reset_index(drop=True)
        return df

    def entities(self) -> pd.DataFrame:
        return self._cached("entities", 'doc_id, start')

    def doc_areas(self) -> pd.DataFrame:
        df = self._cached("doc_areas", "doc_id, area")
        df["evidence"] = df["evidence"].map(lambda v: [int(x) for x in as_list(v)])
        df["decision"] = df["decision"].fillna(False).astype(bool)
        return df

    def errors(self) -> pd.DataFrame:
        return self._cached("errors", '"at"')

    def tokens(self, doc_id: Optional[str] = None) -> pd.DataFrame:
        if doc_id is None:
            return self._cached("tokens", "doc_id, idx")
        return self.table("tokens", "WHERE doc_id = ? ORDER BY idx", [doc_id]) if self.has("tokens") \
            else self.table("tokens")

    def text(self, doc_id: str) -> str:
        """The normalised text that every offset of ``doc_id`` indexes."""
        if not self.has("documents") or "text" not in self._columns("documents"):
            return ""
        row = self._con.execute("SELECT text FROM documents WHERE doc_id = ?", [doc_id]).fetchone()
        if row is None:
            raise KeyError(f"no document {doc_id!r}")
        return row[0] or ""

    def resolve(self, key: str) -> str:
        """A full doc_id from a doc_id prefix, an exact path or a file name. Raises KeyError."""
        docs = self.documents()
        ids = docs["doc_id"].astype(str)
        hits = docs[ids.str.startswith(key)] if key else docs.iloc[0:0]
        if hits.empty:
            hits = docs[(docs["path"] == key) | (docs["path"].map(lambda p: Path(str(p)).name) == key)]
        if hits.empty:
            raise KeyError(f"no document matches {key!r}")
        if len(hits) > 1:
            raise KeyError(f"{key!r} matches {len(hits)} documents; give more of the doc_id")
        return str(hits.iloc[0]["doc_id"])

    def areas(self) -> list[str]:
        """C1..C7 plus any other area id found in the data (a swapped codebook)."""
        seen = set(self.doc_areas()["area"].dropna()) | set(self._cached("mentions", "doc_id")["area"].dropna())
        return list(AREAS) + sorted(a for a in seen if a not in AREAS)

    # -- views -------------------------------------------------------------------------------------
    def heatmap_data(self, value: str = "share") -> pd.DataFrame:
        """Documents × areas: ``value`` = "share" (share of sentences), "max_score" or "decision" (0/1)."""
        docs = self.documents()
        da = self.doc_areas()
        areas = self.areas()
        if da.empty:
            mat = pd.DataFrame(0.0, index=docs["doc_id"], columns=areas)
        else:
            vals = da.assign(v=da[value].astype(float)).pivot_table(
                index="doc_id", columns="area", values="v", aggfunc="max")
            mat = vals.reindex(index=docs["doc_id"], columns=areas).fillna(0.0).astype(float)
        mat.index.name = "doc_id"
        mat.columns.name = "area"
        return mat

    def _group_values(self, by: str) -> pd.Series:
        if by not in ("lang", "jurisdiction", "year", "format", "script"):
            raise ValueError(f"cannot group by {by!r}: use lang, jurisdiction or year")
        docs = self.documents()
        col = docs[by]
        if by == "year":
            col = col.map(lambda y: str(int(y)) if pd.notna(y) else "unknown")
        else:
            col = col.map(lambda v: str(v) if isinstance(v, str) and v else "unknown")
        return pd.Series(col.values, index=docs["doc_id"].values, name=by)

    def profile(self, by: str = "jurisdiction", value: str = "decision") -> pd.DataFrame:
        """Area profile per group: rows = groups, columns = ``n_docs`` then each area.

        ``value="decision"``: share of the group's documents that address the area (0..1);
        ``value="share"``: mean share of sentences speaking to the area (documents without a row count 0).
        """
        groups = self._group_values(by)
        areas = self.areas()
        if groups.empty:
            return pd.DataFrame(columns=["n_docs", *areas]).rename_axis(by)
        mat = self.heatmap_data("decision" if value == "decision" else "share")
        mat[by] = groups.reindex(mat.index).values
        out = mat.groupby(by)[areas].mean()
        out.insert(0, "n_docs", groups.value_counts().reindex(out.index).astype(int))
        return out

    def kwic(self, term: str, window: int = 30, lang: Optional[str] = None,
             regex: bool = False) -> pd.DataFrame:
        """Keyword in context over every document's normalised text.

        Case-insensitive; ``lang`` filters on the language of the sentence holding the hit (the
        document language when sentences are missing). Offsets index ``Corpus.text(doc_id)``.
        """
        cols = ["doc_id", "title", "jurisdiction", "lang", "sent", "start", "end", "left", "match", "right"]
        if not term:
            raise ValueError("kwic needs a non-empty term")
        pattern = re.compile(term if regex else re.escape(term), re.IGNORECASE)
        docs = self.documents().set_index("doc_id")
        sents = self.sentences()
        by_doc = {k: (g["start"].tolist(), g["end"].tolist(), g["sent"].tolist(), g["lang"].tolist())
                  for k, g in sents.groupby("doc_id")} if not sents.empty else {}
        texts = (dict(self._con.execute("SELECT doc_id, text FROM documents").fetchall())
                 if self.has("documents") and "text" in self._columns("documents") else {})  # one query
        rows = []
        for doc_id, doc in docs.iterrows():
            text = texts.get(doc_id) or ""
            if not text:
                continue
            starts, ends, sent_ids, sent_langs = by_doc.get(doc_id, ([], [], [], []))
            for m in pattern.finditer(text):
                s, e = m.start(), m.end()
                sent, slang = None, doc["lang"]
                k = bisect_right(starts, s) - 1
                if k >= 0 and s < ends[k]:
                    sent, slang = int(sent_ids[k]), sent_langs[k]
                if lang is not None and slang != lang:
                    continue
                rows.append({
                    "doc_id": doc_id, "title": doc["label"],
                    "jurisdiction": doc["jurisdiction"], "lang": slang, "sent": sent,
                    "start": s, "end": e,
                    "left": _flat(text[max(0, s - window):s]), "match": text[s:e],
                    "right": _flat(text[e:e + window]),
                })
        return pd.DataFrame(rows, columns=cols)

    def term_counts(self, by: str = "jurisdiction") -> pd.DataFrame:
        """Word counts per group from the tokens table (lower-cased; punctuation, numbers, stop words out)."""
        groups = self._group_values(by)
        if not self.has("tokens") or groups.empty:
            return pd.DataFrame(columns=["group", "term", "n"])
        raw = self.query(
            'SELECT doc_id, lower(text) AS term, pos, count(*) AS n FROM tokens GROUP BY ALL')
        if raw.empty:
            return pd.DataFrame(columns=["group", "term", "n"])
        stop = _stopwords()
        keep = (~raw["pos"].fillna("").isin(_SKIP_POS)
                & raw["term"].map(lambda t: isinstance(t, str) and bool(_WORDLIKE.search(t))
                                  and t.strip() == t and t not in stop
                                  and (len(t) > 1 or bool(_CJK.match(t)))))
        raw = raw[keep]
        raw = raw.assign(group=groups.reindex(raw["doc_id"]).values).dropna(subset=["group"])
        return raw.groupby(["group", "term"], as_index=False)["n"].sum()

    def keyness(self, by: str = "lang", target: Optional[str] = None, top: int = 30,
                measure: str = "ll", min_freq: int = 2) -> pd.DataFrame:
        """Words over-used in one group against all the others (Dunning log-likelihood or chi²).

        ``target=None`` compares every group against the rest and returns ``top`` words per group.
        Columns: group, term, freq (in the group), freq_ref (elsewhere), per_10k, per_10k_ref,
        score (positive = over-used in the group), log_ratio (log2 of the relative frequencies).
        Chinese words are the pipeline's jieba segmentation (the tokens table).
        """
        if measure not in ("ll", "chi2"):
            raise ValueError("measure must be 'll' or 'chi2'")
        cols = ["group", "term", "freq", "freq_ref", "per_10k", "per_10k_ref", "score", "log_ratio"]
        counts = self.term_counts(by)
        if counts.empty:
            return pd.DataFrame(columns=cols)
        wide = counts.pivot_table(index="term", columns="group", values="n", aggfunc="sum", fill_value=0)
        names = list(wide.columns)
        if target is not None and str(target) not in names:
            raise ValueError(f"no group {target!r} in {by}; groups: {', '.join(map(str, names))}")
        targets = [str(target)] if target is not None else names
        totals = wide.sum(axis=0)
        grand = float(totals.sum())
        frames = []
        for g in targets:
            a = wide[g].astype(float)
            b = wide.drop(columns=[g]).sum(axis=1).astype(float) if len(names) > 1 else a * 0
            c = float(totals[g])
            d = grand - c
            if c == 0:
                continue
            score = _ll(a, b, c, d) if measure == "ll" else _chi2(a, b, c, d)
            over = (a / c) >= (b / d if d > 0 else 0.0)
            df = pd.DataFrame({
                "group": g, "term": wide.index, "freq": a.astype(int).values, "freq_ref": b.astype(int).values,
                "per_10k": (a / c * 1e4).round(2).values,
                "per_10k_ref": ((b / d * 1e4) if d > 0 else b * 0).round(2).values,
                "score": [float(s) if o else -float(s) for s, o in zip(score, over)],
                "log_ratio": [math.log2(((x + 0.5) / c) / ((y + 0.5) / d)) if d > 0 else float("nan")
                              for x, y in zip(a, b)],
            })
            df = df[(df["freq"] >= min_freq) & (df["score"] > 0)]
            frames.append(df.sort_values(["score", "freq"], ascending=False).head(top))
        if not frames:
            return pd.DataFrame(columns=cols)
        out = pd.concat(frames, ignore_index=True)
        out["score"] = out["score"].round(3)
        out["log_ratio"] = out["log_ratio"].round(3)
        return out[cols]

    # -- display -----------------------------------------------------------------------------------
    def spans(self, doc_id: str, kind: str = "challenges") -> pd.DataFrame:
        """The labelled character spans ``render`` draws: start, end, label, sent."""
        if kind == "challenges":
            m = self._cached("mentions", "doc_id, sent, area")
            m = m[m["doc_id"] == doc_id]
            return pd.DataFrame({"start": m["start"].astype(int), "end": m["end"].astype(int),
                                 "label": m["area"].map(area_label), "sent": m["sent"]})
        if kind == "measures":
            m = self._cached("measures", "doc_id, start")
            m = m[m["doc_id"] == doc_id]
            labels = [(i if isinstance(i, str) and i else "measure") + (f": {s}" if isinstance(s, str) and s else "")
                      for i, s in zip(m["instrument"], m["subtool"])]
            return pd.DataFrame({"start": m["start"].astype(int), "end": m["end"].astype(int),
                                 "label": labels, "sent": m["sent"]})
        raise ValueError("kind must be 'challenges' or 'measures'")

    def render(self, doc_id: str, kind: str = "challenges", context: str = "sentences",
               max_sentences: int = 40) -> str:
        """displaCy "span" rendering of a document's challenge mentions or measures, as HTML.

        ``context="sentences"`` draws only the sentences holding a span (at most ``max_sentences``);
        ``context="full"`` draws the whole document. Accepts a doc_id prefix.
        """
        from spacy import displacy

        doc_id = self.resolve(doc_id)
        text = self.text(doc_id)
        spans = self.spans(doc_id, kind)
        toks = self.tokens(doc_id)
        tok_spans = [(int(s), int(e)) for s, e in zip(toks["start"], toks["end"])] if not toks.empty \
            else _fallback_tokens(text)
        sents = self.sentences()
        sents = sents[sents["doc_id"] == doc_id]
        if context == "full" or sents.empty:
            windows = [(0, len(text))]
        else:
            hit = set(spans["sent"].dropna().astype(int))
            windows = [(int(r.start), int(r.end)) for r in sents.itertuples() if int(r.sent) in hit]
            windows = windows[:max_sentences]
        labels = sorted(set(spans["label"]))
        colors = {lab: (area_color(lab.split()[0]) if kind == "challenges"
                        else INSTRUMENT_COLORS.get(lab.split(":")[0], EXTRA_COLOR)) for lab in labels}
        data = []
        for ws, we in windows:
            tk = [(s, e) for s, e in tok_spans if s >= ws and e <= we and text[s:e].strip()]
            if not tk:
                tk = [(s + ws, e + ws) for s, e in _fallback_tokens(text[ws:we])]
            starts = [s for s, _ in tk]
            ends = [e for _, e in tk]
            items = []
            for r in spans.itertuples():
                if r.end <= ws or r.start >= we:
                    continue
                i = bisect_right(ends, max(r.start, ws))  # first token ending after the span start
                j = bisect_right(starts, min(r.end, we) - 1)  # tokens starting before the span end
                if i < j:
                    items.append({"start_token": i, "end_token": j, "label": r.label})
            data.append({"text": text[ws:we], "tokens": [text[s:e] for s, e in tk], "spans": items})
        if not data or not any(d["spans"] for d in data):
            return f'<div class="policylens-render">No {kind} in this document.</div>'
        return displacy.render(data, style="span", manual=True, page=False, jupyter=False,
                               options={"colors": colors})


def _flat(s: str) -> str:
    return re.sub(r"\s+", " ", s)


def _fallback_tokens(text: str) -> list[tuple[int, int]]:
    """Characters for CJK, runs of non-space for everything else (when the tokens table is empty)."""
    return [(m.start(), m.end()) for m in re.finditer(r"[\u3400-\u9fff]|[^\s\u3400-\u9fff]+", text)]


def _xlogy(x: pd.Series, y: pd.Series) -> pd.Series:
    import numpy as np

    with np.errstate(divide="ignore", invalid="ignore"):
        out = x * np.log(x / y)
    return out.where(x > 0, 0.0)


def _ll(a, b, c: float, d: float):
    """Dunning's log-likelihood G² for a word with counts a (target, size c) and b (reference, size d)."""
    e1 = c * (a + b) / (c + d)
    e2 = d * (a + b) / (c + d)
    return 2 * (_xlogy(a, e1) + _xlogy(b, e2))


def _chi2(a, b, c: float, d: float):
    """Pearson's chi² of the 2×2 table [[a, c-a], [b, d-b]] (no continuity correction)."""
    n = c + d
    num = n * (a * (d - b) - (c - a) * b) ** 2
    den = (a + b) * (n - a - b) * c * d
    return (num / den.where(den > 0, 1.0)).where(den > 0, 0.0)


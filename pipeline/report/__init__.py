"""The static HTML report: one self-contained file (inline CSS/JS, charts as base64 PNG).

``write_report(db_path, out_path)`` reads the database through ``pipeline.explore.Corpus`` and renders
``templates/report.html.j2`` with Jinja2 autoescaping, so every text from the documents is escaped.
"""
from __future__ import annotations

import logging
import math
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from .. import __version__
from ..explore import AREA_NAMES, AREA_SHORT, INSTRUMENT_COLORS, Corpus, area_color
from . import charts

log = logging.getLogger(__name__)

MAX_EVIDENCE = 30  # evidence sentences shown per document
MEASURE_FIELDS = ("actor", "action", "instrument", "subtool", "amount", "currency", "time", "status")


def _clean(v: Any) -> Any:
    """None for NaN/NA, plain Python values otherwise (Jinja prints them as text)."""
    if v is None:
        return None
    try:
        if isinstance(v, float) and math.isnan(v):
            return None
        import pandas as pd

        if not isinstance(v, (list, tuple, str)) and pd.isna(v):
            return None
    except (TypeError, ValueError):
        pass
    return v


def _amount(v: Any) -> str:
    v = _clean(v)
    if v is None:
        return ""
    v = float(v)
    for div, unit in ((1e12, "T"), (1e9, "B"), (1e6, "M"), (1e3, "k")):
        if abs(v) >= div:
            return f"{v / div:,.2f}{unit}"
    return f"{v:,.0f}"


def _segments(text: str, terms: list[str]) -> list[tuple[str, bool]]:
    """Split ``text`` into (piece, is_evidence_term) so the template can mark terms and still escape."""
    import re

    terms = sorted({t for t in terms if isinstance(t, str) and t.strip() and t in text}, key=len, reverse=True)
    if not terms:
        return [(text, False)]
    out, pos = [], 0
    for m in re.finditer("|".join(re.escape(t) for t in terms), text):
        if m.start() > pos:
            out.append((text[pos:m.start()], False))
        out.append((m.group(), True))
        pos = m.end()
    if pos < len(text):
        out.append((text[pos:], False))
    return out


def build_context(corpus: Corpus) -> dict:
    docs = corpus.documents()
    areas = corpus.areas()
    doc_areas = corpus.doc_areas()
    mentions = corpus.mentions()
    measures = corpus.measures()
    sentences = corpus.sentences()
    errors = corpus.errors()

    n_sents = sentences.groupby("doc_id").size().to_dict() if not sentences.empty else {}
    n_meas = measures.groupby("doc_id").size().to_dict() if not measures.empty else {}
    decided = {}
    for r in doc_areas.itertuples():
        decided.setdefault(r.doc_id, {})[r.area] = (bool(r.decision), float(r.share))
    m_by_doc = {k: g for k, g in mentions.groupby("doc_id")} if not mentions.empty else {}
    ms_by_doc = {k: g for k, g in measures.groupby("doc_id")} if not measures.empty else {}

    rows = []
    for d in docs.itertuples():
        year = _clean(d.year)
        da = decided.get(d.doc_id, {})
        evidence = []
        g = m_by_doc.get(d.doc_id)
        if g is not None:
            for sent, sg in g.sort_values(["sent", "score"], ascending=[True, False]).groupby("sent", sort=True):
                top = sg.iloc[0]
                terms = [t for ev in sg["evidence"] for t in ev]
                evidence.append({
                    "sent": int(sent), "start": int(top["start"]), "end": int(top["end"]),
                    "areas": [{"id": a, "color": area_color(a), "score": float(s), "stance": st}
                              for a, s, st in zip(sg["area"], sg["score"], sg["stance"])],
                    "color": area_color(top["area"]), "segments": _segments(str(_clean(top["text"]) or ""), terms),
                })
        mrows = []
        mg = ms_by_doc.get(d.doc_id)
        if mg is not None:
            for m in mg.itertuples():
                row = {f: _clean(getattr(m, f)) for f in MEASURE_FIELDS}
                row["amount"] = _amount(m.amount)
                row["areas"] = list(m.areas)
                row["text"] = _clean(m.text) or ""
                row["color"] = INSTRUMENT_COLORS.get(row["instrument"] or "unknown", "#BBBBBB")
                mrows.append(row)
        rows.append({
            "doc_id": d.doc_id, "short_id": str(d.doc_id)[:10], "label": d.label, "path": _clean(d.path) or "",
            "lang": _clean(d.lang) or "", "jurisdiction": _clean(d.jurisdiction) or "",
            "year": int(year) if year is not None else "", "n_sents": int(n_sents.get(d.doc_id, 0)),
            "n_measures": int(n_meas.get(d.doc_id, 0)),
            "areas": [{"id": a, "color": area_color(a), "decision": da[a][0], "share": da[a][1]}
                      for a in areas if a in da and (da[a][0] or da[a][1] > 0)],
            "addressed": [a for a in areas if a in da and da[a][0]],
            "evidence": evidence[:MAX_EVIDENCE], "n_evidence": len(evidence), "measures": mrows,
        })

    chart_list = []
    labels = [f"{r['label'][:40]} [{r['jurisdiction'] or '?'}·{r['lang']}]" for r in rows]
    if not docs.empty:
        by_jur = corpus.profile(by="jurisdiction")
        by_lang = corpus.profile(by="lang")
        for title, uri, note in (
            ("China vs the US (and others): share of documents addressing each area",
             charts.grouped_bars(charts.fold_small_groups(by_jur), "Documents addressing each area, by jurisdiction",
                                 charts.JURISDICTION_COLORS, "share of documents"),
             "A document addresses an area when at least two sentences (or one whole provision) speak to it."),
            ("Area shares by language",
             charts.grouped_bars(by_lang, "Documents addressing each area, by language", charts.LANG_COLORS,
                                 "share of documents"), ""),
            ("Area heatmap: documents × C1..C7",
             charts.heatmap(corpus.heatmap_data("share"), labels),
             "Cell = share of the document's sentences that speak to the area."),
            ("Policy instruments per area", charts.instruments_by_area(measures, areas),
             "Each measure counts once in every area it acts on."),
        ):
            if uri:
                chart_list.append({"title": title, "uri": uri, "note": note})
        profile_table = [{"group": g, "n_docs": int(r["n_docs"]),
                          "cells": [{"area": a, "value": float(r[a])} for a in areas]}
                         for g, r in by_jur.iterrows()]
    else:
        profile_table = []

    runs = corpus.table("runs", "ORDER BY started_at DESC NULLS LAST") if corpus.has("runs") else None
    last_run = None
    if runs is not None and not runs.empty:
        r = runs.iloc[0]
        last_run = {k: _clean(r[k]) for k in ("run_id", "started_at", "finished_at", "pipeline_version", "n_ok",
                                              "n_failed", "n_skipped", "status")}
    counts = {
        "documents": len(docs), "sentences": len(sentences), "mentions": len(mentions),
        "measures": len(measures), "errors": len(errors),
        "by_lang": docs["lang"].fillna("?").value_counts().to_dict() if not docs.empty else {},
        "by_jurisdiction": docs["jurisdiction"].fillna("?").value_counts().to_dict() if not docs.empty else {},
    }
    return {
        "title": "policylens report",
        "db": str(corpus.path), "generated": datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
        "version": __version__, "counts": counts, "last_run": last_run,
        "areas": [{"id": a, "name": AREA_NAMES.get(a, a), "short": AREA_SHORT.get(a, a), "color": area_color(a)}
                  for a in areas],
        "instruments": INSTRUMENT_COLORS, "charts": chart_list, "profile": profile_table, "docs": rows,
        "errors": [{k: _clean(v) for k, v in e.items()} for e in errors.to_dict("records")],
        "max_evidence": MAX_EVIDENCE, "measure_fields": MEASURE_FIELDS,
    }


def render_html(context: dict) -> str:
    from jinja2 import Environment, PackageLoader, StrictUndefined

    env = Environment(loader=PackageLoader("pipeline.report", "templates"), autoescape=True,
                      undefined=StrictUndefined, trim_blocks=True, lstrip_blocks=True)
    return env.get_template("report.html.j2").render(**context)


def write_report(db_path: str | Path, out_path: str | Path) -> Path:
    """Render the report for the database at ``db_path`` into ``out_path`` (one static HTML file)."""
    out = Path(out_path)
    with Corpus(db_path) as corpus:
        html = render_html(build_context(corpus))
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(html, encoding="utf-8")
    log.info("report: %s (%d bytes)", out, len(html.encode()))
    return out

"""Policy measures as structured records: detection of measure clauses and their fields.

``MeasureExtractor().extract(text, sentences, tokens, entities, mentions, jurisdiction=None)`` returns
``types.Measure`` records; ``extract_from_text`` segments a bare text first (and the extractor tags it
when its model needs POS and entities, as production's stages would); ``measures_table`` renders
measures as rows for markdown or DataFrames.
"""
from __future__ import annotations

from typing import Iterable, Optional

from ..types import Measure
from .detect import MeasureExtractor

__all__ = ["MeasureExtractor", "extract_from_text", "shared_extractor", "measures_table",
           "to_markdown"]


def _segment(text: str, lang: Optional[str]):
    """Sentences as production segments them."""
    from .context import sentences

    return sentences(text, lang)


def shared_extractor() -> MeasureExtractor:
    """The process-wide extractor: the ``measures`` stage of ``pipeline.process.analyzer_for``."""
    from .context import _stage

    return _stage("measures")


def extract_from_text(text: str, lang: Optional[str] = None, jurisdiction: Optional[str] = None,
                      sentences=None) -> tuple[Measure, ...]:
    """Measures of a bare text (segmented here; tagged by the extractor when its model needs it)."""
    sents = sentences if sentences is not None else _segment(text, lang)
    if lang:
        from dataclasses import replace

        sents = tuple(replace(s, lang=lang) for s in sents)
    return shared_extractor().extract(text, sents, (), (), (), jurisdiction=jurisdiction)


TABLE_COLUMNS = ("sent", "actor", "action", "object", "instrument", "subtool", "amount", "currency", "time",
                 "year", "status", "text")


def measures_table(measures: Iterable[Measure], *, max_text: int = 60) -> list[dict]:
    """One dict per measure with the readable columns (text abbreviated to ``max_text`` chars)."""
    rows = []
    for m in measures:
        t = " ".join(m.text.split())
        rows.append({"sent": m.sent, "actor": m.actor or "", "action": m.action or "", "object": m.object or "",
                     "instrument": m.instrument or "", "subtool": m.subtool or "",
                     "amount": f"{m.amount:.3g}" if m.amount is not None else "", "currency": m.currency or "",
                     "time": m.time or "", "year": m.year or "", "status": m.status or "",
                     "text": t if len(t) <= max_text else t[: max_text - 1] + "…"})
    return rows


def to_markdown(rows: list[dict], columns: Iterable[str] = TABLE_COLUMNS) -> str:
    """A markdown table of ``measures_table`` rows."""
    cols = list(columns)
    lines = ["| " + " | ".join(cols) + " |", "|" + "---|" * len(cols)]
    for r in rows:
        lines.append("| " + " | ".join(str(r.get(c, "")).replace("|", "/") for c in cols) + " |")
    return "\n".join(lines)

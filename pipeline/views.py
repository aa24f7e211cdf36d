"""Plain-dict views of a DocumentResult for JSONL output.

Offsets in these views index the input text exactly as given: normalised offsets are mapped back
through the document's OffsetMap, and ``text`` is sliced from the original.
"""
from __future__ import annotations

from typing import Optional

from .types import PAGE_SEPARATOR, DocumentResult


def original_text(result: DocumentResult) -> str:
    return PAGE_SEPARATOR.join(p.text for p in result.pages)


class _Mapper:
    def __init__(self, result: DocumentResult):
        self.offsets = result.offsets
        self.original = original_text(result)

    def span(self, start: int, end: int) -> dict:
        s, e = self.offsets.to_original(start, end)
        return {"start": s, "end": e, "text": self.original[s:e]}


def tag_view(result: DocumentResult, input_id: Optional[str] = None) -> dict:
    m = _Mapper(result)
    by_sent: dict[int, list[dict]] = {}
    for tok in result.tokens:
        by_sent.setdefault(tok.sent, []).append(
            {**m.span(tok.start, tok.end), "lemma": tok.lemma, "pos": tok.pos, "tag": tok.tag}
        )
    sentences = []
    for i, sent in enumerate(result.sentences):
        s = m.span(sent.start, sent.end)
        sentences.append({"start": s["start"], "end": s["end"], "lang": sent.lang, "tokens": by_sent.get(i, [])})
    entities = [
        {**m.span(e.start, e.end), "label": e.label, "id": e.id,
         **({"value": e.value} if e.value is not None else {}), **({"unit": e.unit} if e.unit else {})}
        for e in result.entities
    ]
    return {"id": input_id or result.doc_id, "lang": result.lang, "sentences": sentences, "entities": entities}


def classify_view(result: DocumentResult, area_ids, input_id: Optional[str] = None) -> dict:
    """Document unit: ``areas`` is the document decision, ``scores`` the max sentence score per area."""
    m = _Mapper(result)
    scores = {a: 0.0 for a in area_ids}
    areas = []
    for da in result.doc_areas:
        scores[da.area] = round(float(da.max_score), 4)
        if da.decision:
            areas.append(da.area)
    evidence = []
    by_sent_area = {(mn.sent, mn.area): mn for mn in result.mentions}
    for da in result.doc_areas:
        for sent in da.evidence[:3]:
            mn = by_sent_area.get((sent, da.area))
            if mn is not None:
                evidence.append({**m.span(mn.start, mn.end), "area": mn.area, "score": round(float(mn.score), 4),
                                 "stance": mn.stance})
    return {"id": input_id or result.doc_id, "lang": result.lang, "areas": areas, "scores": scores,
            "evidence": evidence}


def measures_view(result: DocumentResult, input_id: Optional[str] = None) -> dict:
    m = _Mapper(result)
    out = []
    for ms in result.measures:
        out.append({**m.span(ms.start, ms.end), "actor": ms.actor, "actor_id": ms.actor_id, "action": ms.action,
                    "object": ms.object, "instrument": ms.instrument, "subtool": ms.subtool,
                    "areas": list(ms.areas), "amount": ms.amount, "currency": ms.currency, "time": ms.time,
                    "year": ms.year, "status": ms.status, "jurisdiction": ms.jurisdiction})
    return {"id": input_id or result.doc_id, "lang": result.lang, "measures": out}


def sentence_units_view(records: list[dict], classifier, *, t2s: bool = True, normalised: bool = False) -> list[dict]:
    """Classify each record's text as one unit (``--unit sentence``), in one batch.

    ``records`` are ``{"id", "text", "lang"?}``. The text is normalised (width folding, t2s) before
    scoring unless ``normalised`` says it already is (a file's text from the normaliser); evidence spans
    cover the whole input text as given.
    """
    from .language import document_language, guess_lang, paragraphs
    from .normalise import normalise
    from .types import METHOD_TEXT, Page

    texts, langs = [], []
    for rec in records:
        norm = rec["text"] if normalised else \
            normalise((Page(number=1, text=rec["text"], method=METHOD_TEXT, quality=1.0),), t2s=t2s).text
        texts.append(norm)
        lang = rec.get("lang") or document_language(norm, paragraphs(norm))
        langs.append(lang if lang in ("zh", "en") else guess_lang(norm))
    proba = classifier.predict_proba_texts(texts, langs)
    decided = classifier.decide(proba, langs)
    ids = classifier.area_ids
    out = []
    for i, rec in enumerate(records):
        areas = [a for j, a in enumerate(ids) if decided[i, j]]
        scores = {a: round(float(proba[i, j]), 4) for j, a in enumerate(ids)}
        evidence = [{"start": 0, "end": len(rec["text"]), "text": rec["text"], "area": a, "score": scores[a]}
                    for a in areas]
        out.append({"id": rec["id"], "lang": langs[i], "areas": areas, "scores": scores,
                    "evidence": evidence})
    return out

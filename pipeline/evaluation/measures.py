"""Evaluate the measure extractor on the stand-off labelled sets ``corpus/labels/measures_{zh,en}.jsonl``.

Each labelled document is extracted whole with the stages production runs before the measure stage
(``measures.context``: normalise → segment → tag → entities, language forced to the label file's; the
measures' spans are mapped back to the file's offsets, where the labels point); a
labelled span is predicted positive when a measure overlaps at least half of it. Reports detection P/R/F1,
instrument and status accuracy on true positives, extraction speed (sentences/s over the whole
documents, segmentation, tagging and entities timed apart), and exact match of amount, currency and year where
the gold label has them.
"""
from __future__ import annotations

import time
from dataclasses import replace
from collections import defaultdict
from typing import Optional

from ..resources import corpus_path, load_standoff, shared_text
from ..measures import context, shared_extractor


def overlap(a0: int, a1: int, b0: int, b1: int) -> int:
    """Characters shared by the spans ``[a0, a1)`` and ``[b0, b1)``."""
    return max(0, min(a1, b1) - max(a0, b0))


def _align(hits):
    """The prediction a gold span is compared with: the first measure overlapping it; when the segmenter cut
    the labelled sentence into several measures (at "；"), amount, currency, time and year are taken from
    the first of them that has an amount (resp. a year), as the labelled sentence carries them once."""
    if not hits:
        return None
    best = hits[0]
    money = next((m for m in hits if m.amount is not None), best)
    dated = next((m for m in hits if m.year is not None), best)
    return replace(best, amount=money.amount, currency=money.currency, time=dated.time, year=dated.year)


def evaluate_measures(split: Optional[str] = "dev", langs=("zh", "en"), extractor=None) -> dict:
    """Figures per language: n, tp/fp/fn, precision, recall, f1, accuracies, sentences/s. ``extractor``:
    a ``MeasureExtractor`` to evaluate (default: the shared one, with ``models/measures``)."""
    extractor = extractor or shared_extractor()
    out = {}
    for lang in langs:
        recs = [r for r in load_standoff(corpus_path("labels", f"measures_{lang}.jsonl"))
                if split in (None, "all") or r["split"] == split]
        by_doc = defaultdict(list)
        for r in recs:
            by_doc[(r["source"], r["sha256"])].append(r)
        c = defaultdict(int)
        n_sent, t_seg, t_ext = 0, 0.0, 0.0
        errors = []
        for (src, sha), rs in by_doc.items():
            norm = context.normalised(shared_text(src, sha))
            t0 = time.perf_counter()
            sents, tokens, entities = context.analyse(norm.text, lang)
            t1 = time.perf_counter()
            # measures in the file's own offsets, where the labels point
            ms = [replace(m, start=a, end=b) for m in extractor.extract(norm.text, sents, tokens, entities, ())
                  for a, b in (norm.offsets.to_original(m.start, m.end),)]
            t_seg, t_ext = t_seg + t1 - t0, t_ext + time.perf_counter() - t1
            n_sent += len(sents)
            for r in rs:
                hits = [m for m in ms if overlap(m.start, m.end, r["start"], r["end"])
                        >= 0.5 * min(m.end - m.start, r["end"] - r["start"])]
                hit = _align(hits)
                gold, pred = bool(r["measure"]), hit is not None
                c["tp" if gold and pred else "fp" if pred else "fn" if gold else "tn"] += 1
                if gold != pred:
                    errors.append(("FP" if pred else "FN", r["text"][:100]))
                if gold and pred:
                    wrong = [f"{f}={getattr(hit, f)}≠{r[f]}" for f in ("instrument", "subtool", "action", "status",
                                                                      "amount", "currency", "year")
                             if (r.get(f) is not None or f in ("instrument", "subtool", "action", "status"))
                             and getattr(hit, f) != r[f]]
                    if wrong:
                        errors.append(("FIELD " + " ".join(wrong), r["text"][:100]))
                    c["instr_n"] += 1
                    c["instr_ok"] += hit.instrument == r["instrument"]
                    c["sub_ok"] += hit.subtool == r["subtool"]
                    c["status_ok"] += hit.status == r["status"]
                    c["action_ok"] += hit.action == r["action"]
                    for f in ("amount", "currency", "year"):
                        if r.get(f) is not None:
                            c[f + "_n"] += 1
                            c[f + "_ok"] += getattr(hit, f) == r[f]
        p = c["tp"] / (c["tp"] + c["fp"]) if c["tp"] + c["fp"] else 0.0
        rc = c["tp"] / (c["tp"] + c["fn"]) if c["tp"] + c["fn"] else 0.0
        acc = lambda k: (c[k + "_ok"] / c[k + "_n"]) if c[k + "_n"] else None  # noqa: E731
        out[lang] = {"n": len(recs), "docs": len(by_doc), **{k: c[k] for k in ("tp", "fp", "fn", "tn")},
                     "precision": p, "recall": rc, "f1": 2 * p * rc / (p + rc) if p + rc else 0.0,
                     "instrument_acc": acc("instr"),
                     "subtool_acc": c["sub_ok"] / c["instr_n"] if c["instr_n"] else None,
                     "action_acc": c["action_ok"] / c["instr_n"] if c["instr_n"] else None,
                     "status_acc": c["status_ok"] / c["instr_n"] if c["instr_n"] else None,
                     "amount_acc": acc("amount"), "currency_acc": acc("currency"), "year_acc": acc("year"),
                     "amount_n": c["amount_n"], "year_n": c["year_n"], "sentences": n_sent,
                     "seconds_segment": t_seg, "seconds_extract": t_ext,
                     "sents_per_s": n_sent / t_ext if t_ext else None, "errors": errors}
    return out

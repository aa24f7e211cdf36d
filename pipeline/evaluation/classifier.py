"""Evaluate the challenge classifier against gold sentences, next to the codebook keyword baseline.

Gold is either a stand-off label file (records with ``source``/``sha256``/``start``/``end``/``areas``,
texts read from ../shared; default: ``corpus/labels/challenges_{zh,en}.jsonl``) filtered to one split,
or a plain JSONL file of ``{"id", "text", "lang", "areas"}`` objects.
"""
from __future__ import annotations

import time
from pathlib import Path
from typing import Optional

import numpy as np

from ..errors import BadInputError
from ..resources import corpus_path, iter_jsonl, load_standoff

LANGS = ("zh", "en")


def load_gold(path: Optional[str] = None, split: Optional[str] = "dev") -> list[dict]:
    """Gold records ``{"text", "lang", "areas"}`` (stand-off or plain JSONL; see the module docstring)."""
    paths = [Path(path)] if path else [corpus_path("labels", f"challenges_{lg}.jsonl") for lg in LANGS]
    out = []
    for p in paths:
        first = next(iter_jsonl(p), None)
        if first is None:
            continue
        records = load_standoff(p) if "source" in first else iter_jsonl(p)
        for n, r in enumerate(records, 1):
            if split and "split" in r and r["split"] != split:
                continue
            if not isinstance(r.get("text"), str) or not isinstance(r.get("areas"), list):
                raise BadInputError(f"record {n}: expected a string text and a list of areas", path=str(p))
            lang = r.get("lang")
            if lang not in LANGS:
                from ..language import guess_lang

                lang = guess_lang(r["text"])
            out.append({"id": r.get("id", f"{p.name}:{n}"), "text": r["text"], "lang": lang, "areas": list(r["areas"]),
                        "stance": r.get("stance")})
    return out


def prf(pred: np.ndarray, gold: np.ndarray, area_ids) -> dict:
    per = {}
    for j, a in enumerate(area_ids):
        tp = int((pred[:, j] & gold[:, j]).sum())
        fp = int((pred[:, j] & ~gold[:, j]).sum())
        fn = int((~pred[:, j] & gold[:, j]).sum())
        p = tp / (tp + fp) if tp + fp else 0.0
        r = tp / (tp + fn) if tp + fn else 0.0
        per[a] = {"p": p, "r": r, "f1": 2 * p * r / (p + r) if p + r else 0.0, "support": int(gold[:, j].sum())}
    tp = int((pred & gold).sum())
    fp = int((pred & ~gold).sum())
    fn = int((~pred & gold).sum())
    micro = 2 * tp / (2 * tp + fp + fn) if tp + fp + fn else 0.0
    return {"per_area": per, "micro_f1": micro, "macro_f1": float(np.mean([v["f1"] for v in per.values()])),
            "n": int(len(gold))}


def evaluate_classifier(gold: list[dict], classifier=None) -> dict:
    """Per language: the classifier's and the keyword baseline's P/R/F1, sentences per second, and how often
    the stance rules agree with the gold stance of sentences that have an area (when the gold has one)."""
    from ..classify import Classifier
    from ..classify.model import KEYWORD_THRESHOLD, keyword_scores
    from ..classify.stance import stance

    clf = classifier or Classifier()
    ids = clf.area_ids
    result = {"areas": list(ids), "uses_model": clf.uses_model, "languages": {}}
    for lang in LANGS:
        recs = [r for r in gold if r["lang"] == lang]
        if not recs:
            continue
        texts = [r["text"] for r in recs]
        Y = np.array([[a in r["areas"] for a in ids] for r in recs], dtype=bool)
        clf.predict_texts(texts[:2], [lang] * 2)  # warm up (resources, jieba)
        t0 = time.perf_counter()
        pred = clf.predict_texts(texts, [lang] * len(texts))
        secs = time.perf_counter() - t0
        hits = [clf.find_terms(t, lang) for t in texts]
        base = keyword_scores(hits, ids) >= KEYWORD_THRESHOLD
        staged = [r for r in recs if r["areas"] and r.get("stance")]
        result["languages"][lang] = {"model": prf(pred, Y, ids), "keyword": prf(base, Y, ids),
                                     "sentences_per_s": len(texts) / max(secs, 1e-9),
                                     "stance_acc": (sum(stance(r["text"], lang) == r["stance"] for r in staged) / len(staged)
                                                    if staged else None), "stance_n": len(staged)}
    return result


def format_report(result: dict) -> str:
    ids = result["areas"]
    lines = []
    for lang, r in result["languages"].items():
        m, k = r["model"], r["keyword"]
        name = "model" if result["uses_model"] else "keyword fallback"
        lines.append(f"[{lang}] n={m['n']}  {name}: macro-F1 {m['macro_f1']:.3f} micro-F1 {m['micro_f1']:.3f}   "
                     f"keyword baseline: macro-F1 {k['macro_f1']:.3f} micro-F1 {k['micro_f1']:.3f}   "
                     f"({r['sentences_per_s']:.0f} sentences/s incl. features)")
        lines.append(f"  {'area':<5} {'P':>6} {'R':>6} {'F1':>6} | {'kwP':>6} {'kwR':>6} {'kwF1':>6} | support")
        for a in ids:
            x, y = m["per_area"][a], k["per_area"][a]
            lines.append(f"  {a:<5} {x['p']:6.3f} {x['r']:6.3f} {x['f1']:6.3f} | {y['p']:6.3f} {y['r']:6.3f} "
                         f"{y['f1']:6.3f} | {x['support']}")
        if r.get("stance_acc") is not None:
            lines.append(f"  stance (rules) agrees with the gold stance on {r['stance_acc']:.3f} of {r['stance_n']} "
                         "sentences with an area")
    return "\n".join(lines)

"""Train the learned measure layer: ``python -m pipeline.measures.train --shared ../shared --out models/measures``.

Training data: the ``train`` split of ``corpus/labels/measures_{zh,en}.jsonl`` only. Every labelled document
is normalised, segmented, tagged and scanned by the rules exactly as production treats a text file; a
labelled span (offsets in the file's own text) labels the sentences that overlap at least half of it. Optional weak labels come from the rules' high-precision cases in
unlabelled sentences of train documents and of corpus documents that hold no dev label.

Per language, document-grouped k-fold cross-validation on train chooses the feature set, C and the use
of weak labels (F1 of the labelled spans), then Platt calibration and the decision threshold from the
out-of-fold scores. The instrument classifier replaces the rules' instrument only where its CV accuracy
beats theirs. The dev split is used once, after training, for the figures written to ``meta.json``.
Deterministic (fixed seed, liblinear).
"""
from __future__ import annotations

import argparse
import hashlib
import logging
import random
import sys
from collections import defaultdict
from pathlib import Path
from typing import Optional

import numpy as np
import scipy.sparse as sp
import sklearn
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import GroupKFold

from .. import script
from ..evaluation.measures import overlap
from ..resources import corpus_path, load_standoff, shared_text
from .detect import MeasureExtractor, _fallback, _subtool
from .estimators import CueHasher
from .features import N_FEATURES, view_features
from .model import LANGS, LangModel, MeasureModel, _rule_instrument

log = logging.getLogger(__name__)

SEED = 20261124
N_FOLDS = 5
# per language; en without 0.3 (never chosen there) to keep training near 5 minutes
GRID_C = {"zh": (0.3, 1.0, 3.0, 10.0), "en": (1.0, 3.0, 10.0)}
# name -> (cues, ngrams, pos); the pos sets only for languages with POS-pattern features
FEATURE_SETS = {"cues+ngrams": (True, True, False), "cues+ngrams+pos": (True, True, True), "cues": (True, False, False),
                "cues+pos": (True, False, True)}  # "ngrams" alone trailed by 0.05 F1 in every run
POS_LANGS = ("en",)
WEAK_WEIGHT = 0.3
WEAK_PER_CLASS = 300


def _doc_views(shared: Path, rel: str, sha: Optional[str], lang: str, rules: MeasureExtractor):
    """The views of one document after the production stages (normalise → segment → tag → entities), each
    with its sentence's span in the file's own text (where the labels point)."""
    from . import context

    # a labelled file through the checked reader (a changed file is a ResourceError); the labels' text
    text = shared_text(rel, sha) if sha is not None else (shared / rel).read_bytes().decode("utf-8-sig")
    norm = context.normalised(text)
    sents, tokens, entities = context.analyse(norm.text, lang)
    views = rules.scan(norm.text, sents, tokens, entities)
    return views, [norm.offsets.to_original(v.sentence.start, v.sentence.end) for v in views]


def gold_examples(shared: Path, lang: str, split: str, rules: MeasureExtractor):
    """(views, records): records carry ``views`` = indexes of the sentences their span overlaps."""
    recs = [r for r in load_standoff(corpus_path("labels", f"measures_{lang}.jsonl")) if r["split"] == split]
    by_doc = defaultdict(list)
    for r in recs:
        by_doc[(r["source"], r["sha256"])].append(r)
    views, out = [], []
    for (src, sha), rs in sorted(by_doc.items()):
        vs, spans = _doc_views(shared, src, sha, lang, rules)
        base = len(views)
        views.extend(vs)
        for r in rs:
            hit = [base + k for k, (s0, s1) in enumerate(spans)
                   if overlap(s0, s1, r["start"], r["end"]) >= 0.5 * min(s1 - s0, r["end"] - r["start"])]
            out.append({**r, "views": hit})
    return views, out


def weak_examples(shared: Path, lang: str, docs: list[str], labelled: set, rules: MeasureExtractor, rng):
    """High-precision rule cases among unlabelled sentences: positives = rule measures with a directive
    modal/obligation right before a lexicon verb; negatives = no verb cue, no modal, not a list item."""
    lex = rules.lex
    pos, neg = [], []
    for rel in docs:
        for v in _doc_views(shared, rel, None, lang, rules)[0]:
            if (rel, v.sentence.start) in labelled or v.heading:
                continue
            f = set(view_features(v, lex, ngrams=False))  # the rule cues only: the same with or without POS
            if v.rule is not None and ("mv" in f or "zobl" in f) and not v.is_item and "neg" not in f:
                pos.append((rel, v))
            elif v.rule is None and "v:none" in f and not any(x.startswith("m:") for x in f) and not v.is_item \
                    and "zobl" not in f and "zdir" not in f:
                neg.append((rel, v))
    rng.shuffle(pos)
    rng.shuffle(neg)
    return pos[:WEAK_PER_CLASS], neg[:WEAK_PER_CLASS]


def _X(views, lex, cues, ngrams, pos=False) -> sp.csr_matrix:
    return CueHasher(N_FEATURES).fit(None).transform(
        [view_features(v, lex, cues=cues, ngrams=ngrams, pos=pos) + _rule_instrument(v, lex) for v in views])


def _fit(X, y, w, c):
    lr = LogisticRegression(C=c, class_weight="balanced", solver="liblinear", random_state=SEED, max_iter=500)
    return lr.fit(X, y, sample_weight=w)


def _platt(z, y):
    lr = LogisticRegression(C=1e4, solver="lbfgs").fit(z.reshape(-1, 1), y)
    return float(lr.coef_[0, 0]), float(lr.intercept_[0])


def _span_prf(pred_view: np.ndarray, recs) -> dict:
    c = defaultdict(int)
    for r in recs:
        p = bool(r["views"]) and bool(pred_view[r["views"]].any())
        g = bool(r["measure"])
        c["tp" if g and p else "fp" if p else "fn" if g else "tn"] += 1
    prec = c["tp"] / max(c["tp"] + c["fp"], 1)
    rec = c["tp"] / max(c["tp"] + c["fn"], 1)
    return {"precision": round(prec, 3), "recall": round(rec, 3),
            "f1": round(2 * prec * rec / (prec + rec) if prec + rec else 0.0, 3), **c}


def _best_threshold(p_view, recs) -> float:
    best, best_f = 0.5, -1.0
    for t in np.arange(0.2, 0.81, 0.025):
        f = _span_prf(p_view >= t, recs)["f1"]
        if f > best_f + 1e-9:
            best, best_f = round(float(t), 3), f
    return best


def _view_labels(views, recs):
    """Trainable views: index → label (a view overlapping a positive span is positive)."""
    lab = {}
    for r in recs:
        for i in r["views"]:
            lab[i] = max(lab.get(i, 0), int(bool(r["measure"])))
    idx = np.array(sorted(lab), dtype=int)
    return idx, np.array([lab[i] for i in idx], dtype=int)


def cv_detector(views, recs, c, weak, groups, matrices):
    """Out-of-fold decision values for every view that carries a label (NaN elsewhere). ``matrices``:
    ``(X, Xw)`` already built for the views and the weak examples of one feature set (the grid reuses
    them across C and weak)."""
    idx, y = _view_labels(views, recs)
    X, Xw = matrices
    yw = np.array([1] * len(weak[0]) + [0] * len(weak[1])) if weak else None
    wdocs = np.array([d for d, _ in weak[0] + weak[1]]) if weak else None
    z = np.full(len(views), np.nan)
    g = groups[idx]
    for tr, te in GroupKFold(n_splits=min(N_FOLDS, len(set(g)))).split(idx, y, g):
        Xt, yt, wt = X[idx[tr]], y[tr], np.ones(len(tr))
        if weak:
            keep = ~np.isin(wdocs, np.unique(g[te]))  # never weak labels from the fold's test documents
            Xt = sp.vstack([Xt, Xw[keep]])
            yt = np.concatenate([yt, yw[keep]])
            wt = np.concatenate([wt, np.full(int(keep.sum()), WEAK_WEIGHT)])
        lr = _fit(Xt, yt, wt, c)
        z[idx[te]] = lr.decision_function(X[idx[te]])
    return z, X, idx, y


def _calibrated(z, a, b) -> np.ndarray:
    """Platt probabilities of out-of-fold decision values (unlabelled views, NaN, get ~0)."""
    return 1 / (1 + np.exp(-(a * np.nan_to_num(z, nan=-50) + b)))


def fit_detector(views, recs, groups, weak, matrices, c: float, feature_set: tuple, threshold=None):
    """One configuration's detector fitted on all ``recs`` (+ ``weak``): Platt scaling from the grouped
    out-of-fold decision values, the given threshold or else the out-of-fold best. → (LangModel, X)."""
    z, X, idx, y = cv_detector(views, recs, c, weak, groups, matrices)
    a, b = _platt(z[idx], y)
    if threshold is None:
        threshold = _best_threshold(_calibrated(z, a, b), recs)
    Xt, yt, wt = X[idx], y, np.ones(len(idx))
    if weak:
        n_weak = len(weak[0]) + len(weak[1])
        Xt = sp.vstack([Xt, matrices[1]])
        yt = np.concatenate([yt, [1] * len(weak[0]) + [0] * len(weak[1])])
        wt = np.concatenate([wt, np.full(n_weak, WEAK_WEIGHT)])
    det = _fit(Xt, yt, wt, c)
    cues, ngrams, pos = feature_set
    lm = LangModel(np.asarray(det.coef_, dtype=np.float32), float(det.intercept_[0]), a, b, threshold, cues=cues,
                   ngrams=ngrams, pos=pos)
    return lm, X


def view_groups(views, recs) -> np.ndarray:
    """The source document of every labelled view (None elsewhere): the CV groups."""
    groups = np.array([None] * len(views), dtype=object)
    for r in recs:
        for i in r["views"]:
            groups[i] = r["source"]
    return groups


def feature_matrices(views, weak, lex, feature_set: tuple):
    """(X, Xw): the hashed features of the labelled views and of the weak examples for one feature set."""
    return _X(views, lex, *feature_set), _X([v for _, v in weak[0] + weak[1]], lex, *feature_set)


def cv_instrument(views, recs, X, lex, groups, c=3.0):
    """CV accuracy of the instrument classifier vs the rules' instrument on gold measures."""
    rows, gold = [], []
    for r in recs:
        if r["measure"] and r.get("instrument") and r["views"]:
            rows.append(r["views"][0])
            gold.append(r["instrument"])
    rows, gold = np.array(rows), np.array(gold)
    rule = []
    for i in rows:
        v = views[i]
        action, _, vend, _ = v.rule if v.rule is not None else _fallback(v, lex)
        rule.append(_subtool(v.raw, v.lang, action, lex, vend)[0])
    rule_acc = float(np.mean(np.array(rule) == gold))
    pred = np.array(rule, dtype=object)
    g = groups[rows]
    for tr, te in GroupKFold(n_splits=min(N_FOLDS, len(set(g)))).split(rows, gold, g):
        if len(set(gold[tr])) < 2:
            continue
        lr = LogisticRegression(C=c, class_weight="balanced", solver="lbfgs", max_iter=1000)
        lr.fit(X[rows[tr]], gold[tr])
        pred[te] = lr.predict(X[rows[te]])
    return {"rules": round(rule_acc, 3), "model": round(float(np.mean(pred == gold)), 3), "n": int(len(rows))}, rows, gold


def dev_documents() -> set[str]:
    """The documents that hold a dev label in either language (never a source of weak labels)."""
    return {r["source"] for lang in LANGS for r in load_standoff(corpus_path("labels", f"measures_{lang}.jsonl"))
            if r["split"] == "dev"}


def train_inputs(shared: Path, lang: str, rules: MeasureExtractor, rng, dev_docs: set[str], *, weak: bool = True):
    """(views, labelled records, CV groups, weak examples or None) of ``lang``'s train split."""
    views, recs = gold_examples(shared, lang, "train", rules)
    labelled = {(r["source"], views[i].sentence.start) for r in recs for i in r["views"]}
    found = weak_examples(shared, lang, _unlabelled_docs(shared, lang, dev_docs), labelled, rules, rng) if weak else None
    return views, recs, view_groups(views, recs), found


def train_lang(shared: Path, lang: str, rules: MeasureExtractor, rng, *, dev_docs: set[str]):
    lex = rules.lex
    views, recs, groups, weak = train_inputs(shared, lang, rules, rng, dev_docs)
    log.info("%s: %d labelled spans, %d views, weak %d+/%d-", lang, len(recs), len(views), len(weak[0]), len(weak[1]))
    rule_pred = np.array([v.rule is not None for v in views])
    rule_cv = _span_prf(rule_pred, recs)
    grid = []
    built = {}  # feature set -> (X, Xw): features depend on the set only, not on C or the weak labels
    for name, (cues, ngrams, pos) in FEATURE_SETS.items():
        if pos and lang not in POS_LANGS:
            continue
        built[name] = feature_matrices(views, weak, lex, (cues, ngrams, pos))
        for c in GRID_C[lang]:
            for use_weak in (False, True):
                z, _, idx, y = cv_detector(views, recs, c, weak if use_weak else None, groups,
                                           built[name])
                a, b = _platt(z[idx], y)
                p = _calibrated(z, a, b)
                t = _best_threshold(p, recs)
                res = _span_prf(p >= t, recs)
                row = {"features": name, "C": c, "weak": use_weak, "threshold": t, **res}
                grid.append(row)
                log.info("%s CV %-16s C=%-4s weak=%d  F1 %.3f (P %.3f R %.3f) t=%.3f", lang, name, c,
                         use_weak, res["f1"], res["precision"], res["recall"], t)
    # F1 over all of train; simpler feature sets and smaller C break ties
    best = max(grid, key=lambda g: (g["f1"], g["features"] == "cues+ngrams", -g["C"]))
    lm, X = fit_detector(views, recs, groups, weak if best["weak"] else None, built[best["features"]], best["C"],
                         FEATURE_SETS[best["features"]], threshold=best["threshold"])
    ins_cv, ins_rows, ins_gold = cv_instrument(views, recs, X, lex, groups)
    if ins_cv["model"] > ins_cv["rules"] + 0.02:
        ins = LogisticRegression(C=3.0, class_weight="balanced", solver="lbfgs", max_iter=1000)
        ins.fit(X[ins_rows], ins_gold)
        lm.ins_coef, lm.ins_intercept, lm.ins_classes = (np.asarray(ins.coef_, dtype=np.float32), ins.intercept_,
                                                          tuple(ins.classes_))
    summary = {"labelled_spans": len(recs), "documents": len(set(r["source"] for r in recs)),
               "weak": [len(weak[0]), len(weak[1])], "chosen": best, "rules_cv": rule_cv,
               "instrument_cv": {**ins_cv, "used": lm.ins_coef is not None}, "grid": grid}
    return lm, summary


def _unlabelled_docs(shared: Path, lang: str, dev_docs: set[str]) -> list[str]:
    labelled_train = set()
    for r in load_standoff(corpus_path("labels", f"measures_{lang}.jsonl")):
        if r["split"] == "train":
            labelled_train.add(r["source"])
    pool = sorted(str(p.relative_to(shared)) for p in (shared / "corpus" / lang).glob("*.txt"))
    return sorted(labelled_train | {d for d in pool if d not in dev_docs})


def _data_hash() -> str:
    h = hashlib.sha256()
    for lang in LANGS:
        p = corpus_path("labels", f"measures_{lang}.jsonl")
        h.update(p.name.encode())
        h.update(p.read_bytes())
    return h.hexdigest()


def main(argv: Optional[list[str]] = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m pipeline.measures.train", description=__doc__.splitlines()[0])
    ap.add_argument("--shared", default=None, help="the shared data folder (default: ../shared)")
    ap.add_argument("--out", type=Path, default=Path("models/measures"))
    ap.add_argument("--no-dev", action="store_true", help="skip the final dev evaluation")
    args, shared = script.start(ap, argv)
    rng = random.Random(SEED)
    rules = MeasureExtractor(model_dir=None)
    dev_docs = dev_documents()
    langs, cv = {}, {}
    for lang in LANGS:
        langs[lang], cv[lang] = train_lang(shared, lang, rules, rng, dev_docs=dev_docs)
    meta = {"name": "measures", "created_by": "python -m pipeline.measures.train", "seed": SEED,
            "versions": {"python": sys.version.split()[0], "scikit-learn": sklearn.__version__, "numpy": np.__version__},
            "lexicon_version": rules.lex.version, "lexicon_sha256": rules.lex.sha256,
            "training_data_sha256": _data_hash(), "n_folds": N_FOLDS, "weak_weight": WEAK_WEIGHT, "cv": cv}
    model = MeasureModel(langs, N_FEATURES, meta)
    model.save(args.out)
    for lang in LANGS:
        ch = cv[lang]["chosen"]
        log.info(f"{lang}: CV F1 {ch['f1']:.3f} (P {ch['precision']:.3f} R {ch['recall']:.3f}) rules CV F1 "
              f"{cv[lang]['rules_cv']['f1']:.3f}; {ch['features']} C={ch['C']} weak={ch['weak']} t={ch['threshold']}; "
              f"instrument CV {cv[lang]['instrument_cv']}")
    if not args.no_dev:
        from ..evaluation.measures import evaluate_measures

        dev = evaluate_measures("dev", extractor=MeasureExtractor(model_dir=args.out))
        meta["dev"] = {lang: {k: (round(v, 3) if isinstance(v, float) else v) for k, v in r.items()
                              if k in ("n", "precision", "recall", "f1", "instrument_acc", "subtool_acc", "status_acc",
                                       "amount_acc", "currency_acc", "year_acc")} for lang, r in dev.items()}
        model.meta = meta
        model.save(args.out)
        for lang, r in meta["dev"].items():
            log.info(f"{lang}: dev F1 {r['f1']:.3f} (P {r['precision']:.3f} R {r['recall']:.3f}) instrument {r['instrument_acc']}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

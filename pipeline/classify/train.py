"""Train the challenge model: ``python -m pipeline.classify.train --shared ../shared --out models/challenges``.

Training data (all stand-off; texts are read from ../shared and verified by SHA-256):

1. the labelled sentences of the *train* split (``corpus/labels/challenges_{zh,en}.jsonl``, and the
   sentences labelled later, all train, in ``challenges_{zh,en}_more.jsonl`` when present);
2. the seed paper's sections 3.1-3.7 and 4.1-4.7 as Chinese examples of the areas whose ``paper``
   field names the section (weight ``SEED_WEIGHT``);
3. weak labels from codebook terms over unlabelled sentences of train-split documents only
   (weight ``WEAK_WEIGHT``): a sentence with two distinct preferred concepts of an area is a positive
   for it; a sentence with no codebook term at all is a negative for every area.

Per area a logistic regression is fitted on hashed features; its C (``GRID_C``), Platt scaling and the
per-area, per-language thresholds (best F1) come from document-grouped 5-fold cross-validation on the
train split - the dev split is never used for any choice. The run is deterministic (fixed seed, liblinear). ``meta.json`` records
the SHA-256 of the written ``weights.npz`` (``weights_sha256``), which loading verifies.
"""
from __future__ import annotations

import argparse
import hashlib
import logging
import random
import re
import sys
import time
from collections import defaultdict
from pathlib import Path
from typing import Optional

import numpy as np
import scipy.sparse as sp
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import GroupKFold

from .. import script
from ..resources import corpus_path, load_standoff, models_path, sha256_bytes
from .codebook import Codebook, TermMatcher, load_codebook
from .estimators import SentenceFeaturizer, sublinear_l2
from .model import LinearModel, calibrate

log = logging.getLogger(__name__)

SEED = 20261124
LANGS = ("zh", "en")
SEED_PAPER = "seed/000_fad4a4775837daf9.txt"
SEED_WEIGHT = 0.5
WEAK_WEIGHT = 0.3
WEAK_PER_AREA = 120
WEAK_NEG = 300
C = 4.0
GRID_C = (4.0, 8.0, 16.0, 32.0, 64.0)  # chosen by train CV (mean of the languages' macro-F1)
N_FEATURES = 2**18
CHAR_NGRAMS = (2, 3)
_SECTION = re.compile(r"^\s*([34]\.[1-7])\s*\S")
_STOP_SECTION = re.compile(r"^\s*(?:[1-9]\s+\S|[5-9]\.[0-9]|参考文献)")


# ----------------------------------------------------------------------------- data
def label_files(lang: str) -> list[Path]:
    """The label files of ``lang``: the set with the dev split, then later train-only additions."""
    more = corpus_path("labels", f"challenges_{lang}_more.jsonl")
    return [corpus_path("labels", f"challenges_{lang}.jsonl")] + ([more] if more.is_file() else [])


def label_records(lang: str, path: Optional[Path] = None) -> list[dict]:
    return [r for p in ([path] if path else label_files(lang)) for r in load_standoff(p)]


def _split_sentences(text: str) -> list[tuple[int, int]]:
    from ..segment import Segmenter

    return [(s.start, s.end) for s in Segmenter().sentences(text)]


def seed_examples(shared: Path, codebook: Codebook) -> list[dict]:
    """Sentences of the seed paper's sections 3.x/4.x, labelled with the areas citing the section."""
    raw = (shared / SEED_PAPER).read_bytes()
    text = raw.decode("utf-8-sig")
    by_section = defaultdict(list)
    for a in codebook.areas:
        for sec in a.paper:
            by_section[sec].append(a.id)
    out, section, pos = [], None, 0
    spans = []
    for line in text.splitlines(keepends=True):
        m = _SECTION.match(line)
        if m:
            section = m.group(1)
        elif _STOP_SECTION.match(line):
            section = None
        if section and line.strip():
            spans.append((pos, pos + len(line.rstrip("\r\n")), section))
        pos += len(line)
    for start, end, sec in spans:
        for s, e in _split_sentences(text[start:end]):
            if e - s >= 8:
                out.append({"source": SEED_PAPER, "sha256": sha256_bytes(raw), "start": start + s, "end": start + e,
                            "text": text[start + s : start + e], "lang": "zh", "areas": by_section.get(sec, []),
                            "origin": "seed"})
    return out


def weak_examples(shared: Path, matcher: TermMatcher, train_docs: set[str], labelled: set[tuple], rng) -> list[dict]:
    """Keyword-labelled sentences from train-split documents (never from dev documents)."""
    pos, neg = defaultdict(list), defaultdict(list)
    for rel in sorted(train_docs):
        raw = (shared / rel).read_bytes()
        text = raw.decode("utf-8-sig")
        lang = "zh" if "/zh/" in rel else "en"
        for s, e in _split_sentences(text):
            if (rel, s, e) in labelled or not (10 if lang == "zh" else 40) <= e - s <= 400:
                continue
            t = text[s:e]
            hits = matcher.find(t, lang)
            prefs = defaultdict(set)
            for h in hits:
                if h.kind == "preferred":
                    prefs[h.area].add(h.concept)
            rec = {"source": rel, "start": s, "end": e, "text": t, "lang": lang, "origin": "weak"}
            strong = sorted(a for a, cs in prefs.items() if len(cs) >= 2)
            if strong:
                for a in strong:
                    pos[(lang, a)].append({**rec, "areas": strong})
            elif not hits:
                neg[lang].append({**rec, "areas": []})
    out, seen = [], set()
    for key in sorted(pos):
        items = pos[key]
        rng.shuffle(items)
        for r in items[:WEAK_PER_AREA]:
            if (r["source"], r["start"]) not in seen:
                seen.add((r["source"], r["start"]))
                out.append(r)
    for lang in sorted(neg):
        items = neg[lang]
        rng.shuffle(items)
        out.extend(items[:WEAK_NEG])
    return out


# ----------------------------------------------------------------------------- fitting
def _matrix(featurizer: SentenceFeaturizer, recs: list[dict]) -> sp.csr_matrix:
    return featurizer.transform([(r["text"], r["lang"]) for r in recs])


def _Y(recs: list[dict], area_ids) -> np.ndarray:
    return np.array([[a in r["areas"] for a in area_ids] for r in recs], dtype=int)


def fit_linear(X: sp.csr_matrix, Y: np.ndarray, w: np.ndarray, c: float = C):
    coefs, icpt = [], []
    Xs = sublinear_l2(X)
    for j in range(Y.shape[1]):
        y = Y[:, j]
        if y.min() == y.max():  # no positives (or only positives): a constant model
            coefs.append(np.zeros(X.shape[1]))
            icpt.append(-5.0 if y.max() == 0 else 5.0)
            continue
        lr = LogisticRegression(C=c, class_weight="balanced", solver="liblinear", random_state=SEED, max_iter=200)
        lr.fit(Xs, y, sample_weight=w)
        coefs.append(lr.coef_[0])
        icpt.append(lr.intercept_[0])
    return np.vstack(coefs), np.array(icpt)


def fit_platt(z: np.ndarray, y: np.ndarray) -> tuple[float, float]:
    if y.min() == y.max():
        return 1.0, 0.0
    lr = LogisticRegression(C=1e4, solver="lbfgs").fit(z.reshape(-1, 1), y)
    return float(lr.coef_[0, 0]), float(lr.intercept_[0])


def best_threshold(p: np.ndarray, y: np.ndarray) -> float:
    best, best_f = 0.5, -1.0
    for t in np.arange(0.15, 0.86, 0.025):
        pred = p >= t
        tp = int((pred & (y == 1)).sum())
        f = 2 * tp / max(int(pred.sum()) + int(y.sum()), 1)
        if f > best_f + 1e-9:
            best, best_f = float(t), f
    return round(best, 3)


def train_model(gold: list[dict], extra: list[dict], featurizer: SentenceFeaturizer, area_ids, *, c: float = C,
                n_folds: int = 5, per_lang_thresholds: bool = True):
    """Fit on gold + extra; calibrate and choose thresholds on grouped CV over the gold records."""
    recs = gold + extra
    X = _matrix(featurizer, recs)
    Y = _Y(recs, area_ids)
    w = np.array([1.0 if r.get("origin") is None else SEED_WEIGHT if r["origin"] == "seed" else WEAK_WEIGHT for r in recs])
    coef, icpt = fit_linear(X, Y, w, c)
    # out-of-fold decision values for the gold records
    n_gold = len(gold)
    groups = np.array([r["source"] for r in gold])
    Z = np.zeros((n_gold, len(area_ids)))
    for tr, te in GroupKFold(n_splits=n_folds).split(np.zeros(n_gold), groups=groups):
        idx = np.concatenate([tr, np.arange(n_gold, len(recs))])
        cf, ic = fit_linear(X[idx], Y[idx], w[idx], c)
        Z[te] = np.asarray(sublinear_l2(X[te]) @ cf.T) + ic
    Yg = Y[:n_gold]
    pa, pb = zip(*(fit_platt(Z[:, j], Yg[:, j]) for j in range(len(area_ids))))
    pa, pb = np.array(pa), np.array(pb)
    P = calibrate(Z, pa, pb)
    langs = np.array([r["lang"] for r in gold])
    if per_lang_thresholds:
        th = np.array([[best_threshold(P[langs == lg, j], Yg[langs == lg, j]) for j in range(len(area_ids))] for lg in LANGS])
    else:
        th = np.array([best_threshold(P[:, j], Yg[:, j]) for j in range(len(area_ids))])
    model = LinearModel.from_coef(area_ids, coef, icpt, pa, pb, th,
                                  {"threshold_langs": list(LANGS), "char_ngrams": list(featurizer.char_ngrams)})
    return model, P, Yg


# ----------------------------------------------------------------------------- metrics
def prf(pred: np.ndarray, gold: np.ndarray, area_ids) -> dict:
    """:func:`pipeline.evaluation.classifier.prf` rounded to 3 places, for the log and ``meta.json``."""
    from ..evaluation.classifier import prf as exact

    r = exact(np.asarray(pred, dtype=bool), np.asarray(gold) == 1, area_ids)
    per = {a: {**v, "p": round(v["p"], 3), "r": round(v["r"], 3), "f1": round(v["f1"], 3)}
           for a, v in r["per_area"].items()}
    return {"per_area": per, "micro_f1": round(r["micro_f1"], 3), "macro_f1": round(r["macro_f1"], 3), "n": r["n"]}


def apply_thresholds(P: np.ndarray, langs, model: LinearModel) -> np.ndarray:
    th = np.asarray(model.thresholds)
    if th.ndim == 1:
        return P >= th
    order = model.meta.get("threshold_langs", list(LANGS))
    return np.vstack([P[i] >= th[order.index(lg)] for i, lg in enumerate(langs)])


def cross_validate(gold_all: list[dict], extra_fn, featurizer, area_ids, n_folds: int = 5, c: float = C) -> dict:
    """Document-grouped k-fold over the whole labelled set, with the full recipe inside every fold."""
    groups = np.array([r["source"] for r in gold_all])
    preds = np.zeros((len(gold_all), len(area_ids)), dtype=bool)
    for tr, te in GroupKFold(n_splits=n_folds).split(np.zeros(len(gold_all)), groups=groups):
        train = [gold_all[i] for i in tr]
        model, _, _ = train_model(train, extra_fn({r["source"] for r in train}), featurizer, area_ids, c=c)
        test = [gold_all[i] for i in te]
        P = model.proba(_matrix(featurizer, test))
        preds[te] = apply_thresholds(P, [r["lang"] for r in test], model)
    Y = _Y(gold_all, area_ids)
    langs = np.array([r["lang"] for r in gold_all])
    return {lg: prf(preds[langs == lg], Y[langs == lg], area_ids) for lg in LANGS}


# ----------------------------------------------------------------------------- main
def recipe(shared: Path, codebook: Optional[str] = None, *, seed: bool = True, weak: bool = True):
    """What ``make train`` trains on: ``(codebook, featurizer, gold records of every split, extra_for)``;
    ``extra_for(train documents)`` gives the seed paper's sections and the weak labels from those documents."""
    cb = load_codebook(codebook)
    featurizer = SentenceFeaturizer(codebook=cb, n_features=N_FEATURES, char_ngrams=CHAR_NGRAMS).fit(None)
    gold_all = [r for lg in LANGS for r in label_records(lg)]
    for r in gold_all:
        r.pop("origin", None)
    labelled = {(r["source"], r["start"], r["end"]) for r in gold_all}
    seeds = seed_examples(shared, cb) if seed else []
    matcher = TermMatcher(cb)

    def extra_for(docs: set[str]) -> list[dict]:
        return seeds + (weak_examples(shared, matcher, docs, labelled, random.Random(SEED)) if weak else [])

    return cb, featurizer, gold_all, extra_for


def _data_hash(paths: list[Path], extra: list[str]) -> str:
    h = hashlib.sha256()
    for p in paths:
        h.update(p.name.encode())
        h.update(p.read_bytes())
    for e in sorted(extra):
        h.update(e.encode())
    return h.hexdigest()


def main(argv: Optional[list[str]] = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m pipeline.classify.train", description=__doc__.splitlines()[0])
    ap.add_argument("--shared", default=None, help="the shared data folder (default: ../shared)")
    ap.add_argument("--out", default=None, help="output model folder (default: models/challenges)")
    ap.add_argument("--codebook", default=None, help="codebook YAML (default: corpus/codebook/challenges.yaml)")
    ap.add_argument("--no-cv", action="store_true", help="skip the 5-fold figures on the whole labelled set")
    ap.add_argument("--no-weak", action="store_true", help="leave out keyword weak labels")
    ap.add_argument("--no-seed", action="store_true", help="leave out the seed paper's sections")
    args, shared = script.start(ap, argv)
    t0 = time.time()
    cb, featurizer, gold_all, extra_for = recipe(shared, args.codebook, seed=not args.no_seed, weak=not args.no_weak)
    area_ids = cb.ids
    train_gold = [r for r in gold_all if r["split"] == "train"]
    dev_gold = [r for r in gold_all if r["split"] == "dev"]
    train_docs = {r["source"] for r in train_gold}
    extra = extra_for(train_docs)
    n_seed = sum(r.get("origin") == "seed" for r in extra)
    log.info("training on %d gold + %d seed + %d weak sentences", len(train_gold), n_seed, len(extra) - n_seed)
    langs_tr = np.array([r["lang"] for r in train_gold])
    fits, c_grid = {}, {}
    for c in GRID_C:
        model, P_cv, Y_cv = fits[c] = train_model(train_gold, extra, featurizer, area_ids, c=c)
        pred_cv = apply_thresholds(P_cv, langs_tr, model)
        c_grid[c] = {lg: prf(pred_cv[langs_tr == lg], Y_cv[langs_tr == lg], area_ids) for lg in LANGS}
        log.info("C=%s train CV macro-F1 %s", c, {lg: m["macro_f1"] for lg, m in c_grid[c].items()})
    best_c = max(GRID_C, key=lambda c: (np.mean([m["macro_f1"] for m in c_grid[c].values()]), -c))
    model = fits[best_c][0]
    metrics = {"train_cv": c_grid[best_c]}
    # dev: measured once, reported, never used for a choice
    P_dev = model.proba(_matrix(featurizer, dev_gold))
    langs_dev = np.array([r["lang"] for r in dev_gold])
    pred_dev = apply_thresholds(P_dev, langs_dev, model)
    Y_dev = _Y(dev_gold, area_ids)
    metrics["dev"] = {lg: prf(pred_dev[langs_dev == lg], Y_dev[langs_dev == lg], area_ids) for lg in LANGS}
    if not args.no_cv:
        metrics["cv5_all_labelled"] = cross_validate(gold_all, extra_for, featurizer, area_ids, c=best_c)
    import sklearn

    files = [p for lg in LANGS for p in label_files(lg)]
    meta = {
        "name": "challenges",
        "created_by": "python -m pipeline.classify.train",
        "seed": SEED,
        "versions": {"python": sys.version.split()[0], "scikit-learn": sklearn.__version__, "numpy": np.__version__},
        "codebook": Path(cb.path).name, "codebook_version": cb.version, "codebook_sha256": cb.sha256,
        "training_data_sha256": _data_hash(files, [f"{r['source']}:{r['start']}:{r['end']}:{','.join(r['areas'])}" for r in extra]),
        "training": {"gold_train": len(train_gold), "seed": n_seed, "weak": len(extra) - n_seed,
                     "seed_weight": SEED_WEIGHT, "weak_weight": WEAK_WEIGHT, "C": best_c,
                     "C_grid": {str(c): {lg: m["macro_f1"] for lg, m in g.items()} for c, g in c_grid.items()}},
        "n_features": N_FEATURES, "char_ngrams": list(CHAR_NGRAMS), "threshold_langs": list(LANGS),
        "thresholds": {lg: dict(zip(area_ids, map(float, model.thresholds[i]))) for i, lg in enumerate(LANGS)},
        "metrics": metrics,
        "seconds": round(time.time() - t0, 1),
    }
    out = Path(args.out) if args.out else models_path("challenges")
    model.save(out, meta)
    for part in ("train_cv", "dev", "cv5_all_labelled"):
        if part in metrics:
            log.info("%s: %s", part, {lg: (m["macro_f1"], m["micro_f1"]) for lg, m in metrics[part].items()})
    log.info("model written to %s in %.1fs", out, time.time() - t0)
    return 0


if __name__ == "__main__":
    sys.exit(main())

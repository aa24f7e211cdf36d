"""Learning curves: the dev figure of the shipped training recipe on growing shares of the train documents.

``python -m pipeline.evaluation.learning_curve classifier|measures [--shares 0.25 0.5 0.75 1] [--repeats 3]``

For each share, that many train documents are drawn at random (``--repeats`` draws with fixed seeds; one at
share 1), a model is trained on their labels only and scored on the whole dev split:

* ``classifier``: ``classify.train.train_model`` as ``make train`` runs it (the seed paper's sections, weak
  labels from the drawn documents, the C ``models/challenges/meta.json`` records), dev macro-F1 per language;
* ``measures``: the configuration ``models/measures/meta.json`` records as chosen (features, C, weak labels),
  fitted by ``measures.train.fit_detector`` with its threshold from grouped CV on the drawn documents;
  dev detection F1 per language over the labelled sentences (the trainer's span measure).

Nothing here is used for a choice; the curve says how far more labelled data of the same kind would go.
"""
from __future__ import annotations

import argparse
import json
import logging
import random
import sys
from pathlib import Path
from typing import Callable, Optional

import numpy as np

log = logging.getLogger(__name__)

SHARES = (0.25, 0.5, 0.75, 1.0)


def _draws(docs: list[str], share: float, repeats: int) -> list[set[str]]:
    if share >= 1.0:
        return [set(docs)]
    k = max(2, round(len(docs) * share))
    return [set(random.Random(rep).sample(docs, k)) for rep in range(repeats)]


def classifier_scorer(shared: Path) -> tuple[list[str], Callable[[set[str]], dict]]:
    """(train documents, score(drawn documents) → {lang: dev macro-F1})."""
    from ..classify import train as T
    from ..resources import load_json, models_path

    c = float(load_json(models_path("challenges") / "meta.json")["training"]["C"])  # as make train chose it
    cb, fz, gold, extra_for = T.recipe(shared)
    ids = cb.ids
    train = [r for r in gold if r["split"] == "train"]
    dev = [r for r in gold if r["split"] == "dev"]
    Xd, Yd = T._matrix(fz, dev), T._Y(dev, ids)
    langs = np.array([r["lang"] for r in dev])

    def score(docs: set[str]) -> dict:
        sub = [r for r in train if r["source"] in docs]
        model, _, _ = T.train_model(sub, extra_for(docs), fz, ids, c=c)
        pred = T.apply_thresholds(model.proba(Xd), langs, model)
        return {lg: T.prf(pred[langs == lg], Yd[langs == lg], ids)["macro_f1"] for lg in T.LANGS
                if (langs == lg).any()}

    return sorted({r["source"] for r in train}), score


def measures_scorer(shared: Path, lang: str) -> tuple[list[str], Callable[[set[str]], dict]]:
    """(train documents of ``lang``, score(drawn documents) → {lang: dev detection F1})."""
    from ..measures import train as M
    from ..measures.detect import MeasureExtractor
    from ..resources import load_json, models_path

    chosen = load_json(models_path("measures") / "meta.json")["cv"][lang]["chosen"]
    feature_set = M.FEATURE_SETS[chosen["features"]]
    rules = MeasureExtractor(model_dir=None)
    # (the weak draw is the trainer's own only for the first language it trains: zh consumes its stream)
    views, recs, groups, weak = M.train_inputs(shared, lang, rules, random.Random(M.SEED), M.dev_documents(),
                                               weak=chosen["weak"])
    dviews, drecs = M.gold_examples(shared, lang, "dev", rules)
    matrices = M.feature_matrices(views, weak or ([], []), rules.lex, feature_set)
    Xd = M._X(dviews, rules.lex, *feature_set)

    train_docs = {r["source"] for r in recs}

    def score(docs: set[str]) -> dict:
        sub = [r for r in recs if r["source"] in docs]
        w, mats = weak, matrices
        if weak:  # weak labels from the drawn documents and unlabelled ones only, as the classifier's
            keep = [[d in docs or d not in train_docs for d, _ in part] for part in weak]
            w = tuple([x for x, k in zip(part, ks) if k] for part, ks in zip(weak, keep))
            mats = (matrices[0], matrices[1][np.flatnonzero(keep[0] + keep[1])])
        lm, _ = M.fit_detector(views, sub, groups, w, mats, chosen["C"], feature_set)
        return {lang: M._span_prf(lm.proba(Xd) >= lm.threshold, drecs)["f1"]}

    return sorted(train_docs), score


def curve(docs: list[str], score: Callable[[set[str]], dict], shares=SHARES, repeats: int = 3) -> list[dict]:
    rows = []
    for share in shares:
        draws = _draws(docs, share, repeats)
        runs = [score(d) for d in draws]
        row = {"share": share, "documents": len(draws[0]), "runs": len(runs)}
        for lang in runs[0]:
            vals = [r[lang] for r in runs]
            row[lang] = {"mean": round(float(np.mean(vals)), 3), "min": round(float(min(vals)), 3),
                         "max": round(float(max(vals)), 3)}
        log.info("%s", row)
        rows.append(row)
    return rows


def main(argv: Optional[list[str]] = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m pipeline.evaluation.learning_curve", description=__doc__.splitlines()[0])
    ap.add_argument("model", choices=("classifier", "measures"))
    ap.add_argument("--shared", default=None, help="the shared data folder (default: ../shared)")
    ap.add_argument("--lang", default="en", choices=("zh", "en"), help="measures: the language (default en)")
    ap.add_argument("--shares", type=float, nargs="+", default=list(SHARES))
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--json", default=None, help="also write the rows to this file")
    from ..script import start

    args, shared = start(ap, argv)
    docs, score = classifier_scorer(shared) if args.model == "classifier" else measures_scorer(shared, args.lang)
    rows = curve(docs, score, args.shares, args.repeats)
    out = json.dumps({"model": args.model, "rows": rows}, ensure_ascii=False, indent=1)
    if args.json:
        Path(args.json).write_text(out + "\n", encoding="utf-8")
    sys.stdout.write(out + "\n")  # the command's output (a __main__ entry point, not library code)
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""The learned measure layer: per language a calibrated logistic detector (and, where cross-validation
preferred it to the rules, an instrument classifier) over ``features.view_features``.

Stored in ``models/measures/`` as plain arrays, never pickles:

* ``weights.npz`` (read with ``allow_pickle=False``): per language ``{lang}_det_*`` = the detector's CSR
  coefficient row (``data``/``indices``/``indptr``/``shape``), ``intercept``, Platt ``a``/``b``; and when
  the instrument classifier is used ``{lang}_ins_*`` = its CSR matrix (classes × features) and intercepts;
* ``meta.json``: format, feature settings, per-language thresholds and instrument classes, the lexicon
  SHA-256 the features were computed with, versions, training-data hash, CV and dev figures, seed.

``load_detector()`` returns None when the directory (or its ``meta.json``) is absent: the extractor then
runs on the rules alone (logged once per process). A present but unreadable or tampered model is a
``ResourceError``.
"""
from __future__ import annotations

import json
import logging
from dataclasses import dataclass, field
from pathlib import Path
from typing import Optional, Sequence

import numpy as np

from ..classify.features import HashedRows
from ..errors import ResourceError
from ..resources import load_json, models_path
from .features import hash_features, view_features
from .lexicon import Lexicon

log = logging.getLogger(__name__)

MODEL_FORMAT = 1
LANGS = ("zh", "en")


@dataclass
class LangModel:
    """One language: detector row + Platt + threshold; optional instrument matrix."""

    coef: np.ndarray  # 1 × n_features (dense float32: 1 MB, and no scipy in the workers)
    intercept: float
    platt_a: float
    platt_b: float
    threshold: float
    ins_coef: Optional[np.ndarray] = None  # classes × n_features
    ins_intercept: Optional[np.ndarray] = None
    ins_classes: tuple = ()
    cues: bool = True
    ngrams: bool = True
    pos: bool = False  # POS-pattern and entity features (needs tagged tokens)

    def proba(self, X) -> np.ndarray:
        z = _times(X, self.coef)[:, 0] + self.intercept
        return 1.0 / (1.0 + np.exp(-(self.platt_a * z + self.platt_b)))

    def instrument(self, X) -> Optional[np.ndarray]:
        if self.ins_coef is None:
            return None
        Z = _times(X, self.ins_coef) + self.ins_intercept
        if len(self.ins_classes) == 2 and Z.shape[1] == 1:  # binary: one row for the second class
            return np.where(Z[:, 0] > 0, self.ins_classes[1], self.ins_classes[0])
        return np.asarray(self.ins_classes)[Z.argmax(axis=1)]


@dataclass
class MeasureModel:
    langs: dict  # lang -> LangModel
    n_features: int
    meta: dict = field(default_factory=dict)

    @property
    def needs_tags(self) -> bool:
        return any(lm.pos for lm in self.langs.values())

    def features(self, views, lex: Lexicon, lm: LangModel) -> HashedRows:
        feats = [view_features(v, lex, cues=lm.cues, ngrams=lm.ngrams, pos=lm.pos) + _rule_instrument(v, lex)
                 for v in views]
        return hash_features(feats, self.n_features)

    def decide(self, views: Sequence, lex: Lexicon) -> list[tuple[bool, Optional[str]]]:
        """Per view: (is a measure, instrument or None = keep the rules' instrument). Headings stay out."""
        out: list[tuple[bool, Optional[str]]] = [(v.rule is not None, None) for v in views]
        for lang, lm in self.langs.items():
            idx = [i for i, v in enumerate(views) if v.lang == lang and not v.heading]
            if not idx:
                continue
            X = self.features([views[i] for i in idx], lex, lm)
            p = lm.proba(X)
            ins = lm.instrument(X)
            for k, i in enumerate(idx):
                out[i] = (bool(p[k] >= lm.threshold), None if ins is None else str(ins[k]))
        return out

    # ---------------------------------------------------------------- storage
    def save(self, out: Path) -> None:
        out.mkdir(parents=True, exist_ok=True)
        arrays, langs_meta = {}, {}
        for lang, lm in self.langs.items():
            _put_csr(arrays, f"{lang}_det", lm.coef)
            arrays[f"{lang}_det_intercept"] = np.array([lm.intercept, lm.platt_a, lm.platt_b], dtype=np.float64)
            if lm.ins_coef is not None:
                _put_csr(arrays, f"{lang}_ins", lm.ins_coef)
                arrays[f"{lang}_ins_intercept"] = np.asarray(lm.ins_intercept, dtype=np.float64)
            langs_meta[lang] = {"threshold": lm.threshold, "instrument_classes": list(lm.ins_classes),
                                "cues": lm.cues, "ngrams": lm.ngrams, "pos": lm.pos}
        np.savez_compressed(out / "weights.npz", **arrays)
        meta = {**self.meta, "format": MODEL_FORMAT, "n_features": self.n_features, "langs": langs_meta}
        (out / "meta.json").write_text(json.dumps(meta, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")

    @classmethod
    def load(cls, model_dir: Path) -> "MeasureModel":
        meta = load_json(model_dir / "meta.json")
        if not isinstance(meta, dict) or meta.get("format") != MODEL_FORMAT:
            raise ResourceError(f"{model_dir}/meta.json: model format is not {MODEL_FORMAT}")
        path = model_dir / "weights.npz"
        if not path.is_file():
            raise ResourceError(f"{path}: not found")
        try:
            with np.load(path, allow_pickle=False) as z:
                arrays = {k: z[k] for k in z.files}
        except (OSError, ValueError, EOFError) as exc:  # pickled object arrays raise ValueError here
            raise ResourceError(f"{path}: unreadable model weights: {exc}") from exc
        try:
            n = int(meta["n_features"])
            langs = {}
            for lang, lmeta in meta["langs"].items():
                coef = _get_csr(arrays, f"{lang}_det", 1, n)
                icpt, a, b = (float(x) for x in arrays[f"{lang}_det_intercept"])
                classes = tuple(lmeta.get("instrument_classes") or ())
                ins_icpt = arrays[f"{lang}_ins_intercept"] if classes else None
                ins = _get_csr(arrays, f"{lang}_ins", len(ins_icpt), n) if classes else None
                langs[lang] = LangModel(coef, icpt, a, b, float(lmeta["threshold"]), ins, ins_icpt, classes,
                                        bool(lmeta.get("cues", True)), bool(lmeta.get("ngrams", True)),
                                        bool(lmeta.get("pos", False)))
        except (KeyError, TypeError, ValueError, IndexError) as exc:
            raise ResourceError(f"{path}: malformed model: {exc!r}") from exc
        return cls(langs, n, meta)


def _times(X, W: np.ndarray) -> np.ndarray:
    """``X @ W.T`` for CSR-like rows ``X`` (``data``/``indices``/``indptr``/``shape``: ``HashedRows`` or a scipy
    CSR matrix) and dense weight rows ``W`` (k × n_features): n × k."""
    indptr = np.asarray(X.indptr)
    rows = np.repeat(np.arange(len(indptr) - 1), np.diff(indptr))
    contrib = np.asarray(X.data, dtype=np.float64) * W[:, np.asarray(X.indices)]  # k × nnz
    return np.stack([np.bincount(rows, weights=c, minlength=len(indptr) - 1) for c in contrib], axis=1)


def _put_csr(arrays: dict, key: str, W) -> None:
    """Store weight rows (dense or scipy) with ``classify.model.write_csr``: only the non-zero weights."""
    from ..classify.model import write_csr

    W = np.atleast_2d(np.asarray(W.todense() if hasattr(W, "todense") else W, dtype=np.float32))
    columns = np.flatnonzero(W.any(axis=0))
    write_csr(arrays, key, columns, W[:, columns].T, W.shape[1])


def _get_csr(arrays: dict, key: str, n_rows: int, n: int) -> np.ndarray:
    """The dense weight rows stored by ``_put_csr``, checked by ``classify.model.read_csr``."""
    from ..classify.model import read_csr

    columns, weights, n_features = read_csr(arrays, key, n_rows)
    if n_features != n:
        raise ValueError(f"{key}: {n_features} features, the model has {n}")
    W = np.zeros((n_rows, n), dtype=np.float32)
    W[:, columns] = weights.T
    return W


def _rule_instrument(view, lex: Lexicon) -> list[str]:
    """The rules' (instrument, subtool) of a view as features (computed for rule positives only)."""
    if view.rule is None:
        return []
    from .detect import _subtool

    instrument, subtool = _subtool(view.raw, view.lang, view.rule[0], lex, view.rule[2])
    return ["ri:" + instrument, "rt:" + str(subtool)]


def load_detector(model_dir: Optional[Path | str] = None) -> Optional[MeasureModel]:
    """The model in ``model_dir`` (default ``models/measures``), or None (rules only) when it is absent."""
    d = Path(model_dir) if model_dir is not None else models_path("measures")
    if not (d / "meta.json").is_file():
        log.warning("no measure model in %s: measures are detected by the rules alone "
                    "(train it with python -m pipeline.measures.train)", d)
        return None
    model = MeasureModel.load(d)
    log.info("measure model %s loaded (%s)", d, ", ".join(model.langs))
    return model

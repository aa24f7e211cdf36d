"""The sentence model: hashed features → one-vs-rest logistic regression → Platt calibration → per-area
thresholds; and the keyword scorer used as the baseline and as the fallback for a codebook without a
trained model.

Stored as plain arrays (``weights.npz``, loaded with ``allow_pickle=False``) plus ``meta.json``:
``coef`` is a CSR matrix (areas × hash space) split into ``coef_data``/``coef_indices``/``coef_indptr``/
``coef_shape``;
``intercept``, ``platt_a``, ``platt_b`` and ``thresholds`` have one entry per area. ``meta.json``
records the area ids, the feature settings, the codebook SHA-256, the SHA-256 of ``weights.npz``
(``weights_sha256``, written by ``save`` and checked by ``load``: a changed weights file is refused) and
the training figures. Every failure to load is a ResourceError.

In memory the model keeps only the hash columns with a non-zero weight (``columns``, sorted) and a
float32 table of their weights (``weights``: columns × areas), about 1.7 MB for 53k columns; a dense
float64 areas × 2^18 matrix would be 15 MB and scipy/scikit-learn another ~120 MB of imports. Prediction
is numpy only.
"""
from __future__ import annotations

import json
import logging
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Optional, Sequence

import numpy as np

from ..errors import ResourceError
from ..resources import load_json, sha256_file
from .codebook import Codebook, Hit
from .features import sublinear_l2_rows

log = logging.getLogger(__name__)

MODEL_FORMAT = 1
KEYWORD_THRESHOLD = 0.5  # keyword probability s/(s+1) ≥ 0.5 ⇔ score ≥ 1 (one preferred concept)


def keyword_scores(hits_per_sentence: Sequence[Sequence[Hit]], area_ids: Sequence[str]) -> np.ndarray:
    """Codebook-only scores: per area, 1 per distinct preferred concept, 0.5 per alternative, -0.5 per
    negative term; mapped to s/(s+1) so that one preferred concept gives 0.5."""
    index = {a: i for i, a in enumerate(area_ids)}
    out = np.zeros((len(hits_per_sentence), len(area_ids)))
    for r, hits in enumerate(hits_per_sentence):
        seen = set()
        for h in hits:
            i = index.get(h.area)
            if i is None:
                continue
            if h.kind == "negative":
                out[r, i] -= 0.5
            elif h.concept not in seen:
                seen.add(h.concept)
                out[r, i] += 1.0 if h.kind == "preferred" else 0.5
    s = np.clip(out, 0.0, None)
    return s / (s + 1.0)


@dataclass
class LinearModel:
    """A trained model: ``proba(X)`` on hashed count features (before sublinear scaling).

    ``X`` is CSR-like: a ``scipy.sparse.csr_matrix`` or ``features.HashedRows``. Build one from a
    coefficient matrix with ``LinearModel.from_coef``.
    """

    area_ids: tuple[str, ...]
    columns: np.ndarray  # int64, sorted: the hash columns with a non-zero weight in some area
    weights: np.ndarray  # float32, len(columns) × areas
    n_features: int
    intercept: np.ndarray
    platt_a: np.ndarray
    platt_b: np.ndarray
    thresholds: np.ndarray
    meta: dict

    @classmethod
    def from_coef(cls, area_ids, coef, intercept, platt_a, platt_b, thresholds, meta: dict) -> "LinearModel":
        """From an areas × n_features coefficient matrix (dense array or scipy sparse)."""
        dense = np.asarray(coef.toarray() if hasattr(coef, "toarray") else coef, dtype=np.float32)
        columns = np.flatnonzero(np.any(dense != 0, axis=0)).astype(np.int64)
        return cls(tuple(area_ids), columns, np.ascontiguousarray(dense[:, columns].T), int(dense.shape[1]),
                   np.asarray(intercept, dtype=np.float64), np.asarray(platt_a, dtype=np.float64),
                   np.asarray(platt_b, dtype=np.float64), np.asarray(thresholds, dtype=np.float64), meta)

    def weights_at(self, cols: np.ndarray) -> np.ndarray:
        """Weights (len(cols) × areas, float32) of hash columns; zero for a column without weight."""
        cols = np.asarray(cols, dtype=np.int64)
        pos = np.minimum(np.searchsorted(self.columns, cols), max(len(self.columns) - 1, 0))
        found = (self.columns[pos] == cols) if len(self.columns) else np.zeros(len(cols), dtype=bool)
        out = np.zeros((len(cols), len(self.area_ids)), dtype=np.float32)
        out[found] = self.weights[pos[found]]
        return out

    def decision(self, X) -> np.ndarray:
        n = X.shape[0]
        rows, cols, vals = sublinear_l2_rows(X)
        W = self.weights_at(cols).astype(np.float64)
        Z = np.empty((n, len(self.area_ids)))
        for j in range(len(self.area_ids)):
            Z[:, j] = np.bincount(rows, weights=vals * W[:, j], minlength=n)
        return Z + self.intercept

    def proba(self, X) -> np.ndarray:
        return calibrate(self.decision(X), self.platt_a, self.platt_b)

    def save(self, out: Path, meta: dict) -> None:
        out.mkdir(parents=True, exist_ok=True)
        arrays: dict = {}
        write_csr(arrays, "coef", self.columns, self.weights, self.n_features)  # areas × n_features
        np.savez_compressed(
            out / "weights.npz", **arrays,
            intercept=self.intercept.astype(np.float64),
            platt_a=self.platt_a.astype(np.float64), platt_b=self.platt_b.astype(np.float64),
            thresholds=self.thresholds.astype(np.float64),
        )
        meta = {**meta, "format": MODEL_FORMAT, "areas": list(self.area_ids),
                "weights_sha256": sha256_file(out / "weights.npz")}
        (out / "meta.json").write_text(json.dumps(meta, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")

    @classmethod
    def load(cls, model_dir: Path) -> "LinearModel":
        meta = load_json(model_dir / "meta.json")
        if not isinstance(meta, dict) or meta.get("format") != MODEL_FORMAT:
            fmt = meta.get("format") if isinstance(meta, dict) else None
            raise ResourceError(f"{model_dir}/meta.json: model format {fmt!r} is not {MODEL_FORMAT}")
        path = model_dir / "weights.npz"
        if not path.is_file():
            raise ResourceError(f"{path}: not found")
        expected = meta.get("weights_sha256")
        if not isinstance(expected, str) or len(expected) != 64:
            raise ResourceError(f"{model_dir}/meta.json: no SHA-256 of weights.npz recorded; retrain (make train)")
        try:
            actual = sha256_file(path)
        except OSError as exc:
            raise ResourceError(f"{path}: unreadable model weights: {exc}") from exc
        if actual != expected:
            raise ResourceError(f"{path}: SHA-256 {actual[:16]}… differs from the recorded {expected[:16]}… "
                                "(the weights changed since training)")
        try:
            with np.load(path, allow_pickle=False) as z:
                arrays = {k: z[k] for k in z.files}
        except (OSError, ValueError, EOFError, zipfile.BadZipFile, KeyError) as exc:  # pickles raise ValueError
            raise ResourceError(f"{path}: unreadable model weights: {exc!r}") from exc
        try:
            areas = tuple(str(a) for a in meta["areas"])
            columns, weights, n_features = read_csr(arrays, "coef", len(areas))
            vectors = [np.asarray(arrays[k], dtype=np.float64) for k in ("intercept", "platt_a", "platt_b")]
            thresholds = np.asarray(arrays["thresholds"], dtype=np.float64)
            if any(v.shape != (len(areas),) for v in vectors) or thresholds.shape[-1:] != (len(areas),):
                raise ValueError(f"per-area arrays do not have {len(areas)} entries")
        except (KeyError, TypeError, ValueError, IndexError) as exc:
            raise ResourceError(f"{path}: malformed model: {exc}") from exc
        return cls(areas, columns, weights, n_features, *vectors, thresholds, meta)


def write_csr(arrays: dict, key: str, columns: np.ndarray, weights: np.ndarray, n_features: int) -> None:
    """Store ``weights`` (len(columns) × n_rows, at hashed ``columns``) as the CSR arrays of an n_rows ×
    n_features matrix, non-zero weights only (``{key}_data/_indices/_indptr/_shape``): what
    :func:`read_csr` reads back."""
    nz = weights != 0
    n_rows = weights.shape[1]
    arrays[key + "_data"] = np.concatenate([weights[nz[:, r], r] for r in range(n_rows)]).astype(np.float32)
    arrays[key + "_indices"] = np.concatenate([columns[nz[:, r]] for r in range(n_rows)]).astype(np.int32)
    arrays[key + "_indptr"] = np.concatenate([[0], np.cumsum(nz.sum(axis=0))]).astype(np.int64)
    arrays[key + "_shape"] = np.array([n_rows, n_features], dtype=np.int64)


def read_csr(arrays: dict, key: str, n_rows: int) -> tuple[np.ndarray, np.ndarray, int]:
    """Stored ``n_rows`` × n_features CSR weights (``{key}_data/_indices/_indptr/_shape``), checked →
    (non-zero columns, their weights table columns × n_rows, n_features). Raises ValueError."""
    shape = tuple(int(v) for v in arrays[key + "_shape"])
    if len(shape) != 2 or shape[0] != n_rows or shape[1] < 1:
        raise ValueError(f"{key}: weight shape {shape} does not fit {n_rows} rows")
    data = np.asarray(arrays[key + "_data"], dtype=np.float32)
    indices = np.asarray(arrays[key + "_indices"]).astype(np.int64)
    indptr = np.asarray(arrays[key + "_indptr"]).astype(np.int64)
    if (data.ndim != 1 or indices.shape != data.shape or indptr.shape != (n_rows + 1,) or indptr[0] != 0
            or indptr[-1] != len(data) or np.any(np.diff(indptr) < 0)):
        raise ValueError(f"inconsistent {key}_data/_indices/_indptr")
    if len(indices) and (indices.min() < 0 or indices.max() >= shape[1]):
        raise ValueError(f"{key}: a weight column lies outside 0..{shape[1] - 1}")
    if not np.all(np.isfinite(data)):
        raise ValueError(f"{key}: non-finite weights")
    columns = np.unique(indices)
    weights = np.zeros((len(columns), n_rows), dtype=np.float32)
    row_of = np.repeat(np.arange(n_rows), np.diff(indptr))
    np.add.at(weights, (np.searchsorted(columns, indices), row_of), data)  # summed, as scipy sums duplicates
    return columns, weights, shape[1]


def calibrate(Z: np.ndarray, a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Platt scaling per area: 1 / (1 + exp(-(a·z + b)))."""
    return 1.0 / (1.0 + np.exp(-(Z * a + b)))


def load_model(model_dir: Path, codebook: Codebook, *, default_codebook: bool) -> Optional[LinearModel]:
    """The trained model for ``codebook``, or None when there is none (keyword fallback).

    A model trained on a different version of the default codebook is an error (retrain); a swapped
    codebook that the model does not match falls back to the keyword scorer.
    """
    if not (model_dir / "meta.json").is_file():
        if default_codebook:
            log.warning("no trained challenge model in %s: using the keyword scorer", model_dir)
        return None
    model = LinearModel.load(model_dir)
    if model.meta.get("codebook_sha256") == codebook.sha256 and model.area_ids == codebook.ids:
        return model
    if default_codebook:
        raise ResourceError(
            f"{model_dir}: trained on codebook {str(model.meta.get('codebook_sha256'))[:12]}…, but "
            f"{codebook.path} is {codebook.sha256[:12]}…; retrain (make train)"
        )
    log.info("codebook %s has no trained model: using the keyword scorer", codebook.path)
    return None

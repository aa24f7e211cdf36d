"""The sentence model: hashed features → one-vs-rest logistic regression → Platt calibration → per-area
thresholds; and the keyword scorer used as the baseline and as the fallback for a codebook without a
trained model.

Stored as plain arrays (``weights.npz``, loaded with ``allow_pickle=False``) plus ``meta.json``:
``coef`` is a CSR matrix (areas × hash space) split into ``coef_data``/``coef_indices``/``coef_indptr``;
``intercept``, ``platt_a``, ``platt_b`` and ``thresholds`` have one entry per area. ``meta.json``
records the area ids, the feature settings, the codebook SHA-256, the SHA-256 of ``weights.npz``
(``weights_sha256``, written by ``save`` and checked by ``load``: a changed weights file is refused) and
the training figures. Every failure to load is a ResourceError.
"""
from __future__ import annotations

import json
import logging
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Optional, Sequence

import numpy as np
import scipy.sparse as sp

from ..errors import ResourceError
from ..resources import load_json, sha256_file
from .codebook import Codebook, Hit
from .features import sublinear_l2

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
    """A trained model: ``proba(X)`` on hashed count features (before sublinear scaling)."""

    area_ids: tuple[str, ...]
    coef: sp.csr_matrix  # areas × n_features
    intercept: np.ndarray
    platt_a: np.ndarray
    platt_b: np.ndarray
    thresholds: np.ndarray
    meta: dict

    @property
    def dense_coef(self) -> np.ndarray:
        """The weights as a dense array (areas × n_features), built once, for evidence look-ups."""
        dense = self.__dict__.get("_dense")
        if dense is None:
            dense = self.__dict__["_dense"] = self.coef.toarray().astype(np.float32)
        return dense

    @property
    def n_features(self) -> int:
        return self.coef.shape[1]

    def decision(self, X: sp.csr_matrix) -> np.ndarray:
        Z = sublinear_l2(X) @ self.coef.T
        return np.asarray(Z.todense() if sp.issparse(Z) else Z) + self.intercept

    def proba(self, X: sp.csr_matrix) -> np.ndarray:
        return calibrate(self.decision(X), self.platt_a, self.platt_b)

    def save(self, out: Path, meta: dict) -> None:
        out.mkdir(parents=True, exist_ok=True)
        coef = self.coef.tocsr().astype(np.float32)
        coef.eliminate_zeros()
        np.savez_compressed(
            out / "weights.npz",
            coef_data=coef.data, coef_indices=coef.indices.astype(np.int32), coef_indptr=coef.indptr.astype(np.int64),
            coef_shape=np.array(coef.shape, dtype=np.int64), intercept=self.intercept.astype(np.float64),
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
            shape = tuple(int(v) for v in arrays["coef_shape"])
            areas = tuple(str(a) for a in meta["areas"])
            if len(shape) != 2 or shape[0] != len(areas):
                raise ResourceError(f"{path}: weight shape {shape} does not fit {len(areas)} areas")
            coef = sp.csr_matrix((arrays["coef_data"], arrays["coef_indices"], arrays["coef_indptr"]), shape=shape)
            vectors = [np.asarray(arrays[k], dtype=np.float64) for k in ("intercept", "platt_a", "platt_b")]
            thresholds = np.asarray(arrays["thresholds"], dtype=np.float64)
            if any(v.shape != (len(areas),) for v in vectors) or thresholds.shape[-1:] != (len(areas),):
                raise ResourceError(f"{path}: per-area arrays do not have {len(areas)} entries")
        except ResourceError:
            raise
        except (KeyError, TypeError, ValueError, IndexError) as exc:
            raise ResourceError(f"{path}: malformed model: {exc!r}") from exc
        return cls(areas, coef, *vectors, thresholds, meta)


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

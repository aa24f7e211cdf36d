"""The scikit-learn face of the measure features (training only; prediction never imports sklearn)."""
from __future__ import annotations

from typing import Iterable, Sequence

import scipy.sparse as sp
from sklearn.base import BaseEstimator, TransformerMixin

from .features import N_FEATURES, hash_features


class CueHasher(TransformerMixin, BaseEstimator):
    """Lists of string features → hashed binary CSR rows, L2-normalised (stateless)."""

    def __init__(self, n_features: int = N_FEATURES) -> None:
        self.n_features = n_features

    def fit(self, X: Iterable[Sequence[str]], y=None) -> "CueHasher":
        if not isinstance(self.n_features, int) or self.n_features < 16:
            raise ValueError(f"n_features must be an int >= 16, got {self.n_features!r}")
        self.n_features_out_ = self.n_features
        return self

    def transform(self, X: Iterable[Sequence[str]]) -> sp.csr_matrix:
        rows = hash_features(X, self.n_features)
        return sp.csr_matrix((rows.data, rows.indices, rows.indptr), shape=rows.shape)

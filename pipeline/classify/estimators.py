"""The scikit-learn side of the sentence features, for training and for pipelines built with scikit-learn.

``SentenceFeaturizer`` and ``SublinearScaler`` follow the scikit-learn contract (``__init__`` stores
parameters, ``fit`` validates and returns ``self``, learned state ends in ``_``, ``check_is_fitted`` guards
``transform``). Prediction does not use this module (see ``features.py``): importing scikit-learn costs
a worker ~120 MB RSS.
"""
from __future__ import annotations

from typing import Iterable, Optional, Sequence

import numpy as np
import scipy.sparse as sp
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.feature_extraction import FeatureHasher
from sklearn.utils.validation import check_is_fitted, validate_data

from ..language import guess_lang
from .codebook import Codebook, TermMatcher, load_codebook
from .features import sentence_features


class SentenceFeaturizer(TransformerMixin, BaseEstimator):
    """Raw sentences (str, or ``(text, lang)`` pairs) → hashed sparse feature matrix.

    Parameters: ``codebook`` (path or None for the default), ``n_features`` (hash space size),
    ``char_ngrams`` (Chinese character n-gram range). ``fit`` loads the codebook and builds the
    term matcher (``matcher_``); ``transform`` is stateless beyond that.
    """

    def __init__(self, codebook: Optional[str] = None, n_features: int = 2**18, char_ngrams=(2, 3)) -> None:
        self.codebook = codebook
        self.n_features = n_features
        self.char_ngrams = char_ngrams

    def fit(self, X: Iterable, y=None):
        if not isinstance(self.n_features, (int, np.integer)) or self.n_features < 16:
            raise ValueError(f"n_features must be an integer >= 16, got {self.n_features!r}")
        lo, hi = self.char_ngrams
        if not 1 <= lo <= hi:
            raise ValueError(f"char_ngrams must be (lo, hi) with 1 <= lo <= hi, got {self.char_ngrams!r}")
        cb = self.codebook if isinstance(self.codebook, Codebook) else load_codebook(self.codebook)
        self.codebook_ = cb
        self.matcher_ = TermMatcher(cb)
        self.hasher_ = FeatureHasher(n_features=int(self.n_features), input_type="string", alternate_sign=False)
        self.n_features_out_ = int(self.n_features)
        return self

    def features(self, text: str, lang: Optional[str] = None, words: Optional[Sequence[str]] = None) -> list[str]:
        check_is_fitted(self, "matcher_")
        lang = lang or guess_lang(text)
        return sentence_features(text, lang, self.matcher_.find(text, lang), words, char_ngrams=tuple(self.char_ngrams))

    def transform(self, X: Iterable) -> sp.csr_matrix:
        check_is_fitted(self, "matcher_")
        rows = []
        for item in X:
            text, lang = (item, None) if isinstance(item, str) else (item[0], item[1])
            rows.append(self.features(text, lang))
        return self.hasher_.transform(rows).tocsr()

    def hash(self, rows: Iterable[list[str]]) -> sp.csr_matrix:
        check_is_fitted(self, "hasher_")
        return self.hasher_.transform(rows).tocsr()

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.two_d_array = False
        tags.input_tags.string = True
        tags.requires_fit = True
        return tags


class SublinearScaler(TransformerMixin, BaseEstimator):
    """``sign(x) * log1p(|x|)`` then optional L2 row normalisation: dampens repeated n-grams.

    Numeric and sparse-aware; ``fit`` records ``n_features_in_``.
    """

    def __init__(self, norm: Optional[str] = "l2") -> None:
        self.norm = norm

    def fit(self, X, y=None):
        if self.norm not in (None, "l2"):
            raise ValueError(f"norm must be None or 'l2', got {self.norm!r}")
        validate_data(self, X, accept_sparse=("csr", "csc"), reset=True)
        return self

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.sparse = True
        return tags

    def transform(self, X):
        check_is_fitted(self, "n_features_in_")
        X = validate_data(self, X, accept_sparse=("csr", "csc"), reset=False, dtype=np.float64, copy=True)
        if sp.issparse(X):
            X.data = np.sign(X.data) * np.log1p(np.abs(X.data))
            if self.norm == "l2":
                norms = np.sqrt(np.asarray(X.multiply(X).sum(axis=1)).ravel())
                norms[norms == 0] = 1.0
                X = sp.diags(1.0 / norms) @ X
            return sp.csr_matrix(X)
        X = np.sign(X) * np.log1p(np.abs(X))
        if self.norm == "l2":
            norms = np.linalg.norm(X, axis=1, keepdims=True)
            norms[norms == 0] = 1.0
            X = X / norms
        return X


def sublinear_l2(X: sp.csr_matrix) -> sp.csr_matrix:
    """The transform of a fitted ``SublinearScaler(norm='l2')`` without the validation overhead."""
    X = X.astype(np.float64, copy=True)
    X.data = np.log1p(X.data)
    norms = np.sqrt(np.asarray(X.multiply(X).sum(axis=1)).ravel())
    norms[norms == 0] = 1.0
    return sp.csr_matrix(sp.diags(1.0 / norms) @ X)


__all__ = ["SentenceFeaturizer", "SublinearScaler", "sublinear_l2"]

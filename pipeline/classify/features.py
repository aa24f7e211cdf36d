"""Sentence features: words and character n-grams per language plus bilingual codebook concepts.

Every sentence becomes a bag of string features hashed into one sparse space:

* Chinese: jieba words (``w:``) and character bigrams/trigrams (``c:``);
* English: lower-cased words with a light suffix strip (``w:``) and word bigrams (``b:``);
* both: codebook concept ids (``k:C3.training``), area ids (``a:C3``) and negative-term areas
  (``n:C3``) - the same concept fires for 人才培养 and "workforce development", which lets evidence
  learnt in one language carry over to the other.

The transformers follow the scikit-learn contract (``__init__`` stores parameters, ``fit`` validates
and returns ``self``, learned state ends in ``_``, ``check_is_fitted`` guards ``transform``).
"""
from __future__ import annotations

import re
from typing import Iterable, Optional, Sequence

import numpy as np
import scipy.sparse as sp
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.feature_extraction import FeatureHasher
from sklearn.utils.validation import check_array, check_is_fitted, validate_data

from .codebook import Codebook, Hit, TermMatcher, load_codebook

_CJK = re.compile(r"[\u3400-\u9fff]")
_EN_TOKEN = re.compile(r"[a-z][a-z0-9&'-]*|\$|[0-9]+")
_ZH_DROP = re.compile(r"[\s\d０-９，。、；：！？“”‘’（）《》【】\-—…·,.;:!?()\"'\[\]]+")
_STOP_EN = frozenset(
    "the a an of and or to in for on by with as at from be is are was were that this which such any "
    "shall may under its it their his her not no other than".split()
)


def guess_lang(text: str) -> str:
    """``zh`` when at least a fifth of the letters are CJK, else ``en`` (cheap, for bare strings)."""
    n_cjk = len(_CJK.findall(text))
    return "zh" if n_cjk and n_cjk * 5 >= sum(ch.isalpha() for ch in text) else "en"


def _en_norm(word: str) -> str:
    if len(word) > 4 and word.endswith("ies"):
        return word[:-3] + "y"
    if len(word) > 3 and word.endswith("s") and not word.endswith("ss"):
        return word[:-1]
    return word


def sentence_features(text: str, lang: str, hits: Sequence[Hit], words: Optional[Sequence[str]] = None,
                      *, char_ngrams: tuple[int, int] = (2, 3)) -> list[str]:
    """The string features of one sentence (``words``: jieba words for zh, when already known)."""
    feats: list[str] = []
    if lang == "zh":
        if words is None:
            from ..segment import segment_words_zh

            words = segment_words_zh(text)
        feats.extend("w:" + w for w in words if len(w) > 1 and not _ZH_DROP.fullmatch(w))
        compact = _ZH_DROP.sub("|", text)
        lo, hi = char_ngrams
        for n in range(lo, hi + 1):
            feats.extend("c:" + compact[i : i + n] for i in range(len(compact) - n + 1) if "|" not in compact[i : i + n])
    else:
        toks = [_en_norm(t) for t in _EN_TOKEN.findall(text.lower())]
        content = [t for t in toks if t not in _STOP_EN]
        feats.extend("w:" + t for t in content)
        feats.extend("b:" + a + "_" + b for a, b in zip(content, content[1:]))
    seen = set()
    for h in hits:
        if h.kind == "negative":
            feats.append("n:" + h.area)
            continue
        if h.concept not in seen:
            seen.add(h.concept)
            feats.append("k:" + h.concept)
            feats.append("a:" + h.area)
    return feats


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


__all__ = ["SentenceFeaturizer", "SublinearScaler", "sentence_features", "guess_lang", "sublinear_l2", "check_array"]

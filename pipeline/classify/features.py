"""Sentence features: words and character n-grams per language plus bilingual codebook concepts.

Every sentence becomes a bag of string features hashed into one sparse space:

* Chinese: jieba words (``w:``) and character bigrams/trigrams (``c:``);
* English: lower-cased words with a light suffix strip (``w:``) and word bigrams (``b:``);
* both: codebook concept ids (``k:C3.training``), area ids (``a:C3``) and negative-term areas
  (``n:C3``) - the same concept fires for 人才培养 and "workforce development", which lets evidence
  learnt in one language carry over to the other.

Features hash into columns exactly as scikit-learn's ``FeatureHasher(alternate_sign=False)`` places them
(signed MurmurHash3 of the UTF-8 bytes, seed 0, ``abs(h) % n_features``), but this module needs only
numpy: prediction never imports scipy or scikit-learn (their import alone costs a worker ~120 MB RSS).
The scikit-learn transformers used for training (``SentenceFeaturizer``, ``SublinearScaler``) live in
``estimators.py`` and are re-exported here lazily.
"""
from __future__ import annotations

import re
from typing import Iterable, NamedTuple, Optional, Sequence

import mmh3
import numpy as np

from .codebook import Hit

_EN_TOKEN = re.compile(r"[a-z][a-z0-9&'-]*|\$|[0-9]+")
_ZH_DROP = re.compile(r"[\s\d０-９，。、；：！？“”‘’（）《》【】\-—…·,.;:!?()\"'\[\]]+")
_STOP_EN = frozenset(
    "the a an of and or to in for on by with as at from be is are was were that this which such any "
    "shall may under its it their his her not no other than".split()
)


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


# ----------------------------------------------------------------------------- hashing (numpy only)


def murmurhash3_32(data: bytes, seed: int = 0) -> int:
    """Signed 32-bit MurmurHash3 (x86) of ``data``: the same value as ``sklearn.utils.murmurhash3_32``,
    from the small C library ``mmh3`` (importing sklearn for it costs ~120 MB per worker)."""
    return mmh3.hash(data, seed, signed=True)


_INDEX_CACHE: dict[tuple[str, int], int] = {}
_INDEX_CACHE_MAX = 300_000


def feature_index(feature: str, n_features: int) -> int:
    """The column ``FeatureHasher(n_features, input_type="string", alternate_sign=False)`` gives ``feature``
    (memoised; the memo is cleared when it reaches ``_INDEX_CACHE_MAX`` entries)."""
    key = (feature, n_features)
    idx = _INDEX_CACHE.get(key)
    if idx is None:
        if len(_INDEX_CACHE) >= _INDEX_CACHE_MAX:
            _INDEX_CACHE.clear()
        idx = _INDEX_CACHE[key] = abs(murmurhash3_32(feature.encode("utf-8"))) % n_features
    return idx


class HashedRows(NamedTuple):
    """Rows of hashed counts in CSR layout (``data``, ``indices``, ``indptr``, ``shape``), the attributes a
    ``scipy.sparse.csr_matrix`` has: ``LinearModel.decision`` accepts either."""

    data: np.ndarray
    indices: np.ndarray
    indptr: np.ndarray
    shape: tuple[int, int]


def hash_rows(rows: Iterable[Sequence[str]], n_features: int) -> HashedRows:
    """Feature strings per row → counts per hashed column, duplicates summed and columns sorted per row
    (the matrix ``FeatureHasher(alternate_sign=False).transform(rows)`` gives)."""
    data, indices, indptr = [], [], [0]
    for feats in rows:
        counts: dict[int, int] = {}
        for f in feats:
            j = feature_index(f, n_features)
            counts[j] = counts.get(j, 0) + 1
        for j in sorted(counts):
            indices.append(j)
            data.append(counts[j])
        indptr.append(len(indices))
    return HashedRows(np.asarray(data, dtype=np.float64), np.asarray(indices, dtype=np.int64),
                      np.asarray(indptr, dtype=np.int64), (len(indptr) - 1, int(n_features)))


def sublinear_l2_rows(X) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``log1p`` of the counts, then L2 row normalisation, of a CSR-like matrix: ``(row, column, value)``
    per stored entry (the transform of ``SublinearScaler(norm="l2")`` for non-negative counts)."""
    indptr = np.asarray(X.indptr, dtype=np.int64)
    rows = np.repeat(np.arange(len(indptr) - 1), np.diff(indptr))
    vals = np.log1p(np.asarray(X.data, dtype=np.float64))
    norms = np.sqrt(np.bincount(rows, weights=vals * vals, minlength=len(indptr) - 1))
    norms[norms == 0] = 1.0
    return rows, np.asarray(X.indices, dtype=np.int64), vals * (1.0 / norms)[rows]


_ESTIMATORS = ("SentenceFeaturizer", "SublinearScaler", "sublinear_l2")


def __getattr__(name: str):
    """The scikit-learn transformers, imported only when asked for (training, tests)."""
    if name in _ESTIMATORS:
        from . import estimators

        return getattr(estimators, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


__all__ = ["sentence_features", "murmurhash3_32", "feature_index", "HashedRows", "hash_rows",
           "sublinear_l2_rows", *_ESTIMATORS]

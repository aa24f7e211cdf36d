"""``Classifier``: sentence → challenge-area mentions with evidence; document → areas.

Resources (codebook, term matcher, model weights) load lazily on first use, once per process and
codebook/model pair. With the default codebook the trained model in ``models/challenges`` scores the
sentences; a swapped codebook (``--codebook PATH``) with no model trained for it falls back to the
codebook keyword scorer (one preferred concept, or two alternative ones, make a mention), so any valid
codebook works.
"""
from __future__ import annotations

import logging
import threading
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Optional, Sequence

import numpy as np

from ..language import guess_lang
from ..resources import models_path
from ..types import DocArea, Entity, Mention, Sentence, Token
from .codebook import Codebook, Hit, TermMatcher, default_path, load_codebook
from .features import feature_index, hash_rows, sentence_features
from .model import KEYWORD_THRESHOLD, LinearModel, keyword_scores, load_model
from .stance import stance

log = logging.getLogger(__name__)

MIN_CHARS = 4  # shorter sentences never make a mention
DOC_STRONG = 0.5  # a mention counts towards a document decision when its score is at least this
DOC_PROVISION = 0.8  # one mention this strong that is a whole paragraph decides the area alone
N_EVIDENCE = 3
_LOCK = threading.Lock()


@dataclass
class _State:
    codebook: Codebook
    matcher: TermMatcher
    n_features: int
    char_ngrams: tuple[int, int]
    model: Optional[LinearModel]


@lru_cache(maxsize=8)
def _state(codebook: str, model_dir: str) -> _State:
    cb_path = Path(codebook) if codebook else default_path()
    is_default = cb_path.resolve() == default_path().resolve()
    cb = load_codebook(str(cb_path))
    mdir = Path(model_dir) if model_dir else models_path("challenges")
    model = load_model(mdir, cb, default_codebook=is_default)
    n_features = model.n_features if model else 2**18
    ngrams = tuple(model.meta.get("char_ngrams", (2, 3))) if model else (2, 3)
    log.info("classifier ready: codebook %s v%s, %s", cb.name, cb.version, "model" if model else "keyword scorer")
    return _State(cb, TermMatcher(cb), int(n_features), (int(ngrams[0]), int(ngrams[1])), model)




def _evidence_rank(m: Mention) -> float:
    """Best evidence first: high score, and a full sentence rather than a bare heading."""
    return -m.score * (0.6 + 0.4 * min(1.0, (m.end - m.start) / 60.0))


class Classifier:
    """Multi-label challenge-area classifier (see the module docstring)."""

    def __init__(self, codebook: Optional[str] = None, model_dir: Optional[str] = None) -> None:
        self.codebook = codebook
        self.model_dir = model_dir

    # ------------------------------------------------------------------ resources
    @property
    def state(self) -> _State:
        with _LOCK:
            return _state(str(self.codebook or ""), str(self.model_dir or ""))

    @property
    def area_ids(self) -> tuple[str, ...]:
        return self.state.codebook.ids

    @property
    def uses_model(self) -> bool:
        return self.state.model is not None

    def thresholds(self, lang: str) -> np.ndarray:
        m = self.state.model
        if m is None:
            return np.full(len(self.area_ids), KEYWORD_THRESHOLD)
        th = np.asarray(m.thresholds)
        if th.ndim == 2:
            langs = m.meta.get("threshold_langs", ["zh", "en"])
            return th[langs.index(lang) if lang in langs else 0]
        return th

    # ------------------------------------------------------------------ scoring
    def score(self, texts: Sequence[str], langs: Sequence[str], words: Optional[Sequence] = None):
        """``(proba n×areas, hits per sentence, features per sentence)``."""
        st = self.state
        hits = [st.matcher.find(t, lang) for t, lang in zip(texts, langs)]
        if st.model is None:
            return keyword_scores(hits, st.codebook.ids), hits, None
        feats = [
            sentence_features(t, lang, h, None if words is None else words[i], char_ngrams=st.char_ngrams)
            for i, (t, lang, h) in enumerate(zip(texts, langs, hits))
        ]
        return st.model.proba(hash_rows(feats, st.n_features)), hits, feats

    def find_terms(self, text: str, lang: str) -> list[Hit]:
        """The codebook terms in ``text`` (the keyword baseline's input)."""
        return self.state.matcher.find(text, lang)

    def predict_proba_texts(self, texts: list[str], langs: Optional[list[Optional[str]]] = None) -> np.ndarray:
        """Calibrated probabilities (n × areas) for bare sentences; ``langs`` entries may be None."""
        langs = [(lg if lg in ("zh", "en") else guess_lang(t)) for t, lg in zip(texts, langs or [None] * len(texts))]
        if not texts:
            return np.zeros((0, len(self.area_ids)))
        return self.score(texts, langs)[0]

    def predict_texts(self, texts: list[str], langs: Optional[list[Optional[str]]] = None) -> np.ndarray:
        """Boolean decisions (n × areas) at the per-area thresholds."""
        langs = [(lg if lg in ("zh", "en") else guess_lang(t)) for t, lg in zip(texts, langs or [None] * len(texts))]
        return self.decide(self.predict_proba_texts(texts, langs), langs)

    def decide(self, P: np.ndarray, langs: Sequence[str]) -> np.ndarray:
        """Boolean decisions for probabilities ``P`` (n × areas) of texts in ``langs`` (zh | en)."""
        th = {lg: self.thresholds(lg) for lg in set(langs)}
        return np.vstack([P[i] >= th[lg] for i, lg in enumerate(langs)]) if len(P) else P.astype(bool)

    # ------------------------------------------------------------------ stage API
    def mentions(self, text: str, sentences: Sequence[Sentence], tokens: Sequence[Token] = (),
                 entities: Sequence[Entity] = ()) -> tuple[Mention, ...]:
        words: list[list[str]] = [[] for _ in sentences]
        for t in tokens:
            if 0 <= t.sent < len(words):
                words[t.sent].append(t.text)
        idx, texts, langs, wl = [], [], [], []
        for i, s in enumerate(sentences):
            t = text[s.start : s.end]
            if len(t.strip()) < MIN_CHARS:
                continue
            lang = s.lang if s.lang in ("zh", "en") else guess_lang(t)
            idx.append(i)
            texts.append(t)
            langs.append(lang)
            wl.append(words[i] if (lang == "zh" and words[i]) else None)
        if not texts:
            return ()
        P, hits, feats = self.score(texts, langs, wl)
        ids = self.area_ids
        th = {lg: self.thresholds(lg) for lg in set(langs)}  # not per sentence: each call takes the lock
        out: list[Mention] = []
        for r, i in enumerate(idx):
            above = np.nonzero(P[r] >= th[langs[r]])[0]
            if not len(above):
                continue
            st = stance(texts[r], langs[r])
            s = sentences[i]
            cols = None if feats is None else self._columns(feats[r])
            for a in above:
                ev = self._evidence(ids[a], int(a), hits[r], cols)
                out.append(Mention(i, s.start, s.end, ids[a], round(float(P[r, a]), 4), st, ev))
        return tuple(out)

    def _columns(self, feats: list[str]) -> tuple[list[str], np.ndarray]:
        """A sentence's distinct model features and their hashed columns (for evidence)."""
        n = self.state.model.n_features
        # first-occurrence order (not a set's, which varies with PYTHONHASHSEED): equal weights tie stably
        uniq = [f for f in dict.fromkeys(feats) if f[0] not in "an" or f[1] != ":"]
        return uniq, np.fromiter((feature_index(f, n) for f in uniq), dtype=np.int64, count=len(uniq))

    def _evidence(self, area: str, a: int, hits: Sequence[Hit], cols) -> tuple[str, ...]:
        """The codebook terms of ``area`` found in the sentence, then its highest-weighted features."""
        ev: list[str] = []
        for h in hits:
            if h.area == area and h.kind != "negative" and h.term not in ev:
                ev.append(h.term)
        m = self.state.model
        if cols is not None and m is not None and len(cols[1]):
            uniq, idx = cols
            w = m.weights_at(idx)[:, a]
            for k in np.argsort(-w, kind="stable")[:N_EVIDENCE]:
                if w[k] <= 0:
                    break
                f = uniq[k]
                label = "concept " + f[2:] if f.startswith("k:") else f[2:].replace("_", " ")
                if label not in ev:
                    ev.append(label)
        return tuple(ev[: 2 * N_EVIDENCE])

    def doc_areas(self, sentences: Sequence[Sentence], mentions: Sequence[Mention]) -> tuple[DocArea, ...]:
        """Per area: share of sentences with a mention, max/mean score, decision, best sentences.

        Decision (TAXONOMY.md): at least two sentences speak to the area with a score ≥ DOC_STRONG, or
        one sentence that is a whole paragraph (a provision) does so with a score ≥ DOC_PROVISION.
        """
        n = max(len(sentences), 1)
        per_para: dict[int, int] = {}
        for s in sentences:
            per_para[s.paragraph] = per_para.get(s.paragraph, 0) + 1
        out = []
        for area in self.area_ids:
            ms = sorted((m for m in mentions if m.area == area), key=_evidence_rank)
            if not ms:
                out.append(DocArea(area, 0.0, 0.0, 0.0, False, ()))
                continue
            scores = np.array([m.score for m in ms])
            strong = [m for m in ms if m.score >= DOC_STRONG]
            whole = [m for m in strong if m.score >= DOC_PROVISION and m.sent < len(sentences)
                     and per_para.get(sentences[m.sent].paragraph, 0) == 1]
            decision = len({m.sent for m in strong}) >= 2 or bool(whole)
            out.append(DocArea(area, round(len({m.sent for m in ms}) / n, 6), float(scores.max()),
                               round(float(scores.mean()), 4), decision, tuple(m.sent for m in ms[:N_EVIDENCE])))
        return tuple(out)

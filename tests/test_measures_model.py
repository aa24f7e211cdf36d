"""The learned measure layer: safe loading (no pickles), rules-only fallback, the same records' shape."""
from __future__ import annotations

import json
import logging
import shutil

import numpy as np
import pytest

from pipeline.errors import ResourceError
from pipeline.measures.detect import MeasureExtractor
from pipeline.measures.estimators import CueHasher
from pipeline.measures.model import MeasureModel, load_detector
from pipeline.resources import models_path
from pipeline.types import Sentence

MODEL = models_path("measures")
needs_model = pytest.mark.skipif(not (MODEL / "meta.json").is_file(), reason="models/measures not trained")


@needs_model
def test_model_loads_with_its_meta():
    m = load_detector()
    assert set(m.langs) == {"zh", "en"}
    for key in ("versions", "training_data_sha256", "cv", "seed", "lexicon_sha256"):
        assert key in m.meta


@needs_model
def test_pickled_weights_are_refused(tmp_path):
    d = tmp_path / "measures"
    shutil.copytree(MODEL, d)
    np.savez(d / "weights.npz", en_det_data=np.array([{"evil": 1}], dtype=object))  # needs allow_pickle
    with pytest.raises(ResourceError):
        MeasureModel.load(d)


@needs_model
def test_tampered_weights_are_refused(tmp_path):
    d = tmp_path / "measures"
    shutil.copytree(MODEL, d)
    (d / "weights.npz").write_bytes(b"not a zip" * 10)
    with pytest.raises(ResourceError):
        MeasureModel.load(d)
    shutil.copy(MODEL / "weights.npz", d / "weights.npz")
    meta = json.loads((d / "meta.json").read_text())
    meta["n_features"] = 17  # shapes no longer match
    (d / "meta.json").write_text(json.dumps(meta))
    with pytest.raises(ResourceError):
        MeasureModel.load(d)


def test_absent_model_falls_back_to_rules(tmp_path, caplog):
    text = "The Secretary shall establish a program to fund quantum research."
    sents = (Sentence(0, len(text), "en"),)
    with caplog.at_level(logging.WARNING, logger="pipeline.measures.model"):
        ex = MeasureExtractor(model_dir=tmp_path / "nothing")
        got = ex.extract(text, sents)
    assert ex.model is None and "rules alone" in caplog.text
    assert got == MeasureExtractor(model_dir=None).extract(text, sents)
    assert got and got[0].action == "establish"


def test_cue_hasher_contract():
    h = CueHasher(64)
    assert h.fit([["a"]]) is h
    X = h.transform([["a", "b"], []])
    assert X.shape == (2, 64) and abs(X[0].multiply(X[0]).sum() - 1.0) < 1e-9
    with pytest.raises(ValueError):
        CueHasher(3).fit(None)


def test_pos_and_entity_features_from_tagged_tokens():
    from pipeline.measures import context
    from pipeline.measures.features import pos_features

    text = ("In carrying out the program, the Secretary shall\n(1) establish goals for the program;\n"
            "The National Science Foundation shall award grants of $5,000,000.\n"
            "There are authorized to be appropriated such sums as may be necessary.")
    sents, tokens, entities = context.analyse(text, "en")
    views = MeasureExtractor(model_dir=None).scan(text, sents, tokens, entities)
    feats = [set(pos_features(v)) for v in views]
    assert {"P:imp:item", "P:imp_lead:mandated"} <= feats[1], feats[1]
    assert {"P:md_vb", "P:subj_md_vb", "E:actor_subj", "E:money"} <= feats[2], feats[2]
    assert "P:auth_be_vbn" in feats[3], feats[3]
    untagged = MeasureExtractor(model_dir=None).scan(text, sents)
    assert all(pos_features(v) == [] for v in untagged)  # bare views carry no POS features


def test_training_sees_a_wrapped_text_as_production_does(tmp_path):
    """Training analyses the normalised text (wrapped lines joined, as `policylens run` does for a text
    file) and maps each sentence back to the file's own offsets, where stand-off labels point."""
    from pipeline.measures import context
    from pipeline.measures.train import _doc_views

    raw = ("The Director shall establish a program to\nsupport research on quantum sensing.\n\n"
           "Not later than 2025, the Secretary shall\nsubmit a report.\n")
    (tmp_path / "corpus" / "en").mkdir(parents=True)
    (tmp_path / "corpus" / "en" / "x.txt").write_text(raw, encoding="utf-8")
    views, spans = _doc_views(tmp_path, "corpus/en/x.txt", None, "en", MeasureExtractor(model_dir=None))
    assert [raw[a:b].split() for a, b in spans] == [
        "The Director shall establish a program to support research on quantum sensing.".split(),
        "Not later than 2025, the Secretary shall submit a report.".split()]
    assert [v.rule is not None for v in views] == [True, True]  # whole sentences, so the rules see the duty
    assert len(context.sentences(raw, "en")) == 4  # the bare text: one sentence per wrapped line


def test_learning_curve_draws_and_rows():
    from pipeline.evaluation.learning_curve import _draws, curve

    docs = [f"d{i}" for i in range(20)]
    assert _draws(docs, 1.0, 3) == [set(docs)]
    halves = _draws(docs, 0.5, 3)
    assert len(halves) == 3 and all(len(d) == 10 for d in halves) and halves == _draws(docs, 0.5, 3)
    rows = curve(docs, lambda d: {"en": len(d) / 20}, shares=(0.25, 1.0), repeats=2)
    assert [(r["documents"], r["runs"], r["en"]["mean"]) for r in rows] == [(5, 2, 0.25), (20, 1, 1.0)]

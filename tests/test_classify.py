"""Challenge classifier: codebook validation, matcher, features contract, model, mentions, doc areas,
codebook swapping, stand-off labels, evaluation and the CLI."""
from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np
import pytest
import yaml

from pipeline.classify import Classifier
from pipeline.classify.codebook import TermMatcher, default_path, load_codebook, parse_codebook
from pipeline.classify.model import LinearModel, keyword_scores, load_model
from pipeline.classify.stance import stance
from pipeline.errors import ResourceError
from pipeline.resources import corpus_path, iter_jsonl, models_path
from pipeline.types import Mention, Sentence

REPO = Path(__file__).resolve().parent.parent
COUNTER = str(corpus_path("codebook", "countermeasures.yaml"))
IDS = ("C1", "C2", "C3", "C4", "C5", "C6", "C7")


# ----------------------------------------------------------------------------- codebook
def _raw() -> dict:
    return yaml.safe_load(default_path().read_text(encoding="utf-8"))


def test_codebook_has_the_seven_areas_in_paper_order():
    cb = load_codebook()
    assert cb.ids == IDS
    assert cb.version
    for area, sec in zip(cb.areas, ("3.1", "3.2", "3.3", "3.4", "3.5", "3.6", "3.7")):
        assert area.paper[0] == sec
        for field in (area.name, area.definition, area.include, area.exclude):
            assert field["zh"] and field["en"]
        kinds = {c.kind for c in area.concepts}
        assert "preferred" in kinds and "alternative" in kinds
        assert area.negative["zh"] and area.negative["en"]


@pytest.mark.parametrize(
    "mutate, message",
    [
        (lambda d: d["areas"][1].__setitem__("id", "C1"), "duplicate area id"),
        (lambda d: d["areas"][0].__setitem__("id", "7-bad id"), "malformed id"),
        (lambda d: d["areas"][0]["name"].pop("en"), "missing language 'en'"),
        (lambda d: d["areas"][2]["terms"]["preferred"][0].pop("zh"), "missing language 'zh'"),
        (lambda d: d.pop("version"), "missing version"),
        (lambda d: d.__setitem__("languages", ["zh"]), "missing languages"),
        (lambda d: d["areas"][3]["terms"]["preferred"].append(dict(d["areas"][3]["terms"]["preferred"][0])),
         "duplicate concept id"),
    ],
)
def test_codebook_defects_are_resource_errors(mutate, message):
    data = _raw()
    mutate(data)
    with pytest.raises(ResourceError, match=message):
        parse_codebook(data, "test.yaml")


def test_missing_codebook_file_is_a_resource_error(tmp_path):
    with pytest.raises(ResourceError, match="not found"):
        load_codebook(str(tmp_path / "nope.yaml"))


def test_countermeasures_codebook_loads():
    cb = load_codebook(COUNTER)
    assert cb.ids == tuple(f"M{i}" for i in range(1, 8))
    assert [a.paper[0] for a in cb.areas] == [f"4.{i}" for i in range(1, 8)]


def test_one_concept_fires_in_both_languages():
    m = TermMatcher(load_codebook())
    zh = {h.concept for h in m.find("加强量子人才培养。", "zh")}
    en = {h.concept for h in m.find("It supports workforce development in quantum.", "en")}
    assert "C3.training" in zh and "C3.training" in en


@pytest.mark.parametrize(
    "text, lang, concept, term",
    [
        ("研制量子计算机所需的芯片和稀释制冷机", "zh", "C6.hardware", "芯片"),  # substring inside a longer word
        ("The Secretary shall impose Export Controls on them.", "en", "C6.exportcontrol", "Export Controls"),
        ("three licensing agreements", "en", "C2.transfer", "licensing"),
        ("It funds fellowships.", "en", "C3.recruitment", "fellowships"),
    ],
)
def test_matcher_finds_terms_with_offsets(text, lang, concept, term):
    hits = [h for h in TermMatcher(load_codebook()).find(text, lang) if h.concept == concept]
    assert hits and text[hits[0].start : hits[0].end] == hits[0].term == term


def test_matcher_respects_word_boundaries():
    hits = TermMatcher(load_codebook()).find("The chipmunk acted.", "en")
    assert not any(h.concept == "C6.hardware" for h in hits)


def test_keyword_scores():
    m = TermMatcher(load_codebook())
    P = keyword_scores([m.find("设立风险投资基金和引导基金", "zh"), m.find("今天下雨。", "zh")], IDS)
    assert P[0, IDS.index("C5")] >= 0.5 and P[1].max() == 0.0


# ----------------------------------------------------------------------------- features
def test_sublinear_scaler_passes_the_estimator_checks():
    from sklearn.utils.estimator_checks import check_estimator

    from pipeline.classify.features import SublinearScaler

    check_estimator(SublinearScaler())


def test_sentence_featurizer_follows_the_estimator_contract():
    from sklearn.base import clone
    from sklearn.exceptions import NotFittedError

    from pipeline.classify.features import SentenceFeaturizer

    f = SentenceFeaturizer(n_features=2**10)
    assert clone(f).get_params() == f.get_params()
    assert not hasattr(f, "matcher_")
    with pytest.raises(NotFittedError):
        f.transform(["x"])
    assert f.fit(["x"]) is f
    X = f.transform(["加强量子人才培养。", ("workforce development", "en")])
    assert X.shape == (2, 2**10) and X[0].nnz > 5 and X[1].nnz > 1
    with pytest.raises(ValueError):
        SentenceFeaturizer(n_features=3).fit(None)
    with pytest.raises(ValueError):
        SentenceFeaturizer(char_ngrams=(3, 2)).fit(None)


def test_evidence_hashing_matches_the_feature_hasher():
    from sklearn.feature_extraction import FeatureHasher

    from pipeline.classify.features import feature_index

    feats = ["c:人才", "w:export", "k:C3.training", "b:supply_chain"]
    X = FeatureHasher(n_features=2**18, input_type="string", alternate_sign=False).transform([[f] for f in feats])
    assert [int(X[i].indices[0]) for i in range(len(feats))] == [feature_index(f, 2**18) for f in feats]



def test_numpy_hashing_matches_the_feature_hasher():
    """The numpy-only hashing of the predict path gives FeatureHasher's columns and summed counts."""
    import random

    from sklearn.feature_extraction import FeatureHasher

    from pipeline.classify.features import hash_rows

    rnd = random.Random(7)
    alphabet = "ab:_xyz人才培养量子é😀 "
    rows = [["".join(rnd.choice(alphabet) for _ in range(rnd.randint(0, 9))) for _ in range(rnd.randint(0, 30))]
            for _ in range(200)]
    for n in (2**18, 1000):
        ref = FeatureHasher(n_features=n, input_type="string", alternate_sign=False).transform(rows).tocsr()
        got = hash_rows(rows, n)
        assert got.shape == ref.shape
        assert np.array_equal(got.indptr, ref.indptr) and np.array_equal(got.indices, ref.indices)
        assert np.array_equal(got.data, ref.data)


def test_predicting_imports_neither_scipy_nor_sklearn():
    """Prediction is numpy only: importing scikit-learn alone costs a worker ~120 MB."""
    import subprocess
    import sys

    code = ("import sys; from pipeline.classify import Classifier; from pipeline.types import Sentence\n"
            "t = 'The Director shall award graduate fellowships. 国家设立量子产业投资基金。'\n"
            "ms = Classifier().mentions(t, (Sentence(0, 47, 'en', 0), Sentence(48, len(t), 'zh', 1)))\n"
            "assert ms, ms\n"
            "print(sorted(m for m in sys.modules if m.split('.')[0] in ('scipy', 'sklearn', 'pandas')))")
    out = subprocess.run([sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]", out.stdout

# ----------------------------------------------------------------------------- model
def test_committed_model_matches_the_codebook_and_loads_safely():
    meta = json.loads(models_path("challenges", "meta.json").read_text())
    cb = load_codebook()
    assert meta["codebook_sha256"] == cb.sha256 and meta["areas"] == list(IDS)
    assert {"scikit-learn", "numpy"} <= set(meta["versions"]) and meta["training_data_sha256"]
    assert {"train_cv", "dev"} <= set(meta["metrics"])
    with np.load(models_path("challenges", "weights.npz"), allow_pickle=False) as z:
        assert "coef_data" in z.files
    assert load_model(models_path("challenges"), cb, default_codebook=True) is not None



def test_sparse_model_predicts_as_the_stored_coefficient_matrix(shared):
    """The non-zero-column table gives the decisions of the stored CSR matrix (scipy) on the labelled set."""
    import scipy.sparse as sp

    from pipeline.classify.estimators import sublinear_l2
    from pipeline.classify.features import hash_rows
    from pipeline.evaluation.classifier import load_gold

    clf = Classifier()
    model = clf.state.model
    with np.load(models_path("challenges", "weights.npz"), allow_pickle=False) as z:
        coef = sp.csr_matrix((z["coef_data"], z["coef_indices"], z["coef_indptr"]), shape=tuple(z["coef_shape"]))
    gold = load_gold(None, split=None)
    texts, langs = [r["text"] for r in gold], [r["lang"] for r in gold]
    _, _, feats = clf.score(texts, langs)
    H = hash_rows(feats, model.n_features)
    X = sp.csr_matrix((H.data, H.indices, H.indptr), shape=H.shape)
    old = (sublinear_l2(X) @ coef.T).toarray() + model.intercept
    new = model.decision(H)
    assert np.allclose(new, old, rtol=0, atol=1e-9)
    assert np.array_equal(model.decision(X), new)  # a scipy matrix is accepted as well
    th = np.vstack([clf.thresholds(lg) for lg in langs])
    from pipeline.classify.model import calibrate

    assert np.array_equal(calibrate(old, model.platt_a, model.platt_b) >= th, clf.predict_texts(texts, langs))


def test_save_and_load_round_trip_the_stored_arrays(tmp_path):
    model = LinearModel.load(models_path("challenges"))
    model.save(tmp_path, {k: v for k, v in model.meta.items() if k not in ("format", "areas", "weights_sha256")})
    with np.load(models_path("challenges", "weights.npz")) as a, np.load(tmp_path / "weights.npz") as b:
        assert set(a.files) == set(b.files)
        for k in a.files:
            assert a[k].dtype == b[k].dtype and np.array_equal(a[k], b[k]), k
    again = LinearModel.load(tmp_path)
    assert np.array_equal(again.columns, model.columns) and np.array_equal(again.weights, model.weights)

def test_a_model_for_another_codebook_version_is_refused(tmp_path):
    shutil.copy(models_path("challenges", "weights.npz"), tmp_path / "weights.npz")
    meta = json.loads(models_path("challenges", "meta.json").read_text())
    meta["codebook_sha256"] = "0" * 64
    (tmp_path / "meta.json").write_text(json.dumps(meta))
    with pytest.raises(ResourceError, match="retrain"):
        load_model(tmp_path, load_codebook(), default_codebook=True)
    assert load_model(tmp_path, load_codebook(), default_codebook=False) is None



def test_saved_model_records_and_checks_the_weights_hash(tmp_path):
    """save() records weights.npz's SHA-256; load() refuses a changed file, and with the hash re-recorded
    a damaged file (truncated zip, missing array, wrong shape) is still a ResourceError, never a raw error."""
    import scipy.sparse as sp

    from pipeline.resources import sha256_file

    model = LinearModel.from_coef(("C1", "C2"), sp.csr_matrix(np.array([[0.0, 1.5, 0.0], [2.0, 0.0, 0.0]])),
                                  np.zeros(2), np.ones(2), np.zeros(2), np.full((2, 2), 0.5), {})
    model.save(tmp_path, {"name": "tiny"})
    meta = json.loads((tmp_path / "meta.json").read_text())
    assert meta["weights_sha256"] == sha256_file(tmp_path / "weights.npz")
    loaded = LinearModel.load(tmp_path)
    assert loaded.area_ids == ("C1", "C2") and loaded.n_features == 3
    w = tmp_path / "weights.npz"
    good = w.read_bytes()
    arrays = dict(np.load(w, allow_pickle=False))

    def damaged(data: bytes, rehash: bool) -> None:
        w.write_bytes(data)
        m = dict(meta, weights_sha256=sha256_file(w) if rehash else meta["weights_sha256"])
        (tmp_path / "meta.json").write_text(json.dumps(m))
        with pytest.raises(ResourceError):
            LinearModel.load(tmp_path)

    damaged(good[: len(good) // 2], rehash=False)
    damaged(good[: len(good) // 2], rehash=True)
    for key, value in (("coef_shape", None), ("intercept", np.zeros(3)), ("coef_indptr", np.array([0, 2, 1])),
                       ("coef_indices", np.array([1, 7], dtype=np.int32))):
        bad = {k: v for k, v in arrays.items() if k != key}
        if value is not None:
            bad[key] = value
        np.savez(tmp_path / "bad.npz", **bad)
        damaged((tmp_path / "bad.npz").read_bytes(), rehash=True)
    del meta["weights_sha256"]
    w.write_bytes(good)
    (tmp_path / "meta.json").write_text(json.dumps(meta))
    with pytest.raises(ResourceError, match="SHA-256"):
        LinearModel.load(tmp_path)

@pytest.mark.parametrize(
    "text, area",
    [
        ("国家加强量子信息学科建设，培养高层次科技人才，在中小学开展量子科普教育。", "C3"),
        ("我国稀释制冷机等核心设备依赖进口，关键元器件自主可控水平较低。", "C6"),
        ("设立量子产业投资基金，引导社会资本参与，强化信贷、保险和担保支持。", "C5"),
        ("The Secretary shall establish export controls on semiconductor manufacturing equipment.", "C6"),
        ("The Director shall award graduate fellowships and support curriculum and workforce development.", "C3"),
        ("The Director shall establish a National Quantum Coordination Office to coordinate the activities of agencies.", "C1"),
    ],
)
def test_clear_sentences_get_their_area(text, area):
    clf = Classifier()
    pred = clf.predict_texts([text], [None])[0]
    assert pred[IDS.index(area)], clf.predict_proba_texts([text], [None])[0].round(2)


@pytest.mark.parametrize("text", ["五、端午节：6月7日放假，与周末连休。", "We meet tonight at a moment of unlimited potential."])
def test_off_topic_sentences_get_no_area(text):
    assert not Classifier().predict_texts([text], [None])[0].any()


def test_probabilities_shape_and_range():
    P = Classifier().predict_proba_texts(["加强基础研究。", "Basic research.", ""], ["zh", "en", None])
    assert P.shape == (3, 7) and (P >= 0).all() and (P <= 1).all()


# ----------------------------------------------------------------------------- mentions and documents
TEXT = ("我国量子领域的稀释制冷机依赖进口，关键元器件短板突出。\n"
        "国家应当设立量子产业投资基金，支持企业融资。\n"
        "今天天气很好。\n")


def _sentences(text):
    from pipeline.segment import Segmenter

    seg = Segmenter()
    sents = seg.sentences(text)
    return sents, seg.tokens(text, sents)


def test_mentions_carry_offsets_stance_and_evidence():
    sents, toks = _sentences(TEXT)
    ms = Classifier().mentions(TEXT, sents, toks, ())
    by_area = {m.area: m for m in ms}
    assert "C6" in by_area and "C5" in by_area
    assert all(m.sent != 2 for m in ms)  # the weather sentence
    c6, c5 = by_area["C6"], by_area["C5"]
    assert TEXT[c6.start : c6.end].startswith("我国量子领域")
    assert c6.stance == "problem" and c5.stance == "measure"
    assert "依赖进口" in c6.evidence or "元器件" in c6.evidence
    assert any("基金" in e for e in c5.evidence)
    assert 0.0 < c5.score <= 1.0


def test_doc_areas_rule():
    clf = Classifier()
    sents = (Sentence(0, 10, "zh", 0), Sentence(10, 20, "zh", 0), Sentence(20, 30, "zh", 1), Sentence(30, 40, "zh", 2))
    ms = (Mention(0, 0, 10, "C1", 0.9, "measure"), Mention(1, 10, 20, "C1", 0.7, "measure"),  # two sentences
          Mention(0, 0, 10, "C2", 0.95, "status"),  # one sentence, not a whole paragraph
          Mention(2, 20, 30, "C3", 0.9, "measure"),  # one sentence that is a whole paragraph
          Mention(3, 30, 40, "C4", 0.6, "measure"))  # whole paragraph but weak
    areas = {a.area: a for a in clf.doc_areas(sents, ms)}
    assert set(areas) == set(IDS)
    assert areas["C1"].decision and areas["C1"].evidence == (0, 1) and areas["C1"].share == 0.5
    assert not areas["C2"].decision and areas["C3"].decision and not areas["C4"].decision
    assert not areas["C5"].decision and areas["C5"].share == 0.0
    assert areas["C1"].max_score == 0.9 and abs(areas["C1"].mean_score - 0.8) < 1e-6


def test_swapped_codebook_uses_the_keyword_scorer():
    clf = Classifier(codebook=COUNTER)
    assert clf.area_ids[0] == "M1" and not clf.uses_model
    pred = clf.predict_texts(["保障产业链自主可控，攻关核心设备和芯片。", "Hello."], [None, None])
    assert pred[0][clf.area_ids.index("M6")] and not pred[1].any()
    sents, toks = _sentences(TEXT)
    assert {m.area for m in clf.mentions(TEXT, sents, toks, ())} <= set(clf.area_ids)


@pytest.mark.parametrize(
    "text, lang, expected",
    [
        ("我国高端仪器设备依赖进口，人才培养体系不够健全。", "zh", "problem"),
        ("国家应当加强量子科技人才培养。", "zh", "measure"),
        ("我国专利申请量2017年位居全球第一位。", "zh", "status"),
        ("There is a shortage of skilled workers.", "en", "problem"),
        ("The Director shall establish a program.", "en", "measure"),
        ("The United States leads in publications.", "en", "status"),
    ],
)
def test_stance_rules(text, lang, expected):
    assert stance(text, lang) == expected


def test_spacy_component_writes_spans_and_cats():
    spacy = pytest.importorskip("spacy")
    import pipeline.classify.component  # noqa: F401 - registers the factory

    nlp = spacy.blank("en")
    nlp.add_pipe("policylens_challenges")
    doc = nlp("The Secretary shall establish export controls on semiconductor equipment. "
              "The Secretary shall secure the domestic supply chain for chips. We had lunch.")
    spans = doc.spans["challenges"]
    assert {s.label_ for s in spans} == {"C6"} and len(spans) == 2
    assert set(doc.cats) == set(IDS) and doc.cats["C6"] > 0.5
    assert spans.attrs["decisions"]["C6"] is True and len(spans.attrs["scores"]) == 2


# ----------------------------------------------------------------------------- labels and evaluation
def _labels(lang):
    """The labelled set with its dev split and the later train-only additions (``*_more.jsonl``)."""
    from pipeline.classify.train import label_files

    return [r for p in label_files(lang) for r in iter_jsonl(p)]


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_labels_are_stand_off_and_cover_every_area(lang):
    recs = _labels(lang)
    assert len(recs) >= 300
    for r in recs:
        assert "text" not in r and r["source"].startswith(f"corpus/{lang}/")
        assert len(r["sha256"]) == 64 and 0 <= r["start"] < r["end"]
        assert r["split"] in ("train", "dev") and set(r["areas"]) <= set(IDS)
        assert (r["stance"] in ("problem", "measure", "status")) == bool(r["areas"])
    for split in ("train", "dev"):
        covered = {a for r in recs if r["split"] == split for a in r["areas"]}
        assert covered == set(IDS), (split, covered)
    train_docs = {r["source"] for r in recs if r["split"] == "train"}
    assert not train_docs & {r["source"] for r in recs if r["split"] == "dev"}  # split by document
    assert sum(not r["areas"] for r in recs) >= 30  # negatives


def test_labels_resolve_against_shared(shared):
    from pipeline.resources import load_standoff

    from pipeline.classify.train import label_files

    for lang in ("zh", "en"):
        recs = [r for p in label_files(lang) for r in load_standoff(p)]
        assert all(r["text"].strip() == r["text"] and len(r["text"]) >= 5 for r in recs)


def test_seed_sections_give_examples_of_every_area(shared):
    from pipeline.classify.train import seed_examples

    recs = seed_examples(shared, load_codebook())
    assert {a for r in recs for a in r["areas"]} == set(IDS)
    assert all(r["lang"] == "zh" and r["areas"] for r in recs)


def test_dev_scores_beat_the_keyword_baseline(shared):
    from pipeline.evaluation.classifier import evaluate_classifier, load_gold

    res = evaluate_classifier(load_gold(None, "dev"))
    # floors a few points under the dev figures on the guideline-v3 labels (zh 0.694, en 0.641; keyword
    # baseline 0.609, 0.597); stance: zh 0.871, en 0.664 (v3 annotators read procedural clauses as status)
    for lang, floor, stance_floor in (("zh", 0.66, 0.83), ("en", 0.60, 0.62)):
        r = res["languages"][lang]
        assert r["model"]["n"] > 100
        assert r["model"]["macro_f1"] > r["keyword"]["macro_f1"]
        assert r["model"]["macro_f1"] >= floor
        assert r["stance_n"] > 80 and r["stance_acc"] >= stance_floor


def test_evaluate_classifier_cli_on_plain_jsonl(tmp_path):
    from click.testing import CliRunner

    from pipeline.cli import main

    gold = tmp_path / "gold.jsonl"
    gold.write_text("\n".join(json.dumps(o, ensure_ascii=False) for o in [
        {"id": "1", "text": "国家加强量子科技人才培养和学科建设。", "lang": "zh", "areas": ["C3"]},
        {"id": "2", "text": "今天天气很好。", "lang": "zh", "areas": []},
        {"id": "3", "text": "The Secretary shall establish export controls on chips.", "lang": "en", "areas": ["C6"]},
    ]) + "\n", encoding="utf-8")
    result = CliRunner().invoke(main, ["evaluate", "classifier", "--gold", str(gold), "--json"])
    assert result.exit_code == 0, result.output
    res = json.loads(result.output)
    assert res["languages"]["zh"]["model"]["per_area"]["C3"]["f1"] == 1.0
    assert res["languages"]["zh"]["stance_acc"] is None  # plain gold without stances: nothing to compare
    assert res["languages"]["en"]["model"]["per_area"]["C6"]["r"] == 1.0
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"id": "1", "text": 5, "areas": []}\n')
    result = CliRunner().invoke(main, ["evaluate", "classifier", "--gold", str(bad)])
    assert result.exit_code == 2 and "bad_input" in result.output


def test_training_is_deterministic_and_thresholds_come_from_the_grid():
    import scipy.sparse as sp

    from pipeline.classify.train import best_threshold, fit_linear, prf

    rng = np.random.RandomState(0)
    X = sp.csr_matrix(rng.poisson(0.3, size=(60, 40)).astype(float))
    Y = np.column_stack([(X[:, 0].toarray().ravel() > 0), (X[:, 1].toarray().ravel() > 0)]).astype(int)
    w = np.ones(60)
    c1, i1 = fit_linear(X, Y, w)
    c2, i2 = fit_linear(X, Y, w)
    assert np.array_equal(c1, c2) and np.array_equal(i1, i2)
    assert c1[0, 0] > 0 and c1[1, 1] > 0  # the informative column gets the weight
    p = np.array([0.9, 0.8, 0.2, 0.1])
    assert best_threshold(p, np.array([1, 1, 0, 0])) <= 0.8
    res = prf(np.array([[True], [False]]), np.array([[1], [1]]), ["C1"])
    assert res["per_area"]["C1"]["r"] == 0.5 and res["per_area"]["C1"]["p"] == 1.0


def test_doc_evidence_prefers_a_full_sentence_to_a_heading():
    clf = Classifier()
    sents = (Sentence(0, 6, "zh", 0), Sentence(6, 90, "zh", 1))
    ms = (Mention(0, 0, 6, "C4", 0.99, "status"), Mention(1, 6, 90, "C4", 0.9, "measure"))
    c4 = next(a for a in clf.doc_areas(sents, ms) if a.area == "C4")
    assert c4.evidence == (1, 0) and c4.max_score == 0.99

"""The majority-of-three merge and agreement figures of corpus/labels/GUIDELINES.md."""
from __future__ import annotations

import json

import pytest

from pipeline.evaluation import agreement
from pipeline.evaluation.agreement import merge_challenge, merge_measure


def m(measure, **fields):
    return {"measure": measure, **fields}


def test_measure_majority_and_fields_from_the_yes_voters():
    a = m(True, instrument="supply", subtool="funding", status="mandated", amount=5e6, currency="USD", year=2019)
    b = m(False)
    prior = m(True, instrument="supply", subtool="funding", status="enacted", amount=5e6, currency="USD",
              year=2019, actor="The Secretary")
    out = merge_measure([a, b, prior])
    assert out["measure"] is True
    assert out["status"] == "mandated"  # 1-1 between the yes-voters: A first
    assert out["amount"] == 5e6 and out["year"] == 2019 and out["actor"] == "The Secretary"
    # two no-votes win over the prior's yes, and every field is then empty
    out = merge_measure([m(False), m(False), prior])
    assert out == {"measure": False, **{f: None for f in agreement.MEASURE_FIELDS}, "actor": None}


def test_measure_field_vote_prefers_the_majority_over_a():
    votes = [m(True, instrument="environment"), m(True, instrument="supply"), m(True, instrument="supply")]
    assert merge_measure(votes)["instrument"] == "supply"
    # the actor comes from the prior only when the prior said yes
    votes = [m(True, instrument="supply"), m(True, instrument="supply"), m(False, actor="X")]
    assert merge_measure(votes)["actor"] is None


def test_challenge_majority_is_per_area():
    a = {"areas": ["C1", "C5"], "stance": "measure"}
    b = {"areas": ["C5"], "stance": "status"}
    prior = {"areas": ["C1", "C7"], "stance": "status"}
    assert merge_challenge([a, b, prior]) == {"areas": ["C1", "C5"], "stance": "status"}
    assert merge_challenge([{"areas": [], "stance": None}, b, {"areas": ["C7"], "stance": "problem"}]) == \
        {"areas": [], "stance": None}


def _write(path, recs):
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("".join(json.dumps(r) + "\n" for r in recs), "utf-8")


def test_merge_and_report_on_files(tmp_path, monkeypatch):
    monkeypatch.setattr(agreement, "annotator_path", lambda name, who: tmp_path / f"{name}.{who}.jsonl")
    base = [{"source": "corpus/en/x.txt", "sha256": "0" * 64, "start": i * 10, "end": i * 10 + 9} for i in range(4)]
    prior = [{**r, "split": "dev" if i == 3 else "train", "measure": i % 2 == 0, "instrument": None}
             for i, r in enumerate(base)]
    a = [{**r, "measure": True, "instrument": "supply"} for r in base]
    b = [{**r, "measure": i < 2, "instrument": "supply" if i < 2 else None} for i, r in enumerate(base)]
    for who, recs in (("prior", prior), ("A", a), ("B", b)):
        _write(tmp_path / f"measures_en.{who}.jsonl", recs)
    merged = agreement.merge("measures_en")
    assert [r["measure"] for r in merged] == [True, True, True, False]
    assert [r["split"] for r in merged] == ["train", "train", "train", "dev"]
    rep = agreement.report("measures_en")
    assert rep["records"] == 4 and rep["changed_by_merge"] == 1 and rep["changed_by_split"] == {"train": 1}
    assert rep["A_vs_B"]["raw_agreement"] == 0.5
    # an annotator file that misses a record is refused
    _write(tmp_path / "measures_en.B.jsonl", b[:3])
    with pytest.raises(Exception, match="same records"):
        agreement.merge("measures_en")


@pytest.mark.filterwarnings("ignore")  # kappa of an area no one chose on three records is undefined (nan)
def test_a_new_set_votes_with_a_third_annotator(tmp_path, monkeypatch):
    """Newly labelled sentences have no prior label: annotator C is the third vote and its file holds the
    split; no 'changed' figures (there was nothing before)."""
    monkeypatch.setattr(agreement, "annotator_path", lambda name, who: tmp_path / f"{name}.{who}.jsonl")
    base = [{"source": "corpus/en/x.txt", "sha256": "0" * 64, "start": i * 10, "end": i * 10 + 9} for i in range(3)]
    votes = {"A": [["C1"], ["C3"], []], "B": [["C1", "C5"], [], []], "C": [["C5"], ["C3"], ["C7"]]}
    for who, areas in votes.items():
        extra = {"split": "train"} if who == "C" else {}
        _write(tmp_path / f"challenges_en_more.{who}.jsonl",
               [{**r, **extra, "areas": ar, "stance": "measure" if ar else None} for r, ar in zip(base, areas)])
    assert agreement.voters("challenges_en_more") == ("A", "B", "C")
    merged = agreement.merge("challenges_en_more")
    assert [r["areas"] for r in merged] == [["C1", "C5"], ["C3"], []]
    assert {r["split"] for r in merged} == {"train"}
    rep = agreement.report("challenges_en_more")
    assert rep["records"] == 3 and "C_vs_merged" in rep and "changed_by_merge" not in rep
    # a third annotator's record without its split, or prior labels beside a third annotator, are refused
    _write(tmp_path / "challenges_en_more.C.jsonl", [{**base[0], "areas": [], "stance": None}])
    with pytest.raises(Exception, match="split"):
        agreement.merge("challenges_en_more")
    _write(tmp_path / "challenges_en_more.prior.jsonl", [])
    with pytest.raises(Exception, match="one or the other"):
        agreement.voters("challenges_en_more")


@pytest.mark.parametrize("name", ["measures_en", "challenges_en", "measures_zh", "challenges_zh",
                                  "challenges_en_more", "challenges_zh_more"])
def test_committed_label_file_is_the_majority_of_its_annotations(name):
    """The label file a relabelled set ships is exactly what the merge rebuilds from its three annotations."""
    from pipeline.resources import corpus_path, iter_jsonl

    shipped = list(iter_jsonl(corpus_path("labels", f"{name}.jsonl")))
    assert shipped == agreement.merge(name)


def test_no_amount_is_a_vote():
    votes = [m(True, amount=None), m(True, amount=3e8, currency="USD"), m(True, amount=None)]
    out = merge_measure(votes)
    assert out["amount"] is None and out["currency"] is None

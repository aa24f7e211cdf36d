"""The spaCy component ``policylens_measures``: spans, records, predict/set_annotations, displaCy."""
from __future__ import annotations

import pytest

spacy = pytest.importorskip("spacy")
from spacy import displacy  # noqa: E402

import pipeline.measures.component  # noqa: E402,F401  (registers the factory)

EN = ("The term “Program” means the National Quantum Initiative Program. "
      "The Secretary of Energy shall allocate up to $25,000,000 for each Center for each of fiscal years "
      "2019 through 2023. We will work with our allies to set common standards.")
ZH = "本法所称两用物项，是指既有民事用途又有军事用途的货物。建议国家设立专门的量子创新投资基金，快速推动投资和孵化。"


@pytest.fixture(scope="module")
def nlp_en():
    nlp = spacy.blank("en")
    nlp.add_pipe("sentencizer")
    nlp.add_pipe("policylens_measures")
    nlp.initialize()
    return nlp


def test_spans_and_records_en(nlp_en):
    doc = nlp_en(EN)
    spans = list(doc.spans["measures"])
    assert [s.text[:16] for s in spans] == ["The Secretary of", "We will work wit"]
    first = spans[0]
    assert first.label_ == "supply"
    m = first._.measure
    assert (m.action, m.amount, m.currency, m.year, m.status) == ("fund", 25e6, "USD", 2019, "mandated")
    assert doc.text[m.start:m.end] == first.text  # spans sit exactly on the record's offsets
    assert spans[1].label_ == "environment"
    assert doc.spans["measures"].attrs["records"][0]["actor"] == "The Secretary of Energy"


def test_predict_does_not_write(nlp_en):
    comp = nlp_en.get_pipe("policylens_measures")
    doc = nlp_en.make_doc(EN)
    preds = comp.predict([doc])
    assert len(preds[0]) == 2 and "measures" not in doc.spans
    comp.set_annotations([doc], preds)
    assert len(doc.spans["measures"]) == 2


def test_without_sentences_and_zh():
    nlp = spacy.blank("zh")
    nlp.add_pipe("policylens_measures", config={"spans_key": "m"})
    doc = nlp(ZH)
    (span,) = doc.spans["m"]
    assert span.text.startswith("建议国家设立") and span._.measure.status == "recommended"
    docs = list(nlp.get_pipe("policylens_measures").pipe([nlp.make_doc(ZH), nlp.make_doc("没有措施的句子。")]))
    assert [len(d.spans["m"]) for d in docs] == [1, 0]


def test_displacy_renders_spans(nlp_en):
    # spaCy 3.x takes the key in options (render(..., spans_key=...) is a TypeError)
    html = displacy.render(nlp_en(EN), style="span", options={"spans_key": "measures"}, jupyter=False)
    assert "supply" in html and "environment" in html and "allocate" in html

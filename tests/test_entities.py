"""Entities: gazetteer validation and matching, rules with normalised values, spaCy hook, docmeta,
stand-off gold sets and the dev-set evaluation."""
from __future__ import annotations

import json

import pytest

from pipeline.docmeta import guess_metadata
from pipeline.errors import ResourceError
from pipeline.resources import corpus_path
from pipeline.tag import rules
from pipeline.tag.entities import EntityFinder, Gazetteer, entities_to_spans
from pipeline.types import Entity


@pytest.fixture(scope="module")
def finder() -> EntityFinder:
    return EntityFinder()


def spans(finder, text):
    return [(e.text, e.label, e.id) for e in finder.find(text)]


# ------------------------------------------------------------------ gazetteer
def test_gazetteer_loads_versioned_and_bilingual():
    gaz = Gazetteer.load()
    assert gaz.version and gaz.sha256
    assert len(gaz.entries) >= 300
    labels = {e.label for e in gaz.entries.values()}
    assert labels == {"ORG", "GPE", "LAW", "PROGRAMME", "TECH", "COMPANY", "INSTITUTE"}
    assert all(e.zh and e.en for e in gaz.entries.values())
    assert gaz.jurisdiction("org:us-doe") == "US" and gaz.jurisdiction("gpe:cn") == "CN"


@pytest.mark.parametrize("data, message", [
    ({"entries": []}, "version"),
    ({"version": "1", "entries": [{"id": "org:a", "label": "ORG", "zh": ["甲"], "en": ["A"]},
                                  {"id": "org:a", "label": "ORG", "zh": ["乙"], "en": ["B"]}]}, "duplicate"),
    ({"version": "1", "entries": [{"id": "org:a", "label": "PERSON", "zh": ["甲"], "en": ["A"]}]}, "label"),
    ({"version": "1", "entries": [{"id": "org:a", "label": "ORG", "zh": ["甲"]}]}, "both"),
    ({"version": "1", "entries": [{"id": "org:a", "label": "ORG", "zh": ["甲"], "en": ["A"]},
                                  {"id": "org:b", "label": "ORG", "zh": ["甲"], "en": ["B"]}]}, "belongs"),
    ({"version": "1", "entries": [{"id": "Bad Id", "label": "ORG", "zh": ["甲"], "en": ["A"]}]}, "bad id"),
])
def test_gazetteer_validation_errors(data, message):
    with pytest.raises(ResourceError, match=message):
        Gazetteer.from_data(data)


def test_mono_entry_allowed():
    gaz = Gazetteer.from_data({"version": "1", "entries": [
        {"id": "org:x", "label": "ORG", "zh": ["某局"], "mono": "zh"}]})
    assert "org:x" in gaz.entries


# ------------------------------------------------------------------ matching
def test_chinese_term_inside_longer_word(finder):
    assert ("量子计算", "TECH", "tech:quantum-computing") in spans(finder, "发展量子计算的能力")
    assert ("量子计算技术", "TECH", "tech:quantum-computing") in spans(finder, "发展量子计算技术")


def test_longest_match_india_indonesia(finder):
    got = spans(finder, "印度尼西亚与印度，以及印度洋")
    assert ("印度尼西亚", "GPE", "gpe:id") in got
    assert [g for g in got if g[0] == "印度"] == [("印度", "GPE", "gpe:in")]  # 印度洋 is blocked


def test_canonical_ids_shared_across_languages(finder):
    ids = {e.text: e.id for e in finder.find("美国能源部、DOE与Department of Energy；国家量子倡议法案；"
                                             "the National Quantum Initiative Act")}
    assert ids["美国能源部"] == ids["DOE"] == ids["Department of Energy"] == "org:us-doe"
    assert ids["国家量子倡议法案"] == ids["National Quantum Initiative Act"] == "law:us-nqi-act"


def test_english_case_and_word_boundaries(finder):
    got = spans(finder, "It DOES matter: doe, Quantum Computing, 15 U.S.C. 8801, the U.S. economy")
    texts = [g[0] for g in got]
    assert "DOES" not in texts and "doe" not in texts and "DOE" not in texts
    assert ("Quantum Computing", "TECH", "tech:quantum-computing") in got  # flagged case-insensitive
    assert texts.count("U.S.") == 1  # not inside U.S.C.


def test_industry_is_not_technology(finder):
    assert not [e for e in finder.find("深化先进制造业发展") if e.label == "TECH"]


def test_entities_sorted_non_overlapping(finder, shared):
    text = (shared / "corpus/zh/zh_gov_work_report_2024.txt").read_text(encoding="utf-8-sig")[:20000]
    ents = finder.find(text)
    assert len(ents) > 50
    for a, b in zip(ents, ents[1:]):
        assert a.end <= b.start
    assert all(text[e.start:e.end] == e.text for e in ents)


def test_name_rules(finder):
    got = spans(finder, "the Office of Personnel Management and the Multilateral Semiconductors Security Fund "
                        "under the Stevenson-Wydler Technology Innovation Act of 1980 and 《中华人民共和国数据安全法》")
    assert ("Office of Personnel Management", "ORG", None) in got
    assert ("Multilateral Semiconductors Security Fund", "PROGRAMME", None) in got
    assert ("Stevenson-Wydler Technology Innovation Act of 1980", "LAW", "law:us-stevenson-wydler") in got
    assert ("中华人民共和国数据安全法", "LAW", "law:cn-data-security") in got


# ------------------------------------------------------------------ rules
@pytest.mark.parametrize("text, label, value, unit", [
    ("3.35亿美元", "MONEY", 335_000_000, "USD"),
    ("10亿欧元", "MONEY", 1e9, "EUR"),
    ("25亿英镑", "MONEY", 2.5e9, "GBP"),
    ("5000万元", "MONEY", 5e7, "CNY"),
    ("一百一十四万亿元", "MONEY", 1.14e14, "CNY"),
    ("$625 million", "MONEY", 6.25e8, "USD"),
    ("£2.5 billion", "MONEY", 2.5e9, "GBP"),
    ("€1 billion", "MONEY", 1e9, "EUR"),
    ("$1,000,000", "MONEY", 1e6, "USD"),
    ("two billion dollars", "MONEY", 2e9, "USD"),
    ("2018年", "YEAR", 2018, "year"),
    ("2023年6月", "DATE", 2023, "date:2023-06"),
    ("2023年底前", "DATE", 2023, "date:2023-end"),
    ("fiscal year 2024", "YEAR", 2024, "year"),
    ("fiscal years 2019 through 2023", "YEAR", 2019, "years:2019-2023"),
    ("“十四五”时期", "YEAR", 2021, "years:2021-2025"),
    ("the 14th Five-Year Plan period", "YEAR", 2021, "years:2021-2025"),
    ("December 21, 2018", "DATE", 2018, "date:2018-12-21"),
    ("百分之十", "PERCENT", 10, "%"),
    ("10%", "PERCENT", 10, "%"),
    ("10 percent", "PERCENT", 10, "%"),
    ("七点二个百分点", "PERCENT", 7.2, "pp"),
    ("127 qubits", "QUANTITY", 127, "qubit"),
    ("127量子比特", "QUANTITY", 127, "qubit"),
    ("10mK", "QUANTITY", 10, "mK"),
    ("1000公里", "QUANTITY", 1000, "km"),
])
def test_rules_value_normalisation(text, label, value, unit):
    found = rules.find_all(text)
    assert len(found) == 1, found
    m = found[0]
    assert (m.text, m.label, m.unit) == (text, label, unit)
    assert m.value == pytest.approx(value)


@pytest.mark.parametrize("text", [
    "such sums as may be necessary", "section 8801 of title 15", "多元化发展", "15 U.S.C. 3701",
])
def test_rules_must_not_match(text):
    assert [m for m in rules.find_all(text) if m.label in ("MONEY", "YEAR")] == []


def test_parse_money_and_number():
    assert rules.parse_money("投入3.35亿美元") == (335_000_000.0, "USD")
    assert rules.parse_money("such sums as may be necessary") is None
    assert rules.parse_number("三万九千八百") == 39800
    assert rules.parse_number("1.5 billion") == 1.5e9


def test_finder_fills_values(finder):
    money = [e for e in finder.find("an amount of $30,000,000 for fiscal year 2023") if e.label == "MONEY"]
    assert money and money[0].value == 30_000_000 and money[0].unit == "USD"


# ------------------------------------------------------------------ spaCy hook
def test_entities_to_spans_expands_to_tokens():
    spacy = pytest.importorskip("spacy")
    nlp = spacy.blank("en")
    doc = nlp("The Department of Energy funds quantum computing.")
    ents = [Entity(4, 24, "Department of Energy", "ORG", "org:us-doe"), Entity(31, 40, "quantum c", "TECH")]
    entities_to_spans(doc, ents)
    assert [(s.text, s.label_, s.kb_id_) for s in doc.spans["entities"]] == [
        ("Department of Energy", "ORG", "org:us-doe"), ("quantum computing", "TECH", "")]
    assert len(doc.ents) == 2


# ------------------------------------------------------------------ docmeta
def test_docmeta_path_hints_and_title(finder):
    text = "\n  2024年中华人民共和国国务院政府工作报告  \n正文……"
    meta = guess_metadata(text, "zh", finder.find(text), "corpus/zh/zh_gov_work_report_2024.txt")
    assert meta == {"jurisdiction": "CN", "year": 2024, "title": "2024年中华人民共和国国务院政府工作报告"}
    assert guess_metadata("x", "en", (), "a/en_uscode_15_ch114.txt")["jurisdiction"] == "US"
    assert guess_metadata("x", "en", (), "a/en_uk_manifesto_2005_labour.txt")["jurisdiction"] == "GB"
    assert guess_metadata("x", "en", (), "a/en_ie_dail_budget2008.txt")["jurisdiction"] == "IE"
    long = "A" * 500
    assert len(guess_metadata(long, "en", (), None)["title"]) == 200


def test_docmeta_from_entities(finder):
    text = ("Budget statement\nThe Minister spoke in the Oireachtas about Ireland and Science Foundation "
            "Ireland; the EU was mentioned once. Dublin.")
    meta = guess_metadata(text, "en", finder.find(text), "speech.txt")
    assert meta["jurisdiction"] == "IE" and meta["year"] is None
    text = "Strategy 2019\nThe UK Research and Innovation and DSIT in Britain with the EU"
    assert guess_metadata(text, "en", finder.find(text), None)["jurisdiction"] == "GB"
    assert guess_metadata(text, "en", finder.find(text), None)["year"] == 2019


# ------------------------------------------------------------------ gold sets and evaluation
@pytest.mark.parametrize("lang", ["zh", "en"])
def test_gold_is_standoff_and_consistent(lang, shared):
    from pipeline.resources import load_standoff

    path = corpus_path("labels", f"entities_{lang}.jsonl")
    raw = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    assert all("text" not in r for r in raw)  # never the shared text
    assert {r["split"] for r in raw} == {"train", "dev"}
    assert sum(len(r["entities"]) for r in raw) >= 150
    for rec in load_standoff(path):
        for e in rec["entities"]:
            assert 0 <= e["start"] < e["end"] <= len(rec["text"])
            assert e["label"] in ("ORG", "GPE", "LAW", "PROGRAMME", "TECH", "COMPANY", "INSTITUTE",
                                  "MONEY", "DATE", "YEAR", "PERCENT", "QUANTITY")
            assert rec["text"][e["start"]:e["end"]].strip() == rec["text"][e["start"]:e["end"]]


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_dev_precision_recall_targets(lang, shared, finder):
    from pipeline.evaluation.entities import evaluate_lang

    res = evaluate_lang(lang, "dev", finder)
    assert res["passages"] >= 10
    assert res["overall"]["precision"] >= 0.9
    assert res["overall"]["recall"] >= 0.8


def test_score_counts():
    from pipeline.evaluation.entities import score

    gold = {("p", 0, 2, "ORG"), ("p", 3, 5, "GPE")}
    pred = {("p", 0, 2, "ORG"), ("p", 3, 6, "GPE"), ("p", 7, 8, "TECH")}
    res = score(gold, pred)
    assert res["overall"]["tp"] == 1 and res["overall"]["fp"] == 2 and res["overall"]["fn"] == 1
    assert res["labels"]["ORG"]["f1"] == 1.0 and res["labels"]["GPE"]["recall"] == 0.0


def test_cli_evaluate_entities(shared):
    from click.testing import CliRunner

    from pipeline.cli import main

    result = CliRunner().invoke(main, ["evaluate", "entities", "--split", "dev", "--no-speed", "--lang", "en"])
    assert result.exit_code == 0, result.output
    assert "ALL (exact)" in result.output and "PERCENT" in result.output

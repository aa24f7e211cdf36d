"""Measures: field parsers, detection rows that must and must not fire, and the labelled dev set."""
from __future__ import annotations

import pytest

from pipeline.measures import extract_from_text, measures_table, to_markdown
from pipeline.measures.fields import parse_money, parse_time


@pytest.mark.parametrize("text,value,cur", [
    ("投入10亿欧元", 1.0e9, "EUR"), ("25亿英镑", 2.5e9, "GBP"), ("$625 million", 6.25e8, "USD"),
    ("3.35亿美元", 3.35e8, "USD"), ("£2.5 billion over ten years", 2.5e9, "GBP"), ("处十万元以上罚款", 1e5, "CNY"),
])
def test_parse_money(text, value, cur):
    v, c, _, _ = parse_money(text)
    assert (v, c) == (pytest.approx(value), cur)


@pytest.mark.parametrize("text,lang,time,year", [
    ("for each of fiscal years 2019 through 2023.", "en", "for each of fiscal years 2019 through 2023", 2019),
    ("2023年底前完成", "zh", "2023年底前", 2023),
    ("未来十年投入", "zh", "未来十年", None),
    ("科技创新2030重大项目", "zh", None, None),
])
def test_parse_time(text, lang, time, year):
    assert parse_time(text, lang) == (time, year)


def test_measures_and_non_measures_en():
    pos = extract_from_text("The Secretary of Energy shall allocate up to $25,000,000 for each Center "
                            "for each of fiscal years 2019 through 2023.", lang="en")
    assert len(pos) == 1
    m = pos[0]
    assert (m.actor, m.action, m.instrument, m.status, m.amount, m.currency, m.year) == (
        "The Secretary of Energy", "fund", "supply", "mandated", 25e6, "USD", 2019)
    for neg in ("The term “Program” means the National Quantum Initiative Program.",
                "Nothing in this chapter shall be construed as affecting any law.",
                "The purpose of this chapter is to ensure the continued leadership of the United States."):
        assert extract_from_text(neg, lang="en") == (), neg


def test_measures_and_non_measures_zh():
    (m,) = extract_from_text("建议国家设立专门的量子创新投资基金，快速推动投资和孵化。", lang="zh")
    assert m.status == "recommended" and m.action == "establish"
    assert extract_from_text("本法所称两用物项，是指既有民事用途又有军事用途的货物。", lang="zh") == ()
    rows = measures_table([m])
    assert rows[0]["status"] == "recommended" and "| recommended |" in to_markdown(rows)


def test_dev_figures(shared):
    from pipeline.evaluation.measures import evaluate_measures

    res = evaluate_measures("dev")
    for lang in ("zh", "en"):
        assert res[lang]["n"] >= 80
        assert res[lang]["f1"] >= 0.6, (lang, res[lang]["f1"])

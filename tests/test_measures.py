"""Measures: field parsers, detection rows that must and must not fire, and the labelled dev set."""
from __future__ import annotations

import pytest

from pipeline.measures import extract_from_text, measures_table, to_markdown
from pipeline.measures.fields import parse_money, parse_time


@pytest.mark.parametrize("text,value,cur", [
    ("投入10亿欧元", 1.0e9, "EUR"), ("25亿英镑", 2.5e9, "GBP"), ("$625 million", 6.25e8, "USD"),
    ("3.35亿美元", 3.35e8, "USD"), ("£2.5 billion over ten years", 2.5e9, "GBP"), ("处十万元以上罚款", 1e5, "CNY"),
    ("中央财政五年投入专项扶贫资金2800多亿元", 2.8e11, "CNY"), ("such sums as may be necessary and $5,000,000", 5e6, "USD"),
])
def test_parse_money(text, value, cur):
    v, c, _, _ = parse_money(text)
    assert (v, c) == (pytest.approx(value), cur)


@pytest.mark.parametrize("text,lang,time,year", [
    ("for each of fiscal years 2019 through 2023.", "en", "for each of fiscal years 2019 through 2023", 2019),
    ("2023年底前完成", "zh", "2023年底前", 2023),
    ("未来十年投入", "zh", "未来十年", None),
    ("科技创新2030重大项目", "zh", None, None),
    ("2023年6月底前完成", "zh", "2023年6月底前", 2023),
    ("(1) not later than 1 year after December 21, 2018 , develop a plan;", "en",
     "not later than 1 year after December 21, 2018", 2018),
    ("as provided in section 1862 of title 42", "en", None, None),
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


def test_money_comes_from_the_rules_module():
    """One money parser in the project: the measures helper agrees with pipeline.tag.rules."""
    from pipeline.tag import rules

    for text in ("投入10亿欧元", "$625 million", "2800多亿元", "£2.5 billion"):
        assert parse_money(text)[:2] == rules.parse_money(text)


LEADIN = "In carrying out the program, the Secretary shall"


@pytest.mark.parametrize("lines,expected", [
    # list items take the status of their lead-in, even when the lead-in states a purpose first
    (["In order to guide the Program, the Subcommittee shall", "(1) establish goals and priorities of the Program;"],
     [("plan", "mandated")]),
    ([LEADIN, "(3) survey private sector hydrogen activities;"], [("evaluate", "mandated")]),
    ([LEADIN, "(6) make data of the Administration accessible and ready for applications."], [("support", "mandated")]),
    (["There are authorized to be appropriated to the Foundation to carry out this subsection",
      "(A) $40,000,000 for fiscal year 2004;"], [("fund", "enacted")]),
    # items whose lead-in is a purpose, contents or a grantee's duty are no measures
    (["The purposes of this chapter are to ensure leadership by", "(1) supporting research;"], []),
    (["The program shall accelerate innovation in order to", "(2) improve the precision of measurements;"], []),
    (["An institution shall use grant funds for the purposes of", "(A) providing traineeships to students;"], []),
    ([LEADIN, "(B) have demonstrated an ongoing commitment;"], []),
])
def test_en_list_items(lines, expected):
    got = extract_from_text("\n".join(lines), lang="en")
    assert [(m.action, m.status) for m in got if m.text.startswith("(")] == expected


def rule_measures(text: str):
    """The measures of the rule layer alone (no learned model) on English ``text``."""
    from dataclasses import replace

    from pipeline.measures import _segment
    from pipeline.measures.detect import MeasureExtractor

    sents = tuple(replace(s, lang="en") for s in _segment(text, "en"))
    return MeasureExtractor(model_dir=None).extract(text, sents, (), (), ())


def test_en_heading_ends_the_lead_in_in_the_rules():
    """The rule layer: a heading is no measure and ends the lead-in, so the item after it gets no status from
    it. (The learned layer decides in production; trained on statutes whose lead-ins sit pages away, it
    may still call such an item a measure.)"""

    def items(lines):
        return [(m.action, m.status) for m in rule_measures("\n".join(lines)) if m.text.startswith("(")]

    assert items([LEADIN, "(1) fund the program;"]) == [("fund", "mandated")]
    assert items([LEADIN, "(c) Funding", "(1) fund the program;"]) == []


def test_en_an_item_can_be_the_lead_in_of_deeper_items():
    """US Code nesting (1) → (A) → (i): an item that runs on ("…, which shall") lends its status to the
    deeper items after it, until the next item at its own level; "(I)" after "(H)" is a letter, not a
    roman numeral."""
    from pipeline.measures.detect import MeasureExtractor
    from pipeline.measures import _segment

    lines = ["(b) Program",  # a heading: nothing before it governs
             "(1) The President shall implement a Networking Program, which shall",
             "(A) provide for long-term basic research on networking;",
             "(H) provide support for training graduate students;",
             "(I) provide for improving the security of computing systems;",
             "(2) the budget of the Program for each fiscal year;",
             "(A) establish an office of the Program."]
    text = "\n".join(lines)
    ex = MeasureExtractor(model_dir=None)
    views = ex.scan(text, tuple(__import__("dataclasses").replace(s, lang="en") for s in _segment(text, "en")))
    lent = [v.leadin for v in views]
    assert lent == [None, None, "mandated", "mandated", "mandated", None, None]
    acts = {m.text.split(")")[0] + ")": m.status for m in rule_measures(text)}
    assert acts == {"(1)": "mandated", "(A)": "mandated", "(H)": "mandated", "(I)": "mandated"}


def test_en_item_levels_roman_and_combined_marks():
    """"(i)" under an open "(A)" is a clause (level 4) that takes the "(A)" lead-in; "(i)" after "(h)" with
    nothing open below is the next letter; "(h)(1)" opens both its levels."""
    from pipeline.measures.detect import _ItemLeadins

    n = _ItemLeadins()
    levels = []
    for marks in ("(g) ", "(h)(1) ", "(A) ", "(i) ", "(ii) ", "(B) ", "(2) ", "(i) "):
        n.enter(marks, (None, None))
        levels.append(n.level)
    assert levels == [1, 2, 3, 4, 4, 3, 2, 1]  # the last "(i)" follows "(h)": nothing is open below "(2)"
    n.clear()
    lent = []
    for i, (marks, raw) in enumerate((("(1) ", "(1) The Director shall establish a Program, which shall"),
                                       ("(A) ", "(A) carry out research, and shall"),
                                       ("(i) ", "(i) support centres;"), ("(ii) ", "(ii) train students;"),
                                       ("(B) ", "(B) report annually."))):
        lent.append(n.enter(marks, ("base", None)))
        n.leave(raw, i)
    assert lent == [("base", None), ("mandated", 0), ("mandated", 1), ("mandated", 1), ("mandated", 0)]


def test_en_an_item_takes_actor_and_time_from_its_lead_in():
    lines = ["Not later than 180 days after December 21, 2022, the Director of OMB shall issue guidance on the "
             "migration to post-quantum cryptography, which shall include at a minimum",
             "(A) require each agency to establish and maintain a current inventory;",
             "(B) establish a migration plan for each agency by 2030."]
    got = [(m.text[:3], m.actor, m.year) for m in rule_measures("\n".join(lines))]
    assert got == [("Not", "the Director of OMB", 2022), ("(A)", "the Director of OMB", 2022),
                   ("(B)", "the Director of OMB", 2030)]
    # through a nested lead-in that names no actor, up to the line that does
    nested = [lines[0], "(A) establish a program, which shall", "(i) support research on migration;"]
    got = [(m.text[:3], m.actor, m.year) for m in rule_measures("\n".join(nested))]
    assert got[-1] == ("(i)", "the Director of OMB", 2022)


@pytest.mark.parametrize("text,action,status", [
    ("We are working with the GLA and the Mayor to bring down the cost of childcare in London.", "cooperate", "enacted"),
    ("For that purpose, we have mobilized American ground forces to protect NATO countries.", "support", "enacted"),
    ("And, folks, let's finally get the bipartisan Equality Act to my desk.", "support", "recommended"),
    ("Our plan now is to tailor our education system to individual pupil needs.", "support", "planned"),
    ("Funds necessary to carry out the activities shall be made available each fiscal year.", "fund", "mandated"),
])
def test_en_commitments(text, action, status):
    (m,) = extract_from_text(text, lang="en")
    assert (m.action, m.status) == (action, status)


def test_en_conditional_duty_in_the_rules():
    """A conditional prohibition on a named actor is a restriction the law mandates (rule layer). The
    learned layer retrained on the guideline-v2 labels no longer detects this sentence on its own: the
    guideline's line between a duty and a grant's procedural detail runs close to it."""
    (m,) = rule_measures("The Secretary shall not consider a proposal unless it contains a certification.")
    assert (m.action, m.status) == ("restrict", "mandated")


@pytest.mark.parametrize("text", [
    "In the future the countries that do best will be those with a shared purpose about the changes they need to make.",
    "So let's begin to get together.",
    "A fellowship may include salary and benefits for up to one academic year.",
    "We are winning the argument that economic dynamism and social justice go hand in hand.",
])
def test_en_non_measures(text):
    assert extract_from_text(text, lang="en") == (), text


@pytest.mark.parametrize("text,instrument,subtool,action", [
    # the verb's object decides the subtool, not a keyword elsewhere in the sentence
    ("建议我国组建官方指导下我国量子信息技术产业联盟，打造量子产业聚集区。", "environment", "organisation", "establish"),
    ("The Director shall establish an alliance of industry partners to share quantum information.",
     "environment", "organisation", "establish"),
    # light verbs (加强/完善/推进) take the action of the specific cue in their object
    ("完善人才引进机制建设。", "supply", "talent", "recruit"),
    ("完善科研人员绩效考核评价机制。", "environment", "regulation", "evaluate"),
    # a rule on research stays an environment measure
    ("As appropriate, the Secretary shall require a commitment of at least 50 percent of the cost of development.",
     "environment", "regulation", "regulate"),
])
def test_instrument_from_object(text, instrument, subtool, action):
    lang = "zh" if text[0] > "\u3000" else "en"
    (m,) = extract_from_text(text, lang=lang)
    assert (m.instrument, m.subtool, m.action) == (instrument, subtool, action)


@pytest.mark.parametrize("text,is_measure", [
    ("4.1 出台国家量子科技发展战略", False),                 # a numbered section heading
    ("二、制定政策落实的配套制度和具体实施办法", True),       # a numbered measure in a notice
    ("第二十六条 军品出口经营者应当委托经批准的军品出口运输企业办理运输业务。", True),  # bare legal duty
    ("全社会都应当尊重劳动、尊重知识、尊重人才、尊重创造。", False),
    ("我国经济正处在转变发展方式的攻关期，需要应对风险挑战。", False),
])
def test_zh_detection_rows(text, is_measure):
    assert bool(extract_from_text(text, lang="zh")) is is_measure, text


def test_dev_figures(shared):
    from pipeline.evaluation.measures import evaluate_measures

    res = evaluate_measures("dev")
    for lang in ("zh", "en"):
        assert res[lang]["n"] >= 90
    assert res["en"]["n"] >= 230  # 8 documents + 4 added with the POS/entity features
    # floors just below the figures reached with models/measures, after the production stages
    # (normalise → segment → tag → entities), on guideline-v2 labels by blind double annotation (en in
    # session 3, zh in session 4): zh F1 0.922, instrument 0.754; en F1 0.681, instrument 0.837.
    # Speed is measured by benchmarks, not here.
    assert res["zh"]["f1"] >= 0.90 and res["zh"]["instrument_acc"] >= 0.74, res["zh"]
    assert res["en"]["f1"] >= 0.65 and res["en"]["instrument_acc"] >= 0.80, res["en"]
    assert res["zh"]["amount_acc"] == 1.0 and res["en"]["amount_acc"] == 1.0

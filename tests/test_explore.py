"""Exploration API over a small synthetic database (zh + en, CN + US, mentions, measures, entities).

``build_db(path)`` is shared with test_report.py and test_notebooks.py. It builds DocumentResults and
writes them through ``pipeline.store.Store`` (the tests run against the real writer).
"""
from __future__ import annotations

import hashlib
import re
from array import array
from pathlib import Path

import pandas as pd
import pytest

from pipeline.types import (DocArea, DocumentResult, Entity, Measure, Mention, OffsetMap, Page, Paragraph,
                            Sentence, Token)

# (lang, jurisdiction, year, title, sentences with areas, measures: sentence index -> fields)
DOCS = [
    ("zh", "CN", 2021, "关于加快量子科技发展的意见", [
        ("国家实施量子信息科技发展战略，加强顶层设计和统筹协调。", ["C1"]),
        ("建立量子科技发展协调机制，制定发展路线图。", ["C1"]),
        ("支持量子计算企业开展成果转化和产业化应用。", ["C2"]),
        ("设立量子科技专项资金，中央财政投入100亿元。", ["C5", "C4"]),
        ("加强量子人才培养，完善高校量子课程教育。", ["C3"]),
        ("突破核心器件和芯片等关键技术，实现自主可控。", ["C6"]),
        ("量子技术的发展前景广阔。", []),
    ], {3: dict(actor="中央财政", action="投入", instrument="supply", subtool="research funding",
                amount=1e10, currency="CNY", time="2021", year=2021, status="planned", areas=("C5", "C4")),
        4: dict(actor="国家", action="加强", instrument="supply", subtool="talent training", status="planned",
                areas=("C3",)),
        1: dict(actor="国务院", action="建立", instrument="environment", subtool="strategy and planning",
                status="mandated", areas=("C1",))}),
    ("zh", "CN", 2023, "量子测量产业联盟发展规划", [
        ("推动成立量子测量产业联盟，促进国际合作与交流。", ["C7"]),
        ("鼓励量子企业参与国际标准制定。", ["C7", "C2"]),
        ("工业和信息化部开展量子通信应用示范和政府采购。", ["C2"]),
    ], {2: dict(actor="工业和信息化部", action="开展", instrument="demand", subtool="application pilots",
                status="planned", areas=("C2",))}),
    ("en", "US", 2018, "National Quantum Initiative Act", [
        ("The National Quantum Initiative Act establishes a National Quantum Coordination Office.", ["C1"]),
        ("The Office shall coordinate quantum research across federal agencies.", ["C1", "C4"]),
        ("The Director shall award grants of $1,200,000,000 for quantum information science research.", ["C5", "C4"]),
        ("The Foundation shall support quantum workforce training and education programs.", ["C3"]),
        ("Quantum computers may <break> current cryptography & security.", []),
    ], {2: dict(actor="the Director", action="award", instrument="supply", subtool="research funding",
                amount=1.2e9, currency="USD", time="2019-2023", year=2019, status="mandated", areas=("C5", "C4")),
        0: dict(actor="Congress", action="establishes", instrument="environment", subtool="organisational arrangements",
                status="enacted", areas=("C1",))}),
    ("en", "US", 2022, "CHIPS and quantum supply chains", [
        ("The Secretary shall strengthen secure supply chains for quantum components and chips.", ["C6"]),
        ("Export controls restrict dual-use quantum equipment.", ["C6"]),
        ("The United States shall cooperate with allies on quantum standards.", ["C7"]),
    ], {1: dict(actor="the Secretary", action="restrict", instrument="environment", subtool="export controls",
                status="enacted", areas=("C6",))}),
    ("en", "EU", None, "A note with no challenge mentions", [
        ("This note describes the weather in Brussels.", []),
    ], {}),
]

_ZH_WORD = re.compile(r"[\u3400-\u9fff]+|[A-Za-z0-9,.$]+|\S")
_EN_WORD = re.compile(r"\$?[A-Za-z0-9][A-Za-z0-9,.\-]*[A-Za-z0-9]|[A-Za-z0-9]|[^\sA-Za-z0-9]")


_JIEBA = []


def _zh_tokens(text: str):
    if not _JIEBA:
        import jieba

        _JIEBA.append(jieba.Tokenizer())
    return [(w, s, e) for w, s, e in _JIEBA[0].tokenize(text)]


def make_result(lang, jur, year, title, sents, measures) -> DocumentResult:
    sep = "" if lang == "zh" else " "
    text, sentences, tokens, mentions = "", [], [], []
    for i, (s, areas) in enumerate(sents):
        if i:
            text += sep
        start = len(text)
        text += s
        sentences.append(Sentence(start, len(text), lang, 0))
        if lang == "zh":
            words = [(w, start + a, start + b) for w, a, b in _zh_tokens(s) if w.strip()]
        else:
            words = [(m.group(), start + m.start(), start + m.end()) for m in _EN_WORD.finditer(s)]
        for w, a, b in words:
            pos = "PUNCT" if not re.search(r"\w", w) else ("NUM" if re.fullmatch(r"[\d,.$]+", w) else "NOUN")
            tokens.append(Token(a, b, w, lemma=w.lower(), pos=pos, tag="n", sent=i))
        for k, area in enumerate(areas):
            mentions.append(Mention(i, start, len(text), area, 0.9 - 0.1 * k, "measure" if i in measures else "status",
                                    ("量子",) if lang == "zh" else ("quantum",)))
    n = len(sentences)
    doc_areas = []
    for area in sorted({m.area for m in mentions}):
        ms = [m for m in mentions if m.area == area]
        doc_areas.append(DocArea(area, len(ms) / n, max(m.score for m in ms), sum(m.score for m in ms) / len(ms),
                                 len(ms) >= 2 or lang == "zh", tuple(m.sent for m in ms)))
    ms = []
    for i, f in sorted(measures.items()):
        s = sentences[i]
        ms.append(Measure(i, s.start, s.end, text[s.start:s.end], jurisdiction=jur, **f))
    ents = []
    for m in re.finditer(r"National Quantum Coordination Office|工业和信息化部|国务院", text):
        ents.append(Entity(m.start(), m.end(), m.group(), "ORG", id="org:" + m.group()[:4]))
    doc_id = hashlib.sha256(text.encode()).hexdigest()
    meta = (("jurisdiction", jur),) + ((("year", str(year)),) if year else ())
    return DocumentResult(
        doc_id=doc_id, path=f"corpus/samples/{title[:20]}.txt", format="txt", lang=lang,
        script="hans" if lang == "zh" else "latin", text=text,
        offsets=OffsetMap(array("q", range(len(text) + 1)), (0,)),
        pages=(Page(1, text, "text", 1.0),), paragraphs=(Paragraph(0, len(text), lang),),
        sentences=tuple(sentences), tokens=tuple(tokens), entities=tuple(ents), mentions=tuple(mentions),
        doc_areas=tuple(doc_areas), measures=tuple(ms), title=title, pipeline_version="test", n_bytes=len(text.encode()),
        meta=meta)


def build_db(path: Path, docs=DOCS) -> Path:
    """Write the synthetic corpus to ``path`` through the real writer (pipeline.store.Store)."""
    from pipeline.errors import EncryptedError
    from pipeline.store import Store

    results = [make_result(*d) for d in docs]
    with Store(path) as store:
        run_id = store.begin_run({"test": True}, "test")
        for r in results:
            store.write(r, run_id, r.path)
        if docs:
            store.record_error(run_id, "corpus/samples/broken.pdf",
                               EncryptedError("needs a password <secret>", stage="ingest"))
        store.end_run(run_id, {"ok": len(results), "n_failed": 1 if docs else 0})
    return path


def build_empty_db(path: Path) -> Path:
    return build_db(path, docs=[])


@pytest.fixture(scope="module")
def corpus(tmp_path_factory):
    from pipeline import open_corpus

    db = build_db(tmp_path_factory.mktemp("explore") / "t.duckdb")
    c = open_corpus(db)
    yield c
    c.close()


def test_tables_have_readme_columns(corpus):
    docs = corpus.documents()
    assert len(docs) == 5
    assert {"doc_id", "lang", "jurisdiction", "year", "title", "label"} <= set(docs.columns)
    assert set(docs["jurisdiction"]) == {"CN", "US", "EU"}
    m = corpus.mentions()
    assert len(m) == 20 and set(m["area"]) == {f"C{i}" for i in range(1, 8)}
    assert all(isinstance(e, list) for e in m["evidence"])
    assert m["text"].notna().all()  # joined with the sentence text
    meas = corpus.measures()
    assert len(meas) == 7 and set(meas["instrument"]) == {"supply", "environment", "demand"}
    assert all(isinstance(a, list) and a for a in meas["areas"])
    assert len(corpus.measures(instrument="demand")) == 1
    assert len(corpus.entities()) == 2 and len(corpus.sentences()) == 19
    assert corpus.doc_areas()["decision"].dtype == bool


def test_kwic_offsets_point_back_into_the_text(corpus):
    hits = corpus.kwic("量子", window=5)
    assert len(hits) >= 10 and set(hits["lang"]) == {"zh"}
    for r in hits.itertuples():
        assert corpus.text(r.doc_id)[r.start:r.end] == "量子"
        assert len(r.left) <= 5 and len(r.right) <= 5
    en = corpus.kwic("QUANTUM", lang="en")
    assert len(en) >= 8 and set(en["match"].str.lower()) == {"quantum"}  # case-insensitive
    assert en["sent"].notna().all()
    assert corpus.kwic("quantum", lang="zh").empty
    assert corpus.kwic("no-such-term-xyz").empty


def test_keyness_finds_the_distinctive_words(corpus):
    k = corpus.keyness(by="jurisdiction", target="US", top=10)
    assert list(k.columns) == ["group", "term", "freq", "freq_ref", "per_10k", "per_10k_ref", "score", "log_ratio"]
    terms = list(k["term"])
    assert "quantum" in terms[:3]
    assert not {"the", "shall", ",", "."} & set(terms)  # stop words and punctuation are out
    assert (k["score"] > 0).all() and k["score"].is_monotonic_decreasing
    zh = corpus.keyness(by="lang", target="zh", top=20, measure="chi2")
    assert "量子" in set(zh["term"]) and not {"的", "和", "，", "。"} & set(zh["term"])
    both = corpus.keyness(by="lang", top=5)
    assert set(both["group"]) == {"zh", "en"}
    with pytest.raises(ValueError):
        corpus.keyness(by="jurisdiction", target="XX")
    with pytest.raises(ValueError):
        corpus.keyness(by="colour")


def test_keyness_ll_matches_hand_computation():
    from pipeline.explore import _chi2, _ll

    a, b, c, d = pd.Series([10.0]), pd.Series([2.0]), 1000.0, 2000.0
    e1, e2 = c * 12 / 3000, d * 12 / 3000
    import math

    assert _ll(a, b, c, d)[0] == pytest.approx(2 * (10 * math.log(10 / e1) + 2 * math.log(2 / e2)))
    n = c + d
    assert _chi2(a, b, c, d)[0] == pytest.approx(n * (10 * 1998 - 990 * 2) ** 2 / (12 * (n - 12) * c * d))
    assert _ll(pd.Series([0.0]), pd.Series([5.0]), c, d)[0] > 0  # 0·log 0 = 0, no NaN


def test_profile_and_heatmap(corpus):
    p = corpus.profile(by="jurisdiction")
    assert list(p.columns) == ["n_docs", "C1", "C2", "C3", "C4", "C5", "C6", "C7"]
    assert p.loc["CN", "n_docs"] == 2 and p.loc["US", "n_docs"] == 2
    assert p.loc["CN", "C2"] == 1.0 and p.loc["CN", "C7"] == 0.5 and p.loc["US", "C6"] == 0.5  # only the CHIPS act addresses C6
    assert p.loc["EU", ["C1", "C7"]].sum() == 0
    s = corpus.profile(by="lang", value="share")
    assert 0 < s.loc["zh", "C1"] < 1
    h = corpus.heatmap_data()
    assert h.shape == (5, 7) and h.values.max() <= 1 and h.values.min() >= 0
    assert corpus.profile(by="year").index.tolist() == ["2018", "2021", "2022", "2023", "unknown"]


def test_render_displacy_spans(corpus):
    docs = corpus.documents()
    zh = docs[docs["title"] == "关于加快量子科技发展的意见"]["doc_id"].iloc[0]
    html = corpus.render(zh[:10])  # a prefix is enough
    assert "C1 strategy" in html and "#E69F00" in html and "量子" in html
    html_m = corpus.render(zh, kind="measures")
    assert "supply: research funding" in html_m and "财政" in html_m
    us = docs[docs["title"] == "National Quantum Initiative Act"]["doc_id"].iloc[0]
    html_us = corpus.render(us, kind="challenges", context="full")
    assert "&lt;" in html_us and "&amp;" in html_us and "<break" not in html_us  # escaped
    empty = docs[docs["jurisdiction"] == "EU"]["doc_id"].iloc[0]
    assert "No challenges" in corpus.render(empty)
    with pytest.raises(KeyError):
        corpus.render("zzzz")


def test_empty_database(tmp_path):
    from pipeline.explore import Corpus

    c = Corpus(build_empty_db(tmp_path / "e.duckdb"))
    assert c.documents().empty and c.mentions().empty and c.kwic("量子").empty
    assert c.keyness(by="jurisdiction").empty
    assert c.profile().empty and c.heatmap_data().empty
    with pytest.raises(FileNotFoundError):
        Corpus(tmp_path / "missing.duckdb")


def test_cli_kwic_keyness_show(tmp_path):
    from click.testing import CliRunner

    from pipeline.cli import main

    db = build_db(tmp_path / "c.duckdb")
    run = CliRunner().invoke
    r = run(main, ["kwic", "量子", "--db", str(db), "--window", "8"])
    assert r.exit_code == 0, r.output
    assert "量子" in r.output and "关于加快" in r.output
    r = run(main, ["keyness", "--db", str(db), "--by", "jurisdiction", "--top", "5"])
    assert r.exit_code == 0 and "quantum" in r.output and "CN" in r.output
    from pipeline.explore import Corpus

    with Corpus(db) as c:
        doc = c.documents().query("jurisdiction == 'US' and year == 2018")["doc_id"].iloc[0]
    r = run(main, ["show", doc[:8], "--db", str(db)], env={"COLUMNS": "200"})
    assert r.exit_code == 0, r.output
    assert "National Quantum Initiative Act" in r.output and "the Director" in r.output and "C5" in r.output
    r = run(main, ["show", "zzzz", "--db", str(db)])
    assert r.exit_code == 2 and "no document" in r.output
    r = run(main, ["kwic", "x", "--db", str(tmp_path / "none.duckdb")])
    assert r.exit_code == 2 and "no policylens database" in r.output
    for cmd in ("kwic", "keyness", "show", "report"):
        assert "Example:" in run(main, [cmd, "--help"]).output

"""POS tagging: the jieba flag → UPOS map, the Chinese look-up path, the English spaCy path, evaluation."""
from __future__ import annotations

import pickle
import shutil
from pathlib import Path

import pytest

from pipeline.errors import ResourceError
from pipeline.resources import models_path
from pipeline.tag import upos_zh
from pipeline.tag.pos import Tagger, jieba_dictionary, oov_flag, verify_model
from pipeline.types import Sentence, Token

MODEL = models_path("en_tagger")
needs_model = pytest.mark.skipif(not (MODEL / "meta.json").is_file(), reason="run `make models` first")


def _tokens(words: list[str], sent: int = 0, start: int = 0, sep: str = "") -> tuple[str, list[Token]]:
    toks, pos = [], start
    for w in words:
        toks.append(Token(pos, pos + len(w), w, sent=sent))
        pos += len(w) + len(sep)
    return sep.join(words), toks


# --------------------------------------------------------------------------------------- flag map
def test_upos_map_covers_every_flag_in_jieba_dict():
    flags = set()
    with open(jieba_dictionary(), encoding="utf-8") as fh:
        for line in fh:
            parts = line.split()
            if len(parts) >= 3:
                flags.add(parts[2])
    assert len(flags) > 40  # the real dictionary, not an empty file
    missing = sorted(f for f in flags if f not in upos_zh.FLAG_UPOS)
    assert missing == []
    assert set(upos_zh.FLAG_UPOS.values()) <= upos_zh.UPOS


@pytest.mark.parametrize(
    "flag, word, expected",
    [
        ("n", "技术", "NOUN"), ("v", "加快", "VERB"), ("v", "是", "AUX"), ("ul", "了", "AUX"),
        ("uj", "的", "PART"), ("p", "在", "ADP"), ("m", "三", "NUM"), ("m", "年", "NOUN"),
        ("r", "该", "DET"), ("r", "我们", "PRON"), ("ns", "北京", "PROPN"), ("x", "。", "PUNCT"),
        ("x", "％", "PUNCT"), ("x", "+", "SYM"), ("eng", "AI", "X"), ("d", "不", "ADV"),
        ("#", "怪", "X"), ("vqq", "怪", "VERB"),  # unknown flags fall back on their first letter
    ],
)
def test_to_upos_table(flag, word, expected):
    assert upos_zh.to_upos(flag, word) == expected


@pytest.mark.parametrize(
    "word, flag", [("2025", "m"), ("3.5%", "m"), ("一百二十", "m"), ("OECD", "eng"), ("5G", "eng"),
                   ("。", "x"), ("》", "x"), ("嗯哼哈", "n")],
)
def test_oov_rules(word, flag):
    assert oov_flag(word) == flag


# ---------------------------------------------------------------------------------------- Chinese
def test_chinese_sentence_lookup_tags():
    text, toks = _tokens(["我国", "将", "加快", "发展", "量子", "计算", "和", "人工智能", "，", "投入", "2025", "亿元", "。"])
    out = Tagger().tag(text, [Sentence(0, len(text), "zh")], toks)
    assert len(out) == len(toks)
    by_word = {t.text: t for t in out}
    assert by_word["量子"].pos in {"NOUN", "PROPN"}
    assert by_word["加快"].pos == "VERB"
    assert by_word["和"].pos == "CCONJ"
    assert by_word["，"].pos == "PUNCT" and by_word["。"].pos == "PUNCT"
    assert by_word["2025"].pos == "NUM" and by_word["2025"].tag == "m"
    assert all(t.pos in upos_zh.UPOS for t in out)
    assert all(t.lemma == t.text for t in out)
    assert [(t.start, t.end, t.text, t.sent) for t in out] == [(t.start, t.end, t.text, t.sent) for t in toks]
    assert by_word["量子"].tag == "n"  # the jieba flag is kept as the fine tag


def test_domain_dictionary_words_get_their_flag(tmp_path):
    dict_file = tmp_path / "d.txt"
    dict_file.write_text("量子精密测量 50 n\n揭榜挂帅 50 l\n科学技术部 57 nt\n", encoding="utf-8")
    tagger = Tagger(zh_dictionaries=[jieba_dictionary(), dict_file])
    text, toks = _tokens(["科学技术部", "实行", "揭榜挂帅", "量子精密测量"])
    out = tagger.tag(text, [Sentence(0, len(text), "zh")], toks)
    assert [(t.tag, t.pos) for t in out] == [("nt", "PROPN"), ("v", "VERB"), ("l", "NOUN"), ("n", "NOUN")]


def test_missing_chinese_dictionary_is_a_resource_error(tmp_path):
    tagger = Tagger(zh_dictionaries=[tmp_path / "absent.txt"])
    text, toks = _tokens(["量子"])
    with pytest.raises(ResourceError):
        tagger.tag(text, [Sentence(0, len(text), "zh")], toks)


def test_tagger_pickles_without_resources():
    tagger = Tagger()
    text, toks = _tokens(["量子"])
    tagger.tag(text, [Sentence(0, len(text), "zh")], toks)
    clone = pickle.loads(pickle.dumps(tagger))
    assert clone.flags_ is None and clone.nlp_ is None
    assert clone.tag(text, [Sentence(0, len(text), "zh")], toks)[0].pos == "NOUN"


def test_lazy_package_exports():
    import pipeline.tag as tag

    assert tag.Tagger is Tagger
    with pytest.raises(AttributeError):
        tag.NoSuchThing  # noqa: B018


# ---------------------------------------------------------------------------------------- English
@needs_model
def test_english_sentence_tags():
    words = ["The", "Ministry", "shall", "establish", "two", "national", "laboratories", "for",
             "quantum", "computing", "."]
    text, toks = _tokens(words, sep=" ")
    out = Tagger().tag(text, [Sentence(0, len(text), "en")], toks)
    got = {t.text: t for t in out}
    assert got["shall"].pos == "AUX" and got["shall"].tag == "MD"
    assert got["establish"].pos == "VERB" and got["establish"].tag == "VB"
    assert got["laboratories"].pos == "NOUN" and got["laboratories"].lemma == "laboratory"
    assert got["The"].pos == "DET" and got["."].pos == "PUNCT"
    assert got["two"].pos == "NUM"
    assert all(t.pos in upos_zh.UPOS for t in out)
    assert [(t.start, t.end) for t in out] == [(t.start, t.end) for t in toks]


@needs_model
def test_english_keeps_segmenter_lemma_and_handles_many_sentences():
    text1, toks1 = _tokens(["Funding", "was", "increased", "."], sent=0, sep=" ")
    toks1[2] = Token(toks1[2].start, toks1[2].end, "increased", lemma="INCREASE", sent=0)
    text2, toks2 = _tokens(["我们", "支持", "创新"], sent=1, start=len(text1) + 1)
    sents = [Sentence(0, len(text1), "en"), Sentence(len(text1) + 1, len(text1) + 1 + len(text2), "zh")]
    out = Tagger().tag(text1 + " " + text2, sents, toks1 + toks2)
    assert out[2].lemma == "INCREASE" and out[2].pos == "VERB"
    assert out[1].pos == "AUX" and out[1].lemma == "be"
    assert out[5].pos == "VERB" and out[5].tag == "v"


@needs_model
def test_mixed_sentence_routes_latin_runs_to_english():
    text, toks = _tokens(["我们", "使用", "the", "machine", "learning", "model", "和", "5G", "技术", "2025", "。"])
    out = Tagger().tag(text, [Sentence(0, len(text), "mixed")], toks)
    got = {t.text: t for t in out}
    assert got["the"].tag == "DT" and got["the"].pos == "DET"  # a Penn tag: the English path
    assert got["model"].pos == "NOUN" and got["model"].tag == "NN"
    assert got["技术"].tag == "n" and got["使用"].pos == "VERB"
    assert got["2025"].tag == "m" and got["。"].pos == "PUNCT"


def test_missing_model_says_make_models(tmp_path):
    text, toks = _tokens(["Hello"])
    with pytest.raises(ResourceError, match="make models"):
        Tagger(tmp_path / "nothing").tag(text, [Sentence(0, len(text), "en")], toks)


@needs_model
def test_changed_model_file_is_refused(tmp_path):
    copy = tmp_path / "en_tagger"
    shutil.copytree(MODEL, copy)
    verify_model(copy)  # an intact copy passes
    with open(copy / "tagger" / "model", "ab") as fh:
        fh.write(b"\0")
    with pytest.raises(ResourceError, match="changed"):
        verify_model(copy)


@needs_model
def test_meta_records_provenance():
    import json

    meta = json.loads((MODEL / "meta.json").read_text(encoding="utf-8"))["policylens"]
    assert meta["seed"] == 0 and meta["spacy_version"].startswith("3.8")
    assert len(meta["data"]) == 3 and all(len(h) == 64 for h in meta["data"].values())
    assert meta["ewt_test"]["upos"] >= 0.94
    assert "tok2vec" in meta["train_config"]
    size = sum(p.stat().st_size for p in MODEL.rglob("*") if p.is_file())
    assert size < 12_000_000


# ----------------------------------------------------------------------------------- shared data
@needs_model
def test_ewt_test_upos_first_500_sentences(shared: Path):
    from pipeline.evaluation.tagging import EWT_TEST, evaluate_english

    figures = evaluate_english(Tagger().nlp, shared / EWT_TEST, limit=500)
    assert figures["sentences"] == 500 and figures["tokens"] > 5000
    assert figures["upos"] >= 0.93
    assert figures["xpos"] >= 0.92


def test_gsdsimp_lookup_beats_a_floor(shared: Path):
    from pipeline.evaluation.tagging import GSD_TEST, evaluate_chinese_lookup

    figures = evaluate_chinese_lookup(Tagger(), shared / GSD_TEST, limit=200)
    assert figures["tokens"] > 4000
    assert figures["upos"] >= 0.70


def test_read_conllu_multiword_tokens(tmp_path):
    from pipeline.evaluation.tagging import read_conllu

    f = tmp_path / "x.conllu"
    f.write_text(
        "# text = I don't.\n"
        "1\tI\tI\tPRON\tPRP\t_\t3\tnsubj\t_\t_\n"
        "2-3\tdon't\t_\t_\t_\t_\t_\t_\t_\tSpaceAfter=No\n"
        "2\tdo\tdo\tAUX\tVBP\t_\t0\troot\t_\t_\n"
        "3\tn't\tnot\tPART\tRB\t_\t2\tadvmod\t_\t_\n"
        "4\t.\t.\tPUNCT\t.\t_\t2\tpunct\t_\t_\n\n",
        encoding="utf-8",
    )
    (s,) = read_conllu(f)
    assert s.words == ("I", "do", "n't", ".")
    assert s.upos == ("PRON", "AUX", "PART", "PUNCT")
    assert s.text == "I don't."


@needs_model
def test_cli_evaluate_tagger_prints_table(shared: Path):
    from click.testing import CliRunner

    from pipeline.cli import main

    result = CliRunner().invoke(main, ["evaluate", "tagger", "--shared", str(shared)])
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[0].split()[:3] == ["data", "method", "UPOS"]
    en_row = next(line for line in lines if line.startswith("UD EWT test"))
    assert float(en_row.split()[6]) >= 0.94  # "UD EWT test (en) spaCy tagger+morphologizer 0.9xxx ..."
    assert sum(line.startswith("UD GSDSimp test") for line in lines) == 2


def test_cli_evaluate_tagger_without_model_fails_cleanly(shared: Path, tmp_path):
    from click.testing import CliRunner

    from pipeline.cli import main

    result = CliRunner().invoke(main, ["evaluate", "tagger", "--shared", str(shared), "--model", str(tmp_path)])
    assert result.exit_code == 2
    assert "resource:" in result.output and "make models" in result.output


@needs_model
def test_blank_and_orphan_tokens_do_not_break_tagging():
    toks = (Token(0, 1, "a"), Token(1, 3, "  "), Token(3, 9, "policy"), Token(9, 9, ""), Token(10, 12, "量子", sent=7))
    out = Tagger().tag("a  policy 量子", [Sentence(0, 9, "en")], toks)
    assert [t.pos for t in out][1] == "X" and out[1].tag == "_SP" and out[3].tag == "_SP"
    assert out[2].pos == "NOUN"
    assert out[4].tag == "n" and out[4].pos == "NOUN"  # sentence index out of range: by script


def test_mixed_sentence_with_trailing_symbols_tags_every_token():
    """A Latin run ending in non-Latin symbols before CJK text (a real invoice PDF) left a token untagged."""
    from pipeline.language import paragraphs
    from pipeline.segment import Segmenter
    from pipeline.tag.pos import Tagger

    text = "ISSUE Date˖2019-4-25 Buyer˖哾㦓"
    seg = Segmenter()
    sents = seg.sentences(text, paragraphs(text))
    toks = seg.tokens(text, sents)
    tagged = Tagger().tag(text, sents, toks)
    assert all(t is not None and t.pos for t in tagged)
    assert [t.text for t in tagged] == [t.text for t in toks]

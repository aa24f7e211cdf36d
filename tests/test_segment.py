"""segment: sentences, tokens (owned jieba + spaCy), domain dictionary, offsets."""
from __future__ import annotations

import json
import pickle
import shutil

import pytest
from hypothesis import given, settings, strategies as st

from pipeline import segment as sg
from pipeline.errors import ResourceError
from pipeline.language import paragraphs
from pipeline.resources import corpus_path
from pipeline.segment import Segmenter, segment_words_zh
from pipeline.types import Sentence


@pytest.fixture(scope="module")
def seg() -> Segmenter:
    return Segmenter()


def _sents(seg, text):
    return [text[s.start : s.end] for s in seg.sentences(text, paragraphs(text))]


def test_chinese_sentences(seg):
    text = "国家支持基础研究。要加强原始创新！是否可行？“这是关键。”他说；继续推进……\n第二条 目标"
    assert _sents(seg, text) == [
        "国家支持基础研究。", "要加强原始创新！", "是否可行？", "“这是关键。”", "他说；", "继续推进……", "第二条 目标",
    ]


def test_no_split_inside_brackets(seg):
    text = "国务院印发《关于……的决定》。继续推进（详见附件。）工作！下一句。"
    assert _sents(seg, text) == ["国务院印发《关于……的决定》。", "继续推进（详见附件。）工作！", "下一句。"]
    assert _sents(seg, "未闭合（括号。下一句。") == ["未闭合（括号。", "下一句。"]  # a stray bracket


@pytest.mark.parametrize(
    "text, expected",
    [
        ("The U.S. Government funds research. It grew by 3.5 percent.",
         ["The U.S. Government funds research.", "It grew by 3.5 percent."]),
        ("See 15 U.S.C. 8801 and Sec. 2 of the Act. Dr. Smith et al. agreed.",
         ["See 15 U.S.C. 8801 and Sec. 2 of the Act.", "Dr. Smith et al. agreed."]),
        ("Agencies, e.g. NIST, i.e. the lab, No. 5 and Mr. Lee, Inc. staff.",
         ["Agencies, e.g. NIST, i.e. the lab, No. 5 and Mr. Lee, Inc. staff."]),
        ("He said \"Go now.\" Then he left.", ["He said \"Go now.\"", "Then he left."]),
        ("(a) In General. The Director shall act.", ["(a) In General.", "The Director shall act."]),
        ("1. Purpose of the Act", ["1. Purpose of the Act"]),
        ("Funding was $1,234.56 million in 2024. Next year more.",
         ["Funding was $1,234.56 million in 2024.", "Next year more."]),
        ("SEC. 2. DEFINITIONS.", ["SEC. 2. DEFINITIONS."]),
        ("  Padded sentence.   Another one.  ", ["Padded sentence.", "Another one."]),
    ],
)
def test_english_sentences(seg, text, expected):
    assert _sents(seg, text) == expected


def test_sentence_metadata(seg):
    text = "第一段。\n\nThe second paragraph. Two sentences."
    ss = seg.sentences(text, paragraphs(text))
    assert [(s.lang, s.paragraph) for s in ss] == [("zh", 0), ("en", 1), ("en", 1)]
    assert seg.sentences(text, None) == ss


DOMAIN_TERMS = [
    "量子计算机", "稀释制冷机", "国家量子倡议法案", "京沪干线", "科技成果转化", "量子通信", "量子精密测量",
    "量子密钥分发", "超导量子比特", "墨子号", "九章", "祖冲之号", "国家实验室", "揭榜挂帅", "专精特新",
    "卡脖子", "产学研", "新型举国体制", "国家重点研发计划", "国家自然科学基金委员会", "科学技术部",
    "工业和信息化部", "国家发展和改革委员会",
]


@pytest.mark.parametrize("term", DOMAIN_TERMS)
def test_domain_terms_stay_whole(seg, term):
    text = f"我们要推动{term}的发展。"
    toks = seg.tokens(text, seg.sentences(text, paragraphs(text)))
    assert term in [t.text for t in toks]
    assert term in segment_words_zh(f"关于{term}和相关工作")


def test_without_domain_dictionary_terms_split():
    plain = Segmenter(user_dicts=())
    text = "稀释制冷机和新型举国体制"
    words = [t.text for t in plain.tokens(text, (Sentence(0, len(text), "zh"),))]
    assert "稀释制冷机" not in words and "新型举国体制" not in words


def test_tokens_offsets_lemmas_and_routing(seg):
    text = "我们使用 quantum computing technologies 和 5G 网络。 The agencies were funding studies."
    ss = seg.sentences(text, paragraphs(text))
    toks = seg.tokens(text, ss)
    assert all(text[t.start : t.end] == t.text for t in toks)
    assert all(t.text.strip() == t.text and t.text for t in toks)
    by = {t.text: t for t in toks}
    assert by["technologies"].lemma == "technology"  # Latin run inside a Chinese sentence → spaCy
    assert by["agencies"].lemma == "agency" and by["were"].lemma == "be" and by["funding"].lemma == "fund"
    assert "5G" in by and "网络" in by
    assert by["The"].sent == 1 and by["我们"].sent == 0
    assert [t.start for t in toks] == sorted(t.start for t in toks)


def test_post_rules_numbers_and_dates(seg):
    assert segment_words_zh("2000年12月31日增长3.5%，二○○一年——新世纪，3年后") == [
        "2000年", "12月", "31日", "增长", "3.5%", "，", "二○○一年", "——", "新世纪", "，", "3", "年", "后",
    ]
    assert segment_words_zh("1960年代")[-1] == "年代"
    raw = Segmenter(rules=False)
    text = "2000年增长3.5%"
    assert "2000年" not in [t.text for t in raw.tokens(text, (Sentence(0, len(text), "zh"),))]


def test_pickles_and_loads_once(seg):
    text = "量子计算机。"
    seg.tokens(text, seg.sentences(text))
    clone = pickle.loads(pickle.dumps(seg))
    assert clone.zh is seg.zh  # one tokenizer per process and configuration
    assert pickle.loads(pickle.dumps(segment_words_zh)) is segment_words_zh


def test_domain_dictionary_hash_is_checked(tmp_path, monkeypatch):
    folder = tmp_path / "corpus" / "dictionaries"
    folder.mkdir(parents=True)
    shutil.copy(corpus_path("dictionaries", "zh_domain.meta.json"), folder)
    (folder / "zh_domain.txt").write_text("篡改词 100 n\n", encoding="utf-8")
    monkeypatch.setenv("POLICYLENS_HOME", str(tmp_path))
    with pytest.raises(ResourceError):
        sg.domain_dictionary()
    (folder / "zh_domain.meta.json").unlink()
    with pytest.raises(ResourceError):
        sg.domain_dictionary()


def test_domain_dictionary_meta_matches():
    meta = json.loads(corpus_path("dictionaries", "zh_domain.meta.json").read_text(encoding="utf-8"))
    assert meta["version"] and meta["entries"] >= 300
    rows = sg.read_user_dict(sg.domain_dictionary())
    assert len(rows) == meta["entries"]
    assert len({w for w, _, _ in rows}) == len(rows)
    assert all(f and f > 0 and tag for _, f, tag in rows)


_CHARS = st.sampled_from(list("量子计算机国家实验室。！？；…“”（）《》abcXYZ U.S. e.g. 3.5 12 年月日 —— \n\f\t\u3000-,'\"") + ["Dr.", "Sec. 2.", "§ 8801.", "(a)", "2024年", "稀释制冷机"])


@settings(max_examples=120, deadline=None)
@given(st.lists(_CHARS, max_size=40).map("".join))
def test_offsets_slice_text_exactly(text):
    seg = Segmenter()
    sents = seg.sentences(text, paragraphs(text))
    for s in sents:
        assert 0 <= s.start < s.end <= len(text)
        assert text[s.start : s.end] == text[s.start : s.end].strip()
    assert all(a.end <= b.start for a, b in zip(sents, sents[1:]))
    toks = seg.tokens(text, sents)
    for t in toks:
        assert text[t.start : t.end] == t.text and t.text.strip()
        s = sents[t.sent]
        assert s.start <= t.start and t.end <= s.end
    # every non-space char of a sentence is in exactly one token
    covered = sorted((t.start, t.end) for t in toks)
    assert all(a[1] <= b[0] for a, b in zip(covered, covered[1:]))
    n_chars = sum(1 for s in sents for c in text[s.start : s.end] if not c.isspace())
    assert sum(len(t.text) - sum(c.isspace() for c in t.text) for t in toks) == n_chars


@settings(max_examples=60, deadline=None)
@given(st.text(max_size=60))
def test_offsets_on_arbitrary_unicode(text):
    seg = Segmenter()
    sents = seg.sentences(text, paragraphs(text))
    for t in seg.tokens(text, sents):
        assert text[t.start : t.end] == t.text

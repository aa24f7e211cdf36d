"""normalise: folding, t2s, header/footer removal, line joining and an exact offset map."""
from __future__ import annotations

import pytest
from hypothesis import given, settings, strategies as st

from pipeline import normalise as nm
from pipeline.normalise import fold, normalise
from pipeline.types import PAGE_SEPARATOR, Page


def _pages(*texts: str) -> tuple[Page, ...]:
    return tuple(Page(i + 1, t, "text", 1.0) for i, t in enumerate(texts))


def _check_map(pages, n) -> str:
    """The offset map's invariants; returns the original text."""
    original = PAGE_SEPARATOR.join(p.text for p in pages)
    orig = n.offsets.orig
    assert len(orig) == len(n.text) + 1
    assert orig[-1] == len(original)
    assert all(0 <= orig[i] < len(original) for i in range(len(n.text)))
    assert all(orig[i] <= orig[i + 1] for i in range(len(n.text)))  # monotone
    return original


@pytest.mark.parametrize(
    "raw, expected",
    [
        ("ＡＢＣ１２３", "ABC123"),  # full-width letters and digits → half-width
        ("科技，创新。（一）？！：；", "科技，创新。（一）？！：；"),  # Chinese punctuation must not change
        ("⼀⼈", "一人"),  # Kangxi radicals
        ("ﬁnance", "finance"),  # ligature
        ("a\u00a0b\u3000c", "a b c"),  # no-break and ideographic spaces
        ("zero\u200bwidth\u00ad", "zerowidth"),
        ("line\r\nnext\rlast", "line\nnext\nlast"),
        ("plain text 量子 3.5%", "plain text 量子 3.5%"),  # must not change
    ],
)
def test_fold(raw, expected):
    text, idx = fold(raw)
    assert text == expected
    assert len(idx) == len(text)
    assert idx == sorted(idx)


def test_fold_offsets_point_at_source_chars():
    raw = "ＡＢ\r\n⼀ﬁ"
    text, idx = fold(raw, base=10)
    assert text == "AB\n一fi"
    assert idx == [10, 11, 13, 14, 15, 15]


def test_t2s_and_script():
    n = normalise(_pages("國家發展和改革委員會推動量子計算機研究。"))
    assert n.text == "国家发展和改革委员会推动量子计算机研究。"
    assert n.script == "hant"
    assert normalise(_pages("國家發展"), t2s=False).text == "國家發展"
    assert normalise(_pages("国家发展和改革委员会推动量子计算机研究。")).script == "hans"
    assert normalise(_pages("The National Quantum Initiative Act.")).script == "latin"
    assert normalise(_pages("量子 computing and quantum sensing technologies")).script == "mixed"


def test_t2s_length_change_keeps_offsets(monkeypatch):
    class Phrase:  # a converter whose phrase conversion changes length, as OpenCC may
        def convert(self, s):
            return s.replace("鬆餅", "松饼饼").replace("鬆", "松").replace("餅", "饼")

    monkeypatch.setitem(nm._CC, "t2s", Phrase())
    pages = _pages("吃鬆餅了")
    n = normalise(pages)
    assert n.text == "吃松饼了"
    original = _check_map(pages, n)
    assert [original[o] for o in n.offsets.orig[:-1]] == list("吃鬆餅了")


def test_join_chinese_wraps_without_space():
    n = normalise(_pages("为了促进科技成果转化，加快实施创新驱动发展战\n略，制定本法。第二条也在这一行里面写得很长很长\n"))
    assert n.text == "为了促进科技成果转化，加快实施创新驱动发展战略，制定本法。第二条也在这一行里面写得很长很长"


@pytest.mark.parametrize(
    "second",
    ["第二条 国家支持基础研究。", "一、总体要求", "（一）加强基础研究", "1. 加强基础研究", "(a) In general"],
)
def test_no_join_before_list_items(second):
    first = "这一行很长很长很长很长很长很长很长很长很长很长很长很长"
    n = normalise(_pages(f"{first}\n{second}"))
    assert n.text == f"{first}\n{second}"


def test_no_join_after_sentence_final_punctuation():
    n = normalise(_pages("这一行很长很长很长很长很长很长很长很长很长很长很长长。\n下一行也很长很长很长很长很长很长很长很长很长很长很长"))
    assert n.text.count("\n") == 1


def test_english_wraps_dehyphenation_and_paragraphs():
    raw = (
        "The National Quantum Initiative supports tech-\n"
        "nology development across many federal agencies and\n"
        "laboratories in the United States of America today.\n"
        "\n\n"
        "Second paragraph starts here and it is long enough too.\n"
    )
    pages = _pages(raw)
    n = normalise(pages)
    assert n.text == (
        "The National Quantum Initiative supports technology development across many federal agencies "
        "and laboratories in the United States of America today.\n\nSecond paragraph starts here and it is "
        "long enough too."
    )
    original = _check_map(pages, n)
    i = n.text.index("agencies and") + len("agencies and")
    assert n.text[i] == " " and original[n.offsets.orig[i]] == "\n"  # the space points to the newline


def test_short_line_is_not_joined():
    n = normalise(_pages("Introduction\nThe Department of Energy funds quantum information science research.\n"))
    assert n.text == "Introduction\nThe Department of Energy funds quantum information science research."


def test_headers_footers_and_page_numbers_removed():
    pages = _pages(*[
        f"科技部文件 2024年第{k}号\n{body}\n- {k} -"
        for k, body in enumerate(("量子计算机研究。", "稀释制冷机国产化。", "京沪干线投入使用。", "墨子号发射成功。"), 1)
    ], "Running head\nBody text.\nPage 5 of 5")
    n = normalise(pages)
    assert "科技部文件" not in n.text
    assert "- 1 -" not in n.text and "Page 5 of 5" not in n.text
    for body in ("量子计算机研究。", "稀释制冷机国产化。", "京沪干线投入使用。", "墨子号发射成功。"):
        assert body in n.text
    assert "Body text." in n.text
    assert "- 3 -" in n.removed_lines
    assert n.text.count("\n\n") == 4  # pages joined by a blank line
    original = _check_map(pages, n)
    i = n.text.index("京沪干线")
    assert n.offsets.page_of(i) == 3
    assert original[n.offsets.orig[i] : n.offsets.orig[i] + 4] == "京沪干线"
    assert n.text.endswith("Running head\nBody text.")


def test_single_page_keeps_numbers():
    assert normalise(_pages("12\n正文。")).text == "12\n正文。"


def test_empty_and_blank_pages():
    n = normalise(_pages("", "  \n ", "正文。"))
    assert n.text == "正文。"
    _check_map(_pages("", "  \n ", "正文。"), n)
    assert normalise(()).text == ""


_ALPHABET = st.sampled_from(list("量子计算機國家發展ａＢ１ab c-。，；\n\n\r\t\u3000⼀ﬁ\u200b第1条一、Page 3"))


@settings(max_examples=150, deadline=None)
@given(st.lists(st.text(_ALPHABET, max_size=60), min_size=1, max_size=4))
def test_offset_map_property(texts):
    pages = _pages(*texts)
    n = normalise(pages)
    original = _check_map(pages, n)
    for i, c in enumerate(n.text):
        src = original[n.offsets.orig[i]]
        if c in " \n":
            continue  # separators may replace newlines, page breaks or folded spaces
        folded = fold(src)[0]
        assert c in folded or c == nm._converter().convert(folded) or c in nm._converter().convert(folded), (c, src)


def test_join_before_closing_punctuation_even_after_short_line():
    pages = _pages("颁布了《重大动物疫情应急条例\n》等法规。\n推进（\n草案）工作。")
    assert normalise(pages).text == "颁布了《重大动物疫情应急条例》等法规。\n推进（草案）工作。"


@pytest.mark.parametrize(
    "upper, lower, joined",
    [
        ("tech-", "nology", "technology"),
        ("well-", "known", "well-known"),  # both halves are words, the joined form is not
        ("co-", "operation", "cooperation"),
        ("Quantum-", "Initiative", "Quantum- Initiative"),  # not lowercase on both sides: a plain join
    ],
)
def test_dehyphenation(upper, lower, joined):
    filler = "the agencies support research and development in many fields "
    n = normalise(_pages(f"{filler}{upper}\n{lower} {filler}"))
    assert joined in n.text

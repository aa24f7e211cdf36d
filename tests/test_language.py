"""language: paragraphs and languages by script counting."""
from __future__ import annotations

import pytest

from pipeline.language import document_language, lang_of, paragraphs


@pytest.mark.parametrize(
    "text, lang",
    [
        ("国家实验室建设取得重要进展。", "zh"),
        ("推进5G和AI在制造业中的应用。", "zh"),  # a few Latin letters stay zh
        ("The National Quantum Initiative Act was signed in 2018.", "en"),
        ("The term 量子 means quantum in Chinese policy documents.", "en"),
        ("量子计算机 (quantum computer and quantum sensing) 的研发", "mixed"),
        ("量子コンピュータの研究開発を推進する。", "other"),  # kana → other
        ("양자 컴퓨터 연구", "other"),  # Hangul → other
        ("12 345 — 67", "other"),  # no letters
        ("", "other"),
    ],
)
def test_lang_of(text, lang):
    assert lang_of(text) == lang


def test_paragraphs_split_lines_and_trim():
    text = "  第一条 总则。 \n\nThe Act.\n\f量子计算 mixed words\n   \n"
    ps = paragraphs(text)
    assert [text[p.start : p.end] for p in ps] == ["第一条 总则。", "The Act.", "量子计算 mixed words"]
    assert [p.lang for p in ps] == ["zh", "en", "mixed"]


def test_document_language():
    zh = "科技部发布通知。\n" * 12 + "Ministry of Science and Technology\n"
    assert document_language(zh, paragraphs(zh)) == "zh"
    en = "The Department of Energy funds research.\n" * 5 + "量子\n"
    assert document_language(en) == "en"
    mixed = "科技部发布关于量子计算的通知。\n" * 2 + "The Department of Energy funds quantum research.\n" * 2
    assert document_language(mixed) == "mixed"
    assert document_language("123 456\n") == "other"
    assert document_language("量子コンピュータの研究開発を推進する。\n") == "other"

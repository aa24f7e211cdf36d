"""jieba part-of-speech flags (the ICTCLAS-style tag set of ``jieba/dict.txt``) → Universal POS.

The flag map follows the UD Chinese (GSD) conventions: classifiers and time words are NOUN, locality
words (上 中 后 …) are ADP (postpositions), aspect markers (了 着 过) and the copula 是 are AUX, the
structural particles 的 地 得 are PART. A flag alone cannot tell every UD distinction, so a short list of
closed-class words (determiners, subordinating conjunctions, modal verbs, unit nouns jieba files under
``m``) overrides the flag. Choices were checked against UD Chinese GSDSimp **dev**; the figures we report
are on **test**. Pure data and two functions; nothing is loaded.
"""
from __future__ import annotations

import unicodedata

UPOS = frozenset(
    "ADJ ADP ADV AUX CCONJ DET INTJ NOUN NUM PART PRON PROPN PUNCT SCONJ SYM VERB X".split()
)

# Every flag in jieba 0.42.1 dict.txt, plus those jieba.posseg emits (eng, x, m, w, ...).
FLAG_UPOS: dict[str, str] = {
    # nouns
    "n": "NOUN", "ng": "PART", "nl": "NOUN", "l": "NOUN", "vn": "NOUN", "an": "NOUN", "g": "NOUN",
    "t": "NOUN", "tg": "NOUN", "s": "NOUN", "q": "NOUN",
    # proper nouns: person, transliterated person, foreign person, place, organisation, abbreviation
    "nr": "PROPN", "nrt": "PROPN", "nrfg": "PROPN", "ns": "PROPN", "nt": "PROPN", "nz": "PROPN",
    "j": "PROPN",
    # verbs (idioms are mostly predicative; set phrases "l" are NOUN above: our domain dictionary files
    # noun phrases such as 科技成果转化 and 产业链 under "l")
    "v": "VERB", "vd": "VERB", "vi": "VERB", "vq": "VERB", "vg": "VERB", "vf": "VERB", "vx": "VERB",
    "i": "VERB", "vshi": "AUX", "vyou": "VERB",
    # adjectives, distinguishing and status words
    "a": "ADJ", "ag": "ADJ", "b": "ADJ", "z": "ADJ",
    # adverbs
    "d": "ADV", "ad": "ADV", "df": "ADV", "dg": "ADV", "o": "ADV",
    # numerals
    "m": "NUM", "mq": "NUM", "mg": "NUM",
    # pronouns
    "r": "PRON", "rr": "PRON", "rz": "PRON", "rg": "PRON", "ry": "PRON",
    # function words
    "p": "ADP", "f": "ADP", "c": "CCONJ", "cc": "CCONJ",
    "u": "PART", "uj": "PART", "uv": "PART", "ud": "PART", "ul": "AUX", "uz": "AUX", "ug": "AUX",
    "y": "PART", "e": "INTJ", "k": "PART", "h": "PART", "zg": "PART",
    # everything else: letters, punctuation, unknown
    "eng": "X", "x": "X", "w": "PUNCT", "un": "X",
}

# Closed-class words whose UD tag differs from what their jieba flag says.
WORD_UPOS: dict[str, str] = {
    **dict.fromkeys("是 为".split(), "AUX"),
    **dict.fromkeys("会 能 可 可以 可能 要 应 应当 应该 需 需要 须 必须 得以 能够 不会 不能".split(), "AUX"),
    **dict.fromkeys("这 那 该 其他 其它 这些 那些 任何 各 每 某 此 本 诸 各个 各类 各项".split(), "DET"),
    **dict.fromkeys("而 但 并 所 但是 于是 所以 因此 因而 而且 并且 然而 从而 以便 否则".split(), "SCONJ"),
    **dict.fromkeys("年 月 日 号 岁 元 种 时 周 天 分 秒 倍".split(), "NOUN"),
    "等": "NOUN",
    "之": "PART",
}

_PUNCT_CATEGORIES = ("P", "S")


def is_punct(text: str) -> bool:
    """True when every character is Unicode punctuation or a symbol."""
    return bool(text) and all(unicodedata.category(ch)[0] in _PUNCT_CATEGORIES for ch in text)


def to_upos(flag: str, word: str = "") -> str:
    """The Universal POS tag for a jieba ``flag`` (``word`` refines closed-class words and ``x``)."""
    upos = WORD_UPOS.get(word)
    if upos is not None:
        return upos
    if flag in ("x", "w") and word:
        if is_punct(word):
            return "SYM" if all(unicodedata.category(ch)[0] == "S" for ch in word) else "PUNCT"
        return "X"
    upos = FLAG_UPOS.get(flag)
    if upos is None:  # an unlisted flag: fall back on its first letter (jieba's coarse class)
        upos = FLAG_UPOS.get(flag[:1], "X")
    return upos

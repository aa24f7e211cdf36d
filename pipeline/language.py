"""Language of paragraphs and of a whole document, by counting scripts (no models, no I/O).

A paragraph is one non-blank line of the normalised text (normalise has already joined visual line
wraps, so the remaining line breaks are meaningful: headings, list items, paragraphs), trimmed of
surrounding whitespace. Its language comes from counting Han characters against Latin letters:

* Japanese kana or Hangul making up at least 10 % of the letters -> ``other``;
* otherwise ``zh_share = han / (han + latin / 3)``; a Latin letter weighs a third of a Han character
  (an English word of about five letters carries about as much as a two-character Chinese word), so a
  Chinese sentence quoting "5G" or "AI" stays ``zh`` and an English sentence quoting 量子 stays ``en``;
* ``zh_share >= 0.75`` -> ``zh``; ``<= 0.25`` -> ``en``; in between -> ``mixed``; no letters -> ``other``.
"""
from __future__ import annotations

import re

from .types import Paragraph

LANGS = ("zh", "en", "mixed", "other")

# Han ideographs (CJK Unified + Extension A, compatibility ideographs, the supplementary ideographic
# planes): the one definition every stage counts Chinese characters with
HAN_CLASS = "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0002ffff"
HAN = re.compile(f"[{HAN_CLASS}]")
_LATIN = re.compile(r"[A-Za-z\u00c0-\u024f]")
_KANA_HANGUL = re.compile(r"[\u3040-\u30ff\u31f0-\u31ff\uac00-\ud7af\u1100-\u11ff\u3130-\u318f]")
_LINE = re.compile(r"[^\n\f\r]+")

ZH_MIN = 0.75
EN_MAX = 0.25
LATIN_WEIGHT = 1 / 3
OTHER_SCRIPT_MIN = 0.10


def script_counts(text: str) -> tuple[int, int, int]:
    """(Han characters, Latin letters, kana + Hangul) in ``text``."""
    return han_count(text), len(_LATIN.findall(text)), len(_KANA_HANGUL.findall(text))


def han_count(text: str) -> int:
    """Han characters in ``text``."""
    return len(HAN.findall(text))


def guess_lang(text: str) -> str:
    """``zh`` or ``en`` for a bare string, or for a sentence ``lang_of`` leaves ``mixed``/``other``: the side
    of the midpoint its weighted Han share (``han / (han + latin / 3)``, as above) falls on."""
    han, latin, _ = script_counts(text)
    return "zh" if han and han >= latin * LATIN_WEIGHT else "en"


def _lang_from_counts(han: int, latin: int, other: int) -> str:
    letters = han + latin + other
    if letters == 0:
        return "other"
    if other / letters >= OTHER_SCRIPT_MIN:
        return "other"
    share = han / (han + latin * LATIN_WEIGHT)
    if share >= ZH_MIN:
        return "zh"
    if share <= EN_MAX:
        return "en"
    return "mixed"


def lang_of(text: str) -> str:
    """``zh`` | ``en`` | ``mixed`` | ``other`` for one piece of text (see the module docstring)."""
    return _lang_from_counts(*script_counts(text))


def paragraphs(text: str) -> tuple[Paragraph, ...]:
    """One ``Paragraph`` per non-blank line, its span trimmed of whitespace, with its language."""
    out = []
    for m in _LINE.finditer(text):
        start, end = m.start(), m.end()
        while start < end and text[start].isspace():
            start += 1
        while end > start and text[end - 1].isspace():
            end -= 1
        if start < end:
            han, latin, other = script_counts(text[start:end])
            weight = han + latin * LATIN_WEIGHT + other
            out.append(Paragraph(start, end, _lang_from_counts(han, latin, other), weight))
    return tuple(out)


def document_language(text: str, paras: tuple[Paragraph, ...] | None = None) -> str:
    """The document's language from its paragraphs (``paragraphs(text)`` unless given), weighted by content.

    Each paragraph weighs ``han + latin / 3`` (kana/Hangul count fully; ``Paragraph.weight``). ``zh`` or
    ``en`` when that language holds at least 80 % of the weight, ``other`` when ``other`` paragraphs hold at
    least half, ``mixed`` otherwise; a text without letters is ``other``.
    """
    weight = dict.fromkeys(LANGS, 0.0)
    for p in paragraphs(text) if paras is None else paras:
        weight[p.lang] += p.weight
    total = sum(weight.values())
    if total == 0:
        return "other"
    for lang in ("zh", "en"):
        if weight[lang] / total >= 0.8:
            return lang
    if weight["other"] / total >= 0.5:
        return "other"
    return "mixed"

"""Field parsers for measures: money amounts, time expressions, actors. Pure ``str -> value`` helpers."""
from __future__ import annotations

import re
from typing import Optional

from ..tag.rules import find_amounts, find_dates

# Amounts and dates come from the one rule parser of the project (``pipeline.tag.rules``); this module
# only adds what a measure record needs on top: the first valued amount with its offsets, and the time
# phrase around a date ("for each of fiscal years …", "到2025年底前") or a relative period ("未来十年").
_EN_TIME_PRE = re.compile(
    r"(?:\b(?:not|no)\s+later\s+than\s+[^;.]{0,40}?\b(?:after|before)\s+|\bwithin\s+[^;.]{0,30}?\bafter\s+"
    r"|\bfor\s+(?:each\s+of\s+)?|\b(?:by|in|until|before|from|since|through|during)\s+(?:the\s+end\s+of\s+)?)$", re.I)
_ZH_TIME_PRE = re.compile(r"(?:到|至|在|于|从)$")
_ZH_TIME_POST = re.compile(r"(?:底前|年底前|底|以前|之前|前|内)")
_EN_RELATIVE = re.compile(r"\bover\s+(?:the\s+next\s+)?(?:\w+|\d+)\s+years\b", re.I)
_ZH_RELATIVE = re.compile(r"(?:未来|今后)[一二三四五六七八九十\d]+年|[一二三四五六七八九十\d]+年内")


def parse_money(text: str) -> Optional[tuple[float, str, int, int]]:
    """The first amount of money with a value in ``text``: (value, ISO currency, start, end), or None.

    >>> parse_money("投入10亿欧元")[:2]
    (1000000000.0, 'EUR')
    """
    for m in find_amounts(text):
        if m.value is not None and m.unit:
            return m.value, m.unit, m.start, m.end
    return None


def parse_time(text: str, lang: str) -> tuple[Optional[str], Optional[int]]:
    """(time phrase, first year) of the first time expression in ``text``; (None, None) when there is none."""
    dated = next((m for m in find_dates(text) if m.value is not None), None)
    rel = (_ZH_RELATIVE if lang == "zh" else _EN_RELATIVE).search(text)
    if rel and (dated is None or rel.start() < dated.start):
        return rel.group(), None
    if dated is None:
        return None, None
    start, end = dated.start, dated.end
    if lang == "zh":
        pre = _ZH_TIME_PRE.search(text, 0, start)
        post = _ZH_TIME_POST.match(text, end)
        start, end = (pre.start() if pre else start), (post.end() if post else end)
    else:
        pre = _EN_TIME_PRE.search(text[max(0, start - 80):start])
        start -= len(pre.group()) if pre else 0
    return text[start:end].strip(), int(dated.value)


_ZH_ACTOR = re.compile(
    r"^(?:第[一二三四五六七八九十百零]+条\s*)?(?:[一二三四五六七八九十]+是|同时，)?"
    r"((?:国家|国务院|中央军事委员会|我国|本市|政府|各地区|各有关部门|市|区|县级以上|省|有关部门|科技部|财政部|国家出口管制管理部门|"
    r"国家[^\s，。；]{0,12}管理部门|我们)[^，。；]{0,30}?)"
    r"(?=应当|可以|要|将|负责|鼓励|支持|加强|建立|设立|完善|制定|发展|推进|推动|加大|领导|遵循|营造|统筹|实行|受理|会同|积极|出台|加快|组建|依托|坚持|需|不得|$)"
)
_ZH_ACTOR_OK = re.compile(r"(国家|国务院|委员会|政府|部门|我国|本市|机构|各地区|我们|单位|科技部|财政部|司|局)$")
_EN_ACTOR = re.compile(
    r"(?:^|,\s+|\bthat\s+)((?:[Tt]he\s+)?(?:President|Secretary|Director|Administrator|Council|Subcommittee|Committee|Office|"
    r"Program|Foundation|Government|Department|Congress|Comptroller|head|heads|Board|Task Force|National [A-Z][a-z]+)"
    r"(?:[\s,]+(?:of|for|and|the|on|[A-Z][\w’'-]*|\([A-Z]+\)))*?)"
    r"\s*(?:,[^,]*,\s*)?(?=\s*(?:shall|will|may|must|should|is|are|has|have)\b)"
)
_EN_PRONOUN = re.compile(r"(?:^|[.;:]\s+|,\s+|\band\s+)(We|we|Labour|I|The Government|the Government)\s+(?:will|shall|have|are|must|should|can|'ll)\b")


def find_actor(text: str, lang: str) -> Optional[tuple[str, int, int]]:
    """(actor text, start, end) of the clause's grammatical actor, or None."""
    if lang == "zh":
        m = _ZH_ACTOR.search(text)
        if m and _ZH_ACTOR_OK.search(m.group(1)):
            return m.group(1), m.start(1), m.end(1)
        return None
    m = _EN_ACTOR.search(text)
    if m:
        actor = m.group(1).strip(" ,")
        return actor, m.start(1), m.start(1) + len(actor)
    m = _EN_PRONOUN.search(text)
    if m:
        return m.group(1), m.start(1), m.end(1)
    return None

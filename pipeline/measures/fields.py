"""Field parsers for measures: money amounts, time expressions, actors. Pure ``str -> value`` helpers."""
from __future__ import annotations

import re
from typing import Optional

_ZH_DIGITS = {"零": 0, "〇": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9}
_ZH_UNITS = {"十": 10, "百": 100, "千": 1000}
_ZH_BIG = {"万亿": 1e12, "亿": 1e8, "万": 1e4, "千": 1e3}
_ZH_CUR = {"美元": "USD", "欧元": "EUR", "英镑": "GBP", "日元": "JPY", "人民币": "CNY", "元": "CNY"}
_EN_SYM = {"$": "USD", "US$": "USD", "€": "EUR", "£": "GBP", "¥": "CNY"}
_EN_WORD_CUR = {"dollars": "USD", "euros": "EUR", "euro": "EUR", "pounds": "GBP", "yuan": "CNY", "renminbi": "CNY"}
_EN_SCALE = {"thousand": 1e3, "million": 1e6, "billion": 1e9, "trillion": 1e12, "m": 1e6, "bn": 1e9}

_NUM = r"\d+(?:[.,]\d+)*"
_ZH_NUM = r"(?:\d+(?:\.\d+)?|[零〇一二两三四五六七八九十百千]+)"
ZH_MONEY = re.compile(rf"({_ZH_NUM})(万亿|亿|万|千)?(美元|欧元|英镑|日元|元)")
EN_MONEY = re.compile(
    rf"(US\$|\$|€|£|¥)\s?({_NUM})(?:\s*(thousand|million|billion|trillion|bn|m)\b)?"
    rf"|\b({_NUM})\s*(thousand|million|billion|trillion)?\s*(dollars|euros?|pounds|yuan|renminbi)\b",
    re.I,
)


def zh_number(s: str) -> Optional[float]:
    """Arabic or simple Chinese numerals (五, 十, 三十, 一百五十) as a float."""
    try:
        return float(s.replace(",", ""))
    except ValueError:
        pass
    total, cur = 0, 0
    for ch in s:
        if ch in _ZH_DIGITS:
            cur = _ZH_DIGITS[ch]
        elif ch in _ZH_UNITS:
            total += (cur or 1) * _ZH_UNITS[ch]
            cur = 0
        else:
            return None
    return float(total + cur)


def parse_money(text: str) -> Optional[tuple[float, str, int, int]]:
    """The first money amount in ``text``: (value, ISO currency, start, end), or None.

    >>> parse_money("投入10亿欧元")[:2]
    (1000000000.0, 'EUR')
    """
    best = None
    m = ZH_MONEY.search(text)
    if m:
        n = zh_number(m.group(1))
        if n is not None:
            best = (n * _ZH_BIG.get(m.group(2) or "", 1.0), _ZH_CUR[m.group(3)], m.start(), m.end())
    m = EN_MONEY.search(text)
    if m and (best is None or m.start() < best[2]):
        if m.group(1):
            n, scale, cur = m.group(2), m.group(3), _EN_SYM[m.group(1).upper() if m.group(1) != "US$" else "US$"]
        else:
            n, scale, cur = m.group(4), m.group(5), _EN_WORD_CUR[m.group(6).lower()]
        value = float(n.replace(",", "")) * _EN_SCALE.get((scale or "").lower(), 1.0)
        best = (value, cur, m.start(), m.end())
    return best


_EN_TIME = re.compile(
    r"\b(?:for\s+)?(?:each\s+of\s+)?fiscal\s+years?\s+\d{4}(?:\s+(?:through|and|to)\s+\d{4})?"
    r"|\bnot\s+later\s+than\s+[^;]{0,40}?\b(?:19|20)\d\d\b"
    r"|\b(?:by|in|until|before|from|since)\s+(?:[A-Z][a-z]+\s+(?:\d{1,2},\s+)?)?(?:19|20)\d\d\b"
    r"|\bover\s+(?:the\s+next\s+)?(?:\w+|\d+)\s+years\b"
    r"|\b(?:19|20)\d\d\b",
    re.I,
)
_ZH_TIME = re.compile(
    r"(?:到|至|在|于|从)?(?:19|20)\d\d年(?:底前|前|底|以前|内)?(?:\d{1,2}月(?:底前|底|\d{1,2}日)?)?"
    r"(?:(?:至|到|—|-)(?:19|20)\d\d年)?|(?:未来|今后)[一二三四五六七八九十\d]+年|[一二三四五六七八九十\d]+年内"
)
_YEAR = re.compile(r"(?<!\d)(?:19|20)\d\d(?!\d)")
_NOT_TIME = re.compile(r"(?:Public Law|Stat\.|section|§|title|Law)\s*$", re.I)


def parse_time(text: str, lang: str) -> tuple[Optional[str], Optional[int]]:
    """(raw time expression, first year) of the first time expression in ``text``."""
    pattern = _ZH_TIME if lang == "zh" else _EN_TIME
    for m in pattern.finditer(text):
        if lang != "zh" and m.group().isdigit() and _NOT_TIME.search(text[max(0, m.start() - 14):m.start()]):
            continue
        raw = m.group().strip()
        y = _YEAR.search(raw)
        return raw, (int(y.group()) if y else None)
    return None, None


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

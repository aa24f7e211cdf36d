"""Rule entities: MONEY, DATE, YEAR, PERCENT, QUANTITY, with normalised values, in Chinese and English.

Everything works on character offsets of one string. Public helpers (reused by the measures stage):

- ``parse_money(text) -> (value, currency) | None``  e.g. "3.35亿美元" -> (335000000.0, "USD")
- ``parse_number(text) -> float | None``              Arabic or Chinese numerals with 万/亿/million…
- ``find_amounts(text)``, ``find_dates(text)``, ``find_percents(text)``, ``find_quantities(text)``,
  ``find_all(text)`` -> lists of :class:`RuleMatch`, sorted, non-overlapping (leftmost-longest).

Values: MONEY in whole currency units (ISO 4217 currency in ``unit``); PERCENT as the number
(``unit`` "%" or "pp" for percentage points); YEAR/DATE value = the (first) year, ``unit`` "year",
"years:2021-2025" for a range or "date:2023-06" / "date:2023-06-01" / "date:2023-12-end" for dates;
QUANTITY value with a normalised unit ("qubit", "km", "mK", "t", "MW", ...).
Sums that are not numbers ("such sums as may be necessary") are never MONEY.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Iterable, Optional

__all__ = [
    "RuleMatch", "parse_number", "parse_cn_number", "parse_money", "find_amounts", "find_dates",
    "find_percents", "find_quantities", "find_all", "FIVE_YEAR_PLANS",
]


@dataclass(frozen=True)
class RuleMatch:
    start: int
    end: int
    label: str  # MONEY DATE YEAR PERCENT QUANTITY
    text: str
    value: Optional[float] = None
    unit: Optional[str] = None


# ---------------------------------------------------------------------------------------- numbers
_CN_DIGITS = {"零": 0, "〇": 0, "○": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6,
              "七": 7, "八": 8, "九": 9}
_CN_SMALL = {"十": 10, "百": 100, "千": 1000}
_CN_BIG = {"万": 10_000, "亿": 100_000_000}
_EN_MULT = {"thousand": 1e3, "million": 1e6, "billion": 1e9, "trillion": 1e12,
            "m": 1e6, "mn": 1e6, "b": 1e9, "bn": 1e9}
_EN_WORDS = {"a": 1, "an": 1, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7,
             "eight": 8, "nine": 9, "ten": 10, "eleven": 11, "twelve": 12, "fifteen": 15, "twenty": 20,
             "thirty": 30, "forty": 40, "fifty": 50, "sixty": 60, "seventy": 70, "eighty": 80,
             "ninety": 90, "hundred": 100, "several": None}

# Five-Year Plan periods (ordinal -> first year).
FIVE_YEAR_PLANS = {11: 2006, 12: 2011, 13: 2016, 14: 2021, 15: 2026}
_CN_ORD = {"十一": 11, "十二": 12, "十三": 13, "十四": 14, "十五": 15}
_EN_ORD = {"11th": 11, "eleventh": 11, "12th": 12, "twelfth": 12, "13th": 13, "thirteenth": 13,
           "14th": 14, "fourteenth": 14, "15th": 15, "fifteenth": 15}


def parse_cn_number(s: str) -> Optional[float]:
    """Chinese numerals (一千二百三十万, 十, 二〇二三 as digits) to a number; None if not one."""
    s = s.strip()
    if not s:
        return None
    if all(ch in _CN_DIGITS for ch in s) and len(s) > 1:  # 二〇二三: digit by digit
        return float("".join(str(_CN_DIGITS[ch]) for ch in s))
    total, section, digit = 0.0, 0.0, None
    for ch in s:
        if ch in _CN_DIGITS:
            digit = _CN_DIGITS[ch]
        elif ch in _CN_SMALL:
            section += (1 if digit is None else digit) * _CN_SMALL[ch]
            digit = None
        elif ch in _CN_BIG:
            section += digit or 0
            if ch == "亿":
                total = ((total + section) or 1) * _CN_BIG[ch]
            else:
                total += (section or 1) * _CN_BIG[ch]
            section, digit = 0.0, None
        else:
            return None
    return total + section + (digit or 0)


_DIGITS = r"\d+(?:[,，]\d{3})*(?:\.\d+)?"
_CN_NUM = r"[〇零一二两三四五六七八九十][〇零一二两三四五六七八九十百千万亿]*"
_ZH_NUM = rf"(?:{_DIGITS}|{_CN_NUM})"


def _zh_value(num: str, mults: str) -> Optional[float]:
    if num[0].isdigit():
        value = float(num.replace(",", "").replace("，", ""))
    else:
        value = parse_cn_number(num)
        if value is None:
            return None
    for ch in mults:
        value *= _CN_SMALL.get(ch) or _CN_BIG.get(ch) or 1
    return value


def parse_number(text: str) -> Optional[float]:
    """A number written as digits, Chinese numerals, or with 万/亿/million/billion; None otherwise."""
    t = text.strip()
    m = re.fullmatch(rf"({_ZH_NUM})(?:多|余)?([十百千万亿]*)", t)
    if m:
        return _zh_value(m.group(1), m.group(2))
    m = re.fullmatch(r"(\d[\d,]*(?:\.\d+)?|[A-Za-z]+)(?:\s+(thousand|million|billion|trillion))?", t, re.I)
    if m:
        return _en_value(m.group(1), m.group(2))
    return None


def _en_value(num: str, mult: Optional[str]) -> Optional[float]:
    if num[0].isdigit():
        value = float(num.replace(",", ""))
    else:
        value = _EN_WORDS.get(num.lower())
        if value is None:
            return None
    if mult:
        value *= _EN_MULT[mult.lower()]
    return float(value)


# ---------------------------------------------------------------------------------------- MONEY
_ZH_CUR = {"美元": "USD", "欧元": "EUR", "英镑": "GBP", "日元": "JPY", "港元": "HKD", "港币": "HKD",
           "元人民币": "CNY", "元": "CNY"}
_ZH_MONEY = re.compile(
    rf"(?<![\d.])(?:人民币)?(?P<num>{_ZH_NUM})(?P<m1>[十百千万亿]*)(?:多|余)?(?P<m2>[十百千万亿]*)"
    r"(?P<cur>美元|欧元|英镑|日元|港元|港币|元人民币|元)(?!素|件|化|旦|首|宵)"
)
_EN_SYM = {"$": "USD", "us$": "USD", "usd": "USD", "£": "GBP", "gbp": "GBP", "€": "EUR", "eur": "EUR",
           "¥": "CNY", "rmb": "CNY", "cny": "CNY", "jpy": "JPY"}
_EN_WORD_NUM = r"(?:a|one|two|three|four|five|six|seven|eight|nine|ten|twenty|thirty|forty|fifty|hundred)"
_EN_MONEY_SYM = re.compile(
    r"(?<![\w$£€¥])(?P<sym>US\$|\$|£|€|¥|(?:RMB|USD|EUR|GBP|CNY|JPY)\s?)(?P<num>\d[\d,]*(?:\.\d+)?)"
    r"(?:\s?(?P<mult>thousand|million|billion|trillion|bn|mn|[mb])\b)?",
    re.I,
)
_EN_CUR = {"dollar": "USD", "dollars": "USD", "euro": "EUR", "euros": "EUR", "pound": "GBP",
           "pounds": "GBP", "pounds sterling": "GBP", "yuan": "CNY", "renminbi": "CNY", "yen": "JPY"}
_EN_MONEY_VAGUE = re.compile(
    r"\b(?P<q>(?:a|one|several|hundreds\sof|tens\sof|billions\sof|millions\sof)\s)?(?P<mult>million|billion|trillion)s?"
    r"(?:\sof)?\s(?P<cur>dollars|euros|pounds|yuan)\b",
    re.I,
)
_EN_MONEY_WORD = re.compile(
    rf"(?<![\w.$£€])(?P<num>\d[\d,]*(?:\.\d+)?|{_EN_WORD_NUM})(?:\s(?P<mult>thousand|million|billion|trillion))?"
    r"\s(?P<cur>dollars?|euros?|pounds sterling|pounds|yuan|renminbi|yen)\b",
    re.I,
)


def find_amounts(text: str) -> list[RuleMatch]:
    out: list[RuleMatch] = []
    for m in _ZH_MONEY.finditer(text):
        value = _zh_value(m.group("num"), m.group("m1") + m.group("m2"))
        if value is not None:
            out.append(RuleMatch(m.start(), m.end(), "MONEY", m.group(), value, _ZH_CUR[m.group("cur")]))
    for m in _EN_MONEY_SYM.finditer(text):
        mult = m.group("mult")
        value = _en_value(m.group("num"), mult)
        cur = _EN_SYM[m.group("sym").strip().lower()]
        out.append(RuleMatch(m.start(), m.end(), "MONEY", m.group(), value, cur))
    for m in _EN_MONEY_WORD.finditer(text):
        value = _en_value(m.group("num"), m.group("mult"))
        if value is not None:
            out.append(RuleMatch(m.start(), m.end(), "MONEY", m.group(), value,
                                 _EN_CUR[m.group("cur").lower()]))
    for m in _EN_MONEY_VAGUE.finditer(text):
        q = (m.group("q") or "").strip().lower()
        plural = m.group().lower().startswith(m.group("mult").lower() + "s", m.start("mult") - m.start())
        value = _EN_MULT[m.group("mult").lower()] if q in ("", "a", "one") and not plural else None
        out.append(RuleMatch(m.start(), m.end(), "MONEY", m.group(), value, _EN_CUR[m.group("cur").lower()]))
    return _leftmost_longest(out)


def parse_money(text: str) -> Optional[tuple[float, str]]:
    """``(value, ISO currency)`` for a string that is (or contains) one amount of money, else None."""
    found = find_amounts(text)
    if not found:
        return None
    return found[0].value, found[0].unit


# ---------------------------------------------------------------------------------------- DATE / YEAR
_MONTHS = {m: i for i, m in enumerate(
    ["january", "february", "march", "april", "may", "june", "july", "august", "september", "october",
     "november", "december"], 1)}
_MONTH_RE = (r"(?:January|February|March|April|May|June|July|August|September|October|November|December|"
             r"Jan\.|Feb\.|Mar\.|Apr\.|Aug\.|Sept\.|Sep\.|Oct\.|Nov\.|Dec\.)")
_MONTH_ABBR = {"jan.": 1, "feb.": 2, "mar.": 3, "apr.": 4, "aug.": 8, "sept.": 9, "sep.": 9, "oct.": 10,
               "nov.": 11, "dec.": 12}
_CN_Y = r"(?:\d{4}|[〇○零一二三四五六七八九]{4})"
_CN_MD = r"(?:\d{1,2}|[一二三四五六七八九十]{1,3})"
_ZH_DATE = re.compile(
    rf"(?<![\d.])(?P<y>{_CN_Y})年(?:(?P<mo>{_CN_MD})月(?:(?P<d>{_CN_MD})日)?|(?P<edge>底前|末前|年底前|底|末|年底|年末|初|上半年|下半年))"
)
_ZH_MD = re.compile(rf"(?<![\d年.])(?P<mo>(?:1[0-2]|[1-9]|十[一二]?|[一二三四五六七八九]))月(?P<d>{_CN_MD})日")
_ZH_RANGE = re.compile(r"(?<![\d.])(?P<a>\d{4})\s*(?:—|–|-|－|~|～|至|到)\s*(?P<b>\d{4})\s*年")
_ZH_YEAR = re.compile(rf"(?<![\d.])(?P<y>{_CN_Y})\s*年(?:度)?")
_ZH_FYP = re.compile(r"[“\"]?(?P<o>十一|十二|十三|十四|十五)五[”\"]?(?:时期|期间|期末|末期|末|初期)?")
_EN_DATE = re.compile(
    rf"\b(?:(?P<d1>\d{{1,2}})\s+)?(?P<mo>{_MONTH_RE})\s+(?:(?P<d2>\d{{1,2}}),?\s+)?(?P<y>1[6-9]\d\d|20\d\d)\b"
)
_EN_MD = re.compile(rf"\b(?P<mo>{_MONTH_RE})\s+(?P<d>[1-9]|[12]\d|3[01])\b(?!,?\s+\d{{4}})(?!\s*(?:percent|%))")
_EN_MONTH = re.compile(
    r"\b(?:in|since|until|by|from|of|last|next|this|early|late|mid|before|after)\s"
    r"(?P<mo>January|February|April|June|July|August|September|October|November|December)\b(?!\s+\d)"
)
_EN_FY = re.compile(
    r"\b(?:fiscal|financial)\s+years?\s+(?P<a>\d{4})(?:(?:\s*(?:through|to|and|-|–)\s*|,\s*(?:\d{4},\s*)*(?:and\s+)?)(?P<b>\d{4}))?\b",
    re.I,
)
_EN_FYP = re.compile(r"\b(?:the\s+)?(?P<o>1[1-5]th|eleventh|twelfth|thirteenth|fourteenth|fifteenth)\s+Five-Year\s+Plan\s+period\b", re.I)
_EN_RANGE = re.compile(r"(?<![\w§.])(?P<a>1[7-9]\d\d|20\d\d)\s*(?:–|-|—|\s+through\s+|\s+to\s+)\s*(?P<b>1[7-9]\d\d|20\d\d)\b")
_EN_YEAR = re.compile(r"(?<![\w§.,$£€])(?P<y>1[7-9]\d\d|20\d\d)(?![\w%]|,\d|\.\d|\s?percent)")
_EN_NOT_YEAR_BEFORE = re.compile(r"(?:sections?|§§?|title|titles|No\.|Nos\.|chapter|paragraph|subsection|U\.S\.C\.|Stat\.|Law|L\.|page|pages|part|Part|Section|Title|Chapter|Rule)\s*$")


def _cn_int(s: Optional[str]) -> Optional[int]:
    if not s:
        return None
    if s.isdigit():
        return int(s)
    v = parse_cn_number(s)
    return int(v) if v is not None else None


def find_dates(text: str) -> list[RuleMatch]:
    out: list[RuleMatch] = []
    for m in _ZH_DATE.finditer(text):
        y = _cn_int(m.group("y"))
        mo, d, edge = _cn_int(m.group("mo")), _cn_int(m.group("d")), m.group("edge")
        if edge:
            tag = {"初": "start", "上半年": "h1", "下半年": "h2"}.get(edge, "end")
            unit = f"date:{y}-{tag}"
        else:
            unit = f"date:{y}-{mo:02d}" + (f"-{d:02d}" if d else "")
        out.append(RuleMatch(m.start(), m.end(), "DATE", m.group(), float(y), unit))
    for m in _ZH_MD.finditer(text):
        mo, d = _cn_int(m.group("mo")), _cn_int(m.group("d"))
        out.append(RuleMatch(m.start(), m.end(), "DATE", m.group(), None, f"date:--{mo:02d}-{d:02d}"))
    for m in _ZH_RANGE.finditer(text):
        a, b = int(m.group("a")), int(m.group("b"))
        out.append(RuleMatch(m.start(), m.end(), "YEAR", m.group(), float(a), f"years:{a}-{b}"))
    for m in _ZH_YEAR.finditer(text):
        y = _cn_int(m.group("y"))
        if y and 1000 <= y <= 2100:
            out.append(RuleMatch(m.start(), m.end(), "YEAR", m.group(), float(y), "year"))
    for m in _ZH_FYP.finditer(text):
        a = FIVE_YEAR_PLANS[_CN_ORD[m.group("o")]]
        end = m.end()
        s = m.group()
        if s.startswith("“") != s.rstrip("时期间末初").endswith("”"):  # keep quotes balanced
            continue
        out.append(RuleMatch(m.start(), end, "YEAR", s, float(a), f"years:{a}-{a + 4}"))
    for m in _EN_DATE.finditer(text):
        y, mo = int(m.group("y")), (_MONTHS.get(m.group("mo").lower()) or _MONTH_ABBR[m.group("mo").lower()])
        d = m.group("d1") or m.group("d2")
        if m.group("mo") == "May" and not d and not re.match(r"\s+\d{4}\b", text[m.end("mo"):]):
            continue
        unit = f"date:{y}-{mo:02d}" + (f"-{int(d):02d}" if d else "")
        out.append(RuleMatch(m.start(), m.end(), "DATE", m.group(), float(y), unit))
    for m in _EN_MD.finditer(text):
        mo = _MONTHS.get(m.group("mo").lower()) or _MONTH_ABBR[m.group("mo").lower()]
        if m.group("mo") == "May":
            continue
        out.append(RuleMatch(m.start(), m.end(), "DATE", m.group(), None, f"date:--{mo:02d}-{int(m.group('d')):02d}"))
    for m in _EN_MONTH.finditer(text):
        mo = _MONTHS[m.group("mo").lower()]
        out.append(RuleMatch(m.start("mo"), m.end(), "DATE", m.group("mo"), None, f"date:--{mo:02d}"))
    for m in _EN_FY.finditer(text):
        a = int(m.group("a"))
        b = int(m.group("b")) if m.group("b") else a
        unit = "year" if a == b else f"years:{a}-{b}"
        out.append(RuleMatch(m.start(), m.end(), "YEAR", m.group(), float(a), unit))
    for m in _EN_FYP.finditer(text):
        a = FIVE_YEAR_PLANS[_EN_ORD[m.group("o").lower()]]
        out.append(RuleMatch(m.start(), m.end(), "YEAR", m.group(), float(a), f"years:{a}-{a + 4}"))
    for m in _EN_RANGE.finditer(text):
        a, b = int(m.group("a")), int(m.group("b"))
        if a < b and not _EN_NOT_YEAR_BEFORE.search(text[max(0, m.start() - 14):m.start()]):
            out.append(RuleMatch(m.start(), m.end(), "YEAR", m.group(), float(a), f"years:{a}-{b}"))
    for m in _EN_YEAR.finditer(text):
        if _EN_NOT_YEAR_BEFORE.search(text[max(0, m.start() - 14):m.start()]):
            continue
        y = int(m.group("y"))
        out.append(RuleMatch(m.start(), m.end(), "YEAR", m.group(), float(y), "year"))
    return _leftmost_longest(out)


# ---------------------------------------------------------------------------------------- PERCENT
_ZH_PCT_CN = re.compile(r"百分之(?P<n>[零〇一二两三四五六七八九十百点]+)")
_PCT_DIGITS = re.compile(r"(?<![A-Za-z0-9.])(?P<n>\d+(?:\.\d+)?)\s?(?P<u>%|％|percent\b|per\s+cent\b|percentage\s+points?\b|个百分点)", re.I)
_PCT_WORDS = re.compile(rf"\b(?P<n>{_EN_WORD_NUM}|eleven|twelve|fifteen|sixty|seventy|eighty|ninety)\s(?P<u>percent|per\s+cent|percentage\s+points?)\b", re.I)
_ZH_PP_CN = re.compile(rf"(?P<n>{_CN_NUM}(?:点[零〇一二三四五六七八九]+)?)个百分点")


def _cn_decimal(s: str) -> Optional[float]:
    whole, _, frac = s.partition("点")
    w = parse_cn_number(whole) if whole else 0.0
    if w is None:
        return None
    if frac:
        return float(f"{int(w)}.{''.join(str(_CN_DIGITS.get(c, 0)) for c in frac)}")
    return w


def find_percents(text: str) -> list[RuleMatch]:
    out: list[RuleMatch] = []
    for m in _ZH_PCT_CN.finditer(text):
        v = _cn_decimal(m.group("n"))
        if v is not None:
            out.append(RuleMatch(m.start(), m.end(), "PERCENT", m.group(), v, "%"))
    for m in _PCT_DIGITS.finditer(text):
        u = m.group("u").lower()
        unit = "pp" if ("point" in u or "百分点" in u) else "%"
        out.append(RuleMatch(m.start(), m.end(), "PERCENT", m.group(), float(m.group("n")), unit))
    for m in _PCT_WORDS.finditer(text):
        v = _EN_WORDS.get(m.group("n").lower())
        unit = "pp" if "point" in m.group("u").lower() else "%"
        out.append(RuleMatch(m.start(), m.end(), "PERCENT", m.group(), float(v) if v else None, unit))
    for m in _ZH_PP_CN.finditer(text):
        out.append(RuleMatch(m.start(), m.end(), "PERCENT", m.group(), _cn_decimal(m.group("n")), "pp"))
    return _leftmost_longest(out)


# ---------------------------------------------------------------------------------------- QUANTITY
_ZH_UNITS = {"量子比特": "qubit", "比特": "bit", "平方公里": "km2", "平方千米": "km2", "公里": "km",
             "千米": "km", "平方米": "m2", "立方米": "m3", "米": "m", "万吨": "t*1e4", "亿吨": "t*1e8",
             "吨": "t", "千瓦时": "kWh", "千瓦": "kW", "兆瓦": "MW", "吉瓦": "GW", "公顷": "ha", "亩": "mu",
             "毫开": "mK", "万斤": "jin*1e4", "亿斤": "jin*1e8", "斤": "jin", "公斤": "kg", "千克": "kg", "开尔文": "K", "纳米": "nm", "微米": "um", "毫米": "mm", "厘米": "cm"}
_ZH_QTY = re.compile(
    rf"(?<![\d.])(?P<num>{_ZH_NUM})(?P<m1>[十百千万亿]*)(?:多|余)?(?P<m2>[十百千万亿]*)(?:个)?"
    r"(?P<u>量子比特|比特|公斤|千克|斤|平方公里|平方千米|公里|千米|平方米|立方米|万吨|亿吨|吨|千瓦时|千瓦|兆瓦|吉瓦|公顷|亩|毫开|开尔文|纳米|微米|毫米|厘米|米(?![饭粮面]))"
)
_EN_UNITS = {"qubit": "qubit", "kilometer": "km", "kilometre": "km", "km": "km", "mile": "mi",
             "square mile": "mi2", "ton": "t", "tonne": "t", "megawatt": "MW", "gigawatt": "GW",
             "mw": "MW", "gw": "GW", "kw": "kW", "acre": "acre", "nanometer": "nm", "nanometre": "nm",
             "nm": "nm", "mk": "mK", "millikelvin": "mK", "kelvin": "K", "barrel": "bbl", "gallon": "gal",
             "feet": "ft", "foot": "ft", "meter": "m", "metre": "m", "terabyte": "TB", "petaflop": "PFLOPS",
             "exaflop": "EFLOPS"}
_EN_QTY = re.compile(
    rf"(?<![\w.$£€])(?P<num>\d[\d,]*(?:\.\d+)?|{_EN_WORD_NUM})(?:\s(?P<mult>thousand|million|billion))?[\s-]?"
    r"(?P<u>qubits?|kilometers?|kilometres?|km|square\smiles?|miles?|tons?|tonnes?|megawatts?|gigawatts?|MW|GW|kW|"
    r"acres?|nanometers?|nanometres?|nm|mK|millikelvin|kelvin|barrels?|gallons?|feet|foot|meters?|metres?|"
    r"terabytes?|petaflops?|exaflops?)\b"
)


def find_quantities(text: str) -> list[RuleMatch]:
    out: list[RuleMatch] = []
    for m in _ZH_QTY.finditer(text):
        value = _zh_value(m.group("num"), m.group("m1") + m.group("m2"))
        unit = _ZH_UNITS[m.group("u")]
        if value is None:
            continue
        if "*" in unit:
            unit, factor = unit.split("*")
            value *= float(factor)
        out.append(RuleMatch(m.start(), m.end(), "QUANTITY", m.group(), value, unit))
    for m in _EN_QTY.finditer(text):
        value = _en_value(m.group("num"), m.group("mult"))
        u = m.group("u")
        key = re.sub(r"\s+", " ", u.lower())
        if key not in _EN_UNITS and key.endswith("s") and key[:-1] in _EN_UNITS:
            key = key[:-1]
        if value is None or key not in _EN_UNITS:
            continue
        out.append(RuleMatch(m.start(), m.end(), "QUANTITY", m.group(), value, _EN_UNITS[key]))
    return _leftmost_longest(out)


# ---------------------------------------------------------------------------------------- all
def _leftmost_longest(matches: Iterable) -> list:
    """Keep non-overlapping matches: earliest start first, then the longest."""
    chosen, last_end = [], -1
    for m in sorted(matches, key=lambda m: (m.start, -(m.end - m.start))):
        if m.start >= last_end:
            chosen.append(m)
            last_end = m.end
    return chosen


def find_all(text: str) -> list[RuleMatch]:
    """All rule entities, non-overlapping (MONEY/PERCENT/QUANTITY win ties over dates by length)."""
    return _leftmost_longest(find_amounts(text) + find_percents(text) + find_quantities(text) + find_dates(text))

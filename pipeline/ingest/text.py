"""Decoding text files: BOMs, BOM-less UTF-16 by NUL pattern, UTF-8, GB18030/GBK, Big5, cp1252.

``decode(data) -> (text, encoding, warnings)`` never raises on bad bytes: it picks the best candidate
and decodes with replacement, adding a warning.
"""
from __future__ import annotations

import codecs
import re

from ..language import han_count

# Very frequent characters in Simplified and in Traditional text: GBK bytes read as Big5 (and the
# reverse) decode to rare characters, so the right codec finds many of these.
_COMMON = set(
    "的一是在不了有和人这中大为上个国我以要他时来用们生到作地于出就分对成会可主发年动同工也能下过子说产种面"
    "而方后多定行学法所民得经十三之进着等部度家电力里如水化高自二理起小物现实加量都两体制机当使点从业本去把"
    "性好应开它合还因由其些然前外天政四日那社义事平形相全表间样与关各重新线内数正心反明看原又么利比或但质气"
    "第向道命此变条只没结解问意建月公无系军很情者最立代想已通并提直题党程展五果料象员革位入常文总次品式活设"
    "及管特件长求老头基资边流路级少图山统接知较将组见计别手角期根论运农指几九区强放决西被干做必战先回则任取"
    "据处府研技术科创策支持投服务"
    "這為個國們時來對會發動過說產種後學經進著電裡現實兩體機當點從業應開還關與間樣數變條沒結問無軍議員總設長"
    "頭資邊級圖統較將組見計別論運農幾區強決戰則據處術創務"
)

_CANDIDATES = ("utf-8", "gb18030", "big5", "cp1252")


def _bom(data: bytes) -> tuple[str, int] | None:
    for bom, enc in ((codecs.BOM_UTF32_LE, "utf-32-le"), (codecs.BOM_UTF32_BE, "utf-32-be"),
                     (codecs.BOM_UTF8, "utf-8"), (codecs.BOM_UTF16_LE, "utf-16-le"),
                     (codecs.BOM_UTF16_BE, "utf-16-be")):
        if data.startswith(bom):
            return enc, len(bom)
    return None


def _utf16_by_nuls(data: bytes) -> str | None:
    """BOM-less UTF-16: ASCII characters put NULs on one parity of byte positions."""
    head = data[:8192]
    if len(head) < 4:
        return None
    even = head[0::2].count(0)
    odd = head[1::2].count(0)
    total = len(head) // 2
    if odd > 0.2 * total and even < 0.1 * odd:
        return "utf-16-le"
    if even > 0.2 * total and odd < 0.1 * even:
        return "utf-16-be"
    if even + odd < 0.2 * total and len(data) % 2 == 0 and len(data) >= 8:
        # (nearly) pure CJK UTF-16: no ASCII but perhaps a few line ends, so few NULs on either parity
        sample = head[: len(head) - len(head) % 2]
        for enc in ("utf-16-le", "utf-16-be"):
            text = sample.decode(enc, errors="replace")
            if sum(ch in _COMMON for ch in text) > 0.3 * len(text):
                try:
                    data.decode(enc)
                except UnicodeDecodeError:
                    continue
                return enc
    return None


_COMMON_RE = re.compile("[" + re.escape("".join(sorted(set(_COMMON)))) + "]")
_CONTROL = re.compile("[\x00-\x08\x0b\x0e-\x1f\ufffd]")  # control characters other than \t \n \f \r, and U+FFFD
SCORE_CHARS = 200_000  # a candidate decoding is judged on its first characters


def _score(text: str) -> float:
    """How much ``text`` looks like real text: common CJK characters count, rare ones and odd bytes cost."""
    text = text[:SCORE_CHARS]
    cjk = han_count(text)
    common = len(_COMMON_RE.findall(text))
    bad = len(_CONTROL.findall(text))
    return common * 2.0 - (cjk - common) * 0.5 - bad * 5.0


def decode(data: bytes) -> tuple[str, str, tuple[str, ...]]:
    """(text, encoding name, warnings)."""
    bom = _bom(data)
    if bom:
        enc, skip = bom
        body = data[skip:]
        name = "utf-8-sig" if enc == "utf-8" else enc
        try:
            return body.decode(enc), name, ()
        except UnicodeDecodeError:
            return body.decode(enc, errors="replace"), name, (f"invalid {name} bytes replaced",)
    enc16 = _utf16_by_nuls(data)
    if enc16:
        try:
            return data.decode(enc16), enc16, ()
        except UnicodeDecodeError:
            return data.decode(enc16, errors="replace"), enc16, (f"invalid {enc16} bytes replaced",)
    try:
        return data.decode("utf-8"), "utf-8", ()
    except UnicodeDecodeError:
        pass
    strict: list[tuple[float, str, str]] = []
    for enc in _CANDIDATES[1:3]:
        try:
            text = data.decode(enc)
        except UnicodeDecodeError:
            continue
        strict.append((_score(text), enc, text))
    if strict:
        score, enc, text = max(strict, key=lambda c: c[0])
        cjk = han_count(text)
        if score > 0 or cjk == 0:
            return text, enc, ()
    try:  # Western text in a legacy code page: CJK decoders found only rare characters
        text = data.decode("cp1252")
        if not strict or han_count(text) == 0:
            return text, "cp1252", ()
    except UnicodeDecodeError:
        pass
    if strict:
        score, enc, text = max(strict, key=lambda c: c[0])
        return text, enc, ()
    # Nothing decodes cleanly: take the candidate with the best score after replacement.
    best = max(((_score(t) - 5.0 * t.count("\ufffd"), enc, t)
                for enc in _CANDIDATES for t in [data.decode(enc, errors="replace")]), key=lambda c: c[0])
    _, enc, text = best
    bad = text.count("\ufffd")
    return text, enc, (f"undecodable bytes: {bad} characters replaced (decoded as {enc})",)

"""Per-page text quality: a 0..1 score with named issues, and Latin-1→GBK mojibake recovery.

Pure ``str -> value`` functions with precompiled patterns; nothing here opens files.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

from ..language import han_count

GOOD = 0.7  # a page at or above this score is accepted as it is

_CID = re.compile(r"\(cid:\d+\)")
_WS = re.compile(r"\s+")
_LATIN_WORD = re.compile(r"[A-Za-z\u00c0-\u024f]{2,}")
_LATIN = re.compile(r"[A-Za-z\u00c0-\u024f]")
_TOKEN_STRIP = ".,;:!?()[]\"'“”‘’"
_REPEAT = re.compile(r"([\u3400-\u9fff\uf900-\ufaff])\1{2,}")  # the same CJK char 3+ times
_LATIN1_SUPP = re.compile(r"[\u00a1-\u00ff]")
_HIGH_LATIN1 = re.compile(r"[\u00a0-\u00ff\u0152\u0153\u0160\u0161\u0178\u017d\u017e\u0192\u02c6\u02dc\u2013\u2014"
                          r"\u2018-\u201e\u2020-\u2022\u2026\u2030\u2039\u203a\u20ac\u2122]")
_ODD_SYMBOLS = set("«»^*~|\\{}<>¦¬§¤")
_VOWELS = set("aeiouyAEIOUYàâäéèêëîïôöùûüáíóúýåæøœ")


@dataclass(frozen=True)
class Assessment:
    score: float  # 0..1
    issues: tuple[str, ...]  # empty cid replacement private_use control mojibake repeats garbled doubled duplicated scan_stub bad_ocr_layer
    n_chars: int  # non-whitespace characters


def _bad_char(ch: str) -> str | None:
    o = ord(ch)
    if o in (0xFFFD, 0xFFFE, 0xFFFF):
        return "replacement"
    if 0xE000 <= o <= 0xF8FF or o >= 0xF0000:
        return "private_use"
    if (o < 32 and ch not in "\n\r\t\f") or 0x7F <= o < 0xA0:
        return "control"
    return None


def duplicated_lines(text: str) -> int:
    """Lines whose second half repeats the first (overlapping duplicate text runs)."""
    n = 0
    for line in text.splitlines():
        toks = line.split()
        half = len(toks) // 2
        if half >= 1 and len(toks) % 2 == 0 and toks[:half] == toks[half:] and len("".join(toks[:half])) >= 4:
            n += 1
    return n


def odd_token_rate(text: str) -> float:
    """Share of Latin tokens with symbols inside, odd case mixes or letters glued to digits (bad OCR)."""
    toks = [t.strip(_TOKEN_STRIP) for t in text.split()]
    toks = [t for t in toks if _LATIN.search(t)]
    if len(toks) < 20:
        return 0.0
    odd = 0
    for t in toks:
        others = [c for c in t if not _LATIN.match(c) and c not in "-'’./&"]
        sym = any(not c.isdigit() for c in others)
        glued = any(c.isdigit() for c in others) and not t[0].isdigit() and not t[-1].isdigit()
        mixed = any(c.islower() for c in t[1:]) and any(c.isupper() for c in t[1:])
        odd += bool(sym or glued or mixed)
    return odd / len(toks)


def assess(text: str, *, scanned: bool = False) -> Assessment:
    """Score a page's text: the share of characters that are not junk, with the issues found.

    ``scanned``: the page is mostly one image, so its text is an (often invisible) OCR layer, judged
    more strictly: a few characters over a full-page scan, or many odd tokens, mean OCR it again.
    """
    compact = _WS.sub("", text)
    n = len(compact)
    if n == 0:
        return Assessment(0.0, ("empty",), 0)
    issues: list[str] = []
    junk = 0.0
    cid_chars = sum(len(m) for m in _CID.findall(compact))
    if cid_chars:
        issues.append("cid")
        junk += cid_chars
    kinds: dict[str, int] = {}
    for ch in compact:
        k = _bad_char(ch)
        if k:
            kinds[k] = kinds.get(k, 0) + 1
    for k, c in kinds.items():
        issues.append(k)
        junk += c
    high = len(_LATIN1_SUPP.findall(compact))
    if high >= 4 and high > 0.3 * n:
        issues.append("mojibake")
        junk += high
    reps = sum(len(m.group(0)) for m in _REPEAT.finditer(compact))
    if reps:
        issues.append("repeats")
        junk += reps
    # Latin word shapes: garbage OCR layers and shifted encodings give odd case mixes and symbols.
    words = _LATIN_WORD.findall(text)
    if len(words) >= 5:
        odd = 0
        for w in words:
            shape_ok = w.islower() or w.isupper() or (w[0].isupper() and w[1:].islower())
            vowel_ok = len(w) < 5 or any(c in _VOWELS for c in w) or w.isupper()
            if not (shape_ok and vowel_ok):
                odd += len(w)
        symbols = sum(1 for ch in compact if ch in _ODD_SYMBOLS)
        latin = sum(len(w) for w in words)
        garble = (odd + 3 * symbols) / max(latin, 1)
        if garble > 0.15:
            issues.append("garbled")
            junk += garble * latin
    pairs = sum(1 for i in range(0, n - 1, 2) if compact[i] == compact[i + 1])
    if n >= 16 and pairs > 0.4 * (n // 2):
        issues.append("doubled")
        junk += pairs
    dups = duplicated_lines(text)
    if dups:
        issues.append("duplicated")
        junk += 0.5 * dups * 8
    score = max(0.0, 1.0 - junk / n)
    if scanned:
        if n < 50:
            issues.append("scan_stub")
            score = min(score, 0.2)
        elif odd_token_rate(text) > 0.05:
            issues.append("bad_ocr_layer")
            score = min(score, 0.5)
    return Assessment(round(score, 4), tuple(issues), n)


def _to_bytes(text: str) -> bytes | None:
    out = bytearray()
    for ch in text:
        o = ord(ch)
        if o < 256:
            out.append(o)
        else:
            try:
                out += ch.encode("cp1252")
            except UnicodeEncodeError:
                return None
    return bytes(out)


def recover_gbk(text: str) -> str | None:
    """Re-decode Latin-1/cp1252 mojibake as GBK, line by line; None unless it yields clearly more Chinese."""
    lines_out: list[str] = []
    gained = 0
    bad = 0
    for line in text.split("\n"):
        if not _HIGH_LATIN1.search(line):
            lines_out.append(line)
            continue
        raw = _to_bytes(line)
        if raw is None:
            lines_out.append(line)
            continue
        dec = raw.decode("gb18030", errors="replace")
        bad += dec.count("\ufffd")
        gained += han_count(dec) - han_count(line)
        lines_out.append(dec)
    if gained < 2 or bad > 0.1 * max(gained, 1):
        return None
    return "\n".join(lines_out)

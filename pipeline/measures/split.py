"""A minimal sentence splitter, used only when the project's ``Segmenter`` is unavailable.

It splits on line breaks and on sentence-final punctuation (。！？ and ``. ! ?`` before a capital or
an opening bracket), never inside common English abbreviations. Offsets are into ``text``.
"""
from __future__ import annotations

import re

from ..types import Sentence

_CJK = re.compile(r"[\u4e00-\u9fff]")
_ZH_END = re.compile(r"[。！？!?]+[”’」』）)]*")
_EN_END = re.compile(r"(?<!\b[A-Z])(?<!\bU\.S)(?<!\bNo)(?<!\bSec)(?<!\bMr)(?<!\bDr)(?<!\bSt)[.!?][”\"')]*\s+(?=[A-Z(“\"])")


def lang_of(text: str) -> str:
    """``zh`` when a tenth or more of the letters are CJK ideographs, else ``en``."""
    letters = sum(1 for c in text if c.isalpha())
    cjk = len(_CJK.findall(text))
    return "zh" if letters and cjk / letters >= 0.1 else "en"


def split_sentences(text: str, lang: str | None = None) -> tuple[Sentence, ...]:
    """Sentences of ``text`` (whitespace-trimmed, empty ones dropped)."""
    out: list[Sentence] = []
    for para, m in enumerate(re.finditer(r"[^\n]+", text)):
        line_start, line = m.start(), m.group()
        lg = lang or lang_of(line)
        pattern = _ZH_END if lg == "zh" else _EN_END
        cuts = [0] + [e.end() for e in pattern.finditer(line)] + [len(line)]
        for a, b in zip(cuts, cuts[1:]):
            seg = line[a:b]
            lead = len(seg) - len(seg.lstrip())
            seg = seg.strip()
            if seg:
                start = line_start + a + lead
                out.append(Sentence(start, start + len(seg), lg, para))
    return tuple(out)

"""Document metadata guessed from text, entities and path: jurisdiction, year, title.

``guess_metadata(text, lang, entities, path) -> {"jurisdiction": str|None, "year": int|None,
"title": str|None}``. Pure: it reads nothing from disk (the gazetteer is only used, if given or already
loaded, to map entity ids to jurisdictions; otherwise ids are mapped by their ``gpe:xx`` / ``org:xx-``
prefix).

Jurisdiction votes, strongest first: a file-name prefix (``en_uscode`` → US, ``en_uk`` → GB, ``en_ie``
→ IE, ``zh_`` → CN ...), then the mentions of places, bodies and laws in the title and the first lines
(weighted up) and in the whole text, then the language (zh → CN). Year: a year in the title, the first
lines, then the path; the latest plausible year in the opening lines wins for title-less documents.
"""
from __future__ import annotations

import logging
import re
from collections import Counter
from pathlib import PurePath
from typing import Optional, Sequence

from .language import HAN_CLASS
from .types import Entity

log = logging.getLogger(__name__)

TITLE_MAX = 200
HEAD_CHARS = 600  # "first lines"
_PATH_HINTS = (  # (regex on the file name, jurisdiction)
    (r"^en_(uscode|us|federal_register|gao|nsf|uscopyright|usc)", "US"),
    (r"^en_(uk|gb)", "GB"),
    (r"^en_ie", "IE"),
    (r"^en_eu", "EU"),
    (r"^(zh|cn)_", "CN"),
    (r"(^|[_-])(us|usa)([_-]|$)", "US"),
    (r"(^|[_-])(uk|gb)([_-]|$)", "GB"),
    (r"(^|[_-])eu([_-]|$)", "EU"),
    (r"(^|[_-])(cn|china|prc)([_-]|$)", "CN"),
)
_ID_JURIS = re.compile(r"^(?:gpe|org|law|prog|inst):(?P<code>[a-z]{2})(?:-|$)")
_VOTING = {"GPE": 1.0, "ORG": 2.0, "LAW": 2.0, "PROGRAMME": 1.5, "INSTITUTE": 0.5}
_YEAR_ZH = re.compile(r"(?<!\d)(1[89]\d\d|20\d\d)\s*年")
_YEAR_EN = re.compile(r"(?<![\d§.])(1[789]\d\d|20\d\d)(?!\d)")


def _entity_juris(ent: Entity, gazetteer=None) -> Optional[str]:
    if gazetteer is not None:
        code = gazetteer.jurisdiction(ent.id)
        if code:
            return code
    m = _ID_JURIS.match(ent.id or "")
    if m and not (ent.id or "").startswith(("gpe:int", "org:int")):
        return m.group("code").upper()
    return None


_NOT_TITLE = re.compile(r"^(?:<{7}|={7}|>{7})|intentionally left blank", re.I)
_HAS_WORD = re.compile(f"[A-Za-z{HAN_CLASS}]{{2}}")


def guess_title(text: str) -> Optional[str]:
    """The first non-empty line that has words (not a page number, merge marker or blank-page note)."""
    for line in text.splitlines():
        line = " ".join(line.split())
        if line and _HAS_WORD.search(line) and not _NOT_TITLE.search(line):
            return line[:TITLE_MAX]
    return None


def guess_year(text: str, title: Optional[str], path: Optional[str]) -> Optional[int]:
    """The first year in the title, else a year in the file name, else the latest year in the first lines
    (a law's head lists its adoption and its amendments: the latest is the version's year)."""
    m = _YEAR_EN.search(title or "")
    if m:
        return int(m.group(1))
    if path:
        m = _YEAR_EN.search(PurePath(path).name)
        if m:
            return int(m.group(1))
    years = [int(y) for rx in (_YEAR_ZH, _YEAR_EN) for y in rx.findall(text[:HEAD_CHARS])]
    return max(years) if years else None


def guess_jurisdiction(lang: str, entities: Sequence[Entity], path: Optional[str],
                       gazetteer=None) -> Optional[str]:
    if path:
        name = PurePath(path).name.lower()
        for rx, code in _PATH_HINTS:
            if re.search(rx, name):
                return code
    votes: Counter = Counter()
    for ent in entities:
        weight = _VOTING.get(ent.label)
        code = _entity_juris(ent, gazetteer) if weight else None
        if code:
            votes[code] += weight * (3.0 if ent.start < HEAD_CHARS else 1.0)
    if lang == "zh":
        votes["CN"] += 2.0
    if not votes:
        return None
    code = votes.most_common(1)[0][0]
    log.debug("jurisdiction votes %s", dict(votes))
    return code


def guess_metadata(text: str, lang: str, entities: Sequence[Entity] = (), path: Optional[str] = None,
                   gazetteer=None) -> dict:
    title = guess_title(text)
    return {
        "jurisdiction": guess_jurisdiction(lang, entities, path, gazetteer),
        "year": guess_year(text, title, path),
        "title": title,
    }

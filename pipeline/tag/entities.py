"""Entities from a bilingual gazetteer and rules, matched on character offsets of the normalised text.

- Gazetteer terms (``corpus/gazetteer/gazetteer.yaml``) go into one Aho–Corasick automaton
  (pyahocorasick) over the lower-cased text. Chinese terms match anywhere (量子计算 inside
  发展量子计算技术); English terms need word boundaries and match case-sensitively unless the entry is
  flagged ``ci`` (all-capital acronyms stay case-sensitive even then).
- Rules add MONEY/DATE/YEAR/PERCENT/QUANTITY (``rules.py``), names in 《…》 (laws and plans) and English
  "… Act (of YYYY)" names.
- All candidates are resolved leftmost-longest into non-overlapping entities, so 印度尼西亚 hides 印度
  and 中国科学院 hides 中国. ``blockers`` in the gazetteer hide terms inside non-entities (印度洋).

``EntityFinder(gazetteer=None).find(text, sentences=(), tokens=()) -> tuple[Entity, ...]``.
``entities_to_spans(doc, entities)`` puts them on a spaCy ``Doc`` (``doc.spans["entities"]``, ``doc.ents``).
"""
from __future__ import annotations

import logging
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Optional, Sequence

from ..errors import ResourceError
from ..resources import corpus_path, load_yaml, sha256_file
from ..types import Entity
from . import rules

log = logging.getLogger(__name__)

LABELS = ("ORG", "GPE", "LAW", "PROGRAMME", "TECH", "COMPANY", "INSTITUTE",
          "MONEY", "DATE", "YEAR", "PERCENT", "QUANTITY")
GAZETTEER_LABELS = LABELS[:7]
DEFAULT_GAZETTEER = ("gazetteer", "gazetteer.yaml")
_ID_RE = re.compile(r"^(org|gpe|law|prog|tech|co|inst):[a-z0-9][a-z0-9-]*$")
_ASCII_ALNUM = re.compile(r"[A-Za-z0-9]")
_ZH_LAW_NEXT = set("人律规院定官治学制")  # 公司法人, 专利法律: not the law's name


@dataclass(frozen=True)
class GazEntry:
    id: str
    label: str
    zh: tuple[str, ...] = ()
    en: tuple[str, ...] = ()
    iso: Optional[str] = None
    ci: bool = False


@dataclass
class Gazetteer:
    """The validated gazetteer and its automaton. Build with :meth:`load` or :meth:`from_data`."""

    version: str
    entries: dict[str, GazEntry]
    blockers: tuple[str, ...] = ()
    path: Optional[str] = None
    sha256: Optional[str] = None
    _automaton: object = field(default=None, repr=False)

    # ------------------------------------------------------------------ loading and validation
    @classmethod
    def load(cls, path: Optional[str | Path] = None) -> "Gazetteer":
        path = Path(path) if path else corpus_path(*DEFAULT_GAZETTEER)
        data = load_yaml(path)
        gaz = cls.from_data(data, source=str(path))
        gaz.sha256 = sha256_file(path)
        log.info("gazetteer %s v%s: %d entries", path, gaz.version, len(gaz.entries))
        return gaz

    @classmethod
    def from_data(cls, data: object, source: str = "<gazetteer>") -> "Gazetteer":
        if not isinstance(data, dict) or not isinstance(data.get("entries"), list):
            raise ResourceError(f"{source}: expected a mapping with an 'entries' list")
        version = data.get("version")
        if not version:
            raise ResourceError(f"{source}: missing 'version'")
        labels = set(data.get("labels") or GAZETTEER_LABELS)
        unknown = labels - set(GAZETTEER_LABELS)
        if unknown:
            raise ResourceError(f"{source}: unknown labels declared: {sorted(unknown)}")
        entries: dict[str, GazEntry] = {}
        owner: dict[tuple[str, bool], str] = {}
        for n, raw in enumerate(data["entries"], 1):
            if not isinstance(raw, dict):
                raise ResourceError(f"{source}: entry {n} is not a mapping")
            eid, label = raw.get("id"), raw.get("label")
            if not isinstance(eid, str) or not _ID_RE.match(eid):
                raise ResourceError(f"{source}: entry {n}: bad id {eid!r}")
            if eid in entries:
                raise ResourceError(f"{source}: duplicate id {eid}")
            if label not in labels:
                raise ResourceError(f"{source}: {eid}: unknown label {label!r}")
            zh, en = tuple(raw.get("zh") or ()), tuple(raw.get("en") or ())
            mono = raw.get("mono")
            if (not zh and mono != "en") or (not en and mono != "zh"):
                raise ResourceError(f"{source}: {eid}: needs both zh and en forms (or mono: zh|en)")
            if not all(isinstance(t, str) and t.strip() == t and t for t in zh + en):
                raise ResourceError(f"{source}: {eid}: empty or padded surface form")
            entry = GazEntry(eid, label, zh, en, raw.get("iso"), bool(raw.get("ci", False)))
            for term, is_en in [(t, False) for t in zh] + [(t, True) for t in en]:
                key = (_key(term, entry.ci and is_en), is_en)
                if owner.get(key, eid) != eid:
                    raise ResourceError(f"{source}: term {term!r} belongs to both {owner[key]} and {eid}")
                owner[key] = eid
            entries[eid] = entry
        blk = data.get("blockers") or {}
        blockers = tuple((blk.get("zh") or []) + (blk.get("en") or [])) if isinstance(blk, dict) else ()
        return cls(str(version), entries, blockers, source)

    # ------------------------------------------------------------------ matching
    def automaton(self):
        if self._automaton is None:
            self._automaton = self._build()
        return self._automaton

    def _build(self):
        try:
            import ahocorasick
        except ImportError as exc:  # pragma: no cover - declared dependency
            raise ResourceError("pyahocorasick is not installed") from exc
        auto = ahocorasick.Automaton()
        table: dict[str, list] = {}
        for e in self.entries.values():
            for term in e.zh:
                table.setdefault(term.lower(), []).append((term, e.id, e.label, _ci(term, False)))
            for term in e.en:
                table.setdefault(term.lower(), []).append((term, e.id, e.label, _ci(term, e.ci)))
        for term in self.blockers:
            table.setdefault(term.lower(), []).append((term, None, None, False))
        for key, vals in table.items():
            auto.add_word(key, (len(key), tuple(vals)))
        auto.make_automaton()
        return auto

    def candidates(self, text: str) -> list[tuple[int, int, Optional[str], Optional[str]]]:
        """Every gazetteer hit ``(start, end, id, label)`` (blockers have id None), overlapping."""
        low = text.lower()
        if len(low) != len(text):  # a few characters change length when lower-cased
            low = "".join(c.lower() if len(c.lower()) == 1 else c for c in text)
        out = []
        for last, (n, vals) in self.automaton().iter(low):
            start, end = last - n + 1, last + 1
            for term, eid, label, ci in vals:
                if not ci and text[start:end] != term:
                    continue
                if term[0].isascii() and start > 0 and _ASCII_ALNUM.match(text[start - 1]):
                    continue
                if term[-1].isascii() and end < len(text) and _ASCII_ALNUM.match(text[end]):
                    continue
                if label == "LAW" and term.endswith("法") and end < len(text) and text[end] in _ZH_LAW_NEXT:
                    continue
                if label == "TECH" and not term.isascii() and end < len(text) and text[end] == "业":
                    out.append((start, end + 1, None, None))  # 先进制造业: an industry, not a technology
                    break
                out.append((start, end, eid, label))
                break
        return out

    def jurisdiction(self, eid: Optional[str]) -> Optional[str]:
        entry = self.entries.get(eid or "")
        return entry.iso if entry else None


def _key(term: str, ci: bool) -> str:
    return term.lower() if ci else term


def _ci(term: str, flagged: bool) -> bool:
    """Case-insensitive only when flagged, and never for all-capital acronyms (AI, PQC, QKD)."""
    return flagged and not (term.isupper() and len(term) <= 6)


# ---------------------------------------------------------------------- extra name rules
_BOOK_TITLE = re.compile(r"《(?P<name>[^《》\n]{2,60}?)》")
_EN_ACT = re.compile(
    r"\b(?P<name>(?:[A-Z][\w'’.-]*|\d+(?:st|nd|rd|th))(?:\s+(?:[A-Z][\w'’.-]*|of|and|for|the|to|on|in|&|\d+(?:st|nd|rd|th))){0,15}"
    r"\s+Act(?:\s+of\s+\d{4})?)\b"
)
_CAPW = r"[A-Z][A-Za-z-]*"
# Every repeat below is bounded: an unbounded run of capitalised words before a required tail word
# ("Act", "Office", "Fund") backtracks quadratically on all-caps headings (188k chars took minutes).
_NEW_NAME = r"(?!(?:Department|Office|Committee|Council|Bureau|Commission|Board|Agency|Administration|National|Federal|Environmental)\b)"
_CAPSEQ = rf"{_CAPW}(?:(?:[ \t]+(?:of|and|for|the|on|in)|,(?:[ \t]+and)?)?[ \t]+{_NEW_NAME}{_CAPW}){{0,15}}"
_ORG_HEADS = r"(?:Office|Committee|Council|Department|Bureau|Commission|Board|Agency|Administration)"
# "Office of Personnel Management", "Senate Committee on Commerce, Science, and Transportation"
_EN_ORG_OF = re.compile(
    rf"\b(?:(?:Senate|House[ \t]+of[ \t]+Representatives)[ \t]+)?{_ORG_HEADS}[ \t]+(?:of|on|for)[ \t]+(?:the[ \t]+)?{_CAPSEQ}"
)
# "National Nanotechnology Coordination Office", "Quantum Network Working Group" (two or more words first)
_EN_ORG_TAIL = re.compile(
    rf"\b(?P<name>{_CAPW}(?:[ \t]+{_CAPW}){{1,12}}[ \t]+(?:Coordination[ \t]+Office|Working[ \t]+Group|Office|Council|Committee|"
    r"Agency|Administration|Commission|Board|Bureau|Foundation|Laboratory|Laboratories))\b"
)
# "Multilateral Semiconductors Security Fund", "American Jobs Plan" (two or more words first)
_EN_PROG_TAIL = re.compile(
    rf"\b(?P<name>{_CAPW}(?:[ \t]+{_CAPW}){{1,12}}[ \t]+(?:Fund|Program|Programme|Initiative|Plan|Strategy|Service))\b"
)
_NAME_LEAD = re.compile(r"^(?:(?:The|This|That|Such|Each|Any|Every|Under|Of|In|Section|Title|Subtitle|An?|No|Other|Federal|State)\s+)+")
_ACT_LEAD = re.compile(r"^(?:(?:The|This|That|Such|Each|Any|Under|Of|In|Section|Title|Subtitle|An?)\s+)+")


def _name_rules(text: str) -> list[tuple[int, int, str]]:
    out = []
    for m in _BOOK_TITLE.finditer(text):
        name = m.group("name")
        s, e = m.start("name"), m.end("name")
        if re.search(r"(法|条例|法案|规定|办法|细则)$", name):
            out.append((s, e, "LAW"))
        elif re.search(r"(规划|纲要|计划|战略|工程)$", name):
            out.append((s, e, "PROGRAMME"))
    for m in _EN_ACT.finditer(text):
        s, name = m.start("name"), m.group("name")
        lead = _ACT_LEAD.match(name)
        if lead:
            s, name = s + lead.end(), name[lead.end():]
        if name.split()[0] not in ("Act",) and len(name.split()) >= 2:
            out.append((s, m.end("name"), "LAW"))
    for rx, label in ((_EN_ORG_OF, "ORG"), (_EN_ORG_TAIL, "ORG"), (_EN_PROG_TAIL, "PROGRAMME")):
        for m in rx.finditer(text):
            s, name = m.start(), m.group()
            lead = _NAME_LEAD.match(name)
            if lead:
                s, name = s + lead.end(), name[lead.end():]
            if len(name.split()) >= 3:  # "Office of X", "Quantum Network Working Group"
                out.append((s, m.end(), label))
    return out


# ---------------------------------------------------------------------- the finder
class EntityFinder:
    """Gazetteer + rule entities. The gazetteer loads lazily on the first ``find``."""

    def __init__(self, gazetteer: Optional[Gazetteer | str | Path] = None) -> None:
        self.gazetteer_source = gazetteer
        self._gaz: Optional[Gazetteer] = gazetteer if isinstance(gazetteer, Gazetteer) else None

    @property
    def gazetteer(self) -> Gazetteer:
        if self._gaz is None:
            self._gaz = Gazetteer.load(self.gazetteer_source)
        return self._gaz

    def find(self, text: str, sentences: Sequence = (), tokens: Sequence = ()) -> tuple[Entity, ...]:
        """Non-overlapping entities sorted by offset (leftmost-longest over all candidates)."""
        gaz = self.gazetteer
        cands = []  # (start, end, priority, label, id, value, unit)
        for s, e, eid, label in gaz.candidates(text):
            cands.append((s, e, 0, label, eid, None, None))
        for m in rules.find_all(text):
            cands.append((m.start, m.end, 1, m.label, None, m.value, m.unit))
        for s, e, label in _name_rules(text):
            cands.append((s, e, 2, label, None, None, None))
        cands.sort(key=lambda c: (c[0], -(c[1] - c[0]), c[2]))
        out, last = [], 0
        for s, e, _, label, eid, value, unit in cands:
            if s < last or e <= s:
                continue
            last = e
            if label is None:  # a blocker
                continue
            out.append(Entity(s, e, text[s:e], label, eid, value, unit))
        return tuple(out)


def entities_to_spans(doc, entities: Sequence[Entity], *, key: str = "entities", set_ents: bool = True):
    """Put entities on a spaCy Doc by character offsets (``alignment_mode="expand"``).

    ``doc.spans[key]`` gets every entity (label, ``kb_id_`` = canonical id); ``doc.ents`` gets the
    non-overlapping ones when ``set_ents``. Returns the doc.
    """
    spans = []
    for ent in entities:
        span = doc.char_span(ent.start, ent.end, label=ent.label, kb_id=ent.id or "", alignment_mode="expand")
        if span is not None:
            spans.append(span)
    doc.spans[key] = spans
    if set_ents:
        from spacy.util import filter_spans

        doc.ents = filter_spans(spans)
    return doc

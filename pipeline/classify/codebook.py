"""The challenge codebook: loading, validation and a bilingual term matcher.

A codebook is a YAML file (``corpus/codebook/challenges.yaml`` by default) with a ``version`` and a
list of ``areas``; each area has an ``id``, ``paper`` sections, ``name``/``definition``/``include``/
``exclude`` in zh and en, and ``terms``: ``preferred`` and ``alternative`` lists of bilingual concepts
(``{concept, zh: [...], en: [...]}``) and ``negative`` terms per language. A concept id
(``C3.training``) fires for its Chinese and English terms alike.

Matching: Chinese terms match as substrings (jieba tokens would miss 量子计算 inside 量子计算机);
English terms match on word boundaries, case-insensitively, with an optional plural/verb ending.
"""
from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Optional

from ..errors import ResourceError
from ..resources import corpus_path, load_yaml

LANGS = ("zh", "en")
KINDS = ("preferred", "alternative")
_TEXT_FIELDS = ("name", "definition", "include", "exclude")
_EN_SUFFIXES = ("", "s", "es", "ed", "d", "ing")
_EN_WORD = re.compile(r"\$|[a-z0-9&]+(?:[-'][a-z0-9&]+)*")


@dataclass(frozen=True)
class Concept:
    id: str  # "<area>.<concept>"
    area: str
    kind: str  # preferred | alternative
    zh: tuple[str, ...]
    en: tuple[str, ...]


@dataclass(frozen=True)
class Area:
    id: str
    paper: tuple[str, ...]
    name: dict
    definition: dict
    include: dict
    exclude: dict
    concepts: tuple[Concept, ...]
    negative: dict  # lang -> tuple of terms


@dataclass(frozen=True)
class Hit:
    start: int
    end: int
    term: str
    concept: str  # concept id, or "<area>.negative"
    area: str
    kind: str  # preferred | alternative | negative


@dataclass(frozen=True)
class Codebook:
    name: str
    version: str
    path: str
    sha256: str
    areas: tuple[Area, ...]

    @property
    def ids(self) -> tuple[str, ...]:
        return tuple(a.id for a in self.areas)

    @property
    def concepts(self) -> tuple[Concept, ...]:
        return tuple(c for a in self.areas for c in a.concepts)

    def area(self, area_id: str) -> Area:
        for a in self.areas:
            if a.id == area_id:
                return a
        raise KeyError(area_id)


def default_path() -> Path:
    return corpus_path("codebook", "challenges.yaml")


@lru_cache(maxsize=8)
def load_codebook(path: Optional[str] = None) -> Codebook:
    """Load and validate a codebook; any defect raises ResourceError naming the file and the place."""
    p = Path(path) if path else default_path()
    data = load_yaml(p)
    digest = hashlib.sha256(p.read_bytes()).hexdigest()
    return parse_codebook(data, str(p), digest)


def _fail(where: str, msg: str) -> None:
    raise ResourceError(f"codebook {where}: {msg}")


def _terms(value, where: str, *, required: bool) -> tuple[str, ...]:
    if value is None:
        value = []
    if not isinstance(value, list) or not all(isinstance(t, (str, int, float)) for t in value):
        _fail(where, "expected a list of terms")
    terms = tuple(str(t).strip() for t in value if str(t).strip())
    if required and not terms:
        _fail(where, "has no terms")
    return terms


def _bilingual(value, where: str) -> dict:
    if not isinstance(value, dict):
        _fail(where, "expected a mapping with zh and en")
    for lang in LANGS:
        if not isinstance(value.get(lang), str) or not value[lang].strip():
            _fail(where, f"missing language {lang!r}")
    return {lang: value[lang].strip() for lang in LANGS}


def parse_codebook(data, path: str = "<memory>", sha256: str = "") -> Codebook:
    """Validate a codebook mapping (already parsed from YAML)."""
    if not isinstance(data, dict):
        _fail(path, "the top level must be a mapping")
    version = data.get("version")
    if not isinstance(version, (str, int, float)) or not str(version).strip():
        _fail(path, "missing version")
    langs = data.get("languages", list(LANGS))
    missing = [lang for lang in LANGS if lang not in (langs or [])]
    if missing:
        _fail(path, f"missing languages {missing}")
    raw_areas = data.get("areas")
    if not isinstance(raw_areas, list) or not raw_areas:
        _fail(path, "no areas")
    seen_areas: set[str] = set()
    seen_concepts: set[str] = set()
    areas = []
    for i, raw in enumerate(raw_areas):
        if not isinstance(raw, dict):
            _fail(f"{path} areas[{i}]", "expected a mapping")
        aid = raw.get("id")
        if not isinstance(aid, str) or not re.fullmatch(r"[A-Za-z][A-Za-z0-9_]*", aid or ""):
            _fail(f"{path} areas[{i}]", f"unknown or malformed id {aid!r}")
        if aid in seen_areas:
            _fail(path, f"duplicate area id {aid!r}")
        seen_areas.add(aid)
        where = f"{path} {aid}"
        texts = {f: _bilingual(raw.get(f), f"{where}.{f}") for f in _TEXT_FIELDS}
        paper = raw.get("paper") or []
        if not isinstance(paper, list):
            _fail(f"{where}.paper", "expected a list of section numbers")
        terms = raw.get("terms")
        if not isinstance(terms, dict):
            _fail(f"{where}.terms", "missing")
        concepts = []
        for kind in KINDS:
            groups = terms.get(kind) or []
            if kind == "preferred" and not groups:
                _fail(f"{where}.terms.preferred", "has no concepts")
            if not isinstance(groups, list):
                _fail(f"{where}.terms.{kind}", "expected a list of concepts")
            for j, g in enumerate(groups):
                gw = f"{where}.terms.{kind}[{j}]"
                if not isinstance(g, dict) or not isinstance(g.get("concept"), str):
                    _fail(gw, "expected {concept, zh, en}")
                cid = f"{aid}.{g['concept']}"
                if cid in seen_concepts:
                    _fail(gw, f"duplicate concept id {cid!r}")
                seen_concepts.add(cid)
                for lang in LANGS:
                    if lang not in g:
                        _fail(gw, f"missing language {lang!r}")
                zh = _terms(g.get("zh"), f"{gw}.zh", required=True)
                en = _terms(g.get("en"), f"{gw}.en", required=True)
                concepts.append(Concept(cid, aid, kind, zh, en))
        neg_raw = terms.get("negative") or {}
        if not isinstance(neg_raw, dict):
            _fail(f"{where}.terms.negative", "expected a mapping with zh and en")
        negative = {lang: _terms(neg_raw.get(lang), f"{where}.terms.negative.{lang}", required=False) for lang in LANGS}
        areas.append(Area(aid, tuple(str(s) for s in paper), texts["name"], texts["definition"],
                          texts["include"], texts["exclude"], tuple(concepts), negative))
    return Codebook(str(data.get("name") or Path(path).stem), str(version), path, sha256, tuple(areas))


class TermMatcher:
    """Finds codebook terms in a sentence: ``find(text, lang) -> list[Hit]`` (overlaps allowed)."""

    def __init__(self, codebook: Codebook) -> None:
        self.codebook = codebook
        self._zh: dict[str, list[tuple[str, str, str]]] = {}
        self._en: dict[str, list[tuple[str, str, str]]] = {}
        for area in codebook.areas:
            for c in area.concepts:
                for t in c.zh:
                    self._zh.setdefault(t, []).append((c.id, area.id, c.kind))
                for t in c.en:
                    self._en.setdefault(_en_key(t), []).append((c.id, area.id, c.kind))
            for t in area.negative["zh"]:
                self._zh.setdefault(t, []).append((f"{area.id}.negative", area.id, "negative"))
            for t in area.negative["en"]:
                self._en.setdefault(_en_key(t), []).append((f"{area.id}.negative", area.id, "negative"))
        # every proper prefix of a term (Chinese: characters; English: whole words) lets the scan stop early
        self._zh_prefixes = {t[:k] for t in self._zh for k in range(1, len(t))}
        self._zh_max = max((len(t) for t in self._zh), default=1)
        self._en_prefixes = set()
        for key in self._en:
            parts = key.split(" ")
            self._en_prefixes.update(" ".join(parts[:k]) for k in range(1, len(parts)))

    def find(self, text: str, lang: str) -> list[Hit]:
        return self._find_zh(text) if lang == "zh" else self._find_en(text)

    def _find_zh(self, text: str) -> list[Hit]:
        hits, table, prefixes, n = [], self._zh, self._zh_prefixes, len(text)
        for i in range(n):
            for j in range(i + 1, min(n, i + self._zh_max) + 1):
                piece = text[i:j]
                entries = table.get(piece)
                if entries:
                    for cid, aid, kind in entries:
                        hits.append(Hit(i, j, piece, cid, aid, kind))
                if piece not in prefixes:
                    break
        return hits

    def _find_en(self, text: str) -> list[Hit]:
        words = [(m.group(), m.start(), m.end()) for m in _EN_WORD.finditer(text.lower())]
        hits, table, prefixes = [], self._en, self._en_prefixes
        for i in range(len(words)):
            prefix = ""
            for j in range(i, len(words)):
                word = words[j][0]
                for stem in _stems(word):
                    entries = table.get(f"{prefix} {stem}" if prefix else stem)
                    if entries:
                        s, e = words[i][1], words[j][2]
                        for cid, aid, kind in entries:
                            hits.append(Hit(s, e, text[s:e], cid, aid, kind))
                        break
                prefix = f"{prefix} {word}" if prefix else word
                if prefix not in prefixes:
                    break
        return hits


def _en_key(term: str) -> str:
    return " ".join(w.group() for w in _EN_WORD.finditer(term.lower()))


@lru_cache(maxsize=65536)
def _stems(word: str) -> tuple[str, ...]:
    out = [word]
    for suf in _EN_SUFFIXES[1:]:
        if len(word) > len(suf) + 2 and word.endswith(suf):
            out.append(word[: -len(suf)])
    return tuple(out)

"""The frozen dataclasses that flow between stages.

Character offsets into one normalised document text are the ground truth: every sentence, token,
entity, mention and measure is a ``[start, end)`` view over ``DocumentResult.text``. ``OffsetMap`` leads
back from a normalised offset to the page and to the position in the original (pre-normalisation)
text, which is the concatenation of the pages' raw texts joined by ``PAGE_SEPARATOR``.

This module imports nothing of ours.
"""
from __future__ import annotations

from array import array
from dataclasses import dataclass, field
from typing import Optional

PAGE_SEPARATOR = "\f"

# Page text methods (stable names; stored in the ``pages`` table).
METHOD_TEXT = "text"  # a text/HTML/DOCX file
METHOD_PDFIUM = "pdfium"
METHOD_PDFPLUMBER = "pdfplumber"
METHOD_GBK_RECOVERED = "gbk_recovered"  # Latin-1 mojibake re-decoded as GBK
METHOD_OCR = "ocr"
METHOD_NONE = "none"  # nothing usable; see Page.needs_ocr


@dataclass(frozen=True, slots=True)
class Page:
    """One page (or the single pseudo-page of a non-paginated file) as ingest produced it."""

    number: int  # 1-based
    text: str  # raw text, before normalisation
    method: str  # one of the METHOD_* names
    quality: float  # 0..1, the ingest quality score of the chosen text
    needs_ocr: bool = False
    warnings: tuple[str, ...] = ()
    width: float = 0.0
    height: float = 0.0


@dataclass(frozen=True, slots=True)
class RawDocument:
    """What ingest returns: the file's identity and its pages' raw text."""

    path: str
    sha256: str  # of the file's bytes: the document id
    format: str  # pdf | txt | html | docx | jsonl
    pages: tuple[Page, ...]
    encoding: Optional[str] = None  # for text files
    warnings: tuple[str, ...] = ()
    title: Optional[str] = None
    n_bytes: int = 0


@dataclass(frozen=True, slots=True)
class OffsetMap:
    """Maps each normalised character to its position in the original text.

    ``orig[i]`` is the original offset of normalised char ``i`` (array('q'), len == len(text) + 1; the
    last entry is the original length, so an exclusive end maps too). ``page_starts[k]`` is the
    original offset where page ``k + 1`` starts.
    """

    orig: array
    page_starts: tuple[int, ...] = (0,)

    def to_original(self, start: int, end: int) -> tuple[int, int]:
        """Original ``[start, end)`` for a normalised span (end maps through the char before it)."""
        if end <= start:
            o = self.orig[start]
            return o, o
        return self.orig[start], self.orig[end - 1] + 1

    def page_of(self, offset: int) -> int:
        """1-based page number holding normalised offset ``offset``."""
        from bisect import bisect_right

        o = self.orig[min(offset, len(self.orig) - 1)]
        return max(1, bisect_right(self.page_starts, o))


@dataclass(frozen=True, slots=True)
class Normalised:
    text: str
    offsets: OffsetMap
    script: str = "hans"  # script of the original: hans | hant | latin | mixed
    removed_lines: tuple[str, ...] = ()  # headers/footers/page numbers dropped


@dataclass(frozen=True, slots=True)
class Paragraph:
    start: int
    end: int
    lang: str  # zh | en | mixed | other
    weight: float = 0.0  # content weight for the document language: han + latin / 3 + kana/Hangul


@dataclass(frozen=True, slots=True)
class Token:
    start: int
    end: int
    text: str
    lemma: str = ""
    pos: str = ""  # Universal POS
    tag: str = ""  # fine-grained: Penn (en) or jieba flag (zh)
    sent: int = 0  # index of the sentence holding it


@dataclass(frozen=True, slots=True)
class Sentence:
    start: int
    end: int
    lang: str  # zh | en | mixed | other
    paragraph: int = 0


@dataclass(frozen=True, slots=True)
class Entity:
    start: int
    end: int
    text: str
    label: str  # ORG GPE LAW PROGRAMME TECH COMPANY INSTITUTE MONEY DATE YEAR PERCENT QUANTITY
    id: Optional[str] = None  # canonical gazetteer id, shared across languages
    value: Optional[float] = None  # normalised number (MONEY, PERCENT, QUANTITY, YEAR)
    unit: Optional[str] = None  # currency (ISO 4217) or unit


@dataclass(frozen=True, slots=True)
class Mention:
    """A sentence that speaks to a challenge area."""

    sent: int
    start: int
    end: int
    area: str  # C1..C7 (or a swapped codebook's ids)
    score: float
    stance: str  # problem | measure | status
    evidence: tuple[str, ...] = ()  # terms/features that drove it


@dataclass(frozen=True, slots=True)
class DocArea:
    area: str
    share: float  # share of sentences with a mention in this area
    max_score: float
    mean_score: float
    decision: bool
    evidence: tuple[int, ...] = ()  # sentence indexes, best first


@dataclass(frozen=True, slots=True)
class Measure:
    sent: int
    start: int
    end: int
    text: str
    actor: Optional[str] = None
    actor_id: Optional[str] = None
    action: Optional[str] = None
    object: Optional[str] = None
    instrument: Optional[str] = None  # supply | environment | demand
    subtool: Optional[str] = None
    areas: tuple[str, ...] = ()
    amount: Optional[float] = None
    currency: Optional[str] = None
    time: Optional[str] = None
    year: Optional[int] = None
    status: Optional[str] = None  # enacted | mandated | planned | recommended
    jurisdiction: Optional[str] = None


@dataclass(frozen=True, slots=True)
class DocumentResult:
    """Everything the pipeline knows of one document. Plain, frozen, picklable."""

    doc_id: str  # sha256 of the file bytes (or of the text for JSONL input)
    path: str
    format: str
    lang: str
    script: str
    text: str  # the normalised text all offsets index
    offsets: OffsetMap
    pages: tuple[Page, ...]
    paragraphs: tuple[Paragraph, ...] = ()
    sentences: tuple[Sentence, ...] = ()
    tokens: tuple[Token, ...] = ()
    entities: tuple[Entity, ...] = ()
    mentions: tuple[Mention, ...] = ()
    doc_areas: tuple[DocArea, ...] = ()
    measures: tuple[Measure, ...] = ()
    title: Optional[str] = None
    warnings: tuple[str, ...] = ()
    timings: tuple[tuple[str, float], ...] = ()  # (stage, seconds)
    pipeline_version: str = ""
    n_bytes: int = 0
    meta: tuple[tuple[str, str], ...] = field(default=())  # e.g. (("jurisdiction", "CN"),)

"""spaCy component ``policylens_measures``: policy measures as ``doc.spans["measures"]``.

    nlp = spacy.blank("en")
    nlp.add_pipe("policylens_measures")          # after a sentencizer/parser when there is one
    nlp.initialize()                             # loads the lexicon (else loaded on first use)
    doc = nlp(text)
    for span in doc.spans["measures"]:
        span.label_, span._.measure.action, span._.measure.amount
    displacy.render(doc, style="span", spans_key="measures")

The component runs ``MeasureExtractor`` over ``doc.text`` with the doc's own sentences when it has them
(``SENT_START`` annotation), else with the project's segmenter. ``predict`` computes the measure records
and changes nothing; ``set_annotations`` is the only place that writes to the Doc: one span per measure,
labelled with its instrument (supply | environment | demand), the record itself in the ``Span`` extension
``measure`` (opt-in, registered by the factory) and as plain dicts in ``doc.spans[key].attrs["records"]``.
"""
from __future__ import annotations

import logging
from dataclasses import asdict
from typing import Iterable, Iterator, Optional, Sequence

from spacy.language import Language
from spacy.tokens import Doc, Span
from spacy.util import minibatch

from ..types import Measure, Sentence
from .detect import MeasureExtractor

log = logging.getLogger(__name__)

SPAN_EXTENSION = "measure"


@Language.factory(
    "policylens_measures",
    default_config={"spans_key": "measures", "lang": None, "lexicon": None, "jurisdiction": None},
)
def make_measures_component(nlp: Language, name: str, spans_key: str, lang: Optional[str],
                            lexicon: Optional[str], jurisdiction: Optional[str]) -> "MeasuresComponent":
    """Factory (version 1): ``lang`` None = the pipeline's language when zh/en, else per sentence."""
    if not Span.has_extension(SPAN_EXTENSION):
        Span.set_extension(SPAN_EXTENSION, default=None)
    if lang is None and nlp.lang in ("zh", "en"):
        lang = nlp.lang
    return MeasuresComponent(nlp, name, spans_key=spans_key, lang=lang, lexicon=lexicon, jurisdiction=jurisdiction)


class MeasuresComponent:
    """Measures of a Doc as labelled spans; see the module docstring."""

    def __init__(self, nlp: Language, name: str = "policylens_measures", *, spans_key: str = "measures",
                 lang: Optional[str] = None, lexicon: Optional[str] = None,
                 jurisdiction: Optional[str] = None) -> None:
        self.name = name
        self.spans_key = spans_key
        self.lang = lang
        self.lexicon = lexicon
        self.jurisdiction = jurisdiction
        self._extractor: Optional[MeasureExtractor] = None

    def initialize(self, get_examples=None, *, nlp: Optional[Language] = None) -> None:
        """Load the lexicon now (``nlp.initialize()``), not on the first document."""
        self._extractor = MeasureExtractor(self.lexicon)
        self._extractor.lex  # noqa: B018 - compiles the lexicon

    @property
    def extractor(self) -> MeasureExtractor:
        if self._extractor is None:
            log.debug("%s: not initialised; loading the lexicon on first use", self.name)
            self.initialize()
        return self._extractor

    # ---------------------------------------------------------------- predict (reads only)
    def predict(self, docs: Iterable[Doc]) -> list[tuple[Measure, ...]]:
        """The measure records of each doc; the docs are not changed."""
        return [self._extract(doc) for doc in docs]

    def _extract(self, doc: Doc) -> tuple[Measure, ...]:
        from . import _segment

        if doc.has_annotation("SENT_START"):
            lang = self.lang or "mixed"
            sents: Sequence[Sentence] = tuple(Sentence(s.start_char, s.end_char, lang) for s in doc.sents)
        else:
            sents = _segment(doc.text, self.lang)
            if self.lang:
                sents = tuple(Sentence(s.start, s.end, self.lang, s.paragraph) for s in sents)
        return self.extractor.extract(doc.text, sents, jurisdiction=self.jurisdiction)

    # ---------------------------------------------------------------- set_annotations (the only writer)
    def set_annotations(self, docs: Iterable[Doc], measures: Sequence[Sequence[Measure]]) -> None:
        for doc, recs in zip(docs, measures):
            spans, kept = [], []
            for m in recs:
                span = doc.char_span(m.start, m.end, label=m.instrument or "measure", alignment_mode="expand")
                if span is None:  # offsets that no token covers (only whitespace)
                    log.debug("%s: measure %d:%d has no tokens", self.name, m.start, m.end)
                    continue
                span._.set(SPAN_EXTENSION, m)
                spans.append(span)
                kept.append(asdict(m))
            doc.spans[self.spans_key] = spans
            doc.spans[self.spans_key].attrs["records"] = kept

    def __call__(self, doc: Doc) -> Doc:
        self.set_annotations([doc], self.predict([doc]))
        return doc

    def pipe(self, stream: Iterable[Doc], *, batch_size: int = 64) -> Iterator[Doc]:
        for batch in minibatch(stream, size=batch_size):
            self.set_annotations(batch, self.predict(batch))
            yield from batch

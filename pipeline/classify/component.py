"""spaCy component ``policylens_challenges``: challenge mentions as ``doc.spans["challenges"]`` and
document areas as ``doc.cats``.

Importing this module registers the factory. Like spaCy's own components, ``predict`` computes and
changes nothing; ``set_annotations`` is the only place that writes to the Doc. The classifier's
resources load on the first document, not when the pipeline is built.

    import spacy, pipeline.classify.component
    nlp = spacy.blank("en"); nlp.add_pipe("policylens_challenges")
    doc = nlp(text); doc.spans["challenges"], doc.cats
"""
from __future__ import annotations

from typing import Iterable, Iterator, Optional

from spacy.language import Language
from spacy.tokens import Doc

from ..types import DocArea, Mention, Sentence
from .classifier import Classifier
from ..language import guess_lang

FACTORY = "policylens_challenges"


@Language.factory(FACTORY, default_config={"codebook": None, "model_dir": None, "spans_key": "challenges"})
def make_challenges(nlp: Language, name: str, codebook: Optional[str], model_dir: Optional[str], spans_key: str):
    return ChallengeComponent(name, codebook=codebook, model_dir=model_dir, spans_key=spans_key)


class ChallengeComponent:
    """Sentences come from the Doc's sentence boundaries when it has them, else from our Segmenter."""

    def __init__(self, name: str = FACTORY, *, codebook: Optional[str] = None, model_dir: Optional[str] = None,
                 spans_key: str = "challenges") -> None:
        self.name = name
        self.spans_key = spans_key
        self.classifier = Classifier(codebook=codebook, model_dir=model_dir)

    def _sentences(self, doc: Doc) -> tuple[Sentence, ...]:
        if doc.has_annotation("SENT_START"):
            return tuple(Sentence(s.start_char, s.end_char, guess_lang(s.text)) for s in doc.sents if s.text.strip())
        from ..segment import Segmenter

        return Segmenter().sentences(doc.text)

    def predict(self, docs: Iterable[Doc]) -> list[tuple[tuple[Mention, ...], tuple[DocArea, ...]]]:
        out = []
        for doc in docs:
            sents = self._sentences(doc)
            mentions = self.classifier.mentions(doc.text, sents, (), ())
            out.append((mentions, self.classifier.doc_areas(sents, mentions)))
        return out

    def set_annotations(self, docs: Iterable[Doc], predictions) -> None:
        for doc, (mentions, areas) in zip(docs, predictions):
            spans, scores, stances, evidence = [], [], [], []
            for m in mentions:
                span = doc.char_span(m.start, m.end, label=m.area, alignment_mode="expand")
                if span is not None:
                    spans.append(span)
                    scores.append(m.score)
                    stances.append(m.stance)
                    evidence.append(list(m.evidence))
            doc.spans[self.spans_key] = spans
            group = doc.spans[self.spans_key]
            group.attrs["scores"] = scores
            group.attrs["stances"] = stances
            group.attrs["evidence"] = evidence
            group.attrs["decisions"] = {a.area: a.decision for a in areas}
            for a in areas:
                doc.cats[a.area] = float(a.max_score)

    def __call__(self, doc: Doc) -> Doc:
        self.set_annotations([doc], self.predict([doc]))
        return doc

    def pipe(self, stream: Iterable[Doc], *, batch_size: int = 32) -> Iterator[Doc]:
        for doc in stream:
            yield self(doc)

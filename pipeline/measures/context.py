"""The document context the measure stage sees in production, for callers that hold only a bare text.

``pipeline.process`` hands the extractor sentences, tagged tokens (UPOS/Penn) and entities. The
evaluation, the training and ``extract_from_text`` start from a bare text; ``analyse(text, lang)`` runs
the same stages on it — paragraphs (with ``lang`` forced, as ``process_text(lang=...)`` does) → Segmenter →
Tagger → EntityFinder — so the learned layer's POS and entity features are computed exactly as in
production; ``normalised`` gives the text production would analyse for a plain-text file, with the
map back to the file's offsets. The classifier is not run: mentions only fill a measure's ``areas``.

Stage objects are the process-wide ones of ``pipeline.process.analyzer_for``; results are
cached per (text hash, language) for the few documents a training or evaluation run revisits.
"""
from __future__ import annotations

import hashlib
import logging
from collections import OrderedDict
from dataclasses import replace
from typing import Optional, Sequence

from ..types import Entity, Sentence, Token

log = logging.getLogger(__name__)

_CACHE: "OrderedDict[tuple[str, Optional[str]], tuple]" = OrderedDict()
CACHE_SIZE = 128


def _stage(name: str):
    """The process-wide stage object (``pipeline.process.analyzer_for``): resources load once."""
    from ..process import analyzer_for
    from ..settings import Settings

    return analyzer_for(Settings()).stage(name)


def sentences(text: str, lang: Optional[str] = None) -> tuple[Sentence, ...]:
    """Sentences as production segments them (paragraph language forced to ``lang`` when given)."""
    from ..language import paragraphs

    paras = paragraphs(text)
    if lang:
        paras = tuple(replace(p, lang=lang) for p in paras)
    return _stage("segment").sentences(text, paras)


def normalised(text: str, *, t2s: bool = True):
    """The text production analyses for a plain-text document (``pipeline.normalise``: wrapped lines
    joined, widths folded, Traditional → Simplified), with its map back to offsets in ``text`` — labels are
    stand-off on the file's own text, so training and evaluation compare through ``offsets.to_original``."""
    from ..normalise import normalise
    from ..types import METHOD_TEXT, Page

    return normalise((Page(number=1, text=text, method=METHOD_TEXT, quality=1.0),), t2s=t2s)


def tag(text: str, sents: Sequence[Sentence]) -> tuple[tuple[Token, ...], tuple[Entity, ...]]:
    """Tagged tokens and entities of already segmented sentences (the tag and entities stages)."""
    tokens = _stage("segment").tokens(text, sents)
    tokens = _stage("tag").tag(text, sents, tokens)
    return tokens, _stage("entities").find(text, sents, tokens)


def analyse(text: str, lang: Optional[str] = None) -> tuple[tuple[Sentence, ...], tuple[Token, ...], tuple[Entity, ...]]:
    """(sentences, tagged tokens, entities) of a bare text, cached per (text, lang)."""
    key = (hashlib.sha256(text.encode("utf-8")).hexdigest(), lang)
    hit = _CACHE.get(key)
    if hit is not None:
        _CACHE.move_to_end(key)
        return hit
    sents = sentences(text, lang)
    tokens, entities = tag(text, sents)
    _CACHE[key] = out = (sents, tokens, entities)
    if len(_CACHE) > CACHE_SIZE:
        _CACHE.popitem(last=False)
    return out


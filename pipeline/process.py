"""The per-document function: ``process(path, settings) -> DocumentResult``.

``Analyzer`` holds the stage objects, whose heavy resources (jieba dictionary, spaCy tagger, gazetteer,
classifier) load lazily on first use; ``analyzer_for(settings)`` keeps one per worker process. The local
pool, the Dask backend and the JSONL commands all call these functions; none touches the database.
"""
from __future__ import annotations

import hashlib
import logging
import time
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from functools import lru_cache
from typing import Callable, Optional

from . import __version__
from .errors import EmptyError, InternalError, PipelineError
from .resources import PACKAGE_DIR, corpus_path, models_path, sha256_bytes
from .settings import Settings
from .types import METHOD_TEXT, DocumentResult, Page, RawDocument

log = logging.getLogger(__name__)

# Files whose content defines the results: a change to any of them changes the pipeline version, so
# the runner reprocesses documents that an older pipeline produced.
_VERSIONED_GLOBS = (
    ("corpus", "dictionaries/*"),
    ("corpus", "gazetteer/*"),
    ("corpus", "codebook/*"),
    ("models", "*/meta.json"),
)


_UNVERSIONED_CODE = {"cli", "report", "explore.py", "runner.py", "dask_backend.py", "store.py", "evaluation",
                     "__main__.py"}


@lru_cache(maxsize=8)
def pipeline_version(codebook: Optional[str] = None) -> str:
    """``<package version>+<hash of the resources and the stage code that shape results>``."""
    h = hashlib.sha256()
    for kind, pattern in _VERSIONED_GLOBS:
        base = corpus_path() if kind == "corpus" else models_path()
        for path in sorted(base.glob(pattern)):
            if path.is_file():
                h.update(path.relative_to(base).as_posix().encode())
                h.update(path.read_bytes())
    for path in sorted(PACKAGE_DIR.rglob("*.py")):  # the code that produces results, not the CLI or report
        rel = path.relative_to(PACKAGE_DIR)
        if rel.parts[0] not in _UNVERSIONED_CODE:
            h.update(rel.as_posix().encode())
            h.update(path.read_bytes())
    if codebook:
        with open(codebook, "rb") as fh:
            h.update(fh.read())
    return f"{__version__}+{h.hexdigest()[:12]}"


@dataclass
class Analyzer:
    """The stages for one settings value. Stage objects load their resources on first use."""

    settings: Settings
    _stages: dict = field(default_factory=dict, repr=False)

    def stage(self, name: str):
        obj = self._stages.get(name)
        if obj is None:
            obj = self._stages[name] = self._build(name)
        return obj

    def _build(self, name: str):
        if name == "segment":
            from .segment import Segmenter

            return Segmenter()
        if name == "tag":
            from .tag.pos import Tagger

            return Tagger()
        if name == "entities":
            from .tag.entities import EntityFinder

            return EntityFinder()
        if name == "classify":
            from .classify import Classifier

            return Classifier(codebook=self.settings.codebook)
        if name == "measures":
            from .measures import MeasureExtractor

            return MeasureExtractor()
        raise ValueError(f"unknown stage {name!r}")

    def analyse(self, raw: RawDocument, *, lang: Optional[str] = None) -> DocumentResult:
        """Run normalise → … → measures on an ingested document."""
        from . import language
        from .docmeta import guess_metadata
        from .normalise import normalise

        enabled = set(self.settings.stages)
        timings: list[tuple[str, float]] = []
        clock = _Clock(timings)

        with clock("normalise"):
            norm = normalise(raw.pages, t2s=self.settings.t2s)
        text = norm.text
        with clock("language"):
            paragraphs = language.paragraphs(text)
            if lang:
                paragraphs = tuple(replace(p, lang=lang) for p in paragraphs)
            doc_lang = lang or language.document_language(text, paragraphs)
        seg = self.stage("segment")
        with clock("segment"):
            sentences = seg.sentences(text, paragraphs)
            tokens = seg.tokens(text, sentences)
        if "tag" in enabled:
            with clock("tag"):
                tokens = self.stage("tag").tag(text, sentences, tokens)
        entities = ()
        if "entities" in enabled:
            with clock("entities"):
                entities = self.stage("entities").find(text, sentences, tokens)
        gazetteer = self.stage("entities").gazetteer if "entities" in enabled else None
        meta = guess_metadata(text, doc_lang, entities, raw.path, gazetteer=gazetteer)
        mentions, doc_areas = (), ()
        if "classify" in enabled:
            clf = self.stage("classify")
            with clock("classify"):
                mentions = clf.mentions(text, sentences, tokens, entities)
                doc_areas = clf.doc_areas(sentences, mentions)
        measures = ()
        if "measures" in enabled:
            with clock("measures"):
                measures = self.stage("measures").extract(
                    text, sentences, tokens, entities, mentions, jurisdiction=meta.get("jurisdiction")
                )
        return DocumentResult(
            doc_id=raw.sha256,
            path=raw.path,
            format=raw.format,
            lang=doc_lang,
            script=norm.script,
            text=text,
            offsets=norm.offsets,
            pages=raw.pages,
            paragraphs=paragraphs,
            sentences=sentences,
            tokens=tokens,
            entities=entities,
            mentions=mentions,
            doc_areas=doc_areas,
            measures=measures,
            title=raw.title or meta.get("title"),
            warnings=raw.warnings,
            timings=tuple(timings),
            pipeline_version=pipeline_version(self.settings.codebook),
            n_bytes=raw.n_bytes,
            meta=tuple((k, str(v)) for k, v in meta.items() if v is not None and k != "title"),
        )


class _Clock:
    """``with clock("stage"):`` appends ``(stage, seconds)`` to ``sink``."""

    def __init__(self, sink: list):
        self.sink = sink

    @contextmanager
    def __call__(self, name: str):
        t0 = time.perf_counter()
        try:
            yield
        finally:
            self.sink.append((name, time.perf_counter() - t0))


_ANALYZERS: dict[Settings, Analyzer] = {}


def analyzer_for(settings: Settings) -> Analyzer:
    """The process-wide Analyzer for these settings (resources load once per worker)."""
    key = replace(settings, password=None)
    if key not in _ANALYZERS:
        _ANALYZERS[key] = Analyzer(key)
    return _ANALYZERS[key]


def _raw_from_text(text: str, *, doc_id: Optional[str], path: str) -> RawDocument:
    digest = sha256_bytes(text.encode("utf-8"))
    page = Page(number=1, text=text, method=METHOD_TEXT, quality=1.0)
    return RawDocument(path=path, sha256=doc_id or digest, format="jsonl", pages=(page,),
                       encoding="utf-8", n_bytes=len(text.encode("utf-8")))


def _guard(fn: Callable[[], DocumentResult], path: str, stage: str) -> DocumentResult:
    try:
        return fn()
    except PipelineError as err:
        err.path = err.path or path
        raise
    except MemoryError:
        raise
    except Exception as exc:  # a bug in a stage: classified, with the document, never a bare crash
        log.exception("internal error on %s", path)
        raise InternalError(f"{type(exc).__name__}: {exc}", path=path, stage=stage) from exc


def process(path: str, settings: Settings = Settings()) -> DocumentResult:
    """Ingest and analyse one file. Raises a PipelineError subclass for bad input."""
    from .ingest import read

    def run() -> DocumentResult:
        t0 = time.perf_counter()
        raw = read(path, password=settings.password, ocr=settings.ocr,
                   max_bytes=settings.max_bytes, max_pages=settings.max_pages)
        t_ingest = time.perf_counter() - t0
        result = analyzer_for(settings).analyse(raw)
        if not result.text.strip():
            if any(p.needs_ocr for p in raw.pages):
                from .errors import NeedsOCRError

                raise NeedsOCRError("no text layer and OCR is off or unavailable", path=path)
            raise EmptyError("no text after extraction", path=path)
        return replace(result, timings=(("ingest", t_ingest),) + result.timings)

    return _guard(run, path, "process")


def process_text(text: str, *, doc_id: Optional[str] = None, lang: Optional[str] = None,
                 settings: Settings = Settings()) -> DocumentResult:
    """Analyse a text given in memory (JSONL input). Offsets map back to ``text`` exactly."""
    name = doc_id or "<text>"
    return _guard(lambda: analyzer_for(settings).analyse(_raw_from_text(text, doc_id=doc_id, path=name),
                                                         lang=lang), name, "process")

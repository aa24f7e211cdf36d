"""``policylens classify``: challenge areas per sentence-unit or per document, as JSONL."""
from __future__ import annotations

import sys
from itertools import islice

import click

from ..errors import PipelineError
from ..settings import Settings
from . import main
from .common import write_jsonl
from .inputs import input_errors, jsonl_options, jsonl_records, run_jsonl

BATCH = 1024


@main.command()
@jsonl_options
@click.option("--unit", type=click.Choice(["sentence", "document"]), default="document", show_default=True,
              help="sentence: each input is one unit; document: each input is a whole document.")
@click.option("--codebook", type=click.Path(exists=True, dir_okay=False), default=None,
              help="Challenge codebook YAML (default: corpus/codebook/challenges.yaml).")
def classify(paths, jsonl, unit, codebook):
    """Classify texts against the challenge areas (C1..C7); one JSON object per input.

    Example: echo '{"id": "s1", "text": "加强量子科技人才培养。"}' | policylens classify --jsonl - --unit sentence
    """
    settings = Settings(codebook=codebook, stages=("tag", "entities", "classify"))
    if unit == "document":
        from ..classify import Classifier
        from ..views import classify_view

        area_ids = Classifier(codebook=codebook).area_ids
        run_jsonl(paths, jsonl, settings, lambda result, rid: classify_view(result, area_ids, rid))
        return
    _classify_sentences(paths, jsonl, settings)


def _classify_sentences(paths, jsonl, settings: Settings) -> None:
    from ..classify import Classifier
    from ..ingest import read
    from ..normalise import normalise
    from ..views import sentence_units_view

    clf = Classifier(codebook=settings.codebook)
    records = []
    failed = False
    for path in paths:
        try:
            raw = read(path)  # one unit per file: its normalised text, which the evidence offsets index
            records.append({"id": path, "text": normalise(raw.pages, t2s=settings.t2s).text})
        except PipelineError as err:
            failed = True
            click.echo(f"policylens: error: {path}: {err}", err=True)
    with input_errors():
        if records:
            write_jsonl(sentence_units_view(records, clf, normalised=True))
        if jsonl is not None or not paths:
            it = jsonl_records(jsonl or "-")
            while batch := list(islice(it, BATCH)):
                write_jsonl(sentence_units_view([{**r, "id": str(r["id"])} for r in batch], clf, t2s=settings.t2s))
    if failed:
        sys.exit(2)

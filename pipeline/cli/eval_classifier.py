"""``policylens evaluate classifier``: per-area P/R/F1 of the challenge classifier and the keyword baseline."""
from __future__ import annotations

import json
from typing import Optional

import click

from ..errors import PipelineError
from .common import fail
from .evaluate import evaluate


@evaluate.command("classifier")
@click.option("--gold", "gold_path", type=click.Path(dir_okay=False), default=None,
              help="Gold JSONL: stand-off labels or {id,text,lang,areas} lines (default: corpus/labels).")
@click.option("--split", default="dev", show_default=True,
              help="Only records of this split (stand-off gold); 'all' for every record.")
@click.option("--codebook", type=click.Path(dir_okay=False), default=None,
              help="Another codebook YAML (without a trained model the keyword scorer is used).")
@click.option("--json", "as_json", is_flag=True, help="Print the figures as JSON.")
def classifier(gold_path: Optional[str], split: str, codebook: Optional[str], as_json: bool) -> None:
    """Score the sentence classifier on gold sentences: per-area P/R/F1, micro and macro F1 per
    language, next to the codebook keyword baseline.

    Example: policylens evaluate classifier --split dev
    """
    from ..classify import Classifier
    from ..evaluation.classifier import evaluate_classifier, format_report, load_gold

    try:
        gold = load_gold(gold_path, None if split == "all" else split)
        result = evaluate_classifier(gold, Classifier(codebook=codebook))
    except PipelineError as err:
        fail(err)
    if not gold:
        fail(f"no gold records (split {split!r})")
    click.echo(json.dumps(result, indent=2) if as_json else format_report(result))

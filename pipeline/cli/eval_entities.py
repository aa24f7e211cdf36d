"""``policylens evaluate entities``: per-label and overall P/R/F1 per language, and speed."""
from __future__ import annotations

import click

from ..errors import PipelineError
from .common import fail
from .evaluate import evaluate


@evaluate.command("entities")
@click.option("--split", type=click.Choice(["dev", "train", "all"]), default="dev", show_default=True,
              help="Which passages of the gold sets to score.")
@click.option("--lang", "langs", type=click.Choice(["zh", "en"]), multiple=True,
              help="Only these languages (repeatable; default both).")
@click.option("--errors", "show_errors", is_flag=True, help="Also list false positives and negatives.")
@click.option("--no-speed", is_flag=True, help="Skip the speed measurement.")
def entities(split: str, langs: tuple[str, ...], show_errors: bool, no_speed: bool) -> None:
    """Score the entity finder on corpus/labels/entities_{zh,en}.jsonl (stand-off, needs ../shared).

    Example: policylens evaluate entities --split dev
    """
    from ..evaluation.entities import LANGS, evaluate_all, format_table

    try:
        results = evaluate_all(split, langs or LANGS, with_speed=not no_speed)
    except PipelineError as err:
        fail(err)
    click.echo(format_table(results))
    if show_errors:
        for lang, res in results.items():
            for kind, pid, label, text in res["errors"]:
                click.echo(f"{lang}\t{kind}\t{pid}\t{label}\t{text}")

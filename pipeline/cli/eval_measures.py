"""``policylens evaluate measures``: detection P/R/F1 and field accuracies on the labelled sets."""
from __future__ import annotations

import click

from ..errors import PipelineError
from .common import fail
from .evaluate import evaluate


@evaluate.command("measures")
@click.option("--split", default="dev", type=click.Choice(["train", "dev", "all"]), show_default=True)
@click.option("--errors", "show_errors", is_flag=True, help="Also list false positives and negatives.")
def measures_cmd(split: str, show_errors: bool) -> None:
    """Evaluate measure extraction on corpus/labels/measures_{zh,en}.jsonl.

    Example: policylens evaluate measures --split dev
    """
    from ..evaluation.measures import evaluate_measures

    try:
        res = evaluate_measures(split)
    except PipelineError as err:
        fail(err)
    fmt = lambda v: "n/a" if v is None else f"{v:.3f}"  # noqa: E731
    click.echo(f"split={split}")
    click.echo("lang  n    P      R      F1     instr  subtool action status amount currency year")
    for lang, r in res.items():
        click.echo(f"{lang:5} {r['n']:<4} {fmt(r['precision'])}  {fmt(r['recall'])}  {fmt(r['f1'])}  "
                   f"{fmt(r['instrument_acc'])}  {fmt(r['subtool_acc'])}   {fmt(r['action_acc'])}  "
                   f"{fmt(r['status_acc'])}  {fmt(r['amount_acc'])}({r['amount_n']})  {fmt(r['currency_acc'])}  "
                   f"{fmt(r['year_acc'])}({r['year_n']})")
        click.echo(f"      {r['sentences']} sentences in {r['docs']} documents: extraction {r['sents_per_s'] or 0:.0f} sentences/s "
                   f"(+ segment/tag/entities {r['seconds_segment']:.2f}s)")
        if show_errors:
            for kind, text in r["errors"]:
                click.echo(f"  {kind} {text}")

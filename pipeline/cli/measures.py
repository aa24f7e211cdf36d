"""``policylens measures``: policy measures as JSONL, or as a readable markdown table."""
from __future__ import annotations

import click

from ..errors import PipelineError
from ..settings import Settings
from ..views import measures_view
from . import main
from .common import fail
from .inputs import jsonl_options, run_jsonl


@main.command()
@jsonl_options
@click.option("--codebook", type=click.Path(exists=True, dir_okay=False), default=None,
              help="Challenge codebook YAML (default: corpus/codebook/challenges.yaml).")
@click.option("--format", "fmt", type=click.Choice(["jsonl", "table"]), default="jsonl", show_default=True,
              help="table: one markdown table of measures per file (texts abbreviated).")
def measures(paths, jsonl, codebook, fmt):
    """Extract policy measures (actor, action, instrument, amount, time, status) as JSONL.

    Example: policylens measures --format table ../shared/corpus/en/en_uscode_15_ch114_national_quantum_initiative.txt
    """
    settings = Settings(codebook=codebook)
    if fmt == "jsonl":
        run_jsonl(paths, jsonl, settings, measures_view)
        return
    from ..measures import measures_table, to_markdown
    from ..process import process

    columns = ("actor", "action", "instrument", "subtool", "amount", "currency", "time", "status", "areas", "text")
    for path in paths:
        try:
            result = process(path, settings)
        except PipelineError as err:
            fail(err, path=path)
        rows = measures_table(result.measures)
        for row, m in zip(rows, result.measures):
            row["areas"] = " ".join(m.areas)
        click.echo(f"## {path} — {len(rows)} measures\n")
        click.echo(to_markdown(rows, columns) + "\n")

"""``policylens measures``: policy measures as JSONL."""
from __future__ import annotations

import click

from ..settings import Settings
from ..views import measures_view
from . import main
from .inputs import jsonl_options, run_jsonl


@main.command()
@jsonl_options
@click.option("--codebook", type=click.Path(exists=True, dir_okay=False), default=None,
              help="Challenge codebook YAML (default: corpus/codebook/challenges.yaml).")
def measures(paths, jsonl, codebook):
    """Extract policy measures (actor, action, instrument, amount, time, status) as JSONL.

    Example: policylens measures ../shared/corpus/en/en_uscode_15_ch114_national_quantum_initiative.txt
    """
    run_jsonl(paths, jsonl, Settings(codebook=codebook), measures_view)

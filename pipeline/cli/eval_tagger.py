"""``policylens evaluate tagger``: POS accuracy (gold tokenisation) and speed, English and Chinese."""
from __future__ import annotations

from pathlib import Path
from typing import Optional

import click

from ..errors import PipelineError
from .common import fail
from .evaluate import evaluate


@evaluate.command("tagger")
@click.option("--shared", "shared", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="The shared data folder (default ../shared beside the repository).")
@click.option("--model", "model", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="The English spaCy pipeline (default models/en_tagger).")
def tagger(shared: Optional[Path], model: Optional[Path]) -> None:
    """UPOS/Penn accuracy on UD EWT test, UPOS on UD GSDSimp test (look-up vs jieba.posseg), speed.

    Example: policylens evaluate tagger --shared ../shared
    """
    from ..evaluation.tagging import evaluate_all
    from ..resources import require_shared
    from ..tag.pos import Tagger

    try:
        root = shared.resolve() if shared is not None else require_shared()
        results = evaluate_all(root, Tagger(model))
    except PipelineError as err:
        fail(err)
    en = results["en_ewt_test"]
    zh = results["zh_gsdsimp_test_lookup"]
    ps = results["zh_gsdsimp_test_posseg"]
    rows = [
        ("UD EWT test (en)", "spaCy tagger+morphologizer", f"{en['upos']:.4f}", f"{en['xpos']:.4f}",
         en["tokens"], f"{en['words_per_s']:,.0f} words/s (1 core)"),
        ("UD GSDSimp test (zh)", "jieba dictionary look-up", f"{zh['upos']:.4f}", "-",
         zh["tokens"], f"{zh['chars_per_s_tagger']:,.0f} chars/s (Tagger.tag)"),
        ("UD GSDSimp test (zh)", "jieba.posseg (aligned)", f"{ps['upos']:.4f}", "-",
         ps["tokens"], f"{ps['chars_per_s']:,.0f} chars/s"),
    ]
    head = ("data", "method", "UPOS", "Penn", "tokens", "speed")
    widths = [max(len(str(r[i])) for r in rows + [head]) for i in range(len(head))]
    line = "  ".join("{:<%d}" % w for w in widths)
    click.echo(line.format(*head))
    click.echo(line.format(*("-" * w for w in widths)))
    for r in rows:
        click.echo(line.format(*(str(c) for c in r)))
    click.echo("gold tokenisation throughout; Chinese posseg uses its own segmentation, each gold word "
               "scored by the posseg word covering its last character")

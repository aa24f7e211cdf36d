"""``policylens evaluate segmenter``: word-segmentation P/R/F1 on SIGHAN 2005 PKU/MSR and UD GSDSimp."""
from __future__ import annotations

from pathlib import Path
from typing import Optional

import click

from ..errors import PipelineError
from .common import fail
from .evaluate import evaluate

DATASETS = ("PKU", "MSR", "UD-GSDSimp")


@evaluate.command("segmenter")
@click.option("--shared", "shared_path", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="The shared data folder (default: ../shared beside the repository).")
@click.option("--dataset", "datasets", multiple=True, type=click.Choice(DATASETS),
              help="Only these data sets (repeatable; default: all three).")
def segmenter(shared_path: Optional[Path], datasets: tuple[str, ...]) -> None:
    """Score our Chinese word segmenter (with and without the domain dictionary, post-rules and HMM
    variants) and plain jieba defaults against gold segmentations, and print a table.

    Example: policylens evaluate segmenter --dataset PKU
    """
    from ..evaluation.segmentation import evaluate_segmenters
    from ..resources import require_shared

    try:
        root = shared_path.resolve() if shared_path else require_shared()
        results = evaluate_segmenters(root, only=datasets or None)
    except PipelineError as err:
        fail(err)
    click.echo(f"{'data set':<12} {'system':<46} {'P':>6} {'R':>6} {'F1':>6} {'kchar/s':>8}")
    for r in results:
        click.echo(
            f"{r.dataset:<12} {r.system:<46} {100 * r.score.precision:6.2f} {100 * r.score.recall:6.2f} "
            f"{100 * r.score.f1:6.2f} {r.chars / max(r.seconds, 1e-9) / 1000:8.0f}"
        )
    click.echo("Published jieba defaults: PKU 81.8, MSR 81.5 F1. The post-rules were chosen from errors on"
               " PKU; MSR and UD-GSDSimp are held out. No training data was used.")

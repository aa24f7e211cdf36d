"""``policylens evaluate tagger|segmenter|entities|classifier|measures``: print measured figures."""
from __future__ import annotations

import importlib


from . import main

EVALUATORS = ("eval_tagger", "eval_segmenter", "eval_entities", "eval_classifier", "eval_measures")


@main.group()
def evaluate() -> None:
    """Evaluate a stage on its labelled data and print the figures.

    Example: policylens evaluate segmenter
    """


for _name in EVALUATORS:
    importlib.import_module(f"{__package__}.{_name}")

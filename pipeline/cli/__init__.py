"""The thin command line: the only place that prints or configures logging.

Each command lives in its own module under ``pipeline/cli/`` and registers itself on ``main`` (or on
``evaluate``) when imported below. Commands call the library and turn ``PipelineError`` into
``policylens: error: PATH: CLASS: message`` on stderr with exit code 2.
"""
from __future__ import annotations

import importlib
import logging
import sys

import click

from .. import __version__

COMMAND_MODULES = ("extract", "run", "export", "tag", "classify", "measures", "evaluate", "explore")


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="policylens")
@click.option("-v", "--verbose", count=True, help="More log output (-v info, -vv debug).")
def main(verbose: int) -> None:
    """policylens: analyse Chinese and English science-and-technology policy documents.

    Example: policylens run corpus/samples --db policylens.duckdb
    """
    level = logging.WARNING if verbose == 0 else logging.INFO if verbose == 1 else logging.DEBUG
    logging.basicConfig(level=level, format="%(levelname)s %(name)s: %(message)s", stream=sys.stderr)
    logging.getLogger("jieba").setLevel(max(level, logging.WARNING))


def _register() -> None:
    for name in COMMAND_MODULES:
        importlib.import_module(f"{__name__}.{name}")


_register()

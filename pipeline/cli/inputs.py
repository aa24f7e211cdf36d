"""Inputs for the JSONL commands (tag, classify, measures): files given as paths, or JSONL records."""
from __future__ import annotations

import sys
from contextlib import contextmanager
from typing import Callable, Iterator, Optional

import click

from ..errors import PipelineError
from ..process import process, process_text
from ..settings import Settings
from .common import fail, read_jsonl, write_jsonl


def jsonl_options(fn):
    fn = click.option("--jsonl", "jsonl", type=str, default=None,
                      help='JSONL input ({"id", "text", "lang"?} per line); "-" for stdin.')(fn)
    fn = click.argument("paths", nargs=-1, type=click.Path(dir_okay=False))(fn)
    return fn


def jsonl_records(jsonl: str) -> Iterator[dict]:
    """The records of a JSONL file, or of stdin for "-" (left open); malformed input raises BadInputError."""
    with click.open_file(jsonl, encoding="utf-8") as stream:
        yield from read_jsonl(stream, jsonl)


@contextmanager
def input_errors():
    """Malformed JSONL or an unreadable JSONL file ends the command with one error line and exit code 2."""
    try:
        yield
    except PipelineError as err:
        fail(err)
    except FileNotFoundError as exc:
        fail(f"unreadable: {exc.strerror}", path=exc.filename)


def run_jsonl(paths: tuple[str, ...], jsonl: Optional[str], settings: Settings,
              view: Callable[..., dict]) -> None:
    """Process each input and write ``view(result, input_id)`` as one JSON line.

    A bad file or record prints one ``policylens: error: …`` line on stderr and the batch goes on; the
    exit code is 2 if any input failed.
    """
    if not paths and jsonl is None:
        jsonl = "-"
    failed = False

    def results() -> Iterator[dict]:
        nonlocal failed
        for path in paths:
            try:
                yield view(process(path, settings), path)
            except PipelineError as err:
                failed = True
                click.echo(f"policylens: error: {path}: {err}", err=True)
        if jsonl is not None:
            for rec in jsonl_records(jsonl):
                rid = str(rec["id"])
                try:
                    result = process_text(rec["text"], doc_id=rid, lang=rec.get("lang"), settings=settings)
                    yield view(result, rid)
                except PipelineError as err:
                    failed = True
                    click.echo(f"policylens: error: {rid}: {err}", err=True)

    with input_errors():
        write_jsonl(results())
    if failed:
        sys.exit(2)

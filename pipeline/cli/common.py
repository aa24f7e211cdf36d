"""Helpers shared by the command modules: error exit, JSONL input and output."""
from __future__ import annotations

import json
import sys
from typing import IO, Iterable, Iterator, Optional

import click

from ..errors import BadInputError, PipelineError


def fail(err: PipelineError | str, path: Optional[str] = None, code: int = 2) -> "NoReturn":  # noqa: F821
    """Print ``policylens: error: PATH: CLASS: message`` and exit (no traceback)."""
    where = f"{path}: " if path else (f"{err.path}: " if isinstance(err, PipelineError) and err.path else "")
    click.echo(f"policylens: error: {where}{err}", err=True)
    sys.exit(code)


def read_jsonl(stream: IO[str], name: str = "-") -> Iterator[dict]:
    """Yield ``{"id", "text", "lang"?}`` objects; a malformed line raises BadInputError naming it."""
    for n, line in enumerate(stream, 1):
        if not line.strip():
            continue
        try:
            obj = json.loads(line)
        except json.JSONDecodeError as exc:
            raise BadInputError(f"line {n}: not JSON ({exc.msg})", path=name) from exc
        if not isinstance(obj, dict) or not isinstance(obj.get("text"), str):
            raise BadInputError(f'line {n}: expected an object with a string "text"', path=name)
        obj.setdefault("id", str(n))
        yield obj


def write_jsonl(objects: Iterable[dict], out: IO[str] | None = None) -> None:
    out = out or sys.stdout
    for obj in objects:
        out.write(json.dumps(obj, ensure_ascii=False) + "\n")
    out.flush()

"""``policylens extract``: the normalised text of one document (or JSON with per-page details)."""
from __future__ import annotations

import json

import click

from ..errors import InternalError, PipelineError
from . import main
from .common import fail


@main.command()
@click.argument("file", type=click.Path(dir_okay=False, allow_dash=False))
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True,
              help="Plain normalised text, or JSON with per-page method, quality and warnings.")
@click.option("--password", multiple=True, help="Password of an encrypted PDF; repeat to try several.")
@click.option("--ocr", type=click.Choice(["auto", "off", "force"]), default="auto", show_default=True,
              help="OCR image-only or unreadable pages (auto), never (off), or every page (force).")
@click.option("--no-t2s", is_flag=True, help="Keep Traditional Chinese characters.")
def extract(file, fmt, password, ocr, no_t2s):
    """Print the normalised text of FILE (PDF, TXT/MD, HTML or DOCX).

    Example: policylens extract corpus/samples/en_national_quantum_program_act.pdf --format json
    """
    from .. import ingest
    from ..normalise import normalise

    try:
        raw = ingest.read(file, password=tuple(password) or None, ocr=ocr)
        norm = normalise(raw.pages, t2s=not no_t2s)
    except PipelineError as err:
        fail(err, path=file)
    except Exception as exc:  # noqa: BLE001 - a bug: still one line, no traceback
        fail(InternalError(f"{type(exc).__name__}: {exc}"), path=file)
    if fmt == "text":
        click.echo(norm.text)
        return
    out = {
        "path": file,
        "doc_id": raw.sha256,
        "format": raw.format,
        "pages": [
            {"page": p.number, "method": p.method, "quality": p.quality, "needs_ocr": p.needs_ocr,
             "warnings": list(p.warnings)}
            for p in raw.pages
        ],
        "warnings": list(raw.warnings),
        "text": norm.text,
    }
    click.echo(json.dumps(out, ensure_ascii=False, indent=1))

"""``policylens export``: write the database's tables as Parquet, JSONL or CSV files."""
from __future__ import annotations

import click

from ..errors import PipelineError
from ..store import DEFAULT_DB, EXPORT_FORMATS, TABLES, Store
from . import main
from .common import fail


@main.command()
@click.option("--db", default=DEFAULT_DB, show_default=True, help="DuckDB file to read.")
@click.option("--format", "fmt", type=click.Choice(EXPORT_FORMATS), default="parquet", show_default=True)
@click.option("--out", required=True, type=click.Path(file_okay=False), help="Folder to write into.")
@click.option("--tables", multiple=True,
              help=f"Tables to export, repeated or comma-separated (default: all): {', '.join(TABLES)}.")
def export(db, fmt, out, tables):
    """Export tables to one file per table (documents' offset maps are base64 in JSONL and CSV).

    Example: policylens export --db policylens.duckdb --format parquet --out export/
    """
    names = [t.strip() for arg in tables for t in arg.split(",") if t.strip()] or None
    try:
        with Store(db, read_only=True) as store:
            written = store.export(out, fmt, names)
    except PipelineError as err:
        fail(err)
    for path in written:
        click.echo(str(path))

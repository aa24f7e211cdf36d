"""``policylens run``: process files and folders into the DuckDB database (resumable, parallel)."""
from __future__ import annotations

import importlib
import sys
from typing import Optional

import click

from ..errors import PipelineError
from ..settings import Settings
from ..store import DEFAULT_DB
from . import main
from .common import fail

MAX_LISTED_FAILURES = 20


def _load_worker(spec: Optional[str]):
    if not spec:
        return None
    module, _, name = spec.partition(":")
    return getattr(importlib.import_module(module), name)


class _Bar:
    """A rich progress bar with counts and ETA on stderr (only on a terminal, unless --no-progress)."""

    def __init__(self) -> None:
        from rich.console import Console
        from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

        self.progress = Progress(TextColumn("[bold]policylens run"), BarColumn(), MofNCompleteColumn(),
                                 TextColumn("ok {task.fields[ok]} · failed {task.fields[failed]} · "
                                            "skipped {task.fields[skipped]}"),
                                 TimeRemainingColumn(), console=Console(stderr=True), transient=False)
        self.task = self.progress.add_task("run", total=None, ok=0, failed=0, skipped=0)
        self.progress.start()

    def __call__(self, ev) -> None:
        self.progress.update(self.task, total=ev.total or None, completed=ev.finished, ok=ev.ok,
                             failed=ev.failed, skipped=ev.skipped)

    def close(self) -> None:
        self.progress.stop()


@main.command()
@click.argument("inputs", nargs=-1, required=True, type=click.Path())
@click.option("--db", default=DEFAULT_DB, show_default=True, help="DuckDB file to write.")
@click.option("--workers", type=click.IntRange(min=1), default=None, help="Worker processes [default: CPUs].")
@click.option("--ocr", type=click.Choice(["auto", "off", "force"]), default="auto", show_default=True)
@click.option("--password", multiple=True, help="Password for encrypted PDFs; repeat to try several (never stored).")
@click.option("--force", is_flag=True, help="Reprocess documents the database already holds.")
@click.option("--retry-failed", is_flag=True, help="Retry unchanged files whose last attempt failed.")
@click.option("--strict", is_flag=True, help="Exit 1 when any document failed.")
@click.option("--no-progress", is_flag=True, help="No progress bar (none is drawn when not on a terminal).")
@click.option("--backend", type=click.Choice(["local", "dask"]), default="local", show_default=True)
@click.option("--scheduler", default=None, help="Dask scheduler address (default: a local cluster).")
@click.option("--time-limit", type=float, default=Settings.time_limit, show_default=True,
              help="Seconds per document.")
@click.option("--memory-mb", type=int, default=Settings.memory_mb, show_default=True, help="Memory cap per worker.")
@click.option("--codebook", type=click.Path(exists=True, dir_okay=False), default=None,
              help="Challenge codebook YAML (default: corpus/codebook/challenges.yaml).")
@click.option("--worker", "worker_spec", default=None, hidden=True, help="module:function (tests).")
def run(inputs, db, workers, ocr, password, force, retry_failed, strict, no_progress, backend, scheduler, time_limit,
        memory_mb, codebook, worker_spec):
    """Process files and folders into DuckDB; unchanged files are skipped on re-runs.

    Folders are walked (PDF, TXT, MD, HTML, DOCX); each document is processed in an isolated worker
    with a time limit and a memory cap; failures are recorded in the errors table and the run goes on.

    Example: policylens run corpus/samples ../shared/pdfs --db policylens.duckdb --workers 2
    """
    from ..runner import run as run_batch

    if scheduler and backend != "dask":
        fail("--scheduler needs --backend dask")
    settings = Settings(ocr=ocr, password=tuple(password) or None, codebook=codebook, time_limit=time_limit,
                        memory_mb=memory_mb)
    args = {"db": db, "ocr": ocr, "password": "***" if password else None, "force": force, "strict": strict,
            "backend": backend, "scheduler": scheduler, "time_limit": time_limit, "memory_mb": memory_mb,
            "codebook": codebook}
    bar = _Bar() if not no_progress and sys.stderr.isatty() else None
    try:
        summary = run_batch(list(inputs), db=db, settings=settings, workers=workers, force=force,
                            backend=backend, scheduler=scheduler, progress=bar, worker_fn=_load_worker(worker_spec),
                            args=args, retry_failed=retry_failed)
    except PipelineError as err:
        fail(err)
    except KeyboardInterrupt:  # before the run started (the runner handles it once running)
        click.echo("policylens: interrupted", err=True)
        sys.exit(130)
    finally:
        if bar is not None:
            bar.close()
    _print_summary(summary, db)
    if summary.interrupted:
        click.echo("policylens: interrupted; committed documents are kept, run again to finish", err=True)
        sys.exit(130)
    if strict and summary.n_failed:
        sys.exit(1)


def _print_summary(s, db: str) -> None:
    from ..store import Store

    if s.n_failed:
        with Store(db, read_only=True) as store:
            errs = store.sql("SELECT path, error_class, message FROM errors WHERE run_id = ? ORDER BY path",
                             [s.run_id])
        for row in errs.head(MAX_LISTED_FAILURES).itertuples(index=False):
            click.echo(f"failed: {row.path}: {row.error_class}: {row.message}", err=True)
        if len(errs) > MAX_LISTED_FAILURES:
            click.echo(f"… {len(errs) - MAX_LISTED_FAILURES} more failures in the errors table", err=True)
    failed = ", ".join(f"{k} {v}" for k, v in sorted(s.failed.items())) or "none"
    methods = ", ".join(f"{k} {v}" for k, v in sorted(s.pages_by_method.items())) or "none"
    click.echo(f"documents: ok {s.ok}, failed {s.n_failed} ({failed}), skipped {s.skipped}"
               f" (duplicates {s.duplicates}), ignored files {s.ignored}")
    click.echo(f"pages: {s.n_pages} ({methods}); sentences: {s.n_sentences}")
    click.echo(f"time: {s.seconds:.1f} s with {s.workers} {s.backend} worker(s); database: {db}")

"""``policylens kwic | keyness | show | report``: explore a database from the terminal."""
from __future__ import annotations

from pathlib import Path

import click

from . import main
from .common import fail

DB_OPTION = click.option("--db", "db", default="policylens.duckdb", show_default=True,
                         type=click.Path(dir_okay=False), help="The policylens DuckDB file.")


def _open(db: str):
    from ..explore import Corpus

    try:
        return Corpus(db)
    except FileNotFoundError as exc:
        fail(str(exc))
    except Exception as exc:  # duckdb.IOException and friends: not a database, locked
        fail(f"{type(exc).__name__}: {exc}", path=db)


def _s(v) -> str:
    """Display text for a cell: "" for None/NaN/NA."""
    if v is None:
        return ""
    try:
        import pandas as pd

        if not isinstance(v, (list, tuple)) and pd.isna(v):
            return ""
    except (TypeError, ValueError):
        pass
    return str(v)


def _console():
    from rich.console import Console

    return Console(soft_wrap=False, highlight=False)


@main.command()
@click.argument("term")
@DB_OPTION
@click.option("--window", default=30, show_default=True, help="Characters of context on each side.")
@click.option("--lang", type=click.Choice(["zh", "en", "mixed", "other"]), default=None,
              help="Only hits in sentences of this language.")
@click.option("--limit", default=200, show_default=True, help="Show at most this many hits.")
def kwic(term: str, db: str, window: int, lang: str | None, limit: int) -> None:
    """Keyword in context: every occurrence of TERM (case-insensitive) with its surroundings.

    Example: policylens kwic 量子 --db policylens.duckdb --window 20 --lang zh
    """
    from rich.table import Table
    from rich.text import Text

    with _open(db) as corpus:
        hits = corpus.kwic(term, window=window, lang=lang)
    con = _console()
    if hits.empty:
        con.print(f"no hits for {term!r}")
        return
    table = Table(title=f"{len(hits)} hits for {term!r}", show_lines=False)
    for col, kw in (("document", {"max_width": 28}), ("at", {"justify": "right"}), ("left", {"justify": "right"}),
                    ("term", {"style": "bold red"}), ("right", {})):
        table.add_column(col, **kw)
    for r in hits.head(limit).itertuples():
        table.add_row(Text(f"{r.title} [{r.doc_id[:8]}]"), str(r.start), Text(r.left), Text(r.match), Text(r.right))
    con.print(table)
    if len(hits) > limit:
        con.print(f"… {len(hits) - limit} more (use --limit)")


@main.command()
@DB_OPTION
@click.option("--by", "by", type=click.Choice(["lang", "jurisdiction", "year"]), default="jurisdiction",
              show_default=True, help="Document field to compare groups by.")
@click.option("--target", default=None, help="Only this group against the rest (default: every group).")
@click.option("--top", default=20, show_default=True, help="Words per group.")
@click.option("--measure", type=click.Choice(["ll", "chi2"]), default="ll", show_default=True,
              help="Log-likelihood (Dunning) or chi².")
def keyness(db: str, by: str, target: str | None, top: int, measure: str) -> None:
    """Words over-used in each group against the others (Chinese words as segmented by jieba).

    Example: policylens keyness --db policylens.duckdb --by jurisdiction --target CN --top 20
    """
    from rich.table import Table
    from rich.text import Text

    with _open(db) as corpus:
        try:
            k = corpus.keyness(by=by, target=target, top=top, measure=measure)
        except ValueError as exc:
            fail(str(exc))
    con = _console()
    if k.empty:
        con.print("no words to compare (empty database or a single group)")
        return
    for group, rows in k.groupby("group", sort=True):
        table = Table(title=f"{by} = {group} vs the rest ({measure})")
        for col in ("term", "freq", "freq_ref", "per 10k", "per 10k ref", "score", "log2 ratio"):
            table.add_column(col, justify="left" if col == "term" else "right")
        for r in rows.itertuples():
            table.add_row(Text(str(r.term)), str(r.freq), str(r.freq_ref), f"{r.per_10k:.1f}",
                          f"{r.per_10k_ref:.1f}", f"{r.score:.2f}", f"{r.log_ratio:.2f}")
        con.print(table)


@main.command()
@click.argument("doc_id")
@DB_OPTION
@click.option("--sentences", "max_sentences", default=5, show_default=True, help="Evidence sentences per area.")
def show(doc_id: str, db: str, max_sentences: int) -> None:
    """One document in the terminal: its areas, evidence sentences and measures (DOC_ID may be a prefix).

    Example: policylens show 3fa2b9 --db policylens.duckdb
    """
    from rich.panel import Panel
    from rich.table import Table
    from rich.text import Text

    from ..explore import AREA_COLORS, AREA_NAMES

    with _open(db) as corpus:
        try:
            full = corpus.resolve(doc_id)
        except KeyError as exc:
            fail(exc.args[0])
        doc = corpus.documents().set_index("doc_id").loc[full]
        areas = corpus.doc_areas().query("doc_id == @full")
        mentions = corpus.mentions().query("doc_id == @full")
        measures = corpus.measures().query("doc_id == @full")
    con = _console()
    year = f"  year {int(doc['year'])}" if _s(doc["year"]) else ""
    con.print(Panel(Text(f"{doc['label']}\n{full}\n{doc['path']}\n"
                         f"lang {_s(doc['lang'])}  jurisdiction {_s(doc['jurisdiction']) or '?'}{year}  "
                         f"chars {doc['n_chars']}"), title="document"))
    if areas.empty:
        con.print("no challenge areas detected")
    else:
        t = Table(title="challenge areas")
        for col in ("area", "name", "addressed", "share", "max score"):
            t.add_column(col)
        for r in areas.sort_values("area").itertuples():
            t.add_row(Text(r.area, style=f"bold {AREA_COLORS.get(r.area, 'white')}"), AREA_NAMES.get(r.area, ""),
                      "yes" if r.decision else "no", f"{r.share:.2f}", f"{r.max_score:.2f}")
        con.print(t)
        for area, rows in mentions.sort_values("score", ascending=False).groupby("area", sort=True):
            con.print(Text(f"{area} {AREA_NAMES.get(area, '')}", style=f"bold {AREA_COLORS.get(area, 'white')}"))
            for r in rows.head(max_sentences).itertuples():
                ev = ", ".join(map(str, r.evidence))
                con.print(Text(f"  [{r.sent}] {_s(r.text)}"), Text(f"  ({r.stance}, {r.score:.2f}; {ev})",
                                                                      style="dim"))
    if measures.empty:
        con.print("no measures")
        return
    t = Table(title=f"{len(measures)} measures")
    for col in ("actor", "action", "instrument", "subtool", "amount", "time", "status", "areas"):
        t.add_column(col)
    for r in measures.itertuples():
        amount = f"{float(r.amount):,.0f} {_s(r.currency)}".strip() if _s(r.amount) else ""
        t.add_row(Text(_s(r.actor)), Text(_s(r.action)), _s(r.instrument), Text(_s(r.subtool)), amount,
                  Text(_s(r.time)), _s(r.status), " ".join(map(str, r.areas)))
    con.print(t)


@main.command()
@DB_OPTION
@click.option("--out", "out", default="policylens.html", show_default=True, type=click.Path(dir_okay=False),
              help="Where to write the self-contained HTML report.")
def report(db: str, out: str) -> None:
    """Write a self-contained static HTML report (charts, sortable table, evidence, measures).

    Example: policylens report --db policylens.duckdb --out policylens.html
    """
    from ..report import write_report

    if not Path(db).exists():
        fail(f"no policylens database at {db} (run `policylens run` first)")
    path = write_report(db, out)
    click.echo(f"report: {path}")

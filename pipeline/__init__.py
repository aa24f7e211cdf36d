"""policylens: bilingual document analysis for science-and-technology policy."""
from __future__ import annotations

__version__ = "0.1.0"

__all__ = ["__version__", "open_corpus"]


def open_corpus(path="policylens.duckdb"):
    """Open a policylens DuckDB file for exploration (pandas DataFrames, KWIC, keyness, profiles)."""
    from .explore import Corpus

    return Corpus(path)

"""policylens: bilingual document analysis for science-and-technology policy."""
from __future__ import annotations

import os as _os

# Arrow's default allocator (mimalloc) reserves ~1.4 GB of address space when pyarrow is imported; the
# runner caps each worker's address space (RLIMIT_AS), so use the system allocator unless told otherwise.
_os.environ.setdefault("ARROW_DEFAULT_MEMORY_POOL", "system")

__version__ = "0.1.0"

__all__ = ["__version__", "open_corpus"]


def open_corpus(path="policylens.duckdb"):
    """Open a policylens DuckDB file for exploration (pandas DataFrames, KWIC, keyness, profiles)."""
    from .explore import Corpus

    return Corpus(path)

"""Run settings: one frozen value passed to every worker."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Optional

# Environment variables that hold BLAS/OpenMP (and tesseract) to one thread: workers are processes, one
# per core. Set by the forkserver before numpy loads and by every worker for what it starts later.
ONE_THREAD_VARS = ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS", "OMP_THREAD_LIMIT")


@dataclass(frozen=True)
class Settings:
    ocr: str = "auto"  # auto | off | force
    password: Optional[str | tuple[str, ...]] = None  # one password, or several to try in turn
    codebook: Optional[str] = None  # path to a challenge codebook; None = corpus/codebook/challenges.yaml
    stages: tuple[str, ...] = ("tag", "entities", "classify", "measures")  # after segment; the spine always runs
    t2s: bool = True  # convert Traditional to Simplified Chinese
    max_bytes: int = 200 * 1024 * 1024  # files larger are too_large
    max_pages: int = 5000  # PDFs with more pages are too_large
    time_limit: float = 300.0  # seconds per document (enforced by the runner)
    memory_mb: int = 1500  # address-space cap per worker (enforced by the runner)

"""The shared start of the ``python -m pipeline.…`` training and evaluation scripts that read ../shared."""
from __future__ import annotations

import argparse
import logging
import sys
from pathlib import Path
from typing import Optional

from .resources import use_shared


def start(ap: argparse.ArgumentParser, argv: Optional[list[str]]) -> tuple[argparse.Namespace, Path]:
    """Parse ``argv`` (the parser has a ``--shared`` option), log INFO to stderr, and return the arguments
    and the shared folder in use; exits with a usage error when there is none."""
    args = ap.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s", stream=sys.stderr)
    logging.getLogger("jieba").setLevel(logging.WARNING)
    shared = use_shared(args.shared)
    if shared is None:
        ap.error("../shared not found (use --shared)")
    return args, shared

"""Imported once by the runner's forkserver, so every worker forks with the heavy libraries loaded.

A worker used to spend about 2 s importing spaCy, thinc, jieba, pdfplumber and pyarrow before its first
document; forked from a server that imported them already it starts at once. Only imports happen here:
no model or resource is loaded, so what a worker loads still follows its own ``Settings``. BLAS is held
to one thread before numpy loads: workers are processes, one per core.
"""
import os

from .settings import ONE_THREAD_VARS

for _var in ONE_THREAD_VARS:
    os.environ.setdefault(_var, "1")

import numpy  # noqa: E402,F401
import pyarrow  # noqa: E402,F401
import pypdfium2  # noqa: E402,F401
import pdfplumber  # noqa: E402,F401
import jieba  # noqa: E402,F401
import spacy  # noqa: E402,F401
import thinc.api  # noqa: E402,F401

from . import process, store  # noqa: E402,F401
from .tag import pos  # noqa: E402,F401

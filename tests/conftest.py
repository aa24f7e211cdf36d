"""Shared fixtures. Tests that need ../shared, tesseract, CJK fonts or Chromium skip with the reason."""
from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from pipeline.resources import shared_root

REPO = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="session")
def shared() -> Path:
    root = shared_root()
    if root is None:
        pytest.skip("../shared is absent (a fresh clone without the project's shared data)")
    return root


def _font(*names: str):
    for base in ("/usr/share/fonts", "/usr/local/share/fonts"):
        for dirpath, _, files in os.walk(base):
            for name in names:
                if name in files:
                    return Path(dirpath) / name
    return None


@pytest.fixture(scope="session")
def cjk_font() -> Path:
    """A TrueType/OpenType CJK font for generating test PDFs (WenQuanYi Zen Hei or Noto Sans CJK)."""
    path = _font("wqy-zenhei.ttc", "NotoSansCJK-Regular.ttc", "NotoSansCJKsc-Regular.otf")
    if path is None:
        pytest.skip("no CJK font installed (apt-get install fonts-wqy-zenhei)")
    return path


@pytest.fixture(scope="session")
def tesseract() -> str:
    exe = shutil.which("tesseract")
    if exe is None:
        pytest.skip("tesseract is not installed (apt-get install tesseract-ocr tesseract-ocr-chi-sim)")
    return exe


@pytest.fixture(scope="session")
def chromium() -> str:
    exe = shutil.which("chromium") or shutil.which("chromium-browser")
    if exe is None:
        pytest.skip("Chromium is not installed (apt-get install chromium)")
    return exe

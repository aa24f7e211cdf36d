"""OCR of one PDF page: render with pypdfium2, run the tesseract CLI (``chi_sim+eng``, ``--psm 6``)."""
from __future__ import annotations

import logging
import os
import re
import shutil
import subprocess
import tempfile
from typing import Optional

log = logging.getLogger(__name__)

LANG = "chi_sim+eng"
DPI = 300
MAX_SIDE_PX = 5000  # keeps a huge page's bitmap (and tesseract's time) bounded
TIMEOUT_S = 180.0

_CJK_P = "\u3000-\u303f\u3400-\u9fff\uf900-\ufaff\uff00-\uffef"
_CJK_GAP = re.compile(rf"(?<=[{_CJK_P}])[ \t]+(?=[{_CJK_P}])")


def tesseract_path() -> Optional[str]:
    return shutil.which("tesseract")


def available() -> bool:
    return tesseract_path() is not None


def tidy(text: str) -> str:
    """Tesseract puts spaces between Chinese characters; drop them (and trailing blanks)."""
    text = _CJK_GAP.sub("", text)
    return "\n".join(line.rstrip() for line in text.splitlines()).strip("\n")


def ocr_page(page, *, dpi: int = DPI, timeout: float = TIMEOUT_S, lang: str = LANG) -> str:
    """OCR text of a ``pypdfium2.PdfPage``. Raises RuntimeError (with a one-line reason) on failure."""
    exe = tesseract_path()
    if exe is None:
        raise RuntimeError("tesseract is not installed")
    w, h = page.get_size()
    scale = dpi / 72.0
    if max(w, h) * scale > MAX_SIDE_PX:
        scale = MAX_SIDE_PX / max(w, h)
    bitmap = page.render(scale=scale, grayscale=True)
    try:
        image = bitmap.to_pil()
        with tempfile.TemporaryDirectory(prefix="policylens-ocr-") as tmp:
            png = os.path.join(tmp, "page.png")
            image.save(png)
            env = dict(os.environ, OMP_THREAD_LIMIT="1")
            try:
                done = subprocess.run(
                    [exe, png, "stdout", "-l", lang, "--psm", "6"],
                    capture_output=True, timeout=timeout, env=env, check=False,
                )
            except subprocess.TimeoutExpired as exc:
                raise RuntimeError(f"tesseract timed out after {timeout:.0f} s") from exc
            if done.returncode != 0:
                msg = done.stderr.decode("utf-8", "replace").strip().splitlines()
                raise RuntimeError(f"tesseract failed ({done.returncode}): {msg[-1] if msg else ''}")
            return tidy(done.stdout.decode("utf-8", "replace"))
    finally:
        bitmap.close()

"""Finding and loading our data: ``corpus/`` and ``models/`` in the repo, and ``../shared`` for reading.

Resources are data (YAML, TSV, JSON, spaCy directories, plain arrays), loaded when a stage starts, never
at import. Nothing here unpickles or evaluates anything. Labelled sets built from ``../shared`` texts are
stand-off records (source path relative to ``../shared``, its SHA-256, character offsets, labels);
``load_standoff`` reads the text from ``../shared`` and refuses a file whose hash changed.
"""
from __future__ import annotations

import hashlib
import json
import os
from functools import lru_cache
from pathlib import Path
from typing import Any, Iterator, Optional

from .errors import ResourceError

PACKAGE_DIR = Path(__file__).resolve().parent


def repo_root() -> Path:
    """The project root (``POLICYLENS_HOME`` overrides; default: the folder holding ``pipeline/``)."""
    env = os.environ.get("POLICYLENS_HOME")
    return Path(env).resolve() if env else PACKAGE_DIR.parent


def corpus_path(*parts: str) -> Path:
    return repo_root().joinpath("corpus", *parts)


def models_path(*parts: str) -> Path:
    return repo_root().joinpath("models", *parts)


def shared_root() -> Optional[Path]:
    """``../shared`` beside the repo (``POLICYLENS_SHARED`` overrides), or None when absent."""
    env = os.environ.get("POLICYLENS_SHARED")
    path = Path(env) if env else repo_root().parent / "shared"
    return path.resolve() if path.is_dir() else None


def use_shared(path: Optional[str]) -> Optional[Path]:
    """For a script's ``--shared PATH``: make ``path`` (when given) the shared folder of this process, and
    return the shared folder in use (None when absent)."""
    if path:
        os.environ["POLICYLENS_SHARED"] = str(Path(path).resolve())
    return shared_root()


def require_shared() -> Path:
    root = shared_root()
    if root is None:
        raise ResourceError("../shared is not present beside the repository (set POLICYLENS_SHARED)")
    return root


def sha256_bytes(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def sha256_file(path: os.PathLike | str, chunk: int = 1 << 20) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(chunk), b""):
            h.update(block)
    return h.hexdigest()


def check_hash(path: os.PathLike | str, expected: str) -> None:
    """Raise ResourceError unless the file's SHA-256 is ``expected``."""
    actual = sha256_file(path)
    if actual != expected:
        raise ResourceError(f"{path}: SHA-256 {actual[:16]}… differs from the recorded {expected[:16]}…")


def load_yaml(path: os.PathLike | str) -> Any:
    """YAML with the safe loader only (no Python object tags): libyaml's ``CSafeLoader`` when PyYAML was built
    with it (the same result, 7× faster on the gazetteer), else the pure-Python ``SafeLoader``."""
    import yaml

    try:
        with open(path, encoding="utf-8") as fh:
            return yaml.load(fh, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
    except FileNotFoundError as exc:
        raise ResourceError(f"{path}: not found") from exc
    except yaml.YAMLError as exc:
        raise ResourceError(f"{path}: invalid YAML: {exc}") from exc


def load_json(path: os.PathLike | str) -> Any:
    try:
        with open(path, encoding="utf-8") as fh:
            return json.load(fh)
    except FileNotFoundError as exc:
        raise ResourceError(f"{path}: not found") from exc
    except json.JSONDecodeError as exc:
        raise ResourceError(f"{path}: invalid JSON: {exc}") from exc


def iter_jsonl(path: os.PathLike | str) -> Iterator[dict]:
    try:
        with open(path, encoding="utf-8") as fh:
            for n, line in enumerate(fh, 1):
                if line.strip():
                    try:
                        yield json.loads(line)
                    except json.JSONDecodeError as exc:
                        raise ResourceError(f"{path}:{n}: invalid JSON line: {exc}") from exc
    except FileNotFoundError as exc:
        raise ResourceError(f"{path}: not found") from exc


@lru_cache(maxsize=256)
def _shared_text(rel_path: str, sha256: str) -> str:
    root = require_shared()
    path = root / rel_path
    if not path.is_file():
        raise ResourceError(f"stand-off source {rel_path} is missing from {root}")
    data = path.read_bytes()
    actual = sha256_bytes(data)
    if actual != sha256:
        raise ResourceError(f"stand-off source {rel_path} changed: SHA-256 {actual[:16]}… ≠ {sha256[:16]}…")
    return data.decode("utf-8-sig")


def shared_text(rel_path: str, sha256: str) -> str:
    """The text of a ``../shared`` file, verified against its recorded SHA-256."""
    return _shared_text(rel_path, sha256)


def load_standoff(path: os.PathLike | str) -> Iterator[dict]:
    """Yield stand-off label records with their ``text`` filled in from ``../shared``.

    Each JSONL record has ``source`` (path relative to ``../shared``), ``sha256`` (of the source file),
    ``start`` and ``end`` (character offsets into the source text decoded as UTF-8), and labels. The
    yielded dict adds ``text`` = source[start:end]. A changed or missing source raises ResourceError.
    """
    for rec in iter_jsonl(path):
        try:
            src, digest, start, end = rec["source"], rec["sha256"], int(rec["start"]), int(rec["end"])
        except (KeyError, TypeError, ValueError) as exc:
            raise ResourceError(f"{path}: stand-off record lacks source/sha256/start/end: {rec!r:.120}") from exc
        text = shared_text(src, digest)
        if not 0 <= start <= end <= len(text):
            raise ResourceError(f"{path}: offsets {start}:{end} outside {src} ({len(text)} chars)")
        yield {**rec, "text": text[start:end]}

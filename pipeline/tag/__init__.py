"""Tagging stage: POS (``Tagger``) and entities (``EntityFinder``, from :mod:`pipeline.tag.entities`).

Both are imported lazily so that importing one never needs the other's module or resources.
"""
from __future__ import annotations

import importlib
from typing import Any

__all__ = ["Tagger", "EntityFinder"]

_LAZY = {"Tagger": ".pos", "EntityFinder": ".entities"}


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(module, __name__), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))

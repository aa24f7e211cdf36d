"""Error classes. Each carries a stable ``error_class`` name stored in the ``errors`` table.

Every message is one line; ``str(err)`` is ``"CLASS: message"``. Stages raise these; the runner records
them and goes on; the CLI turns them into ``policylens: error: PATH: CLASS: message``.
"""
from __future__ import annotations

from typing import Optional

# Stable error-class names (never rename: they are stored and documented).
ERROR_CLASSES = (
    "encrypted",  # needs a password, or the password given is wrong
    "corrupt",  # the file cannot be parsed
    "empty",  # zero bytes, or no text at all after extraction
    "needs_ocr",  # only image pages and OCR is off or unavailable
    "unsupported",  # a file type we do not read
    "timeout",  # exceeded the per-document time limit
    "too_large",  # exceeded a size, page or memory cap
    "crashed",  # the worker process died
    "unreadable",  # permissions, a broken link, a directory loop
    "bad_input",  # malformed JSONL or arguments
    "resource",  # a model, codebook or dictionary is missing, invalid or its hash changed
    "internal",  # a bug: an unexpected exception inside a stage
)


class PipelineError(Exception):
    """Base class. ``error_class`` is one of ERROR_CLASSES."""

    error_class = "internal"

    def __init__(
        self,
        message: str,
        *,
        path: Optional[str] = None,
        page: Optional[int] = None,
        stage: Optional[str] = None,
    ) -> None:
        message = " ".join(str(message).split())  # always one line
        super().__init__(message)
        self.message = message
        self.path = path
        self.page = page
        self.stage = stage

    def __str__(self) -> str:
        where = f" (page {self.page})" if self.page else ""
        return f"{self.error_class}: {self.message}{where}"

    def __reduce__(self):  # picklable across processes with keyword fields
        return (_rebuild, (type(self), self.message, self.path, self.page, self.stage))


def _rebuild(cls, message, path, page, stage):
    return cls(message, path=path, page=page, stage=stage)


class EncryptedError(PipelineError):
    error_class = "encrypted"


class CorruptError(PipelineError):
    error_class = "corrupt"


class EmptyError(PipelineError):
    error_class = "empty"


class NeedsOCRError(PipelineError):
    error_class = "needs_ocr"


class UnsupportedError(PipelineError):
    error_class = "unsupported"


class TimeoutError_(PipelineError):
    error_class = "timeout"


class TooLargeError(PipelineError):
    error_class = "too_large"


class CrashedError(PipelineError):
    error_class = "crashed"


class UnreadableError(PipelineError):
    error_class = "unreadable"


class BadInputError(PipelineError):
    error_class = "bad_input"


class ResourceError(PipelineError):
    error_class = "resource"


class InternalError(PipelineError):
    error_class = "internal"


_BY_CLASS = {c.error_class: c for c in PipelineError.__subclasses__()}


def error_for(error_class: str, message: str, **kw) -> PipelineError:
    """Build the error of a stable class name (used by the runner for worker deaths and limits)."""
    return _BY_CLASS.get(error_class, InternalError)(message, **kw)

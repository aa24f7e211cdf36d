"""The measures lexicon (``corpus/codebook/measures.yaml``): verb classes, subtool keywords, status and
negative cues, compiled once per process into regular expressions."""
from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from typing import Optional

from ..errors import ResourceError
from ..resources import corpus_path, load_yaml, sha256_file

LANGS = ("zh", "en")
INSTRUMENTS = ("supply", "environment", "demand")


@dataclass(frozen=True)
class Lexicon:
    version: str
    sha256: str
    verbs: dict  # lang -> compiled alternation; group name -> action via verb_action
    verb_action: dict  # (lang, cue lower) -> action
    action_default: dict  # action -> (instrument, subtool)
    subtools: tuple  # ((subtool, instrument, {lang: regex}), ...) in priority order
    status: dict  # lang -> ((status, regex), ...)
    negative: dict  # lang -> regex


def _alternation(cues, lang: str) -> str:
    cues = sorted(set(cues), key=len, reverse=True)
    if lang == "en":
        # the inflection goes on the first word: "work with" matches "working with", "works with"
        alts = []
        for c in cues:
            first, _, rest = c.partition(" ")
            alt = re.escape(first) + r"(?:s|es|ed|d|ing)?"
            if rest:
                alt += r"\s+" + re.escape(rest).replace(r"\ ", r"\s+")
            alts.append(alt)
        return r"\b(?:" + "|".join(alts) + r")\b"
    return "(?:" + "|".join(re.escape(c) for c in cues) + ")"


def build(data: dict, sha256: str = "") -> Lexicon:
    """Compile a lexicon from its parsed YAML; raise ResourceError when it is malformed."""
    try:
        verbs, verb_action, default = {}, {}, {}
        for lang in LANGS:
            cues = []
            for action, spec in data["actions"].items():
                for cue in spec.get(lang, ()):
                    cues.append(cue)
                    verb_action.setdefault((lang, cue.lower()), action)
            verbs[lang] = re.compile(_alternation(cues, lang), re.I if lang == "en" else 0)
        for action, spec in data["actions"].items():
            if spec["instrument"] not in INSTRUMENTS:
                raise ResourceError(f"measures lexicon: action {action}: bad instrument {spec['instrument']!r}")
            default[action] = (spec["instrument"], spec.get("subtool"))
        subtools = []
        for name, spec in data["subtools"].items():
            pats = {lang: re.compile(_alternation(spec[lang], lang), re.I if lang == "en" else 0)
                    for lang in LANGS if spec.get(lang)}
            subtools.append((name, spec["instrument"], pats))
        status = {lang: tuple((st, re.compile("|".join(data["status"][st][lang]), re.I if lang == "en" else 0))
                              for st in ("recommended", "mandated", "planned")) for lang in LANGS}
        negative = {lang: re.compile("|".join(data["negative"][lang])) for lang in LANGS}
    except (KeyError, TypeError, AttributeError, re.error) as exc:
        raise ResourceError(f"measures lexicon is malformed: {exc!r}") from exc
    return Lexicon(str(data.get("version", "")), sha256, verbs, verb_action, default, tuple(subtools), status, negative)


@lru_cache(maxsize=4)
def load_lexicon(path: Optional[str] = None) -> Lexicon:
    """The lexicon at ``path`` (default ``corpus/codebook/measures.yaml``), loaded once per process."""
    p = path or str(corpus_path("codebook", "measures.yaml"))
    data = load_yaml(p)
    if not isinstance(data, dict):
        raise ResourceError(f"{p}: expected a mapping")
    return build(data, sha256_file(p))

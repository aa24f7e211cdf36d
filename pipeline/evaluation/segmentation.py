"""Chinese word-segmentation evaluation: precision, recall and F1 of word spans against gold.

Data (read-only, in ``../shared``): SIGHAN 2005 PKU and MSR test sets (``segmentation/sighan2005``:
``*_test_gold.utf8`` gold words separated by spaces; the raw text is the gold words joined) and the UD
Chinese GSDSimp test treebank (``ud/zh_gsdsimp``: the gold tokens are the CoNLL-U word forms).

Systems compared: our ``Segmenter`` (default: domain dictionary, HMM off, post-rules) and variants
without the domain dictionary, without the post-rules and with the other HMM setting, and a plain ``jieba.Tokenizer()`` with jieba's defaults (bundled dictionary, HMM on), the reference
that jieba's published figures describe. Our segmenter sees the text the pipeline would give it:
the line after ``normalise.fold`` (full-width letters/digits → half-width), with word boundaries mapped
back to the original characters. Nothing is tuned on the test sets.
"""
from __future__ import annotations

import logging
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Iterable, Optional, Sequence

from ..errors import ResourceError
from ..normalise import fold
from ..types import Sentence

log = logging.getLogger(__name__)

Words = Sequence[str]


@dataclass(frozen=True)
class Score:
    tp: int
    n_gold: int
    n_pred: int

    @property
    def precision(self) -> float:
        return self.tp / self.n_pred if self.n_pred else 0.0

    @property
    def recall(self) -> float:
        return self.tp / self.n_gold if self.n_gold else 0.0

    @property
    def f1(self) -> float:
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0

    def __add__(self, other: "Score") -> "Score":
        return Score(self.tp + other.tp, self.n_gold + other.n_gold, self.n_pred + other.n_pred)


def spans(words: Iterable[str]) -> set[tuple[int, int]]:
    """Character spans of consecutive words (whitespace-free)."""
    out, pos = set(), 0
    for w in words:
        out.add((pos, pos + len(w)))
        pos += len(w)
    return out


def score_line(gold: Words, pred: Words) -> Score:
    """Word P/R counts for one line; gold and prediction must cover the same characters."""
    if "".join(gold) != "".join(pred):
        raise ValueError(f"prediction does not cover the gold characters: {''.join(pred)[:40]!r}")
    g, p = spans(gold), spans(pred)
    return Score(len(g & p), len(g), len(p))


def score(gold: Sequence[Words], pred: Sequence[Words]) -> Score:
    if len(gold) != len(pred):
        raise ValueError(f"{len(gold)} gold lines but {len(pred)} predicted")
    total = Score(0, 0, 0)
    for g, p in zip(gold, pred):
        total = total + score_line(g, p)
    return total


# ----------------------------------------------------------------------------- data


def load_sighan(gold_path: Path) -> list[list[str]]:
    """Gold words per non-empty line of a SIGHAN ``*_gold.utf8`` file."""
    if not gold_path.is_file():
        raise ResourceError(f"{gold_path}: SIGHAN gold file not found")
    with open(gold_path, encoding="utf-8-sig") as fh:
        return [line.split() for line in fh if line.split()]


def load_conllu(path: Path) -> list[list[str]]:
    """Gold word forms per sentence of a CoNLL-U file (``tagging.read_conllu``; spaces inside a form dropped,
    sentences without characters skipped)."""
    from .tagging import read_conllu

    sents = [[w.replace(" ", "") for w in s.words] for s in read_conllu(path)]
    return [s for s in sents if "".join(s)]


def datasets(shared: Path) -> dict[str, list[list[str]]]:
    base = shared / "segmentation" / "sighan2005"
    return {
        "PKU": load_sighan(base / "pku_test_gold.utf8"),
        "MSR": load_sighan(base / "msr_test_gold.utf8"),
        "UD-GSDSimp": load_conllu(shared / "ud" / "zh_gsdsimp" / "zh_gsdsimp-ud-test.conllu"),
    }


# ----------------------------------------------------------------------------- systems


def segmenter_words(segmenter) -> Callable[[str], list[str]]:
    """Words of a raw line from our ``Segmenter`` (folded as in the pipeline, mapped back)."""

    def run(raw: str) -> list[str]:
        text, idx = fold(raw)
        if len(text) != len(raw):  # folding dropped or expanded chars: segment the raw line
            text, idx = raw, list(range(len(raw)))
        toks = segmenter.tokens(text, (Sentence(0, len(text), "zh"),))
        cuts = sorted({0, len(raw)} | {idx[t.start] for t in toks} | {idx[t.end - 1] + 1 for t in toks})
        return [raw[a:b] for a, b in zip(cuts, cuts[1:]) if raw[a:b].strip()]

    return run


def jieba_default_words() -> Callable[[str], list[str]]:
    """A fresh ``jieba.Tokenizer()`` with jieba's defaults (what ``jieba.cut`` does), HMM on."""
    import jieba

    from ..segment import _cache_dir, quiet_jieba

    tok = jieba.Tokenizer()
    tok.tmp_dir = str(_cache_dir())
    quiet_jieba()

    def run(raw: str) -> list[str]:
        return [w for w in tok.cut(raw, HMM=True) if w.strip()]

    return run


def systems() -> dict[str, Callable[[str], list[str]]]:
    from ..segment import DEFAULT_HMM, Segmenter

    hmm = "on" if DEFAULT_HMM else "off"
    return {
        "jieba defaults (HMM on)": jieba_default_words(),
        f"ours: domain dict, HMM {hmm}, rules (default)": segmenter_words(Segmenter()),
        f"ours: no domain dict, HMM {hmm}, rules": segmenter_words(Segmenter(user_dicts=())),
        f"ours: domain dict, HMM {hmm}, no rules": segmenter_words(Segmenter(rules=False)),
        f"ours: no domain dict, HMM {hmm}, no rules": segmenter_words(Segmenter(user_dicts=(), rules=False)),
        f"ours: domain dict, HMM {'off' if DEFAULT_HMM else 'on'}, rules": segmenter_words(
            Segmenter(hmm=not DEFAULT_HMM)
        ),
    }


@dataclass(frozen=True)
class Result:
    dataset: str
    system: str
    score: Score
    seconds: float
    chars: int


def evaluate_segmenters(
    shared: Path,
    *,
    only: Optional[Sequence[str]] = None,
    system_names: Optional[Sequence[str]] = None,
) -> list[Result]:
    """Score every system on every data set (``only`` restricts the data sets by name)."""
    data = datasets(shared)
    results = []
    for sys_name, run in systems().items():
        if system_names and sys_name not in system_names:
            continue
        for ds_name, gold in data.items():
            if only and ds_name not in only:
                continue
            t0 = time.perf_counter()
            pred = [run("".join(words)) for words in gold]
            dt = time.perf_counter() - t0
            results.append(Result(ds_name, sys_name, score(gold, pred), dt, sum(len("".join(g)) for g in gold)))
            log.info("%s on %s: F1 %.4f", sys_name, ds_name, results[-1].score.f1)
    return results

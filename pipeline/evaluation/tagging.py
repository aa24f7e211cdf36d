"""POS-tagging evaluation with gold tokenisation.

* English: UPOS and Penn (XPOS) accuracy of the spaCy pipeline on UD English EWT (the gold words go
  in as a ``Doc``), and its speed in words/s on one core.
* Chinese: UPOS accuracy on UD Chinese GSDSimp of (a) our dictionary look-up tagger on the gold words
  and (b) ``jieba.posseg`` run on the sentence text, each gold word taking the flag of the posseg word
  that covers its last character (posseg cannot be forced onto gold words); both through the same
  flag → UPOS map, with speed in chars/s.
"""
from __future__ import annotations

import logging
import os
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator, Optional

from ..errors import ResourceError

log = logging.getLogger(__name__)

EWT_TEST = "ud/en_ewt/en_ewt-ud-test.conllu"
GSD_TEST = "ud/zh_gsdsimp/zh_gsdsimp-ud-test.conllu"


@dataclass(frozen=True)
class GoldSentence:
    words: tuple[str, ...]
    spaces: tuple[bool, ...]
    upos: tuple[str, ...]
    xpos: tuple[str, ...]

    @property
    def text(self) -> str:
        return "".join(w + (" " if s else "") for w, s in zip(self.words, self.spaces)).rstrip(" ")


def read_conllu(path: os.PathLike | str, limit: Optional[int] = None) -> list[GoldSentence]:
    """Syntactic words of a CoNLL-U file (multiword-token ranges and empty nodes skipped)."""
    return list(_iter_conllu(path, limit))


def _iter_conllu(path, limit) -> Iterator[GoldSentence]:
    words: list[str] = []
    spaces: list[bool] = []
    upos: list[str] = []
    xpos: list[str] = []
    n = 0
    range_end, range_space = 0, True
    try:
        fh = open(path, encoding="utf-8")
    except FileNotFoundError as exc:
        raise ResourceError(f"{path}: not found", stage="evaluate") from exc
    with fh:
        for line in fh:
            line = line.rstrip("\n")
            if not line:
                if words:
                    yield GoldSentence(tuple(words), tuple(spaces), tuple(upos), tuple(xpos))
                    n += 1
                    if limit is not None and n >= limit:
                        return
                words, spaces, upos, xpos, range_end = [], [], [], [], 0
                continue
            if line.startswith("#"):
                continue
            cols = line.split("\t")
            if len(cols) != 10:
                continue
            ident = cols[0]
            if "-" in ident:  # multiword token: its SpaceAfter belongs to its last word
                range_end = int(ident.split("-")[1])
                range_space = "SpaceAfter=No" not in cols[9]
                continue
            if "." in ident:
                continue
            words.append(cols[1])
            upos.append(cols[3])
            xpos.append(cols[4])
            number = int(ident)
            if number < range_end:
                spaces.append(False)
            elif number == range_end:
                spaces.append(range_space)
            else:
                spaces.append("SpaceAfter=No" not in cols[9])
        if words:
            yield GoldSentence(tuple(words), tuple(spaces), tuple(upos), tuple(xpos))


# ----------------------------------------------------------------------------------------- English
def _docs(nlp, gold: list[GoldSentence]):
    from spacy.tokens import Doc

    return [Doc(nlp.vocab, words=list(g.words), spaces=list(g.spaces)) for g in gold]


def evaluate_english(nlp, path: os.PathLike | str, limit: Optional[int] = None) -> dict:
    """UPOS and Penn accuracy of a spaCy pipeline on a CoNLL-U file with gold tokenisation."""
    gold = read_conllu(path, limit)
    upos_ok = xpos_ok = total = 0
    t0 = time.perf_counter()
    for g, doc in zip(gold, nlp.pipe(_docs(nlp, gold), batch_size=256)):
        for tok, up, xp in zip(doc, g.upos, g.xpos):
            upos_ok += tok.pos_ == up
            xpos_ok += tok.tag_ == xp
            total += 1
    seconds = time.perf_counter() - t0
    return {
        "upos": upos_ok / total if total else 0.0,
        "xpos": xpos_ok / total if total else 0.0,
        "tokens": total,
        "sentences": len(gold),
        "seconds": seconds,
    }


def _one_core():
    """Pin this process to one CPU for a speed measurement; returns the old affinity (or None)."""
    if not hasattr(os, "sched_getaffinity"):
        return None
    old = os.sched_getaffinity(0)
    os.sched_setaffinity(0, {min(old)})
    return old


def english_speed(nlp, path: os.PathLike | str, repeats: int = 2) -> float:
    """Words/s of the whole pipeline (tagger, morphologizer, lemmatizer) on one core, best of runs."""
    from ..tag.pos import _one_blas_thread

    gold = read_conllu(path)
    n_words = sum(len(g.words) for g in gold)
    old = _one_core()
    try:
        best = float("inf")
        for _ in range(repeats):
            docs = _docs(nlp, gold)
            t0 = time.perf_counter()
            with _one_blas_thread():
                for _doc in nlp.pipe(docs, batch_size=256):
                    pass
            best = min(best, time.perf_counter() - t0)
    finally:
        if old is not None:
            os.sched_setaffinity(0, old)
    return n_words / best


# ----------------------------------------------------------------------------------------- Chinese
def evaluate_chinese_lookup(tagger, path: os.PathLike | str, limit: Optional[int] = None) -> dict:
    """UPOS accuracy and chars/s of ``Tagger.tag_words_zh`` on the gold words of a CoNLL-U file."""
    gold = read_conllu(path, limit)
    tagger.flags  # load outside the timing
    ok = total = chars = 0
    t0 = time.perf_counter()
    predicted = [tagger.tag_words_zh(g.words) for g in gold]
    seconds = time.perf_counter() - t0
    for g, pred in zip(gold, predicted):
        for (_flag, up), gold_up in zip(pred, g.upos):
            ok += up == gold_up
            total += 1
        chars += sum(len(w) for w in g.words)
    return {"upos": ok / total if total else 0.0, "tokens": total, "chars_per_s": chars / max(seconds, 1e-9)}


def evaluate_chinese_posseg(path: os.PathLike | str, limit: Optional[int] = None) -> dict:
    """UPOS accuracy and chars/s of ``jieba.posseg`` (own segmentation, aligned by character)."""
    import jieba
    import jieba.posseg

    from ..tag.upos_zh import to_upos

    logging.getLogger("jieba").setLevel(logging.WARNING)
    gold = read_conllu(path, limit)
    tok = jieba.posseg.POSTokenizer(jieba.Tokenizer())
    tok.tokenizer.initialize()
    texts = ["".join(g.words) for g in gold]
    list(tok.cut("预热一下。"))  # warm up (lazy loads) outside the timing
    t0 = time.perf_counter()
    cuts = [list(tok.cut(t)) for t in texts]
    seconds = time.perf_counter() - t0
    ok = total = 0
    for g, cut in zip(gold, cuts):
        owner: list[tuple[str, str]] = []  # per character: (posseg word, flag)
        for pair in cut:
            owner.extend([(pair.word, pair.flag)] * len(pair.word))
        pos = 0
        for word, gold_up in zip(g.words, g.upos):
            pos += len(word)
            pword, flag = owner[pos - 1] if 0 < pos <= len(owner) else (word, "x")
            ok += to_upos(flag, pword) == gold_up
            total += 1
    chars = sum(len(t) for t in texts)
    return {"upos": ok / total if total else 0.0, "tokens": total, "chars_per_s": chars / max(seconds, 1e-9)}


def chinese_speed(tagger, path: os.PathLike | str) -> float:
    """Chars/s of ``Tagger.tag`` on Chinese sentences built from the gold words (one core)."""
    from ..types import Sentence, Token

    gold = read_conllu(path)
    text_parts, sentences, tokens = [], [], []
    offset = 0
    for s_idx, g in enumerate(gold):
        start = offset
        for w in g.words:
            tokens.append(Token(offset, offset + len(w), w, sent=s_idx))
            offset += len(w)
        sentences.append(Sentence(start, offset, "zh"))
        text_parts.append("".join(g.words))
    text = "".join(text_parts)
    tagger.flags
    old = _one_core()
    try:
        t0 = time.perf_counter()
        tagger.tag(text, sentences, tokens)
        seconds = time.perf_counter() - t0
    finally:
        if old is not None:
            os.sched_setaffinity(0, old)
    return len(text) / max(seconds, 1e-9)


def evaluate_all(shared: Path, tagger=None) -> dict:
    """Every figure of ``policylens evaluate tagger`` as a dict of dicts."""
    from ..tag.pos import Tagger

    tagger = tagger or Tagger()
    results: dict[str, dict] = {}
    en = evaluate_english(tagger.nlp, shared / EWT_TEST)
    en["words_per_s"] = english_speed(tagger.nlp, shared / EWT_TEST, repeats=1)
    results["en_ewt_test"] = en
    zh = evaluate_chinese_lookup(tagger, shared / GSD_TEST)
    zh["chars_per_s_tagger"] = chinese_speed(tagger, shared / GSD_TEST)
    results["zh_gsdsimp_test_lookup"] = zh
    results["zh_gsdsimp_test_posseg"] = evaluate_chinese_posseg(shared / GSD_TEST)
    return results

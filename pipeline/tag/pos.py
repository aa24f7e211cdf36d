"""Part-of-speech tagging: English with our spaCy pipeline, Chinese by jieba dictionary flags.

* English sentences: the given tokens become a ``spacy.tokens.Doc`` (gold words and spaces, so the
  segmenter's offsets are kept), run through ``models/en_tagger`` (tok2vec → tagger (Penn) →
  morphologizer (UPOS) → lookup lemmatizer). ``Token.tag`` is the Penn tag, ``Token.pos`` the UPOS.
* Chinese sentences: a word → flag table read from jieba's bundled ``dict.txt`` plus our domain
  dictionary (``corpus/dictionaries/zh_domain.txt``), with rules for words in neither (numbers → m,
  Latin → eng, punctuation → x, else n); flags map to UPOS through :mod:`pipeline.tag.upos_zh`.
  ``Token.tag`` is the jieba flag; the lemma is the word. No HMM, no Viterbi: a dictionary look-up.
* Mixed and other sentences: CJK tokens take the Chinese path; runs of the other tokens that hold a
  Latin letter go through the English pipeline; the rest (numbers, punctuation) take the Chinese rules.

Resources load on first use, once per process (module-level cache keyed by path).
"""
from __future__ import annotations

import dataclasses
import logging
import os
import re
import threading
from pathlib import Path
from typing import Iterable, Optional, Sequence

from ..errors import ResourceError
from ..language import HAN_CLASS
from ..resources import load_json, models_path, sha256_file
from ..types import Sentence, Token
from .upos_zh import is_punct, to_upos

log = logging.getLogger(__name__)

STAGE = "tag"

_CJK = re.compile(f"[{HAN_CLASS}\u3005\u3007]")  # Han + 々 and 〇, which jieba's dictionary holds
_LATIN = re.compile(r"[A-Za-z\u00c0-\u024f]")
_NUMBER = re.compile(r"^[+\-−]?[\d０-９.,，．%％‰\u00b7]*\d[\d０-９.,，．%％‰]*$|^[零〇一二三四五六七八九十百千万亿两壹贰叁肆伍陆柒捌玖拾佰仟]+$")
_ROMAN = re.compile(r"^(?=.*[A-Za-z])[A-Za-z0-9.\-+&_'/]+$")

_lock = threading.Lock()
_EN_CACHE: dict[str, object] = {}
_ZH_CACHE: dict[tuple[str, ...], dict[str, str]] = {}


# ----------------------------------------------------------------------------------------- English
def verify_model(model_dir: Path) -> dict:
    """Check that ``model_dir`` is a saved pipeline whose files match the hashes in its meta.json."""
    meta_path = model_dir / "meta.json"
    if not meta_path.is_file():
        raise ResourceError(
            f"English tagger model missing at {model_dir}: run `make models` to train it", stage=STAGE
        )
    meta = load_json(meta_path)
    recorded = (meta.get("policylens") or {}).get("files") or {}
    on_disk = {p.relative_to(model_dir).as_posix() for p in model_dir.rglob("*") if p.is_file()} - {"meta.json"}
    unrecorded = sorted(on_disk - set(recorded))
    if not recorded or unrecorded:
        raise ResourceError(
            f"English tagger at {model_dir}: meta.json records no hash for "
            f"{', '.join(unrecorded[:3]) or 'any file'}: refusing to load an unverified model; run `make models`",
            stage=STAGE,
        )
    for rel, digest in recorded.items():
        path = model_dir / rel
        if not path.is_file():
            raise ResourceError(f"English tagger file {path} is missing: run `make models`", stage=STAGE)
        if sha256_file(path) != digest:
            raise ResourceError(
                f"English tagger file {path} changed since training (SHA-256 differs from meta.json): "
                "run `make models`",
                stage=STAGE,
            )
    return meta


def load_english(model_dir: Optional[os.PathLike | str] = None):
    """The spaCy pipeline at ``model_dir`` (default ``models/en_tagger``), loaded once per process."""
    path = Path(model_dir) if model_dir is not None else models_path("en_tagger")
    key = str(path.resolve())
    with _lock:
        nlp = _EN_CACHE.get(key)
        if nlp is None:
            verify_model(path)
            import spacy  # heavy; imported on first use

            try:
                nlp = spacy.load(path)
            except (OSError, ValueError, KeyError) as exc:
                raise ResourceError(f"cannot load the English tagger at {path}: {exc}", stage=STAGE) from exc
            missing = [c for c in ("tagger", "morphologizer") if c not in nlp.pipe_names]
            if missing:
                raise ResourceError(f"English tagger at {path} lacks {missing}: run `make models`", stage=STAGE)
            _use_numpy_blas(nlp)
            _EN_CACHE[key] = nlp
            log.info("English tagger loaded from %s (%s)", path, ", ".join(nlp.pipe_names))
    return nlp


def _use_numpy_blas(nlp) -> None:
    """Run inference matrix products through numpy's BLAS instead of thinc's bundled blis.

    Measured on this machine (one core, EWT test): the same weights tag 1.66× faster (6.1k → 10.1k
    words/s) with identical output; thinc's default blis kernels are much slower here than OpenBLAS.
    The BLAS is held to one thread while tagging (see ``_one_blas_thread``): workers are processes.
    """
    try:
        from thinc.backends.numpy_ops import NumpyOps

        ops = NumpyOps(use_blis=False)
    except (ImportError, TypeError):  # an older thinc without the switch: keep its defaults
        return
    for _name, component in nlp.pipeline:
        model = getattr(component, "model", None)
        if model is not None and hasattr(model, "walk"):
            for node in model.walk():
                node.ops = ops


_BLAS_CONTROLLER = None


def _one_blas_thread():
    """A context that limits BLAS to one thread (a no-op without threadpoolctl)."""
    global _BLAS_CONTROLLER
    try:
        if _BLAS_CONTROLLER is None:
            from threadpoolctl import ThreadpoolController

            _BLAS_CONTROLLER = ThreadpoolController()
        return _BLAS_CONTROLLER.limit(limits=1, user_api="blas")
    except ImportError:
        import contextlib

        return contextlib.nullcontext()


# ----------------------------------------------------------------------------------------- Chinese
def jieba_dictionary() -> Path:
    """jieba's bundled ``dict.txt`` (found without importing jieba, which is slow and noisy)."""
    import importlib.util

    spec = importlib.util.find_spec("jieba")
    if spec is None or not spec.origin:
        raise ResourceError("jieba is not installed", stage=STAGE)
    return Path(spec.origin).parent / "dict.txt"


def default_zh_dictionaries() -> tuple[Path, ...]:
    """jieba's dictionary, then the segmenter's domain dictionary, hash-checked (later files win)."""
    from ..segment import domain_dictionary

    return jieba_dictionary(), domain_dictionary()


def read_flags(paths: Iterable[Path], table: Optional[dict[str, str]] = None) -> dict[str, str]:
    """A word → jieba flag table from jieba-format dictionaries (``word [freq] [flag]`` a line)."""
    table = {} if table is None else table
    for path in paths:
        try:
            with open(path, encoding="utf-8-sig") as fh:  # as segment.read_user_dict: a BOM is not a word
                for line in fh:
                    parts = line.split()
                    if len(parts) >= 3:
                        table[parts[0]] = parts[2]
                    elif len(parts) == 2 and not parts[1].isdigit():
                        table[parts[0]] = parts[1]
        except FileNotFoundError as exc:
            raise ResourceError(f"Chinese dictionary {path} is missing", stage=STAGE) from exc
        except UnicodeDecodeError as exc:
            raise ResourceError(f"Chinese dictionary {path} is not UTF-8: {exc}", stage=STAGE) from exc
    return table


def load_flags(paths: Optional[Sequence[os.PathLike | str]] = None) -> dict[str, str]:
    """The word → flag table for ``paths`` (default: jieba + domain dictionary), once per process."""
    resolved = tuple(Path(p) for p in paths) if paths is not None else default_zh_dictionaries()
    key = tuple(str(p.resolve()) for p in resolved)
    with _lock:
        table = _ZH_CACHE.get(key)
        if table is None:
            table = read_flags(resolved)
            _ZH_CACHE[key] = table
            log.info("Chinese flag table: %d words from %d dictionaries", len(table), len(resolved))
    return table


def oov_flag(word: str) -> str:
    """The flag for a word in no dictionary: numbers m, Latin eng, punctuation x, otherwise n."""
    if _NUMBER.match(word):
        return "m"
    if _ROMAN.match(word):
        return "eng"
    if is_punct(word):
        return "x"
    return "n"


def zh_flag(word: str, table: dict[str, str]) -> str:
    flag = table.get(word)
    if flag is None:
        flag = table.get(word.lower()) if word.isascii() else None
    return flag or oov_flag(word)


def is_cjk(text: str) -> bool:
    return _CJK.search(text) is not None


# ------------------------------------------------------------------------------------------ Tagger
class Tagger:
    """Fills ``pos`` (UPOS), ``tag`` (Penn | jieba flag) and ``lemma`` of segmented tokens.

    ``model_dir``: the English spaCy pipeline (default ``models/en_tagger``); ``zh_dictionaries``:
    jieba-format dictionaries for the Chinese flag table (default jieba's ``dict.txt`` + the domain
    dictionary). Both load on first use.
    """

    def __init__(
        self,
        model_dir: Optional[os.PathLike | str] = None,
        *,
        zh_dictionaries: Optional[Sequence[os.PathLike | str]] = None,
        batch_size: int = 64,  # sentences per pass: 256 held 81 MB of activations on long legal text; 64: 30 MB, same speed
    ) -> None:
        self.model_dir = model_dir
        self.zh_dictionaries = zh_dictionaries
        self.batch_size = batch_size
        self.nlp_ = None
        self.flags_: Optional[dict[str, str]] = None
        self._memo: dict[str, tuple[str, str]] = {}  # word -> (flag, upos), bounded below
        self._en_names: dict[int, str] = {}  # spaCy POS/TAG id -> string
        self._en_lemmas: dict[str, str] = {}  # word -> lookup lemma, bounded

    # resources (lazy; the module caches make them load once per process)
    @property
    def nlp(self):
        if self.nlp_ is None:
            self.nlp_ = load_english(self.model_dir)
        return self.nlp_

    @property
    def flags(self) -> dict[str, str]:
        if self.flags_ is None:
            self.flags_ = load_flags(self.zh_dictionaries)
        return self.flags_

    def __getstate__(self) -> dict:  # pickle the parameters, never the loaded resources
        return {**self.__dict__, "nlp_": None, "flags_": None, "_memo": {}, "_en_names": {}, "_en_lemmas": {}}

    # public API
    def tag(self, text: str, sentences: Sequence[Sentence], tokens: Sequence[Token]) -> tuple[Token, ...]:
        """New tokens (``dataclasses.replace``) with pos/tag/lemma; order and offsets unchanged."""
        out: list[Optional[Token]] = [None] * len(tokens)
        en_runs: list[list[int]] = []  # token indexes, one list per English run
        for sent_idx, idxs in _group_by_sentence(tokens):
            lang = sentences[sent_idx].lang if 0 <= sent_idx < len(sentences) else "mixed"
            if lang == "en":
                en_runs.append(idxs)
                continue
            if lang == "zh":
                for i in idxs:
                    out[i] = self._zh_token(tokens[i])
                continue
            run: list[int] = []  # mixed / other: per token script
            for i in idxs + [-1]:
                if i >= 0 and not is_cjk(tokens[i].text) and (run or _LATIN.search(tokens[i].text)):
                    run.append(i)
                    continue
                if run:
                    while run and not _LATIN.search(tokens[run[-1]].text):  # trailing digits/punct
                        j = run.pop()  # (not inlined: the target subscript is evaluated after the pop)
                        out[j] = self._zh_token(tokens[j])
                    en_runs.append(run)
                    run = []
                if i >= 0:
                    out[i] = self._zh_token(tokens[i])
        if en_runs:
            self._tag_english(tokens, en_runs, out)
        if len(self._memo) > _MEMO_MAX:
            self._memo.clear()
        return tuple(out)  # type: ignore[arg-type]

    def tag_words_zh(self, words: Sequence[str]) -> list[tuple[str, str]]:
        """``(flag, upos)`` for each Chinese word (the evaluation's gold-tokenisation path)."""
        table = self.flags
        result = []
        for word in words:
            flag = zh_flag(word, table)
            result.append((flag, to_upos(flag, word)))
        return result

    # internals
    def _zh_token(self, token: Token) -> Token:
        word = token.text
        hit = self._memo.get(word)
        if hit is None:
            flag = zh_flag(word, self.flags_ or self.flags)
            hit = self._memo[word] = (flag, to_upos(flag, word))
        return _retag(token, hit[1], hit[0], token.lemma or word)

    def _tag_english(self, tokens: Sequence[Token], runs: list[list[int]], out: list) -> None:
        from spacy.tokens import Doc

        nlp = self.nlp
        kept = []
        for run in runs:  # blank tokens (spaCy refuses empty words) never reach the model
            for i in run:
                if not tokens[i].text.strip():
                    out[i] = _retag(tokens[i], "X", "_SP", tokens[i].lemma or tokens[i].text)
            run = [i for i in run if tokens[i].text.strip()]
            if run:
                kept.append(run)
        runs = kept

        def make_docs():  # lazily: holding every sentence's Doc at once cost ~100 MB on a 85k-token text
            for run in runs:
                words = [tokens[i].text for i in run]
                spaces = [
                    bool(k + 1 < len(run) and tokens[run[k + 1]].start > tokens[i].end) for k, i in enumerate(run)
                ]
                yield Doc(nlp.vocab, words=words, spaces=spaces)

        disable = [name for name in ("lemmatizer",) if name in nlp.pipe_names]
        # Read the annotations as arrays and map ids to strings through small memos: iterating spaCy
        # tokens and calling the lemmatizer component per token cost more than the network itself.
        from spacy.attrs import POS, TAG

        strings = nlp.vocab.strings
        names = self._en_names
        lemmas = self._en_lemmas
        table = self._lemma_table(nlp)
        with _one_blas_thread():  # streamed: a tagged Doc and its tensor are dropped once read
            for run, doc in zip(runs, nlp.pipe(make_docs(), batch_size=self.batch_size, disable=disable)):
                for i, (pos_id, tag_id) in zip(run, doc.to_array([POS, TAG]).tolist()):
                    pos = names.get(pos_id)
                    if pos is None:
                        pos = names[pos_id] = strings[pos_id] if pos_id else "X"
                    tag = names.get(tag_id)
                    if tag is None:
                        tag = names[tag_id] = strings[tag_id] if tag_id else ""
                    src = tokens[i]
                    lemma = src.lemma
                    if not lemma:
                        lemma = lemmas.get(src.text)
                        if lemma is None:
                            lemma = lemmas[src.text] = table.get(src.text, src.text) if table is not None else src.text
                    out[i] = _retag(src, pos, tag, lemma)
        if len(lemmas) > _MEMO_MAX:
            lemmas.clear()

    def _lemma_table(self, nlp):
        """The lookup lemmatizer's ``lemma_lookup`` table (None when the pipeline has no lemmatizer)."""
        if "lemmatizer" not in nlp.pipe_names:
            return None
        lookups = getattr(nlp.get_pipe("lemmatizer"), "lookups", None)
        if lookups is None or not lookups.has_table("lemma_lookup"):
            return None
        return lookups.get_table("lemma_lookup")


_MEMO_MAX = 200_000
_TOKEN_FIELDS = tuple(f.name for f in dataclasses.fields(Token))
_FAST = _TOKEN_FIELDS == ("start", "end", "text", "lemma", "pos", "tag", "sent")


def _retag(token: Token, pos: str, tag: str, lemma: str) -> Token:
    """A copy of ``token`` with pos/tag/lemma (the constructor when Token has its known fields)."""
    if _FAST and type(token) is Token:
        return Token(token.start, token.end, token.text, lemma, pos, tag, token.sent)
    return dataclasses.replace(token, pos=pos, tag=tag, lemma=lemma)


def _group_by_sentence(tokens: Sequence[Token]) -> list[tuple[int, list[int]]]:
    """Consecutive tokens of one sentence, in order: ``[(sent, [token indexes]), ...]``."""
    groups: list[tuple[int, list[int]]] = []
    for i, tok in enumerate(tokens):
        if groups and groups[-1][0] == tok.sent:
            groups[-1][1].append(i)
        else:
            groups.append((tok.sent, [i]))
    return groups

"""Sentences and tokens over the normalised text.

* Sentences: within each paragraph (one line), Chinese ends at 。！？；… (ASCII ! ? too), English at
  ``. ! ?`` followed by space and a capital/digit/opening mark, except after known abbreviations
  ("U.S.", "Sec.", "e.g.", "et al." ...), single initials, list labels ("1.", "(a)") and "§ 8801.".
  Closing quotes/brackets after the end mark stay with the sentence; spans are trimmed of whitespace.
* Tokens: Chinese through an owned ``jieba.Tokenizer`` (jieba's bundled dictionary + our domain
  dictionary ``corpus/dictionaries/zh_domain.txt``, hash-checked); English through spaCy's blank English
  tokenizer with the lookup lemmatizer (``Token.lemma``). In a Chinese or mixed sentence, runs of two or
  more Latin words go to spaCy and everything else to jieba. Whitespace-only tokens are dropped.

Heavy resources load lazily, once per process (module caches keyed by configuration), never at import.
"""
from __future__ import annotations

import logging
import os
import re
import tempfile
import threading
from pathlib import Path
from typing import Iterable, Optional, Sequence

from .errors import ResourceError
from .language import HAN, HAN_CLASS, lang_of, paragraphs as find_paragraphs
from .resources import check_hash, corpus_path, load_json
from .types import Paragraph, Sentence, Token

log = logging.getLogger(__name__)

DOMAIN_DICT = ("dictionaries", "zh_domain.txt")
DOMAIN_META = ("dictionaries", "zh_domain.meta.json")
DEFAULT_HMM = False  # measured: HMM off is better on SIGHAN PKU/MSR (see `policylens evaluate segmenter`)

_LOCK = threading.Lock()
_JIEBA: dict[Optional[tuple], object] = {}  # None: the domain dictionary
_SPACY: dict[str, object] = {}


# ----------------------------------------------------------------------------- resources


def _cache_dir() -> Path:
    """A per-user folder for jieba's dictionary cache (created 0700)."""
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    for folder in (Path(base) / "policylens" / "jieba",
                   Path(tempfile.gettempdir()) / f"policylens-{os.getuid()}" / "jieba"):
        try:
            folder.mkdir(parents=True, exist_ok=True, mode=0o700)
            if os.access(folder, os.W_OK):
                return folder
        except OSError:
            continue
    raise ResourceError("no writable cache folder for the jieba dictionary", stage="segment")


def domain_dictionary() -> Path:
    """Path of the domain dictionary after checking it against its recorded SHA-256."""
    path, meta_path = corpus_path(*DOMAIN_DICT), corpus_path(*DOMAIN_META)
    if not path.is_file():
        raise ResourceError(f"{path}: domain dictionary not found", stage="segment")
    meta = load_json(meta_path)
    if not isinstance(meta, dict) or "sha256" not in meta:
        raise ResourceError(f"{meta_path}: no sha256 recorded", stage="segment")
    check_hash(path, meta["sha256"])
    return path


def read_user_dict(path: os.PathLike | str) -> list[tuple[str, Optional[int], Optional[str]]]:
    """``(word, freq, tag)`` rows of a jieba-format dictionary (``word [freq] [tag]`` a line)."""
    rows = []
    try:
        with open(path, encoding="utf-8-sig") as fh:
            for n, line in enumerate(fh, 1):
                parts = line.split()
                if not parts:
                    continue
                if len(parts) > 3 or (len(parts) >= 2 and not parts[1].isdigit() and len(parts) == 3):
                    raise ResourceError(f"{path}:{n}: expected 'word [freq] [tag]'", stage="segment")
                word, freq, tag = parts[0], None, None
                for extra in parts[1:]:
                    if extra.isdigit():
                        freq = int(extra)
                    else:
                        tag = extra
                rows.append((word, freq, tag))
    except FileNotFoundError as exc:
        raise ResourceError(f"{path}: user dictionary not found", stage="segment") from exc
    except UnicodeDecodeError as exc:
        raise ResourceError(f"{path}: user dictionary is not UTF-8 ({exc.reason} at byte {exc.start})",
                            stage="segment") from exc
    except OSError as exc:  # a folder, no permission, an I/O error
        raise ResourceError(f"{path}: cannot read the user dictionary: {exc.strerror or exc}", stage="segment") from exc
    return rows


def _resolve_dicts(user_dicts: Optional[Sequence[str]]) -> tuple[str, ...]:
    if user_dicts is None:
        return (str(domain_dictionary()),)
    return tuple(str(Path(p).resolve()) for p in user_dicts)


def quiet_jieba() -> None:
    """jieba logs every dictionary load at DEBUG through its own handler: keep it to warnings."""
    logger = logging.getLogger("jieba")
    if logger.level < logging.WARNING:
        logger.setLevel(logging.WARNING)


def jieba_tokenizer(user_dicts: Optional[Sequence[str]] = None):
    """The process-wide owned ``jieba.Tokenizer`` for this dictionary set (built on first use).

    ``user_dicts=None`` means the domain dictionary; ``()`` means jieba's bundled dictionary alone.
    """
    key = None if user_dicts is None else tuple(str(Path(p).resolve()) for p in user_dicts)
    tok = _JIEBA.get(key)
    if tok is not None:
        return tok
    with _LOCK:
        tok = _JIEBA.get(key)
        if tok is None:
            paths = _resolve_dicts(user_dicts)  # checks the domain dictionary's hash
            import jieba  # noqa: WPS433 - heavy, imported on first use

            quiet_jieba()
            tok = jieba.Tokenizer()
            tok.tmp_dir = str(_cache_dir())
            tok.initialize()
            for path in paths:
                for word, freq, tag in read_user_dict(path):
                    tok.add_word(word, freq, tag)
            log.info("jieba tokenizer ready with %d user dictionaries", len(paths))
            _JIEBA[key] = tok
    return tok


def english_nlp():
    """spaCy blank English with the lookup lemmatizer (spacy-lookups-data), once per process."""
    nlp = _SPACY.get("en")
    if nlp is not None:
        return nlp
    with _LOCK:
        nlp = _SPACY.get("en")
        if nlp is None:
            import spacy

            nlp = spacy.blank("en")
            for abbr in ("al.", "Sec.", "Secs.", "Pub.", "Stat.", "Ch.", "Art.", "Arts.", "Nos."):
                nlp.tokenizer.add_special_case(abbr, [{"ORTH": abbr}])
            nlp.add_pipe("lemmatizer", config={"mode": "lookup"})
            try:
                nlp.initialize()
            except Exception as exc:  # lookups data missing or unreadable
                raise ResourceError(f"spaCy English lookup lemmatizer: {exc}", stage="segment") from exc
            _SPACY["en"] = nlp
    return nlp


EN_CHUNK = 50_000  # spaCy refuses texts over nlp.max_length; long runs go in whitespace-cut pieces


def _chunks(text: str, start: int, end: int, size: int = EN_CHUNK) -> Iterable[tuple[int, int]]:
    """``[start, end)`` cut into pieces of at most ``size`` chars, at whitespace where there is any."""
    while end - start > size:
        cut = text.rfind(" ", start + size // 2, start + size)
        cut = cut + 1 if cut > start else start + size
        yield start, cut
        start = cut
    yield start, end


def zh_cuts(tok, text: str, start: int, end: int, *, hmm: bool = DEFAULT_HMM,
            rules: bool = True) -> list[tuple[int, int]]:
    """``(start, end)`` of the Chinese words of ``text[start:end]`` by the jieba tokenizer ``tok`` (whitespace
    dropped), merged by the post-rules unless ``rules`` is False."""
    cuts = [(start + a, start + b) for w, a, b in tok.tokenize(text[start:end], HMM=hmm) if not w.isspace()]
    return _merge_rules(text, cuts, start, end) if rules else cuts


def segment_words_zh(text: str) -> list[str]:
    """Chinese words of ``text`` (domain dictionary, default HMM); module-level so it pickles."""
    return [text[a:b] for a, b in zh_cuts(jieba_tokenizer(None), text, 0, len(text))]


# ----------------------------------------------------------------------------- sentences

_CLOSERS = "”’」』）)]】》〉\"'"
# A candidate boundary: end marks (with ASCII '.'), then any closing quotes/brackets.
_CANDIDATE = re.compile(r"(?:[。！？；!?]+|…+|\.+)[" + re.escape(_CLOSERS) + r"]*")
_ABBREV = {
    a.lower()
    for a in (
        "U.S.C", "U.S", "U.K", "E.U", "U.N", "Sec", "Secs", "e.g", "i.e", "No", "Nos", "Mr", "Mrs", "Ms",
        "Dr", "Prof", "Inc", "Ltd", "Co", "Corp", "al", "etc", "vs", "v", "cf", "Art", "Arts",
        "para", "paras", "Vol", "pp", "p", "Fig", "Figs", "Jan", "Feb", "Mar", "Apr", "Jun", "Jul", "Aug",
        "Sep", "Sept", "Oct", "Nov", "Dec", "St", "Jr", "Sr", "Gen", "Rep", "Sen", "Pub", "L", "Stat",
        "Ch", "Chap", "approx", "est", "dept", "Govt", "a.m", "p.m", "Ph.D", "D.C", "Nr", "Op", "Cir",
    )
}
_WORD_BEFORE = re.compile(r"([A-Za-z][A-Za-z.]*)\s*$")
_LABEL_BEFORE = re.compile(r"^\s*(?:\(?[0-9]{1,3}\)?|\(?[a-zA-Z]\)|[ivxlcIVXLC]{1,5}|[A-Za-z])$")
_SECTION_NUM = re.compile(r"\bsecs?\.\s*[0-9][0-9A-Za-z\-–.]*$", re.I)  # "SEC. 2. DEFINITIONS"
_NEXT_START = re.compile(r"\s+[\"'“‘(\[（【《]*[A-Z0-9§" + HAN_CLASS + "]")


def _is_boundary(line: str, m: re.Match) -> bool:
    mark = m.group(0)
    after = line[m.end():]
    if mark[0] in "。！？；…":
        return True
    if mark[0] in "!?":
        return not after or after[0].isspace() or HAN.match(after) is not None
    # ASCII full stop(s)
    if not after:
        return True
    if len(mark.rstrip(_CLOSERS)) > 1 and not after[0].isspace():
        return False
    if HAN.match(after) is not None:
        return True
    if not _NEXT_START.match(after):
        return False
    before = line[: m.start()]
    if mark[0] == "." and len(mark) == 1:
        if _SECTION_NUM.search(before):
            return False
        if _LABEL_BEFORE.match(before):
            return False
        w = _WORD_BEFORE.search(before)
        if w:
            word = w.group(1).lower().rstrip(".")
            if word in _ABBREV:
                return False
            if len(word) == 1 and w.group(1).isupper():  # an initial: "J. Smith"
                return False
            if "." in word and len(word.replace(".", "")) <= 4:  # "U.S.A.", "N.Y."
                return False
    return True


_OPEN, _CLOSE = "《（【〈(", "》）】〉)"
_MAX_BRACKET = 300  # a longer "bracketed" span is more likely a stray bracket than a title


def _bracketed(line: str) -> list[tuple[int, int]]:
    """Matched bracket pairs (《》（）【】〈〉()) of a line, as (open, close) positions."""
    pairs, stack = [], []
    for i, c in enumerate(line):
        if c in _OPEN:
            stack.append((c, i))
        elif c in _CLOSE:
            want = _OPEN[_CLOSE.index(c)]
            while stack and stack[-1][0] != want:
                stack.pop()
            if stack:
                j = stack.pop()[1]
                if i - j <= _MAX_BRACKET:
                    pairs.append((j, i))
    return pairs


def _inside_brackets(line: str) -> bytearray:
    """``mask[i]`` is 1 when position ``i`` lies strictly inside a matched bracket pair (one pass, not
    one scan of the pairs per candidate boundary: that was quadratic on long bracket-rich lines)."""
    if not any(c in _OPEN for c in line):
        return bytearray()
    depth = [0] * (len(line) + 1)
    for a, b in _bracketed(line):
        depth[a + 1] += 1
        depth[b] -= 1
    mask, level = bytearray(len(line)), 0
    for i in range(len(line)):
        level += depth[i]
        mask[i] = level > 0
    return mask


def _split_line(line: str, base: int) -> Iterable[tuple[int, int]]:
    """Sentence spans of one line; no boundary inside a matched bracket pair (a title, a note)."""
    start = 0
    inside = None
    for m in _CANDIDATE.finditer(line):
        if inside is None:
            inside = _inside_brackets(line)
        if inside and inside[m.start()]:
            continue
        if _is_boundary(line, m):
            yield base + start, base + m.end()
            start = m.end()
    yield base + start, base + len(line)


def _trim(text: str, start: int, end: int) -> tuple[int, int]:
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    return start, end


# ----------------------------------------------------------------------------- tokens

_D = "0-9０-９"
_CN = "○〇零一二三四五六七八九"
# Spans kept whole after jieba (post-rules shared by the PKU and MSR standards, the People's Daily
# conventions; chosen on PKU, reported on all three sets): decimals and percentages (3.5, 17%, 3.5%),
# calendar dates (a four-digit year + 年, month 1-12 + 月, day 1-31 + 日; Chinese numerals only for a
# digit-by-digit year, 十一月/十二月, or a month/day right after 年/月 — durations like 3年 stay split)
# and runs of one repeated dash or ellipsis char (——, ……).
_KEEP_WHOLE = re.compile(
    rf"(?<![{_D}.．])[{_D}]+(?:[.．][{_D}]+)+[%％]?(?![{_D}])|(?<![{_D}.．])[{_D}]+[%％]"
    rf"|(?<![{_D}])[{_D}]{{4}}年(?!代)|(?<![{_CN}])[{_CN}]{{4}}年(?!代)"  # not the decade 1960年代
    rf"|(?<![{_D}])(?:1[0-2]|１[０-２]|[0０]?[1-9１-９])月"
    rf"|(?<![{_D}])(?:3[01]|３[０１]|[12１２][{_D}]|[0０]?[1-9１-９])日"
    r"|(?<=年)(?:十[一二]?|[一二三四五六七八九])月|十[一二]月"
    r"|(?<=月)(?:三十一?|二?十[一二三四五六七八九]?|[一二三四五六七八九])日"
    r"|([—…－])\1+"
)


def _merge_rules(text: str, cuts: list[tuple[int, int]], start: int, end: int) -> list[tuple[int, int]]:
    """Re-cut ``cuts`` (jieba's spans over ``text[start:end]``) so that ``_KEEP_WHOLE`` spans stay whole."""
    forced = [m.span() for m in _KEEP_WHOLE.finditer(text, start, end)]
    if not forced:
        return cuts
    bounds = {start, end}
    for a, b in cuts:
        bounds.add(a)
        bounds.add(b)
    for a, b in forced:
        bounds.difference_update(range(a + 1, b))
        bounds.update((a, b))
    edges = sorted(bounds)
    return [(a, b) for a, b in zip(edges, edges[1:]) if not text[a:b].isspace()]


_LATIN_RUN = re.compile(
    r"[A-Za-z\u00c0-\u024f][\w\-'’.&]*(?:[ \t,]+[A-Za-z0-9\u00c0-\u024f(][\w\-'’.&()]*)+"
)
_CJK_ANY = re.compile(f"[\u3040-\u30ff{HAN_CLASS}\uac00-\ud7af]")  # Han, kana, Hangul


class Segmenter:
    """Sentence splitter and tokenizer (Chinese: owned jieba tokenizer; English: spaCy)."""

    def __init__(
        self, *, user_dicts: Optional[Sequence[str]] = None, hmm: bool = DEFAULT_HMM, rules: bool = True
    ) -> None:
        self.user_dicts = None if user_dicts is None else tuple(user_dicts)
        self.hmm = hmm
        self.rules = rules  # the number/date/punctuation post-rules (see _merge_rules)

    # heavy resources: module caches, so a Segmenter stays cheap to build and to pickle
    @property
    def zh(self):
        return jieba_tokenizer(self.user_dicts)

    @property
    def en(self):
        return english_nlp()

    def sentences(self, text: str, paragraphs: Optional[Sequence[Paragraph]] = None) -> tuple[Sentence, ...]:
        if paragraphs is None:
            paragraphs = find_paragraphs(text)
        out: list[Sentence] = []
        for k, para in enumerate(paragraphs):
            for s, e in _split_line(text[para.start : para.end], para.start):  # a paragraph is one line
                s, e = _trim(text, s, e)
                if s < e:
                    out.append(Sentence(s, e, lang_of(text[s:e]), k))
        return tuple(out)

    def tokens(self, text: str, sentences: Sequence[Sentence]) -> tuple[Token, ...]:
        out: list[Token] = []
        en_jobs: list[tuple[int, int, int]] = []  # (sent index, start, end) for spaCy
        zh_jobs: list[tuple[int, int, int]] = []
        for i, s in enumerate(sentences):
            if s.lang == "en" or not _CJK_ANY.search(text, s.start, s.end):
                en_jobs.append((i, s.start, s.end))
                continue
            pos = s.start
            for m in _LATIN_RUN.finditer(text, s.start, s.end):
                if m.start() > pos:
                    zh_jobs.append((i, pos, m.start()))
                en_jobs.append((i, m.start(), m.end()))
                pos = m.end()
            if pos < s.end:
                zh_jobs.append((i, pos, s.end))
        if zh_jobs:
            tok, hmm, rules = self.zh, self.hmm, self.rules
            for i, start, end in zh_jobs:
                cuts = zh_cuts(tok, text, start, end, hmm=hmm, rules=rules)
                out.extend(Token(a, b, text[a:b], sent=i) for a, b in cuts)
        if en_jobs:
            nlp = self.en
            en_jobs = [(i, a, b) for i, start, end in en_jobs for a, b in _chunks(text, start, end)]
            docs = nlp.pipe(text[a:b] for _, a, b in en_jobs)
            for (i, start, _), doc in zip(en_jobs, docs):
                for t in doc:
                    if not t.is_space and t.text.strip():
                        a = start + t.idx
                        out.append(Token(a, a + len(t.text), t.text, lemma=t.lemma_ or t.text, sent=i))
        out.sort(key=lambda t: (t.start, t.end))
        return tuple(out)

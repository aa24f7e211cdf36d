"""Fuzzing: normalise() and the Segmenter on arbitrary Unicode (hypothesis), and PDF ingest on randomly
mutated real PDFs (fixed seeds, each read in a watched child process).

Properties: no exception; the OffsetMap is valid (``len(orig) == len(text) + 1``, non-decreasing, within
the original text, last entry = original length); every sentence and token is an exact slice of the
text, inside it, in order; a mutated PDF either reads or raises a PipelineError subclass within
``HANG_SECONDS`` (anything else, a hang or a dead child is a failure, reported with the seed).
"""
from __future__ import annotations

import os
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

import hostile as H
from pipeline.language import paragraphs as find_paragraphs
from pipeline.normalise import normalise
from pipeline.segment import Segmenter
from pipeline.types import PAGE_SEPARATOR, Page

REPO = Path(__file__).resolve().parent.parent

# Characters that stress the stages: CJK (Simplified and Traditional), full-width forms, the ideographic
# space, Chinese punctuation, page/line controls, combining marks, compatibility forms, emoji (incl.
# ZWJ sequences and variation selectors), RTL scripts and marks, zero-width chars, soft hyphen.
SPECIAL = list(
    "国家科技创新發展臺灣證據與產業鏈條例第一条（一）、。！？；：…——“”《》"
    "ＡＢＣａｂｃ０１２３，．　\u3000"
    "\f\r\n\t\v\x00\x1b\u2028\u2029\u0085"
    "e\u0301a\u0308\u0300\u0336\u20dd"
    "ﬁﬂ⼀⺠豈㈱①⑴"
    "😀👩\u200d💻🇨🇳\ufe0f"
    "עברית العربية\u200f\u200e\u202e\u2066"
    "\u200b\u200c\u200d\u2060\ufeff\u00ad\u00a0"
    "-.!?§()[]\"' "
) + ["\r\n", "\n\n", "Sec. 2. ", "U.S. ", "e.g. ", "tech-\nnology", "第3页", "- 12 -", "2024年3月", "3.5%"]

_chars = st.characters(exclude_categories=("Cs",))  # no lone surrogates (not valid text)
_piece = st.one_of(_chars, st.sampled_from(SPECIAL), st.text(_chars, max_size=8))
TEXT = st.lists(_piece, max_size=120).map("".join)
PAGES = st.lists(TEXT, min_size=1, max_size=4)

# POLICYLENS_FUZZ_EXAMPLES / POLICYLENS_FUZZ_MUTANTS raise the budgets for a longer hunt (default: CI size).
FUZZ = settings(max_examples=int(os.environ.get("POLICYLENS_FUZZ_EXAMPLES", 200)), deadline=None,
                derandomize=not os.environ.get("POLICYLENS_FUZZ_EXAMPLES"),
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])


def _pages(texts: list[str]) -> tuple[Page, ...]:
    return tuple(Page(i + 1, t, "text", 1.0) for i, t in enumerate(texts))


def check_offsets(norm, original: str) -> None:
    orig = norm.offsets.orig
    assert len(orig) == len(norm.text) + 1
    assert orig[-1] == len(original)
    prev = 0
    for o in orig:
        assert 0 <= o <= len(original)
        assert o >= prev, "offset map goes backwards"
        prev = o
    for k, start in enumerate(norm.offsets.page_starts):
        assert 0 <= start <= len(original)


def _normalised(texts: list[str], t2s: bool):
    """(original text, Normalised) of pages, with the offset map checked against the original."""
    original = PAGE_SEPARATOR.join(texts)
    norm = normalise(_pages(texts), t2s=t2s)
    check_offsets(norm, original)
    return original, norm


@FUZZ
@given(PAGES, st.booleans())
def test_normalise_fuzz(texts, t2s):
    original, norm = _normalised(texts, t2s)
    assert norm.script in {"hans", "hant", "latin", "mixed"}
    # a normalised char that is a plain ASCII letter or digit maps to an original char that folds to it
    for i, ch in enumerate(norm.text):
        if ch.isascii() and ch.isalnum():
            src = original[norm.offsets.orig[i]]
            assert src == ch or ord(src) - 0xFEE0 == ord(ch) or src.isalnum() or not src.isascii(), (ch, src)
    for i in range(len(norm.text) + 1):
        assert 1 <= norm.offsets.page_of(i) <= len(texts)


# Page-shaped documents: running headers, page-number footers, wrapped long lines, list items, blank
# lines and hyphenation, so header removal and line joining run (random text alone rarely triggers them).
_LINE = st.one_of(
    TEXT,
    st.sampled_from([
        "国家支持量子科技创新和人才培养，推动产业链供应链协同发展，加快建设创新高地和人才高地",
        "The Secretary shall establish a program to support research, development and demon-",
        "stration of quantum technologies in partnership with industry and universities.",
        "第三条 本办法自发布之日起施行。", "（一）加强基础研究；", "1. Definitions.", "• item", "", "",
        "  Indented paragraph start.", "ＡＢＣ１２３　全角文字", "國家發展改革委員會關於印發通知",
    ]),
)
_PAGE = st.tuples(st.sampled_from(["XX市人民政府文件", "Quantum Act 2024", ""]),
                  st.lists(_LINE, max_size=12),
                  st.sampled_from(["- {n} -", "第 {n} 页", "Page {n} of 9", "{n}", ""]))
DOCS = st.lists(_PAGE, min_size=1, max_size=6).map(
    lambda pages: ["\n".join([head, *body, foot.format(n=k + 1)]) for k, (head, body, foot) in enumerate(pages)])


@FUZZ
@given(DOCS, st.booleans())
def test_normalise_fuzz_page_shaped(texts, t2s):
    _, norm = _normalised(texts, t2s)
    for line in norm.removed_lines:  # (recorded after width folding, so not always verbatim in original)
        assert line == line.strip() and line and "\n" not in line


@pytest.fixture(scope="module")
def segmenter():
    seg = Segmenter()
    seg.tokens("预热 warm up.", seg.sentences("预热 warm up."))  # load jieba and spaCy once
    return seg


def check_segments(text: str, sentences, tokens) -> None:
    last_end = 0
    for s in sentences:
        assert 0 <= s.start < s.end <= len(text)
        assert s.start >= last_end, "sentences overlap or are out of order"
        span = text[s.start:s.end]
        assert span == span.strip() and span
        last_end = s.end
    prev = (-1, -1)
    for t in tokens:
        assert 0 <= t.start < t.end <= len(text)
        assert text[t.start:t.end] == t.text and t.text.strip()
        assert 0 <= t.sent < len(sentences)
        s = sentences[t.sent]
        assert s.start <= t.start and t.end <= s.end, (t, s)
        assert (t.start, t.end) >= prev
        prev = (t.start, t.end)


@FUZZ
@given(TEXT)
def test_segmenter_fuzz_raw(segmenter, text):
    """Raw (unnormalised) text straight into the segmenter."""
    sentences = segmenter.sentences(text, find_paragraphs(text))
    check_segments(text, sentences, segmenter.tokens(text, sentences))


@FUZZ
@given(st.one_of(PAGES, DOCS))
def test_normalise_then_segment_fuzz(segmenter, texts):
    norm = normalise(_pages(texts))
    text = norm.text
    sentences = segmenter.sentences(text)
    check_segments(text, sentences, segmenter.tokens(text, sentences))


# ------------------------------------------------------------------------------------------ PDF mutation

N_MUTANTS = int(os.environ.get("POLICYLENS_FUZZ_MUTANTS", 60))
HANG_SECONDS = 20.0
SEED = 20261124

def _seeds(shared: Path | None) -> list[Path]:
    seeds = sorted((REPO / "corpus" / "samples").glob("*.pdf"))
    if shared is not None:
        for rel in ("pdfs/bad/miner_simple1_no_xref.pdf", "pdfs/bad/pdfjs_helloworld_bad_xref.pdf",
                    "pdfs/bad/miner_evil_recursive_xobjects.pdf", "pdfs/bad/plumber_malformed_issue932.pdf",
                    "pdfs/bad/miner_zen_of_python_corrupted.pdf"):
            if (shared / rel).is_file():
                seeds.append(shared / rel)
        small = sorted((p for p in (shared / "pdfs" / "zh").glob("*.pdf") if p.stat().st_size < 120_000),
                       key=lambda p: p.stat().st_size)
        seeds += small[:2]
    return seeds


def _mutate_and_read(seeds: list[Path], n: int, seed0: int, tmp_path: Path) -> tuple[list[str], dict[str, int]]:
    """Mutate the seeds round-robin (``hostile.mutate(seed=seed0 + k)``) and read each mutant in the hang-guarded
    reader: (failures with their tracebacks, outcome counts by kind). Only failing mutants stay on disk."""
    reader = H.Reader()
    failures, outcomes = [], {}
    try:
        for k in range(n):
            seed_path = seeds[k % len(seeds)]
            p = tmp_path / f"mutant_{k:02d}{seed_path.suffix}"
            p.write_bytes(H.mutate(seed_path.read_bytes(), seed=seed0 + k))
            out = reader.read(p, HANG_SECONDS)
            kind = "ok" if "ok" in out else out.get("error", "bad")
            outcomes[kind] = outcomes.get(kind, 0) + 1
            if "bad" in out:
                failures.append(f"mutant {k} of {seed_path.name} (hostile.mutate(seed={seed0 + k})): {out['bad']}\n"
                                f"{out.get('tb', '')}")
            else:
                p.unlink()  # keep only the failing ones for inspection
    finally:
        reader.stop()
    return failures, outcomes


def test_pdf_mutation_fuzz(tmp_path):
    from pipeline.resources import shared_root

    seeds = _seeds(shared_root())
    assert len(seeds) >= 2
    # the hand-written structural cases join the seeds: mutations of a loop or a bomb header
    built = tmp_path / "built.pdf"
    built.write_bytes(H.self_reference_pdf())
    seeds.append(built)
    failures, outcomes = _mutate_and_read(seeds, N_MUTANTS, SEED, tmp_path)
    assert not failures, "\n".join(failures)
    assert sum(outcomes.values()) == N_MUTANTS
    assert outcomes.get("ok", 0) > 0 and len(outcomes) > 1, outcomes  # the mutations do bite, not all fatal


def test_other_formats_mutation_fuzz(tmp_path):
    """DOCX, HTML and text samples mutated the same way: a document or a PipelineError, never a hang."""
    seeds = [p for p in sorted((REPO / "corpus" / "samples").iterdir()) if p.suffix in (".docx", ".html", ".txt")]
    assert len(seeds) >= 3
    failures, outcomes = _mutate_and_read(seeds, N_MUTANTS // 2, SEED + 1000, tmp_path)
    assert not failures, "\n".join(failures)
    assert outcomes.get("ok", 0) > 0, outcomes

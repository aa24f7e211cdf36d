"""The per-document function and the JSONL commands built on it."""
from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings as hsettings, strategies as st

from pipeline.cli import main
from pipeline.errors import PipelineError
from pipeline.process import pipeline_version, process, process_text
from pipeline.settings import Settings
from pipeline.views import tag_view

REPO = Path(__file__).resolve().parent.parent
SAMPLES = sorted(p for p in (REPO / "corpus" / "samples").iterdir() if p.suffix in {".pdf", ".txt", ".html", ".docx"})
FAST = Settings(stages=("entities", "classify", "measures"))  # the English tagger model is tested elsewhere


@pytest.mark.parametrize("path", SAMPLES, ids=lambda p: p.name)
def test_samples_process_with_exact_offsets(path):
    r = process(str(path), FAST)
    assert r.doc_id and len(r.doc_id) == 64
    assert r.lang in {"zh", "en"} and r.sentences and r.tokens
    for s in r.sentences:
        assert 0 <= s.start < s.end <= len(r.text) and r.text[s.start:s.end].strip()
    for t in r.tokens:
        assert r.text[t.start:t.end] == t.text
        sent = r.sentences[t.sent]
        assert sent.start <= t.start and t.end <= sent.end
    for e in r.entities:
        assert r.text[e.start:e.end] == e.text
    for m in r.measures:
        assert r.text[m.start:m.end] == m.text
    assert {a for a in r.doc_areas if a.decision}, "every sample speaks to at least one area"
    assert dict(r.timings).keys() >= {"ingest", "normalise", "segment", "classify", "measures"}


def test_the_english_sample_act_is_classified_and_has_funding_measures():
    [path] = [p for p in SAMPLES if p.name.startswith("en_national")]
    r = process(str(path), FAST)
    decided = {a.area for a in r.doc_areas if a.decision}
    assert {"C1", "C5"} <= decided
    money = [m for m in r.measures if m.amount]
    assert any(m.currency == "USD" and m.amount == 250_000_000 for m in money)


def test_offsets_index_the_file_text_with_crlf_line_ends_and_a_bom(tmp_path):
    """Stand-off labels and users' tools slice the decoded file: ``\\r\\n`` must not shift the offsets."""
    body = "The Secretary shall establish a centre.\r\n\r\nThe Director may award grants.\r\n" * 40
    path = tmp_path / "crlf.txt"
    path.write_bytes(b"\xef\xbb\xbf" + body.encode("utf-8"))
    res = process(str(path), Settings(stages=()))
    assert len(res.sentences) == 80
    for s in res.sentences:
        a, b = res.offsets.to_original(s.start, s.end)
        assert body[a:b] == res.text[s.start:s.end]
    lf = process_text(body.replace("\r\n", "\n"), settings=Settings(stages=()))
    assert lf.text == res.text


def test_pipeline_version_is_stable_and_names_the_package():
    assert pipeline_version() == pipeline_version()
    assert pipeline_version().startswith("0.1.0+")


def test_process_classifies_a_missing_file():
    with pytest.raises(PipelineError) as info:
        process("/nonexistent/file.pdf", FAST)
    assert info.value.error_class == "unreadable"


def test_tag_view_maps_offsets_back_through_width_folding_and_t2s():
    text = "第一條　國家設立ＡＢＣ量子計算專項，投入１０億元。\nThe Director shall establish a Quantum Office."
    view = tag_view(process_text(text, doc_id="x", settings=Settings(stages=("entities",))), "x")
    toks = [t for s in view["sentences"] for t in s["tokens"]]
    assert toks
    for t in toks:
        assert text[t["start"]:t["end"]] == t["text"]
    assert any(t["text"] == "ＡＢＣ" for t in toks)  # the original, full-width form
    assert any(t["text"] == "Director" for t in toks)
    money = [e for e in view["entities"] if e["label"] == "MONEY"]
    assert money and text[money[0]["start"]:money[0]["end"]] == money[0]["text"]


@hsettings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.text(alphabet=st.sampled_from(list("量子計算国家设立。，ＡＢ１２ab c.\n\u3000 Sec.!?\t（）")), max_size=80))
def test_view_offsets_are_ordered_and_inside_the_input(text):
    view = tag_view(process_text(text, doc_id="h", settings=Settings(stages=())), "h")
    prev = 0
    for s in view["sentences"]:
        assert 0 <= s["start"] <= s["end"] <= len(text)
        for t in s["tokens"]:
            assert prev <= t["start"] < t["end"] <= len(text)
            assert text[t["start"]:t["end"]] == t["text"]
            prev = t["end"]


def _jsonl(*objs):
    return "".join(json.dumps(o, ensure_ascii=False) + "\n" for o in objs)


def test_cli_tag_jsonl_roundtrip():
    text = "国家量子倡议法案要求设立国家量子协调办公室。"
    res = CliRunner().invoke(main, ["tag", "--jsonl", "-"], input=_jsonl({"id": "a", "text": text, "lang": "zh"}))
    assert res.exit_code == 0, res.output
    [obj] = [json.loads(line) for line in res.output.splitlines()]
    assert obj["id"] == "a" and obj["lang"] == "zh"
    words = [t["text"] for s in obj["sentences"] for t in s["tokens"]]
    assert "国家量子倡议法案" in words
    assert all(t["pos"] for s in obj["sentences"] for t in s["tokens"])
    assert any(e["id"] for e in obj["entities"])


def test_cli_classify_sentence_and_document_units():
    recs = _jsonl({"id": "s1", "text": "加强量子信息人才培养，支持高校设立相关专业。"},
                  {"id": "s2", "text": "There is authorized to be appropriated $80,000,000 for fiscal year 2024."})
    res = CliRunner().invoke(main, ["classify", "--jsonl", "-", "--unit", "sentence"], input=recs)
    assert res.exit_code == 0, res.output
    s1, s2 = [json.loads(line) for line in res.output.splitlines()]
    assert "C3" in s1["areas"] and "C5" in s2["areas"]
    assert set(s1["scores"]) == {f"C{i}" for i in range(1, 8)}
    res = CliRunner().invoke(main, ["classify", "--unit", "document", str(SAMPLES[0])])
    assert res.exit_code == 0, res.output
    doc = json.loads(res.output)
    assert doc["areas"] and all(ev["area"] in doc["areas"] or ev["area"] in doc["scores"] for ev in doc["evidence"])


def test_cli_measures_jsonl_has_normalised_amounts():
    text = "英国政府将在未来十年投入25亿英镑，用于量子技术研发。"
    res = CliRunner().invoke(main, ["measures", "--jsonl", "-"], input=_jsonl({"id": "m", "text": text}))
    assert res.exit_code == 0, res.output
    [m] = json.loads(res.output)["measures"]
    assert (m["amount"], m["currency"]) == (2.5e9, "GBP")
    assert text[m["start"]:m["end"]] == m["text"]


def test_cli_bad_jsonl_is_one_line_and_exit_2():
    res = CliRunner().invoke(main, ["tag", "--jsonl", "-"], input='{"id": 1, "text": "ok"}\nnot json\n')
    assert res.exit_code == 2
    err_lines = [l for l in res.stderr.splitlines() if l.strip()]
    assert len(err_lines) == 1 and err_lines[0].startswith("policylens: error: -: bad_input: line 2")
    assert "Traceback" not in res.output

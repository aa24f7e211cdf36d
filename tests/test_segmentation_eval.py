"""Segmentation evaluation: scoring on tiny synthetic gold, loaders, and F1 thresholds on SIGHAN PKU."""
from __future__ import annotations

import pytest
from click.testing import CliRunner

from pipeline.evaluation.segmentation import (
    Score,
    evaluate_segmenters,
    load_conllu,
    load_sighan,
    score,
    score_line,
    segmenter_words,
)
from pipeline.segment import Segmenter


def test_score_line_perfect_and_partial():
    assert score_line(["量子", "计算机"], ["量子", "计算机"]) == Score(2, 2, 2)
    s = score_line(["量子", "计算机", "研究"], ["量子计算机", "研究"])
    assert s == Score(1, 3, 2)
    assert s.precision == pytest.approx(0.5) and s.recall == pytest.approx(1 / 3)
    assert s.f1 == pytest.approx(2 * 0.5 * (1 / 3) / (0.5 + 1 / 3))
    assert Score(0, 0, 0).f1 == 0.0


def test_score_rejects_different_characters_and_lengths():
    with pytest.raises(ValueError):
        score_line(["量子"], ["量", "字"])
    with pytest.raises(ValueError):
        score([["a"]], [])


def test_score_aggregates_counts():
    total = score([["我们", "研究"], ["量子"]], [["我", "们", "研究"], ["量子"]])
    assert total == Score(2, 3, 4)


def test_loaders(tmp_path):
    gold = tmp_path / "x_gold.utf8"
    gold.write_text("共同  创造  美好  的  新  世纪\n\n（  附  图片  ）  \n", encoding="utf-8")
    assert load_sighan(gold) == [["共同", "创造", "美好", "的", "新", "世纪"], ["（", "附", "图片", "）"]]
    conllu = tmp_path / "t.conllu"
    rows = [("1", "然而"), ("2", "，"), ("3-4", "问题"), ("3", "问"), ("4", "题"), ("4.1", "X"), ("5", "。")]
    conllu.write_text("# text = 然而，问题。\n" + "".join(f"{i}\t{w}" + "\t_" * 8 + "\n" for i, w in rows) + "\n",
                      encoding="utf-8")  # ten columns, as CoNLL-U has
    assert load_conllu(conllu) == [["然而", "，", "问", "题", "。"]]


def test_segmenter_words_maps_back_to_raw_characters():
    run = segmenter_words(Segmenter())
    words = run("２０００年增长３．５％，量子计算机")
    assert "".join(words) == "２０００年增长３．５％，量子计算机"
    assert words[:3] == ["２０００年", "增长", "３．５％"] and words[-1] == "量子计算机"


def test_pku_f1_thresholds(shared):
    results = evaluate_segmenters(shared, only=["PKU"])
    f1 = {r.system: r.score.f1 for r in results}
    ours = next(v for k, v in f1.items() if "(default)" in k)
    no_dict = next(v for k, v in f1.items() if "no domain dict" in k and "no rules" not in k)
    assert f1["jieba defaults (HMM on)"] == pytest.approx(0.818, abs=0.005)  # the published reference
    assert ours >= 0.818
    assert ours >= no_dict - 0.005  # the domain dictionary costs at most half a point


def test_cli_table(shared):
    from pipeline.cli import main

    result = CliRunner().invoke(main, ["evaluate", "segmenter", "--dataset", "PKU", "--shared", str(shared)])
    assert result.exit_code == 0, result.output
    assert "PKU" in result.output and "jieba defaults" in result.output and "MSR" not in result.output.split("\n")[1]


def test_cli_missing_shared(tmp_path):
    from pipeline.cli import main

    result = CliRunner().invoke(main, ["evaluate", "segmenter", "--shared", str(tmp_path)])
    assert result.exit_code == 2
    assert "resource" in result.output

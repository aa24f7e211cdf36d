"""Errors, resources and offset maps: the contract every stage relies on."""
from __future__ import annotations

import json
import pickle
from array import array

import pytest

from pipeline import errors
from pipeline.resources import check_hash, load_standoff, load_yaml, sha256_bytes, sha256_file
from pipeline.types import OffsetMap


def test_every_error_class_is_stable_and_one_line():
    names = {cls.error_class for cls in errors.PipelineError.__subclasses__()}
    assert names == set(errors.ERROR_CLASSES)
    err = errors.CorruptError("bad xref\n  at offset 12", path="a.pdf", page=3, stage="ingest")
    assert str(err) == "corrupt: bad xref at offset 12 (page 3)"
    assert "\n" not in str(err)


def test_errors_survive_pickling_with_their_fields():
    err = errors.EncryptedError("needs a password", path="x.pdf", stage="ingest")
    back = pickle.loads(pickle.dumps(err))
    assert type(back) is errors.EncryptedError
    assert (back.path, back.stage, back.message) == ("x.pdf", "ingest", "needs a password")


def test_error_for_maps_names_and_falls_back_to_internal():
    assert isinstance(errors.error_for("timeout", "took 301 s"), errors.TimeoutError_)
    assert isinstance(errors.error_for("no-such-class", "?"), errors.InternalError)


def test_yaml_loader_never_builds_python_objects(tmp_path):
    evil = tmp_path / "codebook.yaml"
    marker = tmp_path / "pwned"
    evil.write_text(f"areas: !!python/object/apply:os.system ['touch {marker}']\n", encoding="utf-8")
    with pytest.raises(errors.ResourceError):
        load_yaml(evil)
    assert not marker.exists()


def test_check_hash_refuses_a_changed_file(tmp_path):
    f = tmp_path / "dict.txt"
    f.write_text("量子计算机 100 n\n", encoding="utf-8")
    check_hash(f, sha256_file(f))
    f.write_text("量子计算机 101 n\n", encoding="utf-8")
    with pytest.raises(errors.ResourceError, match="differs"):
        check_hash(f, sha256_bytes("量子计算机 100 n\n".encode()))


def test_standoff_loader_reads_text_and_refuses_changed_source(tmp_path, monkeypatch):
    shared = tmp_path / "shared"
    (shared / "corpus").mkdir(parents=True)
    src = shared / "corpus" / "doc.txt"
    src.write_text("第一条 国家设立量子专项。Second sentence.", encoding="utf-8")
    monkeypatch.setenv("POLICYLENS_SHARED", str(shared))
    labels = tmp_path / "labels.jsonl"
    rec = {"source": "corpus/doc.txt", "sha256": sha256_file(src), "start": 4, "end": 13, "areas": ["C1"]}
    labels.write_text(json.dumps(rec) + "\n", encoding="utf-8")
    from pipeline import resources

    resources._shared_text.cache_clear()
    [got] = list(load_standoff(labels))
    assert got["text"] == "国家设立量子专项。" and got["areas"] == ["C1"]
    src.write_text("changed", encoding="utf-8")
    resources._shared_text.cache_clear()
    with pytest.raises(errors.ResourceError, match="changed"):
        list(load_standoff(labels))
    resources._shared_text.cache_clear()


def test_offset_map_spans_and_pages():
    # original "ab\fcd" normalised to "ab\n\ncd": the two inserted chars point at the separator
    omap = OffsetMap(orig=array("q", [0, 1, 2, 2, 3, 4, 5]), page_starts=(0, 3))
    assert omap.to_original(0, 2) == (0, 2)
    assert omap.to_original(4, 6) == (3, 5)
    assert omap.page_of(0) == 1 and omap.page_of(5) == 2
    assert omap.to_original(3, 3) == (2, 2)

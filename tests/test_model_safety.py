"""Model and resource safety: loading a model, codebook, gazetteer or dictionary never runs code from the
file, every refusal is a ResourceError, and files with recorded hashes are refused once tampered with.

Each malicious file carries a payload that would create a marker file (``touch MARKER``) if anything
unpickled or constructed Python objects from it; every test asserts the marker does not exist.
Models are copied to tmp_path (or a tmp ``POLICYLENS_HOME``) before tampering: the repo is never touched.
"""
from __future__ import annotations

import io
import json
import os
import pickle
import shutil
import zipfile
from pathlib import Path

import numpy as np
import pytest

from pipeline.errors import PipelineError, ResourceError
from pipeline.resources import corpus_path, load_yaml, models_path, sha256_file

REPO = Path(__file__).resolve().parent.parent


class _Payload:
    """Unpickling this runs ``touch marker``."""

    def __init__(self, marker: Path) -> None:
        self.marker = marker

    def __reduce__(self):
        return (os.system, (f"touch {self.marker}",))


@pytest.fixture
def marker(tmp_path):
    m = tmp_path / "PWNED"
    yield m
    assert not m.exists(), "a payload ran: loading executed code from a resource file"


def _yaml_payloads(marker: Path) -> dict[str, str]:
    cmd = f"touch {marker}"
    return {
        "apply": f'name: evil\nversion: "1"\nareas: !!python/object/apply:os.system ["{cmd}"]\n',
        "new": f'!!python/object/new:os.system ["{cmd}"]\n',
        "name": "entries: !!python/name:os.system\nversion: 1\n",
        "nested": f'name: x\nversion: "1"\nareas:\n  - id: C1\n    x: !!python/object/apply:subprocess.call [["sh", "-c", "{cmd}"]]\n',
    }


# ------------------------------------------------------------------------------------------ YAML resources


@pytest.mark.parametrize("kind", ["apply", "new", "name", "nested"])
def test_codebook_with_python_tags_is_refused(tmp_path, marker, kind):
    from pipeline.classify.codebook import load_codebook

    p = tmp_path / f"codebook_{kind}.yaml"
    p.write_text(_yaml_payloads(marker)[kind], encoding="utf-8")
    with pytest.raises(ResourceError) as info:
        load_codebook(str(p))
    assert "\n" not in str(info.value)
    with pytest.raises(ResourceError):
        load_yaml(p)


def test_codebook_payload_through_process_text(tmp_path, marker):
    """The codebook named in Settings reaches the Classifier through process_text: still a ResourceError."""
    from pipeline.process import process_text
    from pipeline.settings import Settings

    p = tmp_path / "evil_codebook.yaml"
    p.write_text(_yaml_payloads(marker)["apply"], encoding="utf-8")
    with pytest.raises(ResourceError):
        process_text("国家支持量子科技创新。", settings=Settings(codebook=str(p), stages=("classify",)))


@pytest.mark.parametrize("kind", ["apply", "new", "name"])
def test_gazetteer_with_python_tags_is_refused(tmp_path, marker, kind):
    from pipeline.tag.entities import Gazetteer

    p = tmp_path / f"gazetteer_{kind}.yaml"
    p.write_text(_yaml_payloads(marker)[kind], encoding="utf-8")
    with pytest.raises(ResourceError):
        Gazetteer.load(p)


# ------------------------------------------------------------------------------------------ array models


def _copy_model(tmp_path: Path, name: str = "challenges") -> Path:
    src = models_path(name)
    if not (src / "meta.json").is_file():
        pytest.skip(f"models/{name} is not built (make train)")
    dst = tmp_path / name
    shutil.copytree(src, dst)
    return dst


def _npz_with_object_array(path: Path, marker: Path) -> None:
    arrays = dict(np.load(models_path("challenges", "weights.npz"), allow_pickle=False))
    arrays["intercept"] = np.array([_Payload(marker)], dtype=object)  # saved as a pickle inside the npz
    np.savez(path, **arrays)


def _raw_pickle(path: Path, marker: Path) -> None:
    path.write_bytes(pickle.dumps(_Payload(marker)))


def _npy_pickle_member(path: Path, marker: Path) -> None:
    """A zip whose member is a .npy header declaring an object array followed by a pickle."""
    buf = io.BytesIO()
    np.lib.format.write_array(buf, np.array([_Payload(marker)], dtype=object), allow_pickle=True)
    with zipfile.ZipFile(path, "w") as z:
        z.writestr("coef_data.npy", buf.getvalue())


@pytest.mark.parametrize("make", [_npz_with_object_array, _raw_pickle, _npy_pickle_member],
                         ids=["npz-object-array", "raw-pickle", "npy-pickle-member"])
def test_classifier_weights_pickle_is_refused(tmp_path, marker, make):
    from pipeline.classify.model import LinearModel

    model = _copy_model(tmp_path)
    make(model / "weights.npz", marker)
    assert pickle.loads  # the payload is a real pickle: prove it would fire if loaded unsafely
    with pytest.raises(ResourceError):
        LinearModel.load(model)


def test_the_payload_is_live(tmp_path):
    """Control: the same payload does create the marker when unpickled (so the tests above can fail)."""
    m = tmp_path / "control"
    pickle.loads(pickle.dumps(_Payload(m)))
    assert m.exists()


def test_classifier_through_model_dir_refuses_pickle(tmp_path, marker):
    from pipeline.classify import Classifier

    model = _copy_model(tmp_path)
    _raw_pickle(model / "weights.npz", marker)
    with pytest.raises(ResourceError):
        Classifier(model_dir=str(model)).area_ids


def test_measure_model_pickle_is_refused(tmp_path, marker):
    from pipeline.measures.model import MeasureModel

    d = tmp_path / "measures"
    d.mkdir()
    (d / "meta.json").write_text(json.dumps({"format": 1, "n_features": 8, "langs": {}}))
    for make in (_raw_pickle, _npy_pickle_member):
        make(d / "weights.npz", marker)
        meta = json.loads((d / "meta.json").read_text())
        from pipeline.measures import model as mm

        meta["format"] = mm.MODEL_FORMAT
        (d / "meta.json").write_text(json.dumps(meta))
        with pytest.raises(ResourceError):
            MeasureModel.load(d)


@pytest.mark.parametrize("damage", ["truncated", "missing-array"])
def test_classifier_broken_weights_are_resource_errors(tmp_path, damage):
    from pipeline.classify.model import LinearModel

    model = _copy_model(tmp_path)
    w = model / "weights.npz"
    if damage == "truncated":
        w.write_bytes(w.read_bytes()[: w.stat().st_size // 2])
    else:
        arrays = dict(np.load(w, allow_pickle=False))
        del arrays["coef_shape"]
        np.savez(w, **arrays)
    try:
        LinearModel.load(model)
    except ResourceError:
        return
    except Exception as exc:  # noqa: BLE001 - what we are checking for
        pytest.fail(f"{type(exc).__name__} escaped unwrapped: {exc}")
    pytest.fail("a broken weights file loaded")


# ------------------------------------------------------------------------------------------ dictionaries


@pytest.mark.parametrize("content", [
    b"__import__('os').system('touch PWNED') 3 n\n",  # four fields: refused by the format check
    b"word 12 n extra\n",
    "国家 3 n\n量子科技 notanumber n\n".encode(),
], ids=["code-line", "four-fields", "bad-freq"])
def test_jieba_user_dictionary_odd_content_is_refused(tmp_path, marker, content):
    from pipeline.segment import Segmenter

    p = tmp_path / "user.dict"
    p.write_bytes(content.replace(b"PWNED", str(marker).encode()))
    with pytest.raises(ResourceError):
        Segmenter(user_dicts=[str(p)]).tokens("国家支持量子科技。", Segmenter().sentences("国家支持量子科技。"))


def test_jieba_user_dictionary_code_as_a_word_is_just_a_word(tmp_path, marker):
    """A 'word' that is Python source is added as a word and never evaluated."""
    from pipeline.segment import Segmenter

    p = tmp_path / "user.dict"
    word = f"__import__('os').system('touch{marker}')".replace(" ", "")
    p.write_text(f"{word} 5 n\n量子科技 100 n\n", encoding="utf-8")
    seg = Segmenter(user_dicts=[str(p)])
    text = "国家支持量子科技。"
    toks = seg.tokens(text, seg.sentences(text))
    assert "量子科技" in [t.text for t in toks]


@pytest.mark.parametrize("case", ["gbk-bytes", "directory"])  # both escaped unwrapped before the fix
def test_jieba_user_dictionary_unreadable_is_resource_error(tmp_path, case):
    from pipeline.segment import read_user_dict

    p = tmp_path / "user.dict"
    if case == "gbk-bytes":
        p.write_bytes("量子科技 100 n\n".encode("gbk") + b"\xff\xfe\x81\n")
    else:
        p.mkdir()
    try:
        read_user_dict(p)
    except ResourceError:
        return
    except Exception as exc:  # noqa: BLE001
        pytest.fail(f"{type(exc).__name__} escaped unwrapped: {exc}")
    pytest.fail("an unreadable dictionary was accepted")


def test_tagger_flag_dictionary_not_utf8_is_resource_error(tmp_path):
    from pipeline.tag.pos import read_flags

    p = tmp_path / "flags.txt"
    p.write_bytes("量子 3 n\n".encode("gbk") + b"\xff\xfe\n")
    with pytest.raises(ResourceError):
        read_flags([p])


# ------------------------------------------------------------------------------------------ recorded hashes


@pytest.fixture
def tmp_home(tmp_path, monkeypatch):
    """A POLICYLENS_HOME with copies of corpus/ dictionaries, codebook, gazetteer and models/challenges."""
    home = tmp_path / "home"
    for rel in ("corpus/dictionaries", "corpus/codebook", "corpus/gazetteer"):
        shutil.copytree(REPO / rel, home / rel)
    if (REPO / "models" / "challenges").is_dir():
        shutil.copytree(REPO / "models" / "challenges", home / "models" / "challenges")
    monkeypatch.setenv("POLICYLENS_HOME", str(home))
    assert corpus_path() == home / "corpus"
    return home


def test_domain_dictionary_hash_is_checked(tmp_home, monkeypatch):
    from pipeline import segment

    segment.domain_dictionary()  # the untouched copy passes
    d = tmp_home / "corpus" / "dictionaries" / "zh_domain.txt"
    with open(d, "a", encoding="utf-8") as fh:
        fh.write("篡改词 99999 n\n")
    with pytest.raises(ResourceError) as info:
        segment.domain_dictionary()
    assert "SHA-256" in str(info.value)
    monkeypatch.setattr(segment, "_JIEBA", {})  # no cached tokenizer: the Segmenter must load and refuse
    seg = segment.Segmenter()
    with pytest.raises(ResourceError):
        seg.tokens("国家支持量子科技。", seg.sentences("国家支持量子科技。"))


def test_default_codebook_changed_under_the_model_is_refused(tmp_home):
    from pipeline.classify import classifier
    from pipeline.classify.codebook import load_codebook

    if not (tmp_home / "models" / "challenges" / "meta.json").is_file():
        pytest.skip("models/challenges is not built")
    classifier._state.__wrapped__("", "")  # the untouched copies load
    cb = tmp_home / "corpus" / "codebook" / "challenges.yaml"
    with open(cb, "a", encoding="utf-8") as fh:
        fh.write("\n# tampered\n")
    load_codebook.cache_clear()  # a codebook is cached per path for the process: a fresh process re-reads it
    with pytest.raises(ResourceError) as info:
        classifier._state.__wrapped__("", "")
    assert "retrain" in str(info.value)


def test_tampered_classifier_weights_are_refused(tmp_path):
    from pipeline.classify.codebook import load_codebook
    from pipeline.classify.model import load_model

    model = _copy_model(tmp_path)
    w = model / "weights.npz"
    arrays = dict(np.load(w, allow_pickle=False))
    arrays["thresholds"] = np.zeros_like(arrays["thresholds"])  # every sentence becomes a mention
    np.savez_compressed(w, **arrays)
    with pytest.raises(ResourceError):
        load_model(model, load_codebook(None), default_codebook=True)


def _fake_spacy_model(tmp_path: Path, record: bool = True) -> Path:
    import spacy

    d = tmp_path / "en_tagger"
    spacy.blank("en").to_disk(d)
    files = {p.relative_to(d).as_posix(): sha256_file(p) for p in sorted(d.rglob("*")) if p.is_file()}
    meta = json.loads((d / "meta.json").read_text()) if (d / "meta.json").is_file() else {}
    if record:
        meta["policylens"] = {"files": {k: v for k, v in files.items() if k != "meta.json"}}
    (d / "meta.json").write_text(json.dumps(meta))
    return d


def test_tampered_tagger_file_is_refused(tmp_path):
    from pipeline.tag.pos import load_english, verify_model

    d = _fake_spacy_model(tmp_path)
    verify_model(d)  # intact: the hashes match
    with pytest.raises(ResourceError) as info:  # intact but lacks the tagger: refused for that reason
        load_english(d)
    assert "lacks" in str(info.value)
    with open(d / "config.cfg", "a", encoding="utf-8") as fh:
        fh.write("\n# tampered\n")
    with pytest.raises(ResourceError) as info:
        load_english(d)
    assert "changed since training" in str(info.value)
    (d / "config.cfg").unlink()
    with pytest.raises(ResourceError) as info:
        load_english(d)
    assert "missing" in str(info.value)


def test_tagger_without_recorded_hashes_is_refused(tmp_path):
    from pipeline.tag.pos import verify_model

    d = _fake_spacy_model(tmp_path, record=False)
    with pytest.raises(ResourceError):
        verify_model(d)


def test_resource_errors_are_pipeline_errors():
    err = ResourceError("x\ny")
    assert isinstance(err, PipelineError) and err.error_class == "resource" and str(err) == "resource: x y"


def test_measure_model_damaged_weights_are_resource_errors(tmp_path):
    """Weight arrays that do not fit their shape (a negative or out-of-range column, a short indptr,
    a non-finite weight) are refused on load, with the classifier's checks (classify.model.read_csr)."""
    import shutil

    from pipeline.measures.model import MeasureModel

    d = tmp_path / "measures"
    shutil.copytree(REPO / "models" / "measures", d)
    good = dict(np.load(d / "weights.npz", allow_pickle=False))
    MeasureModel.load(d)  # the copy itself loads
    n = len(good["en_det_indices"])
    for key, value in (("en_det_indices", np.full(n, -1, dtype=np.int32)),
                       ("en_det_indices", np.full(n, 1 << 30, dtype=np.int32)),
                       ("en_det_indptr", np.array([0], dtype=np.int64)),
                       ("en_det_data", np.full(n, np.nan, dtype=np.float32))):
        np.savez(d / "weights.npz", **{**good, key: value})
        with pytest.raises(ResourceError):
            MeasureModel.load(d)

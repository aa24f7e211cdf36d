"""Train the English POS tagger on UD English EWT: ``python -m pipeline.tag.train --shared ../shared``.

Steps (each one logged):

1. ``spacy convert`` the EWT ``.conllu`` files into ``.spacy`` DocBins in a build folder (not committed),
   dropping the morphological features so that the morphologizer predicts exactly the UPOS tag.
2. ``spacy train`` a small efficiency pipeline: a shared ``tok2vec`` (MultiHashEmbed, no pretrained
   vectors, MaxoutWindowEncoder) feeding a ``tagger`` (Penn / XPOS → ``Token.tag``) and a
   ``morphologizer`` (UPOS → ``Token.pos``). Fixed seed, bounded by ``max_steps`` so that it ends in
   about half an hour even on a busy two-core machine.

   Trade-off measured (EWT test, gold tokens, one idle core, numpy BLAS; nlp.pipe / whole Tagger.tag):
   width 96 → UPOS 0.9427, Penn 0.9349, ~41k / ~40k words/s, 7.1 MB; width 64 → UPOS 0.9409, Penn
   0.9349, ~70k / ~52k words/s, 4.8 MB. The default is width 64: 1.3–1.7× faster for 0.2 point UPOS.
3. Add spaCy's lookup ``lemmatizer`` (tables from spacy-lookups-data; nothing trained), evaluate UPOS and
   Penn accuracy on EWT test with gold tokenisation, measure words/s on one core, and save the pipeline
   with ``meta.json`` recording the spaCy version, config, seed, data hashes and the figures.

``--finalize`` skips 1–2 and finalises the best model already in the build folder (e.g. after stopping a
long training run by hand).
"""
from __future__ import annotations

import argparse
import json
import logging
import shutil
import subprocess
import sys
import time
from pathlib import Path

from ..resources import models_path, repo_root, sha256_file

log = logging.getLogger(__name__)

SEED = 0
EWT = "ud/en_ewt"
SPLITS = ("train", "dev", "test")

# The training config. Kept here (and copied next to the model as ``train_config.cfg``) so that the
# recorded model can be rebuilt exactly; ``${...}`` interpolation is spaCy's.
CONFIG = """\
[paths]
train = null
dev = null
vectors = null
init_tok2vec = null

[system]
gpu_allocator = null
seed = {seed}

[nlp]
lang = "en"
pipeline = ["tok2vec", "tagger", "morphologizer"]
batch_size = 1000
disabled = []
before_creation = null
after_creation = null
after_pipeline_creation = null
tokenizer = {{"@tokenizers":"spacy.Tokenizer.v1"}}

[components]

[components.tok2vec]
factory = "tok2vec"

[components.tok2vec.model]
@architectures = "spacy.Tok2Vec.v2"

[components.tok2vec.model.embed]
@architectures = "spacy.MultiHashEmbed.v2"
width = ${{components.tok2vec.model.encode.width}}
attrs = ["NORM", "PREFIX", "SUFFIX", "SHAPE"]
rows = {rows}
include_static_vectors = false

[components.tok2vec.model.encode]
@architectures = "spacy.MaxoutWindowEncoder.v2"
width = {width}
depth = {depth}
window_size = 1
maxout_pieces = 3

[components.tagger]
factory = "tagger"
label_smoothing = 0.05
overwrite = false
neg_prefix = "!"

[components.tagger.model]
@architectures = "spacy.Tagger.v2"
nO = null
normalize = false

[components.tagger.model.tok2vec]
@architectures = "spacy.Tok2VecListener.v1"
width = ${{components.tok2vec.model.encode.width}}
upstream = "*"

[components.morphologizer]
factory = "morphologizer"
label_smoothing = 0.05
overwrite = true
extend = false

[components.morphologizer.model]
@architectures = "spacy.Tagger.v2"
nO = null
normalize = false

[components.morphologizer.model.tok2vec]
@architectures = "spacy.Tok2VecListener.v1"
width = ${{components.tok2vec.model.encode.width}}
upstream = "*"

[corpora]

[corpora.train]
@readers = "spacy.Corpus.v1"
path = ${{paths.train}}
max_length = 0
gold_preproc = false
limit = 0
augmenter = null

[corpora.dev]
@readers = "spacy.Corpus.v1"
path = ${{paths.dev}}
max_length = 0
gold_preproc = false
limit = 0
augmenter = null

[training]
dev_corpus = "corpora.dev"
train_corpus = "corpora.train"
seed = ${{system.seed}}
gpu_allocator = ${{system.gpu_allocator}}
dropout = 0.1
accumulate_gradient = 1
patience = {patience}
max_epochs = {max_epochs}
max_steps = {max_steps}
eval_frequency = {eval_frequency}
frozen_components = []
annotating_components = []
before_to_disk = null
before_update = null

[training.batcher]
@batchers = "spacy.batch_by_words.v1"
discard_oversize = false
tolerance = 0.2
get_length = null

[training.batcher.size]
@schedules = "compounding.v1"
start = 100
stop = 1000
compound = 1.001
t = 0.0

[training.logger]
@loggers = "spacy.ConsoleLogger.v1"
progress_bar = false

[training.optimizer]
@optimizers = "Adam.v1"
beta1 = 0.9
beta2 = 0.999
L2_is_weight_decay = true
L2 = 0.01
grad_clip = 1.0
use_averages = true
eps = 1e-08
learn_rate = 0.001

[training.score_weights]
pos_acc = 0.75
tag_acc = 0.25
morph_acc = null
morph_per_feat = null

[pretraining]

[initialize]
vectors = ${{paths.vectors}}
init_tok2vec = ${{paths.init_tok2vec}}
vocab_data = null
lookups = null
before_init = null
after_init = null

[initialize.components]

[initialize.tokenizer]
"""


def make_config(
    *,
    width: int = 64,
    depth: int = 4,
    rows: tuple[int, ...] = (5000, 1000, 2500, 2500),
    max_steps: int = 6000,
    max_epochs: int = 0,
    patience: int = 2000,
    eval_frequency: int = 400,
    seed: int = SEED,
) -> str:
    return CONFIG.format(
        seed=seed,
        width=width,
        depth=depth,
        rows="[" + ", ".join(str(r) for r in rows) + "]",
        max_steps=max_steps,
        max_epochs=max_epochs,
        patience=patience,
        eval_frequency=eval_frequency,
    )


def convert(shared: Path, build: Path) -> dict[str, Path]:
    """``spacy convert`` each EWT split, then strip FEATS so the morphologizer learns UPOS alone."""
    from spacy.tokens import DocBin
    import spacy

    build.mkdir(parents=True, exist_ok=True)
    out: dict[str, Path] = {}
    for split in SPLITS:
        src = shared / EWT / f"en_ewt-ud-{split}.conllu"
        raw = build / "raw"
        raw.mkdir(exist_ok=True)
        cmd = [sys.executable, "-m", "spacy", "convert", str(src), str(raw), "-c", "conllu", "-n", "10"]
        log.info("converting %s", src.name)
        subprocess.run(cmd, check=True, capture_output=True)
        nlp = spacy.blank("en")
        docs = list(DocBin().from_disk(raw / f"{src.stem}.spacy").get_docs(nlp.vocab))
        for doc in docs:
            for token in doc:
                token.set_morph(None)  # keep POS (UPOS) and TAG (XPOS) only
        dest = build / f"{split}.spacy"
        DocBin(docs=docs, attrs=["ORTH", "TAG", "POS", "SPACY", "SENT_START"]).to_disk(dest)
        out[split] = dest
    return out


def train(build: Path, config_text: str) -> Path:
    from spacy.cli.train import train as spacy_train

    cfg = build / "train_config.cfg"
    cfg.write_text(config_text, encoding="utf-8")
    output = build / "output"
    overrides = {"paths.train": str(build / "train.spacy"), "paths.dev": str(build / "dev.spacy")}
    log.info("training (config %s) into %s", cfg, output)
    spacy_train(cfg, output, overrides=overrides, use_gpu=-1)
    return output / "model-best"


def finalize(shared: Path, build: Path, out: Path, note: str = "") -> dict:
    """Add the lookup lemmatizer, evaluate, record meta.json and save the pipeline to ``out``."""
    import spacy

    from ..evaluation.tagging import evaluate_english, english_speed
    from .pos import _use_numpy_blas

    best = build / "output" / "model-best"
    nlp = spacy.load(best)
    lemmatizer = nlp.add_pipe("lemmatizer", config={"mode": "lookup", "overwrite": False})
    lemmatizer.initialize()  # loads en_lemma_lookup from spacy-lookups-data
    _use_numpy_blas(nlp)  # measure as the Tagger runs it
    test = shared / EWT / "en_ewt-ud-test.conllu"
    dev = shared / EWT / "en_ewt-ud-dev.conllu"
    figures_test = evaluate_english(nlp, test)
    figures_dev = evaluate_english(nlp, dev)
    speed = english_speed(nlp, test)
    log.info("EWT test UPOS %.4f, Penn %.4f; %.0f words/s", figures_test["upos"], figures_test["xpos"], speed)
    cfg_path = build / "train_config.cfg"
    nlp.meta["name"] = "en_tagger"
    nlp.meta["version"] = "1.0.0"
    nlp.meta["description"] = "policylens English POS tagger (UPOS + Penn) trained on UD English EWT"
    nlp.meta["policylens"] = {
        "spacy_version": spacy.__version__,
        "seed": SEED,
        "train_config": cfg_path.read_text(encoding="utf-8") if cfg_path.is_file() else None,
        "data": {
            f"{EWT}/en_ewt-ud-{s}.conllu": sha256_file(shared / EWT / f"en_ewt-ud-{s}.conllu") for s in SPLITS
        },
        "ewt_test": {k: round(v, 4) if isinstance(v, float) else v for k, v in figures_test.items()},
        "ewt_dev": {k: round(v, 4) if isinstance(v, float) else v for k, v in figures_dev.items()},
        "words_per_second_one_core": round(speed),
        "trained_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "note": note,
    }
    if out.exists():
        shutil.rmtree(out)
    nlp.to_disk(out)
    if cfg_path.is_file():
        shutil.copyfile(cfg_path, out / "train_config.cfg")
    record_hashes(out)
    return nlp.meta["policylens"]


def record_hashes(model_dir: Path) -> None:
    """Write the SHA-256 of every file of the saved pipeline into its meta.json (checked at load)."""
    meta_path = model_dir / "meta.json"
    meta = json.loads(meta_path.read_text(encoding="utf-8"))
    files = sorted(p for p in model_dir.rglob("*") if p.is_file() and p != meta_path)
    meta.setdefault("policylens", {})["files"] = {
        p.relative_to(model_dir).as_posix(): sha256_file(p) for p in files
    }
    meta_path.write_text(json.dumps(meta, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--shared", type=Path, default=repo_root().parent / "shared")
    ap.add_argument("--out", type=Path, default=models_path("en_tagger"))
    ap.add_argument("--build", type=Path, default=repo_root() / "build" / "en_tagger")
    ap.add_argument("--max-steps", type=int, default=6000)
    ap.add_argument("--width", type=int, default=64)
    ap.add_argument("--depth", type=int, default=4)
    ap.add_argument("--finalize", action="store_true", help="only finalise the model already in --build")
    ap.add_argument("--note", default="", help="a remark recorded in meta.json")
    args = ap.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    shared = args.shared.resolve()
    if not (shared / EWT).is_dir():
        log.error("%s has no %s", shared, EWT)
        return 2
    if not args.finalize:
        convert(shared, args.build)
        train(args.build, make_config(width=args.width, depth=args.depth, max_steps=args.max_steps))
    meta = finalize(shared, args.build, args.out, note=args.note)
    log.info("saved %s: EWT test UPOS %s", args.out, meta["ewt_test"]["upos"])
    return 0


if __name__ == "__main__":
    sys.exit(main())

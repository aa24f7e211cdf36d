"""End-to-end benchmarks (``make bench``): throughput, scaling, resume, memory, stage shares.

Runs, per input set (PDFs generated from known text, ``../shared/pdfs``, ``../shared/corpus``):

1. a naive single-process baseline: pdfplumber ``extract_text`` + module-level ``jieba.lcut``;
2. the spine (ingest → segment, 2 workers) and the full pipeline via ``pipeline.runner.run`` with
   1 and 2 workers, and the Dask backend on the corpus (each into a fresh database), all with OCR off
   so the pipeline reads what the baseline reads; the 1- and 2-worker pair is repeated (``--repeat``,
   default 3) and the speed-up target is checked on the median pair;
3. an incremental re-run of the 2-worker database on the unchanged inputs;
4. ``Classifier().predict_proba_texts`` sentences/s when the classifier is available.

Writes ``bench/results.json`` and prints a table with the targets: 2 workers ≥ 1.7× one worker;
pipeline ≥ 2× the baseline's pages/s; unchanged re-run ≤ 5 % of the first run; peak memory per worker
< 500 MB. Usage: ``python bench/run.py --shared ../shared --out bench/results.json [--limit N]``.
"""
from __future__ import annotations

import argparse
import json
import logging
import operator
import os
import platform
import re
import statistics
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from pipeline.runner import KNOWN_EXTENSIONS, run  # noqa: E402
from pipeline.settings import Settings  # noqa: E402
from pipeline.store import Store  # noqa: E402

SENT_END = re.compile(r"[。！？!?]|\.(?=\s)")


def collect(root: Path, limit: int | None) -> list[Path]:
    files = sorted(p for p in root.rglob("*") if p.is_file() and p.suffix.lower() in KNOWN_EXTENSIONS)
    if limit:  # an even spread
        step = max(1, len(files) // limit)
        files = files[::step][:limit]
    return files


def generated_pdfs(folder: Path, n: int = 40) -> list[Path]:
    """PDFs with known text made by tests/pdfgen.py: zh and en, one and two columns, headers, 4 pages."""
    sys.path.insert(0, str(REPO / "tests"))
    from pdfgen import make_pdf  # the test helper (reportlab is a test extra)

    zh = ("国家支持量子计算、量子通信和量子精密测量等前沿技术研究，加大财政投入，完善人才培养体系，"
          "推动科技成果转化和产业化应用，加强国际交流与合作。") * 3
    en = ("The Director shall establish a national quantum research program, support basic research at "
          "universities and national laboratories, train the quantum workforce and coordinate with industry. ") * 3
    folder.mkdir(parents=True, exist_ok=True)
    out = []
    for i in range(n):
        lang, cols = ("zh" if i % 2 == 0 else "en"), 1 + (i // 2) % 2
        path = folder / f"gen_{lang}_{cols}col_{i:02d}.pdf"
        text = zh if lang == "zh" else en
        make_pdf(path, [f"{i} {text}"] * 24, columns=cols, header="Generated benchmark document",
                 page_numbers=True, font="cid" if lang == "zh" else "Helvetica")
        out.append(path)
    return out


def naive_baseline(files: list[Path]) -> dict:
    """One process: pdfplumber extract_text per page, jieba.lcut on all text (no isolation, no DB)."""
    import jieba
    import pdfplumber

    jieba.setLogLevel(logging.WARNING)
    jieba.initialize()
    t0 = time.perf_counter()
    pages = sents = tokens = failed = 0
    for path in files:
        try:
            if path.suffix.lower() == ".pdf":
                with pdfplumber.open(path) as pdf:
                    texts = [(page.extract_text() or "") for page in pdf.pages]
            else:
                texts = [path.read_text("utf-8", errors="replace")]
        except Exception:  # noqa: BLE001 - the baseline just skips what it cannot read
            failed += 1
            continue
        pages += len(texts)
        for text in texts:
            tokens += len(jieba.lcut(text))
            sents += len(SENT_END.findall(text))
    secs = time.perf_counter() - t0
    return {"seconds": secs, "pages": pages, "sentences": sents, "tokens": tokens, "failed": failed,
            "pages_per_s": pages / secs if secs else 0.0, "sentences_per_s": sents / secs if secs else 0.0}


def pipeline_run(files: list[Path], db: Path, *, workers: int, backend: str = "local",
                 settings: Settings) -> dict:
    t0 = time.perf_counter()
    s = run([str(p) for p in files], db=str(db), settings=settings, workers=workers, backend=backend)
    secs = time.perf_counter() - t0
    stage_total = sum(s.stage_seconds.values()) or 1.0
    return {
        "backend": backend, "workers": workers, "seconds": secs, "ok": s.ok, "failed": dict(s.failed),
        "skipped": s.skipped, "pages": s.n_pages, "sentences": s.n_sentences,
        "pages_by_method": dict(s.pages_by_method),
        "pages_per_s": s.n_pages / secs if secs else 0.0, "sentences_per_s": s.n_sentences / secs if secs else 0.0,
        "peak_worker_rss_mb": s.peak_worker_rss_mb or None,
        "write_ms_per_document": 1000 * s.write_seconds / s.ok if s.ok else None,
        "plan_seconds": s.plan_seconds,
        "stage_share": {k: round(v / stage_total, 4) for k, v in sorted(s.stage_seconds.items())},
        "stage_seconds": {k: round(v, 3) for k, v in sorted(s.stage_seconds.items())},
    }


def classify_speed(db: Path, n: int = 5000) -> dict | None:
    try:
        from pipeline.classify import Classifier
    except ImportError:
        return None
    with Store(db, read_only=True) as st:
        texts = st.sql(f"SELECT text FROM sentences LIMIT {int(n)}")["text"].tolist()
    if not texts:
        return None
    try:
        clf = Classifier()
        clf.predict_proba_texts(texts[:10])  # load the model outside the timing
        t0 = time.perf_counter()
        clf.predict_proba_texts(texts)
        secs = time.perf_counter() - t0
    except Exception as exc:  # noqa: BLE001 - report, do not abort the benchmark
        return {"error": f"{type(exc).__name__}: {exc}"}
    return {"sentences": len(texts), "seconds": secs, "sentences_per_s": len(texts) / secs if secs else 0.0}


_OPS = {">=": operator.ge, "<=": operator.le, "<": operator.lt}


def check(name: str, value, op: str, limit: float) -> dict:
    """One target: ``value op limit`` (None never passes); ``target`` is its readable form."""
    return {"name": name, "value": value, "target": f"{op} {limit}",
            "pass": value is not None and _OPS[op](value, limit)}


SPINE = ()  # ingest, normalise, language and segment always run
FULL = Settings().stages


def bench_set(name: str, files: list[Path], tmp: Path, args) -> dict:
    """Baseline, spine and full pipeline (1 and 2 workers), re-run, optional Dask, on one input set."""
    out: dict = {"files": len(files), "bytes": sum(p.stat().st_size for p in files)}
    print(f"[{name}] {len(files)} files, {out['bytes'] / 1e6:.1f} MB", flush=True)
    out["baseline"] = naive_baseline(files)
    plan = [("spine_2", 2, "local", SPINE), ("full_1", 1, "local", FULL), ("full_2", 2, "local", FULL)]
    if not args.no_dask and name == "corpus":
        plan.append(("dask_2", 2, "dask", FULL))
    for run_name, workers, backend, stages in plan:
        settings = Settings(ocr="off", stages=stages, time_limit=args.time_limit)
        try:
            out[run_name] = pipeline_run(files, tmp / f"{name}_{run_name}.duckdb", workers=workers,
                                         backend=backend, settings=settings)
        except Exception as exc:  # noqa: BLE001 - e.g. dask missing: record and go on
            out[run_name] = {"error": f"{type(exc).__name__}: {exc}"}
        print(f"[{name}] {run_name}: {out[run_name].get('seconds', float('nan')):.1f} s", flush=True)
    out["rerun_unchanged"] = pipeline_run(files, tmp / f"{name}_full_2.duckdb", workers=2,
                                          settings=Settings(ocr="off", time_limit=args.time_limit))
    out["scaling"] = scaling(name, files, tmp, args, out.get("full_1", {}), out.get("full_2", {}))
    return out


def scaling(name: str, files: list[Path], tmp: Path, args, first_1: dict, first_2: dict) -> dict:
    """2 workers / 1 worker over ``args.repeat`` pairs of runs, each into a fresh database.

    On this 2-core VM one pair's ratio moved between 1.43 and 1.86 from run to run (same code, same
    input), so the target is checked on the median of the pairs and every pair is recorded.
    """
    pairs = [(first_1.get("seconds"), first_2.get("seconds"))]
    settings = Settings(ocr="off", stages=FULL, time_limit=args.time_limit)
    for i in range(1, max(1, args.repeat)):
        one = pipeline_run(files, tmp / f"{name}_scaling_{i}_1.duckdb", workers=1, settings=settings)
        two = pipeline_run(files, tmp / f"{name}_scaling_{i}_2.duckdb", workers=2, settings=settings)
        pairs.append((one.get("seconds"), two.get("seconds")))
        print(f"[{name}] scaling pair {i + 1}: {pairs[-1][0]:.1f} s / {pairs[-1][1]:.1f} s", flush=True)
    ratios = [ratio(a, b) for a, b in pairs if ratio(a, b)]
    return {"pairs_seconds": pairs, "ratios": [round(r, 3) for r in ratios],
            "median_ratio": statistics.median(ratios) if ratios else None}


def ratio(a, b):
    return a / b if a and b else None


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--shared", default=str(REPO.parent / "shared"))
    ap.add_argument("--out", default=str(REPO / "bench" / "results.json"))
    ap.add_argument("--limit", type=int, default=None, help="use about N input files per set (quick runs)")
    ap.add_argument("--no-dask", action="store_true")
    ap.add_argument("--time-limit", type=float, default=300.0)
    ap.add_argument("--repeat", type=int, default=3, help="pairs of 1- and 2-worker runs for the speed-up")
    args = ap.parse_args(argv)
    logging.basicConfig(level=logging.ERROR, format="%(levelname)s %(name)s: %(message)s")

    shared = Path(args.shared)
    results: dict = {"machine": {"cpus": os.cpu_count(), "python": platform.python_version(),
                                 "load_avg_at_start": os.getloadavg()},
                     "note": "OCR is off in every run so the pipeline reads what the baseline reads", "sets": {}}
    with tempfile.TemporaryDirectory(prefix="policylens-bench-") as tmp:
        tmp = Path(tmp)
        sets = {"generated_pdfs": generated_pdfs(tmp / "generated")}
        if shared.is_dir():
            sets["shared_pdfs"] = collect(shared / "pdfs", args.limit)
            sets["corpus"] = collect(shared / "corpus", args.limit)
        else:
            print(f"{shared} is absent: only the generated PDFs are measured", file=sys.stderr)
        for name, files in sets.items():
            results["sets"][name] = bench_set(name, files, tmp, args)
        corpus_db = tmp / ("corpus_full_2.duckdb" if "corpus" in sets else "generated_pdfs_full_2.duckdb")
        results["classify"] = classify_speed(corpus_db)

    targets = []
    for name, r in results["sets"].items():
        base, sp, f1, f2, re_ = (r["baseline"], r.get("spine_2", {}), r.get("full_1", {}), r.get("full_2", {}),
                                 r["rerun_unchanged"])
        peak = max((x.get("peak_worker_rss_mb") or 0) for x in (sp, f1, f2)) or None
        targets += [
            check(f"{name}: spine (2 workers) / naive baseline pages/s",
                  ratio(sp.get("pages_per_s"), base["pages_per_s"]), ">=", 2.0),
            check(f"{name}: full pipeline (2 workers) / naive baseline pages/s",
                  ratio(f2.get("pages_per_s"), base["pages_per_s"]), ">=", 2.0),
            check(f"{name}: 2 workers / 1 worker speed-up (median of {len(r['scaling']['ratios'])} pairs)",
                  r["scaling"]["median_ratio"], ">=", 1.7),
            check(f"{name}: unchanged re-run / first run time", ratio(re_.get("seconds"), f2.get("seconds")),
                  "<=", 0.05),
            check(f"{name}: peak RSS per worker (MB)", peak, "<", 500),
        ]
        st = f2.get("stage_seconds") or {}
        spine = sum(st.get(k, 0.0) for k in ("ingest", "normalise", "language", "segment"))
        targets.append(check(f"{name}: tag time / spine time", ratio(st.get("tag"), spine), "<=", 0.30))
    results["targets"] = targets
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    Path(args.out).write_text(json.dumps(results, indent=2, ensure_ascii=False, default=str) + "\n", "utf-8")

    print()
    print(f"{'set / run':<32}{'seconds':>9}{'pages':>7}{'pages/s':>9}{'sents/s':>10}{'ok':>5}{'failed':>7}{'peak MB':>9}")
    for name, r in results["sets"].items():
        for run_name in ("baseline", "spine_2", "full_1", "full_2", "dask_2", "rerun_unchanged"):
            x = r.get(run_name)
            if x is None:
                continue
            label = f"{name} / {run_name}"
            if "error" in x:
                print(f"{label:<32} error: {x['error']}")
                continue
            failed = sum(x["failed"].values()) if isinstance(x.get("failed"), dict) else x.get("failed", 0)
            print(f"{label:<32}{x['seconds']:>9.2f}{x['pages']:>7}{x['pages_per_s']:>9.1f}"
                  f"{x['sentences_per_s']:>10.1f}{x.get('ok', ''):>5}{failed:>7}{(x.get('peak_worker_rss_mb') or 0):>9.0f}")
        share = (r.get("full_2") or {}).get("stage_share")
        if share:
            print(f"  stage share ({name}, full, 2 workers):", ", ".join(f"{k} {v:.0%}" for k, v in share.items()))
    if results["classify"]:
        print("classify:", {k: round(v, 1) if isinstance(v, float) else v for k, v in results["classify"].items()})
    for t in results["targets"]:
        val = "n/a" if t["value"] is None else f"{t['value']:.3f}"
        print(f"[{'PASS' if t['pass'] else 'FAIL'}] {t['name']}: {val} (target {t['target']})")
    print(f"results: {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

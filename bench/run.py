"""End-to-end benchmarks (``make bench``): throughput, scaling, resume, memory, stage shares.

Runs, in one process and on the same inputs (``../shared/pdfs`` and ``../shared/corpus``):

1. a naive single-process baseline: pdfplumber ``extract_text`` + module-level ``jieba.lcut``;
2. the full pipeline via ``pipeline.runner.run`` with 1 worker, 2 workers and the Dask backend
   (each into a fresh database);
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
import os
import platform
import re
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


def collect(shared: Path, limit: int | None) -> list[Path]:
    files = []
    for sub in ("pdfs", "corpus"):
        root = shared / sub
        files += sorted(p for p in root.rglob("*") if p.is_file() and p.suffix.lower() in KNOWN_EXTENSIONS)
    if limit:  # an even spread over both folders
        step = max(1, len(files) // limit)
        files = files[::step][:limit]
    return files


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


def check(name: str, value, target: str, ok) -> dict:
    return {"name": name, "value": value, "target": target, "pass": ok}


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--shared", default=str(REPO.parent / "shared"))
    ap.add_argument("--out", default=str(REPO / "bench" / "results.json"))
    ap.add_argument("--limit", type=int, default=None, help="use about N input files (quick runs)")
    ap.add_argument("--no-dask", action="store_true")
    ap.add_argument("--time-limit", type=float, default=300.0)
    args = ap.parse_args(argv)
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")

    files = collect(Path(args.shared), args.limit)
    if not files:
        print(f"no input files under {args.shared}", file=sys.stderr)
        return 2
    settings = Settings(time_limit=args.time_limit)
    results: dict = {"machine": {"cpus": os.cpu_count(), "python": platform.python_version(),
                                 "load_avg_at_start": os.getloadavg()},
                     "inputs": {"files": len(files), "bytes": sum(p.stat().st_size for p in files)}}
    print(f"{len(files)} input files, {results['inputs']['bytes'] / 1e6:.1f} MB", flush=True)

    results["baseline"] = naive_baseline(files)
    print(f"baseline: {results['baseline']['seconds']:.1f} s", flush=True)
    with tempfile.TemporaryDirectory(prefix="policylens-bench-") as tmp:
        tmp = Path(tmp)
        runs = {}
        for name, workers, backend in (("local_1", 1, "local"), ("local_2", 2, "local"), ("dask_2", 2, "dask")):
            if backend == "dask" and args.no_dask:
                continue
            try:
                runs[name] = pipeline_run(files, tmp / f"{name}.duckdb", workers=workers, backend=backend,
                                          settings=settings)
            except Exception as exc:  # noqa: BLE001 - e.g. dask missing: record and go on
                runs[name] = {"error": f"{type(exc).__name__}: {exc}"}
            print(f"{name}: {runs[name].get('seconds', float('nan')):.1f} s", flush=True)
        results["runs"] = runs
        rerun = pipeline_run(files, tmp / "local_2.duckdb", workers=2, settings=settings)
        results["rerun_unchanged"] = rerun
        results["classify"] = classify_speed(tmp / "local_2.duckdb")

    r1, r2, rd = runs.get("local_1", {}), runs.get("local_2", {}), runs.get("dask_2", {})
    base = results["baseline"]
    speedup = r1.get("seconds", 0) / r2["seconds"] if r2.get("seconds") else None
    vs_base = r2.get("pages_per_s", 0) / base["pages_per_s"] if base["pages_per_s"] else None
    rerun_share = rerun["seconds"] / r2["seconds"] if r2.get("seconds") else None
    peak = max((r.get("peak_worker_rss_mb") or 0) for r in (r1, r2)) or None
    results["targets"] = [
        check("2 workers / 1 worker speed-up", speedup, ">= 1.7", speedup is not None and speedup >= 1.7),
        check("pipeline (2 workers) / naive baseline pages/s", vs_base, ">= 2.0", vs_base is not None and vs_base >= 2),
        check("unchanged re-run / first run time", rerun_share, "<= 0.05",
              rerun_share is not None and rerun_share <= 0.05),
        check("peak RSS per worker (MB)", peak, "< 500", peak is not None and peak < 500),
    ]
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    Path(args.out).write_text(json.dumps(results, indent=2, ensure_ascii=False, default=str) + "\n", "utf-8")

    print()
    print(f"{'run':<20}{'seconds':>9}{'pages':>7}{'pages/s':>9}{'sents/s':>9}{'ok':>5}{'failed':>7}{'peak MB':>9}")
    rows = [("naive baseline", base)] + [(k, v) for k, v in runs.items()] + [("re-run unchanged", rerun)]
    for name, r in rows:
        if "error" in r:
            print(f"{name:<20} error: {r['error']}")
            continue
        failed = sum(r["failed"].values()) if isinstance(r.get("failed"), dict) else r.get("failed", 0)
        print(f"{name:<20}{r['seconds']:>9.2f}{r['pages']:>7}{r['pages_per_s']:>9.1f}{r['sentences_per_s']:>9.1f}"
              f"{r.get('ok', ''):>5}{failed:>7}{(r.get('peak_worker_rss_mb') or 0):>9.0f}")
    if r2.get("stage_share"):
        print("stage share (2 workers):", ", ".join(f"{k} {v:.0%}" for k, v in r2["stage_share"].items()))
    if r2.get("write_ms_per_document") is not None:
        print(f"write overhead: {r2['write_ms_per_document']:.1f} ms per document (parent, one transaction each)")
    if results["classify"]:
        print("classify:", results["classify"])
    for t in results["targets"]:
        val = "n/a" if t["value"] is None else f"{t['value']:.3f}"
        print(f"[{'PASS' if t['pass'] else 'FAIL'}] {t['name']}: {val} (target {t['target']})")
    print(f"results: {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

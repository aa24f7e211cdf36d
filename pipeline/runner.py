"""The batch runner: discovery, resume, a crash-proof process pool, the single writer, progress.

``run(inputs, db=..., settings=...)`` walks the inputs, skips what the database already holds (an
unchanged file is recognised by path + size + mtime without re-hashing it), sends the rest to worker
processes and writes each result into DuckDB as it arrives, one transaction per document.

The local pool is a handful of ``multiprocessing.Process`` workers (forkserver or spawn), each with its
own pipe and one task at a time, so the parent always knows which document a worker holds: a worker
that exceeds the time limit or the memory cap is killed and replaced, one that dies is replaced, and
only that document is recorded (``timeout`` / ``too_large`` / ``crashed``). Workers never touch the
database. ``backend="dask"`` sends the same worker function to a Dask cluster (``dask_backend``).
"""
from __future__ import annotations

import hashlib
import logging
import multiprocessing as mp
import os
import signal
import stat as stat_mod
import threading
import time
from collections import Counter, deque
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from multiprocessing.connection import wait as mp_wait
from typing import Callable, Iterable, Iterator, Optional, Sequence

from .errors import (
    CrashedError,
    InternalError,
    PipelineError,
    TimeoutError_,
    TooLargeError,
    UnreadableError,
    UnsupportedError,
)
from .resources import sha256_file
from .settings import ONE_THREAD_VARS, Settings
from .store import DEFAULT_DB, PreparedDocument, Store, prepare
from .types import DocumentResult

log = logging.getLogger(__name__)

KNOWN_EXTENSIONS = frozenset({".pdf", ".txt", ".md", ".html", ".htm", ".docx"})
# A file whose last attempt failed is skipped by a re-run while it is unchanged (path, size, mtime) and
# the pipeline version and settings (time limit and memory cap included) are the same: every failure
# class repeats then, and retrying timeouts would make every re-run as slow as the first. Exceptions:
# ``unreadable`` (permissions change without touching mtime). ``retry_failed=True`` retries them all.
SKIP_FAILED_ON_RERUN = frozenset({"encrypted", "corrupt", "empty", "needs_ocr", "unsupported", "too_large",
                                  "resource", "timeout", "crashed", "internal", "bad_input"})
POLL_SECONDS = 0.25  # how often the parent samples worker memory while waiting
BOOT_SECONDS = 120.0  # a new worker must start its first task within this (imports, forkserver)
# The writer commits finished documents in batches: one transaction per document cost the parent 28 ms
# each on ../shared/pdfs (2.2 s of CPU per run, taken from the workers' two cores). A batch is committed
# when it holds this many documents, or when a result arrives this long after the batch's first one.
WRITE_BATCH = 32
WRITE_SECONDS = 2.0


def _prepared(outcome):
    """A DocumentResult becomes Arrow bytes in the worker, so the parent's single writer only inserts."""
    return prepare(outcome) if isinstance(outcome, DocumentResult) else outcome


def attempt(worker_fn: Callable, path: str, settings: Settings) -> tuple[object, bool]:
    """One document in a worker (local pool or Dask): ``(PreparedDocument or classified PipelineError, out of
    memory)``. A MemoryError is ``too_large`` and a bug in a stage ``internal``: either costs this document
    only. After running out of memory the caller should let the worker go (its heap may be in pieces)."""
    try:
        return _prepared(worker_fn(path, settings)), False
    except PipelineError as err:
        return err, False
    except MemoryError:
        return TooLargeError(f"exceeded the memory cap of {int(settings.memory_mb or 0)} MB", path=path), True
    except Exception as exc:  # noqa: BLE001 - a bug in a stage costs this document only
        log.exception("worker function failed on %s", path)
        return InternalError(f"{type(exc).__name__}: {exc}", path=path), False


def _default_worker(path: str, settings: Settings) -> DocumentResult:
    from .process import process

    return process(path, settings)


# --------------------------------------------------------------------------------------------------
# events and summary


@dataclass(frozen=True)
class ProgressEvent:
    """``kind``: planned | ok | failed | skipped | finished. Counts are totals so far."""

    kind: str
    path: Optional[str]
    total: int
    ok: int
    failed: int
    skipped: int
    error_class: Optional[str] = None

    @property
    def finished(self) -> int:
        return self.ok + self.failed + self.skipped


@dataclass
class RunSummary:
    run_id: str = ""
    ok: int = 0
    failed: Counter = field(default_factory=Counter)  # error class -> count
    skipped: int = 0  # already in the database, unchanged, or a duplicate of another input
    duplicates: int = 0  # inputs whose content another input of this run already carries
    ignored: int = 0  # files in folders with an extension we do not read
    pages_by_method: Counter = field(default_factory=Counter)
    n_pages: int = 0
    n_sentences: int = 0
    seconds: float = 0.0
    plan_seconds: float = 0.0
    interrupted: bool = False
    backend: str = "local"
    workers: int = 1
    peak_worker_rss_mb: float = 0.0
    write_seconds: float = 0.0
    stage_seconds: Counter = field(default_factory=Counter)

    @property
    def n_failed(self) -> int:
        return sum(self.failed.values())

    def to_dict(self) -> dict:
        d = asdict(self)
        d.update(failed=dict(self.failed), pages_by_method=dict(self.pages_by_method),
                 stage_seconds=dict(self.stage_seconds), n_failed=self.n_failed)
        return d


@dataclass(frozen=True)
class Task:
    path: str
    sha256: str
    size: int
    mtime: int


# --------------------------------------------------------------------------------------------------
# discovery


def _norm(path: str) -> str:
    return os.path.normpath(os.path.abspath(path))


def discover(inputs: Iterable[str], counters: Optional[Counter] = None
             ) -> Iterator[tuple[str, Optional[os.stat_result], Optional[PipelineError]]]:
    """Yield ``(path, stat, None)`` for each readable candidate file or ``(path, None, error)``.

    Folders are walked following symlinks; a link back into its own ancestry is a directory loop
    (recorded as ``unreadable``, never followed). Files in folders with other extensions are counted in
    ``counters["ignored"]``; a file named explicitly with another extension is ``unsupported``.
    """
    counters = counters if counters is not None else Counter()
    seen_dirs: set[tuple[int, int]] = set()
    for raw in inputs:
        path = _norm(str(raw))
        try:
            st = os.stat(path)
        except OSError as exc:
            yield path, None, UnreadableError(f"cannot read: {exc.strerror or exc}", path=path)
            continue
        if stat_mod.S_ISDIR(st.st_mode):
            yield from _walk(path, st, (), seen_dirs, counters)
        elif not stat_mod.S_ISREG(st.st_mode):  # a FIFO, socket or device would block or never end
            yield path, None, UnreadableError("not a regular file", path=path)
        elif os.path.splitext(path)[1].lower() not in KNOWN_EXTENSIONS:
            yield path, None, UnsupportedError(f"file type {os.path.splitext(path)[1] or '(none)'} is not read",
                                               path=path)
        elif not os.access(path, os.R_OK):
            yield path, None, UnreadableError("permission denied", path=path)
        else:
            yield path, st, None


def _walk(path: str, st: os.stat_result, ancestry: tuple, seen: set, counters: Counter):
    key = (st.st_dev, st.st_ino)
    if key in ancestry:
        yield path, None, UnreadableError("directory loop (a symlink to its own ancestor)", path=path)
        return
    if key in seen:  # reached again through another link: its files are already listed
        return
    seen.add(key)
    try:
        entries = sorted(os.scandir(path), key=lambda e: e.name)
    except OSError as exc:
        yield path, None, UnreadableError(f"cannot list folder: {exc.strerror or exc}", path=path)
        return
    ancestry = ancestry + (key,)
    for entry in entries:
        child = os.path.join(path, entry.name)
        try:
            cst = os.stat(child)  # follows symlinks
        except OSError as exc:
            if entry.is_symlink() or os.path.splitext(child)[1].lower() in KNOWN_EXTENSIONS:
                yield child, None, UnreadableError(f"cannot read: {exc.strerror or exc}", path=child)
            continue
        if stat_mod.S_ISDIR(cst.st_mode):
            yield from _walk(child, cst, ancestry, seen, counters)
        elif not stat_mod.S_ISREG(cst.st_mode):
            counters["ignored"] += 1
        elif os.path.splitext(child)[1].lower() not in KNOWN_EXTENSIONS:
            counters["ignored"] += 1
        elif not os.access(child, os.R_OK):
            yield child, None, UnreadableError("permission denied", path=child)
        else:
            yield child, cst, None


def settings_key(settings: Settings) -> str:
    """What a failure depends on besides the file and the pipeline version (the password only hashed)."""
    parts = (settings.ocr, hashlib.sha256(repr(settings.password or "").encode()).hexdigest(), settings.codebook,
             settings.stages, settings.t2s, settings.max_bytes, settings.max_pages, settings.time_limit,
             settings.memory_mb)
    return hashlib.sha256(repr(parts).encode()).hexdigest()[:16]


def resolve_pipeline_version(settings: Settings) -> str:
    try:
        from .process import pipeline_version
    except ImportError:  # pragma: no cover - process.py absent
        from . import __version__

        return __version__
    return pipeline_version(settings.codebook)


# --------------------------------------------------------------------------------------------------
# the local pool


def _limit_memory(memory_mb: int) -> None:
    """Cap this process's address space at its current size + memory_mb (MemoryError beyond)."""
    if not memory_mb or memory_mb <= 0:
        return
    try:
        import resource

        import psutil

        base = psutil.Process().memory_info().vms
        cap = base + memory_mb * 1024 * 1024
        _, hard = resource.getrlimit(resource.RLIMIT_AS)
        if hard != resource.RLIM_INFINITY:
            cap = min(cap, hard)
        resource.setrlimit(resource.RLIMIT_AS, (cap, hard))
    except (ImportError, ValueError, OSError) as exc:  # pragma: no cover - platform without RLIMIT_AS
        log.warning("cannot cap worker memory: %s", exc)


def _peak_rss_mb() -> float:
    try:
        import resource

        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0  # KiB on Linux
    except ImportError:  # pragma: no cover
        return 0.0


def _worker_main(conn, worker_fn: Callable, settings: Settings) -> None:
    """A worker: one task at a time from its pipe; results (or a classified error) back on it."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the parent decides how to stop
    # one thread per worker: the variables reach libraries loaded later and child processes (tesseract);
    # threadpoolctl caps the BLAS numpy already loaded (the forkserver imports it, and so does this module)
    for var in ONE_THREAD_VARS:
        os.environ.setdefault(var, "1")
    try:
        from threadpoolctl import threadpool_limits

        threadpool_limits(1)
    except ImportError:  # scikit-learn's dependency; without it the variables above are all there is
        pass
    import pyarrow as pa  # mimalloc, arrow's default pool, reserves GBs of address space: RLIMIT_AS would
    pa.set_memory_pool(pa.system_memory_pool())  # count it and fail allocations far below the real cap
    _limit_memory(int(settings.memory_mb or 0))
    while True:
        try:
            msg = conn.recv()
        except (EOFError, OSError):
            return
        if msg is None:
            return
        tid, path = msg
        conn.send(("start", tid, None, 0.0))  # the time limit counts from here, not from process start
        outcome, exit_after = attempt(worker_fn, path, settings)
        out = ("err" if isinstance(outcome, PipelineError) else "ok", tid, outcome)
        try:
            conn.send((*out, _peak_rss_mb()))
        except MemoryError:
            conn.send(("err", tid, TooLargeError("result too large for the memory cap", path=path), 0.0))
            return
        except Exception as exc:  # noqa: BLE001 - e.g. an unpicklable result
            conn.send(("err", tid, InternalError(f"cannot send result: {exc}", path=path), 0.0))
        if exit_after:
            return
        _trim_heap()


def _trim_heap() -> None:
    """Give freed heap back to the OS between documents (glibc keeps it otherwise: ~100 MB after a big one)."""
    global _MALLOC_TRIM
    if _MALLOC_TRIM is None:
        try:
            import ctypes

            _MALLOC_TRIM = ctypes.CDLL("libc.so.6").malloc_trim
        except (OSError, AttributeError):  # not glibc
            _MALLOC_TRIM = False
    if _MALLOC_TRIM:
        _MALLOC_TRIM(0)


_MALLOC_TRIM = None


class _Worker:
    def __init__(self, ctx, worker_fn, settings: Settings) -> None:
        self.conn, child = ctx.Pipe(duplex=True)
        self.proc = ctx.Process(target=_worker_main, args=(child, worker_fn, settings), daemon=True)
        self.proc.start()
        child.close()
        self.task: Optional[tuple[int, Task]] = None
        self.deadline = 0.0
        self.started = 0.0
        self.peak_mb = 0.0
        self._ps = None

    def assign(self, tid: int, task: Task, time_limit: float) -> None:
        self.task = (tid, task)
        self.started = time.monotonic()
        self.time_limit = time_limit if time_limit and time_limit > 0 else float("inf")
        self.deadline = self.started + BOOT_SECONDS + self.time_limit
        self.conn.send((tid, task.path))

    def begun(self) -> None:
        self.started = time.monotonic()
        self.deadline = self.started + self.time_limit

    def rss_mb(self) -> float:
        try:
            import psutil

            if self._ps is None:
                self._ps = psutil.Process(self.proc.pid)
            rss = self._ps.memory_info().rss
            for child in self._ps.children(recursive=True):
                try:
                    rss += child.memory_info().rss
                except psutil.Error:
                    pass
        except Exception:  # noqa: BLE001 - the process is gone or psutil is missing
            return 0.0
        mb = rss / (1024 * 1024)
        self.peak_mb = max(self.peak_mb, mb)
        return mb

    def kill(self) -> None:
        if self.proc.is_alive():
            self.proc.kill()
        self.proc.join(5)
        self.conn.close()


def _context():
    methods = mp.get_all_start_methods()
    if "forkserver" not in methods:
        return mp.get_context("spawn")
    ctx = mp.get_context("forkserver")
    ctx.set_forkserver_preload(["pipeline.preload"])  # workers fork with the libraries imported (~2 s each)
    return ctx


def iter_local(tasks: Sequence[Task], *, worker_fn: Callable, settings: Settings, workers: int,
               stats: Optional[dict] = None) -> Iterator[tuple[Task, object]]:
    """Run ``worker_fn(path, settings)`` for each task in a pool; yield ``(task, result_or_error)``.

    A killed or dead worker is replaced; its document is yielded with a timeout / too_large / crashed
    error. Leaving the generator early (or Ctrl-C) kills the workers.
    """
    ctx = _context()
    memory_mb = int(settings.memory_mb or 0)
    stats = stats if stats is not None else {}
    pending = deque(enumerate(tasks))
    pool = [_Worker(ctx, worker_fn, settings) for _ in range(max(1, min(workers, len(tasks))))]
    last_sample = 0.0

    def replace(w: _Worker) -> None:
        stats["peak_worker_rss_mb"] = max(stats.get("peak_worker_rss_mb", 0.0), w.peak_mb)
        w.kill()
        pool[pool.index(w)] = _Worker(ctx, worker_fn, settings)

    try:
        while pending or any(w.task for w in pool):
            for w in pool:
                if w.task is None and pending:
                    tid, task = pending.popleft()
                    try:
                        w.assign(tid, task, settings.time_limit)
                    except (BrokenPipeError, OSError):  # died while idle: replace, retry the task
                        pending.appendleft((tid, task))
                        replace(w)
            busy = [w for w in pool if w.task]
            now = time.monotonic()
            timeout = max(0.0, min([w.deadline for w in busy] + [now + POLL_SECONDS]) - now)
            ready = set(mp_wait([w.conn for w in busy] + [w.proc.sentinel for w in busy], timeout))
            now = time.monotonic()
            sample = now - last_sample >= POLL_SECONDS
            if sample:
                last_sample = now
            for w in busy:
                tid, task = w.task
                outcome = None
                if w.conn in ready or w.conn.poll():
                    try:
                        kind, rtid, payload, peak = w.conn.recv()
                        if kind == "start":
                            w.begun()
                            if not w.conn.poll():
                                continue
                            kind, rtid, payload, peak = w.conn.recv()
                    except (EOFError, OSError):
                        outcome = CrashedError(_death(w, memory_mb), path=task.path)
                    else:
                        w.peak_mb = max(w.peak_mb, peak)
                        w.task = None
                        if not w.proc.is_alive() or isinstance(payload, TooLargeError):
                            w.proc.join(1)
                            replace(w)
                        elif pending:  # hand out the next document before the parent writes this one
                            nxt = pending.popleft()
                            try:
                                w.assign(nxt[0], nxt[1], settings.time_limit)
                            except (BrokenPipeError, OSError):
                                pending.appendleft(nxt)
                                replace(w)
                        yield task, payload
                        continue
                elif w.proc.sentinel in ready or not w.proc.is_alive():
                    outcome = CrashedError(_death(w, memory_mb), path=task.path)
                elif now >= w.deadline:
                    outcome = TimeoutError_(f"exceeded the time limit of {settings.time_limit:g} s",
                                            path=task.path)
                elif sample and memory_mb and w.rss_mb() > memory_mb:
                    outcome = TooLargeError(f"exceeded the memory cap of {memory_mb} MB", path=task.path)
                if outcome is not None:
                    w.task = None
                    replace(w)
                    yield task, outcome
    finally:
        for w in pool:
            stats["peak_worker_rss_mb"] = max(stats.get("peak_worker_rss_mb", 0.0), w.peak_mb)
            if w.task is None and w.proc.is_alive():
                try:
                    w.conn.send(None)
                except OSError:
                    pass
        deadline = time.monotonic() + 2
        for w in pool:
            if w.task is None:
                w.proc.join(max(0.0, deadline - time.monotonic()))
            w.kill()


def _death(w: _Worker, memory_mb: int = 0) -> str:
    w.proc.join(1)
    code = w.proc.exitcode
    if code is not None and code < 0:
        try:
            name = signal.Signals(-code).name
        except ValueError:
            name = f"signal {-code}"
        hint = ""
        if memory_mb and -code in (signal.SIGABRT, signal.SIGSEGV, signal.SIGBUS):
            # native libraries (pdfium) abort on a failed allocation instead of raising MemoryError
            hint = f"; under the {memory_mb} MB memory cap this is most often a failed allocation"
        return f"worker killed by {name}{hint}"
    return f"worker process died (exit code {code})"


# --------------------------------------------------------------------------------------------------
# the run


def run(inputs: Iterable[str], *, db: str = DEFAULT_DB, settings: Settings = Settings(),
        workers: Optional[int] = None, force: bool = False, backend: str = "local",
        scheduler: Optional[str] = None, progress: Optional[Callable[[ProgressEvent], None]] = None,
        worker_fn: Optional[Callable] = None, pipeline_version: Optional[str] = None,
        args: Optional[dict] = None, retry_failed: bool = False) -> RunSummary:
    """Process every input into the database ``db``; return the summary. Never raises for one bad file."""
    t0 = time.perf_counter()
    workers = max(1, int(workers or os.cpu_count() or 1))
    worker_fn = worker_fn or _default_worker
    version = pipeline_version or resolve_pipeline_version(settings)
    skey = settings_key(settings)
    summary = RunSummary(backend=backend, workers=workers)
    inputs = [str(p) for p in inputs]
    if backend not in ("local", "dask"):
        raise ValueError(f"unknown backend {backend!r}")

    def emit(kind: str, path: Optional[str], error_class: Optional[str] = None) -> None:
        if progress is not None:
            progress(ProgressEvent(kind, path, total, summary.ok, summary.n_failed, summary.skipped, error_class))

    total = 0
    with Store(db) as store:
        # the writer's inserts are small and serial: DuckDB's own thread pool would only take cycles from
        # the workers (write time on ../shared/pdfs 0.86 -> 0.75 s measured)
        store.con.execute("SET threads TO 1")
        run_args = dict(args or {}, inputs=inputs, workers=workers, force=force, backend=backend,
                        retry_failed=retry_failed)
        run_id = summary.run_id = store.begin_run(run_args, version)
        status = "done"
        try:
            tasks, dups, failures, known = _plan(store, inputs, version, skey, force, summary, retry_failed)
            total = len(tasks) + len(failures) + summary.skipped
            summary.plan_seconds = time.perf_counter() - t0
            emit("planned", None)
            for path, sha, err in failures:
                _fail(store, run_id, path, err, sha, None, skey, summary)
                emit("failed", path, err.error_class)
            if tasks:
                stats: dict = {}
                if backend == "dask":
                    from .dask_backend import iter_dask

                    outcomes = iter_dask(tasks, worker_fn=worker_fn, settings=settings, workers=workers,
                                         scheduler=scheduler, stats=stats)
                else:
                    outcomes = iter_local(tasks, worker_fn=worker_fn, settings=settings, workers=workers,
                                          stats=stats)
                writer = _Writer(store, run_id, skey, summary, emit)
                try:
                    for task, outcome in outcomes:
                        with _sigint_deferred():
                            writer.add(task, outcome, dups.get(task.sha256, ()))
                finally:
                    close = getattr(outcomes, "close", None)
                    if close:
                        close()
                    summary.peak_worker_rss_mb = round(stats.get("peak_worker_rss_mb", 0.0), 1)
                    with _sigint_deferred():  # finished documents are committed, even after Ctrl-C
                        writer.flush()
        except KeyboardInterrupt:
            summary.interrupted = True
            status = "interrupted"
            log.warning("interrupted: committed documents stay; run again to finish")
        finally:
            summary.seconds = time.perf_counter() - t0
            if store.con is not None:
                store.end_run(run_id, summary.to_dict(), status=status if not summary.interrupted else "interrupted")
    emit("finished", None)
    return summary


def _plan(store: Store, inputs, version, skey, force, summary, retry_failed=False):
    """Decide for each discovered file: skip, duplicate, failure or task (largest first)."""
    known = store.known_files()
    done = store.done_ids(version)
    counters: Counter = Counter()
    tasks: list[Task] = []
    dups: dict[str, list[Task]] = {}
    seen: set[str] = set()
    failures: list[tuple[str, Optional[str], PipelineError]] = []
    for path, st, err in discover(inputs, counters):
        if err is not None:
            failures.append((path, None, err))
            continue
        size, mtime = st.st_size, st.st_mtime_ns
        k = known.get(path)
        if not force and k is not None and k[0] == size and k[1] == mtime:
            if k[3] == "ok" and k[2] in done:
                summary.skipped += 1  # unchanged and done: no hashing at all
                continue
            if not retry_failed and k[3] in SKIP_FAILED_ON_RERUN and k[4] == version and k[5] == skey:
                summary.skipped += 1  # failed before and would fail again
                continue
        try:
            sha = sha256_file(path)
        except OSError as exc:
            failures.append((path, None, UnreadableError(f"cannot read: {exc.strerror or exc}", path=path)))
            continue
        task = Task(path, sha, size, mtime)
        if sha in seen:
            summary.duplicates += 1
            summary.skipped += 1
            dups.setdefault(sha, []).append(task)
            continue
        seen.add(sha)
        if not force and sha in done:
            summary.skipped += 1
            store.put_file(path, sha, size, mtime, summary.run_id, "ok", skey)
            continue
        tasks.append(task)
    summary.ignored = counters["ignored"]
    tasks.sort(key=lambda t: -t.size)  # longest first balances the workers
    return tasks, dups, failures, known


def _fail(store, run_id, path, err, sha, task, skey, summary) -> None:
    store.record_error(run_id, path, err, sha256=sha)
    if task is not None:
        store.put_file(path, sha, task.size, task.mtime, run_id, err.error_class, skey)
    summary.failed[err.error_class] += 1


@contextmanager
def _sigint_deferred():
    """Hold Ctrl-C until the block ends, so a document being written is committed whole first."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    caught: list = []
    old = signal.signal(signal.SIGINT, lambda sig, frame: caught.append(frame))
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, old)
        if caught and callable(old):
            old(signal.SIGINT, caught[0])


class _Writer:
    """The single writer: failures are recorded at once, finished documents committed in batches.

    A batch is one transaction (``Store.write_many``): a crash loses at most the uncommitted batch,
    which a resumed run redoes. Progress reports ``ok`` only once the document is committed.
    """

    def __init__(self, store: Store, run_id: str, skey: str, summary: RunSummary,
                 emit: Callable[..., None]) -> None:
        self.store, self.run_id, self.skey, self.summary, self.emit = store, run_id, skey, summary, emit
        self.pending: list[tuple[Task, PreparedDocument, tuple]] = []
        self.since = 0.0

    def add(self, task: Task, outcome, dups) -> None:
        """``outcome`` as ``attempt`` gives it (local pool and Dask): a PreparedDocument or a PipelineError."""
        if not isinstance(outcome, (PreparedDocument, PipelineError)):
            outcome = InternalError(f"worker returned {type(outcome).__name__}, not a DocumentResult",
                                    path=task.path)
        if isinstance(outcome, PipelineError):
            outcome.path = outcome.path or task.path
            _fail(self.store, self.run_id, task.path, outcome, task.sha256, task, self.skey, self.summary)
            for d in dups:
                self.store.put_file(d.path, d.sha256, d.size, d.mtime, self.run_id, outcome.error_class, self.skey)
            self.emit("failed", task.path, outcome.error_class)
            return
        now = time.monotonic()
        if not self.pending:
            self.since = now
        self.pending.append((task, outcome, tuple(dups)))
        if len(self.pending) >= WRITE_BATCH or now - self.since >= WRITE_SECONDS:
            self.flush()

    def flush(self) -> None:
        if not self.pending:
            return
        batch, self.pending = self.pending, []
        summary = self.summary
        t = time.perf_counter()
        self.store.write_many([(doc, task.path, (task.size, task.mtime)) for task, doc, _ in batch],
                              self.run_id, settings_key=self.skey,
                              extra_files=[(d.path, doc.doc_id, d.size, d.mtime)
                                           for _, doc, dups in batch for d in dups])
        summary.write_seconds += time.perf_counter() - t
        for task, doc, _ in batch:
            summary.ok += 1
            summary.n_pages += doc.n_pages
            summary.n_sentences += doc.n_sentences
            for method in doc.page_methods:
                summary.pages_by_method[method] += 1
            for stage, secs in doc.timings:
                summary.stage_seconds[stage] += secs
            self.emit("ok", task.path)

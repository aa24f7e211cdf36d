"""The Dask backend: the same worker function on a Dask cluster, results back to the single writer.

Without a scheduler address a ``distributed.LocalCluster(processes=True, threads_per_worker=1)`` is
started and closed; with one, ``Client(address)`` joins an existing cluster. Dask is an optional extra
(``pip install 'policylens[dask]'``) and is imported only here, only when used.

Isolation: a task that raises is recorded with its error class; a worker that dies (crash, or the
nanny's memory limit) fails only its task (``allowed-failures`` is 0, so the document is not retried on
another worker) and is recorded as ``crashed``; a task that exceeds the time limit makes its worker
exit (Dask cannot cancel a running thread) and is recorded as ``timeout``.
"""
from __future__ import annotations

import logging
import os
import threading
import time
from typing import Callable, Iterator, Optional, Sequence

from .errors import CrashedError, InternalError, PipelineError, ResourceError, TimeoutError_
from .settings import Settings

log = logging.getLogger(__name__)
EVENT_TOPIC = "policylens"
RETRIES = 1  # a document whose worker died is tried once more before it is recorded as crashed


def _import_dask():
    try:
        import dask
        import distributed
    except ImportError as exc:
        raise ResourceError("the Dask backend needs dask[distributed]: pip install 'policylens[dask]'") from exc
    return dask, distributed


def _dask_task(worker_fn: Callable, path: str, settings: Settings, key: str):
    """Runs on a Dask worker: the document, or its classified error, as the return value."""
    done = threading.Event()

    def watchdog() -> None:
        if done.wait(settings.time_limit):
            return
        try:
            from distributed import get_worker

            get_worker().log_event(EVENT_TOPIC, {"key": key, "kind": "timeout"})
            time.sleep(1.0)  # let the event reach the scheduler
        finally:
            os._exit(70)

    if settings.time_limit and settings.time_limit > 0:
        threading.Thread(target=watchdog, daemon=True).start()
    try:
        from .runner import attempt

        return attempt(worker_fn, path, settings)[0]
    finally:
        done.set()


def _timed_out(client, key: str) -> bool:
    try:
        events = client.get_events(EVENT_TOPIC)
    except Exception:  # noqa: BLE001 - an older scheduler without events
        return False
    return any(isinstance(msg, dict) and msg.get("key") == key for _, msg in events)


def iter_dask(tasks: Sequence, *, worker_fn: Callable, settings: Settings, workers: int,
              scheduler: Optional[str] = None, stats: Optional[dict] = None) -> Iterator[tuple[object, object]]:
    """Yield ``(task, DocumentResult | PipelineError)`` as the cluster finishes each document."""
    dask, distributed = _import_dask()
    stats = stats if stats is not None else {}
    cluster = None
    with dask.config.set({"distributed.scheduler.allowed-failures": 0,
                          "distributed.scheduler.worker-saturation": 1.0,
                          "distributed.worker.memory.spill": False,
                          "distributed.worker.memory.target": False}):
        if scheduler:
            client = distributed.Client(scheduler)
        else:
            limit = f"{int(settings.memory_mb)}MiB" if settings.memory_mb else None
            cluster = distributed.LocalCluster(processes=True, n_workers=max(1, workers), threads_per_worker=1,
                                               memory_limit=limit, dashboard_address=None,
                                               silence_logs=logging.ERROR)
            client = distributed.Client(cluster)
        try:
            futures = {}
            attempts: dict[str, int] = {}

            def submit(task, n: int):
                key = f"policylens-{task.sha256[:16]}-{n}"
                fut = client.submit(_dask_task, worker_fn, task.path, settings, key, key=key, pure=False)
                futures[fut] = (task, key)
                attempts[task.sha256] = n
                return fut

            queue = distributed.as_completed([submit(task, 0) for task in tasks])
            for fut in queue:
                task, key = futures.pop(fut)
                try:
                    outcome = fut.result()
                except distributed.KilledWorker:
                    if _timed_out(client, key):
                        outcome = TimeoutError_(f"exceeded the time limit of {settings.time_limit:g} s",
                                                path=task.path)
                    elif attempts[task.sha256] < RETRIES:
                        # Dask fails every task queued on a dying worker, not just the culprit: retry once
                        queue.add(submit(task, attempts[task.sha256] + 1))
                        continue
                    else:
                        outcome = CrashedError("Dask worker died (a crash or the memory limit)", path=task.path)
                except PipelineError as err:
                    outcome = err
                except Exception as exc:  # noqa: BLE001
                    outcome = InternalError(f"{type(exc).__name__}: {exc}", path=task.path)
                fut.release()
                yield task, outcome
        finally:
            for fut in futures:
                fut.cancel()
            client.close()
            if cluster is not None:
                cluster.close()

"""Running an import's waiting files, in this process or in N processes at once (each with its
own database connection: decoding a photo takes a core). Each process decodes through one
long-lived bounded child (``image_decoder``) rather than forking per file."""
import ctypes
import multiprocessing
import os
import signal
import time
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait
from typing import TypeVar

from django.db import connections

from gallery.imaging import image_decoder

from .models import ImportItem, ImportRun
from .services import import_files, import_finish
from .sources import open_source

_decoder = None  # a pool process's own, made when it starts
_source = None  # and the source it reads its files from, where it can read them itself


def _start_pool_process(parent: int, source: str | None) -> None:
    global _decoder, _source
    _die_with(parent)
    _decoder = image_decoder()
    _source = open_source(source) if source else None  # its own file handle or S3 client


def _die_with(parent: int) -> None:
    """Linux: the pool process is killed when the command is (kill -9 leaves nothing importing
    on; the run resumes from the database). Its decoder leaves when it does."""
    try:
        ctypes.CDLL(None).prctl(_PR_SET_PDEATHSIG, signal.SIGKILL)
    except (OSError, AttributeError):  # another system: a killed command's pool ends with its queue
        return
    if os.getppid() != parent:  # the command died before the line above
        os._exit(1)


_PR_SET_PDEATHSIG = 1  # <linux/prctl.h>


T = TypeVar("T")

# Files imported together: checked one by one, recorded in one transaction. Eight phone photos
# amortise the commit and the bookkeeping; their bytes stay small beside a worker's memory.
BATCH_FILES = 8
BATCH_BYTES = 48 * 1024 * 1024


def _batches(files: Iterable[tuple[int, T, int]]) -> Iterator[list[tuple[int, T]]]:
    """(item id, bytes or path, size) triples in lists of (item id, bytes or path) of at most
    BATCH_FILES files and about BATCH_BYTES."""
    batch, size = [], 0
    for pk, what, file_size in files:
        batch.append((pk, what))
        size += file_size
        if len(batch) >= BATCH_FILES or size >= BATCH_BYTES:
            yield batch
            batch, size = [], 0
    if batch:
        yield batch


def _import_batch(batch: list[tuple[int, bytes]], decoder) -> list[tuple[str, int]]:
    items = ImportItem.objects.select_related("run__owner", "album").in_bulk([pk for pk, _ in batch])
    run = items[batch[0][0]].run
    done = import_files(run, [(items[pk], data) for pk, data in batch], decoder=decoder)
    return [(item.state, item.size) for item in done]


def _import_batch_in_pool(batch: list[tuple[int, bytes]]) -> list[tuple[str, int]]:
    return _import_batch(batch, _decoder)


def _import_paths_in_pool(batch: list[tuple[int, str]]) -> list[tuple[str, int]]:
    return _import_batch([(pk, _source.read(path)) for pk, path in batch], _decoder)


def import_run(run: ImportRun, *, workers: int = 1, done: Callable[[str, int], None] = lambda state, size: None,
               limit: int | None = None, seconds: float | None = None) -> None:
    """Import the run's waiting files (at most ``limit``, or as many as ``seconds`` allow);
    ``done(state, size)`` after each. One worker reads them from the source in its cheapest order;
    N workers each read their own, unless the source can only be read from start to end (a .tgz):
    then this process reads it, and at most two batches per worker wait in memory."""
    deadline = time.monotonic() + seconds if seconds is not None else None
    waiting = {path: (pk, size) for path, pk, size in
               run.items.filter(state=ImportItem.State.PENDING).values_list("path", "pk", "size")[:limit]}
    source = open_source(run.source)
    streamed = _batches((waiting[path][0], data, len(data)) for path, data in source.stream(sorted(waiting)))
    if workers == 1:
        with image_decoder() as decoder:
            for batch in streamed:
                for outcome in _import_batch(batch, decoder):
                    done(*outcome)
                if deadline is not None and time.monotonic() > deadline:
                    break
    else:
        connections.close_all()  # each child opens its own
        # Where the source reads a file wherever it lies, each pool process reads its own files:
        # no bytes pass through this process. A .tgz can only be read from start to end, here.
        if source.reads_any_file:
            batches = _batches((pk, path, size) for path, (pk, size) in sorted(waiting.items()))
            work, own_source = _import_paths_in_pool, run.source
        else:
            batches, work, own_source = streamed, _import_batch_in_pool, None
        context = multiprocessing.get_context("fork")
        with ProcessPoolExecutor(max_workers=workers, mp_context=context, initializer=_start_pool_process,
                                 initargs=(os.getpid(), own_source)) as pool:
            running = set()

            def report(future):
                for outcome in future.result():
                    done(*outcome)

            try:
                for batch in batches:
                    running.add(pool.submit(work, batch))
                    if len(running) >= 2 * workers:
                        finished, running = wait(running, return_when=FIRST_COMPLETED)
                        for future in finished:
                            report(future)
                for future in running:
                    report(future)
            except BaseException:
                for future in running:
                    future.cancel()
                raise
    import_finish(run)

"""Running an import's waiting files, in this process or in N processes at once (each with its
own database connection: decoding a photo takes a core). Each process decodes through one
long-lived bounded child (``image_decoder``) rather than forking per file."""
import ctypes
import multiprocessing
import os
import signal
import time
from collections.abc import Callable
from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait

from django.db import connections

from gallery.imaging import image_decoder

from .models import ImportItem, ImportRun
from .services import import_finish, import_item
from .sources import open_source

_decoder = None  # a pool process's own, made when it starts


def _start_pool_process(parent: int) -> None:
    global _decoder
    _die_with(parent)
    _decoder = image_decoder()


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


def _import_one(item_id: int, data: bytes, decoder) -> tuple[str, int]:
    item = ImportItem.objects.select_related("run__owner", "album").get(pk=item_id)
    done = import_item(item, data, decoder=decoder)
    return done.state, done.size


def _import_in_pool(item_id: int, data: bytes) -> tuple[str, int]:
    return _import_one(item_id, data, _decoder)


def import_run(run: ImportRun, *, workers: int = 1, done: Callable[[str, int], None] = lambda state, size: None,
               limit: int | None = None, seconds: float | None = None) -> None:
    """Import the run's waiting files (at most ``limit``, or as many as ``seconds`` allow);
    ``done(state, size)`` after each. The source streams them in its cheapest order; at most two
    files per worker wait in memory."""
    deadline = time.monotonic() + seconds if seconds is not None else None
    waiting = dict(run.items.filter(state=ImportItem.State.PENDING).values_list("path", "pk")[:limit])
    files = open_source(run.source).stream(sorted(waiting))
    if workers == 1:
        with image_decoder() as decoder:
            for path, data in files:
                done(*_import_one(waiting[path], data, decoder))
                if deadline is not None and time.monotonic() > deadline:
                    break
    else:
        connections.close_all()  # each child opens its own
        context = multiprocessing.get_context("fork")
        with ProcessPoolExecutor(max_workers=workers, mp_context=context, initializer=_start_pool_process,
                                 initargs=(os.getpid(),)) as pool:
            running = set()
            try:
                for path, data in files:
                    running.add(pool.submit(_import_in_pool, waiting[path], data))
                    if len(running) >= 2 * workers:
                        finished, running = wait(running, return_when=FIRST_COMPLETED)
                        for future in finished:
                            done(*future.result())
                for future in running:
                    done(*future.result())
            except BaseException:
                for future in running:
                    future.cancel()
                raise
    import_finish(run)

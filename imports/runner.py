"""Running an import's waiting files, in this process or in N processes at once (each with its
own database connection: decoding a photo takes a core)."""
import multiprocessing
import time
from collections.abc import Callable
from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait

from django.db import connections

from .models import ImportItem, ImportRun
from .services import import_finish, import_item
from .sources import open_source


def _import_in_child(item_id: int, data: bytes) -> tuple[str, int]:
    item = ImportItem.objects.select_related("run__owner", "album").get(pk=item_id)
    done = import_item(item, data)
    return done.state, done.size


def import_run(run: ImportRun, *, workers: int = 1, done: Callable[[str, int], None] = lambda state, size: None,
               limit: int | None = None, seconds: float | None = None) -> None:
    """Import the run's waiting files (at most ``limit``, or as many as ``seconds`` allow);
    ``done(state, size)`` after each. The source streams them in its cheapest order; at most two
    files per worker wait in memory."""
    deadline = time.monotonic() + seconds if seconds is not None else None
    waiting = dict(run.items.filter(state=ImportItem.State.PENDING).values_list("path", "pk")[:limit])
    files = open_source(run.source).stream(sorted(waiting))
    if workers == 1:
        for path, data in files:
            item = ImportItem.objects.select_related("run__owner", "album").get(pk=waiting[path])
            finished = import_item(item, data)
            done(finished.state, finished.size)
            if deadline is not None and time.monotonic() > deadline:
                break
    else:
        connections.close_all()  # each child opens its own
        context = multiprocessing.get_context("fork")
        with ProcessPoolExecutor(max_workers=workers, mp_context=context) as pool:
            running = set()
            try:
                for path, data in files:
                    running.add(pool.submit(_import_in_child, waiting[path], data))
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

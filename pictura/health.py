"""Health checks that answer in bounded time, whatever hangs.

Each check runs in a thread of a small pool and is waited for at most
PICTURA_HEALTH_TIMEOUT_SECONDS; a check still running from an earlier request (its server
accepted the connection and never answered) is reported at once instead of being started
again, so hung checks never pile up.
"""
from concurrent.futures import ThreadPoolExecutor, wait

from celery import current_app
from django.conf import settings
from django.core.files.storage import default_storage
from django.db import connection

_pool = ThreadPoolExecutor(max_workers=4, thread_name_prefix="health")
_unfinished = {}


def database() -> str:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    finally:
        connection.close()  # this thread's own connection: opened fresh at each check
    return "ok"


def broker() -> str:
    app = current_app
    if app.conf.task_always_eager:
        return "not used: tasks run in the web process"
    with app.connection_for_write() as broker_connection:
        broker_connection.ensure_connection(max_retries=1, interval_start=0, interval_step=0)
    return "ok"


def storage() -> str:
    default_storage.exists("health-check")  # a HEAD request on S3
    return "ok"


def run_checks(checks: dict) -> dict[str, str]:
    """{name: "ok" or what went wrong} for each of ``checks`` (name: function), in bounded time."""
    timeout = settings.PICTURA_HEALTH_TIMEOUT_SECONDS
    results, started = {}, {}
    for name, check in checks.items():
        earlier = _unfinished.get(name)
        if earlier is not None and not earlier.done():
            results[name] = "timeout: the previous check has not finished"
        else:
            started[name] = _unfinished[name] = _pool.submit(check)
    done, _ = wait(started.values(), timeout=timeout)
    for name, future in started.items():
        if future not in done:
            results[name] = f"timeout: no answer within {timeout} s"
        elif future.exception() is not None:
            results[name] = f"error: {future.exception().__class__.__name__}"
        else:
            results[name] = future.result()
    return {name: results[name] for name in checks}

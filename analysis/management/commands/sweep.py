import logging
import time

from django.conf import settings
from django.core.management.base import BaseCommand

from pictura.celery import app

logger = logging.getLogger(__name__)


class Command(BaseCommand):
    help = """Run Celery beat's schedule (CELERY_BEAT_SCHEDULE) in this process: queue again the
    renditions and analyses whose message was lost or whose retry is due, finish deleting the
    faces of people who turned face recognition off, send the notifications that are due, drop
    audit entries older than PICTURA_AUDIT_DAYS. Safe to run on several machines at once. In
    production Celery beat runs the same tasks in each worker (`celery worker --beat`); without a
    broker, `make run` runs this with --every 60. Once, every job runs; with --every, each job
    runs again when its own schedule says."""

    def add_arguments(self, parser):
        parser.add_argument("--every", type=int, metavar="SECONDS", help="look again every SECONDS, until stopped")

    def handle(self, *args, **options):
        app.loader.import_default_modules()  # the apps' tasks, as a worker finds them
        last_run = {}
        while True:
            for name, entry in settings.CELERY_BEAT_SCHEDULE.items():
                if name in last_run and time.monotonic() - last_run[name] < entry["schedule"]:
                    continue
                last_run[name] = time.monotonic()
                result = app.tasks[entry["task"]].apply()
                if result.failed():
                    logger.error("%s failed: %s", name, result.result)
                elif result.result:
                    self.stdout.write(f"{name}: {result.result}")
            if not options["every"]:
                return
            time.sleep(options["every"])

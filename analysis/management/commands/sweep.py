import time

from django.core.management.base import BaseCommand

from analysis.people import forget_faces_of_users_without_recognition
from analysis.services import analyses_requeue_due
from audit.services import audit_delete_expired
from gallery.services import renditions_requeue_due


class Command(BaseCommand):
    help = """Queue again the renditions and analyses whose message was lost (broker down when
    they were queued, worker killed) or whose retry is due, finish deleting the faces of people
    who turned face recognition off, and drop audit entries older than PICTURA_AUDIT_DAYS. Safe
    to run on several machines at once. Celery beat runs the same sweep in each worker
    (`celery worker --beat`); without a broker, `make run` runs this with --every 60."""

    def add_arguments(self, parser):
        parser.add_argument("--every", type=int, metavar="SECONDS", help="sweep again every SECONDS, until stopped")

    def handle(self, *args, **options):
        while True:
            renditions, analyses = renditions_requeue_due(), analyses_requeue_due()
            forget_faces_of_users_without_recognition()
            audit_delete_expired()
            if renditions or analyses or not options["every"]:
                self.stdout.write(f"Queued again: {renditions} rendition(s), {analyses} analysis(es).")
            if not options["every"]:
                return
            time.sleep(options["every"])

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from analysis.models import Face, Person
from analysis.people import people_regroup


class Command(BaseCommand):
    help = """Group faces into people again, from scratch: for a library analysed before face
    recognition existed, or after changing PICTURA_FACE_MATCH_DISTANCE. People the owner named
    or hid, and faces the owner placed, stay as they are. Interrupted, run it again: it goes on
    with the faces not yet placed."""

    def add_arguments(self, parser):
        parser.add_argument("--regroup", action="store_true", required=True, help="regroup the faces")
        parser.add_argument("--user", help="only this user's faces (username); default: every user's")

    def handle(self, *args, **options):
        users = get_user_model().objects.filter(face_recognition=True).order_by("pk")
        if options["user"]:
            users = users.filter(username=options["user"])
            if not users:
                raise CommandError(f"No user called {options['user']!r} has face recognition on.")
        for user in users.filter(pk__in=Face.objects.values("photo__owner")):
            with tqdm(desc=user.username, unit="face", file=self.stderr, dynamic_ncols=True) as bar:
                def progress(done, total, bar=bar):
                    bar.total = total
                    bar.update(done - bar.n)

                placed = people_regroup(user, progress=progress)
            people = Person.objects.of(user).count()
            self.stdout.write(f"{user.username}: {placed} face(s) placed; {people} people.")

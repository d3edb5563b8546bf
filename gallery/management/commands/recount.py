from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand

from gallery.models import Library

FIELDS = ("photos", "trashed", "bytes")


class Command(BaseCommand):
    help = """Count every user's library from their photos and compare with the totals kept as
    photos change (photos, trash, bytes): says where they drifted, and with --fix stores the
    counted figures. Safe to run at any time."""

    def add_arguments(self, parser):
        parser.add_argument("--fix", action="store_true", help="store the counted totals where they differ")
        parser.add_argument("--user", help="only this username")

    def handle(self, *args, fix=False, user=None, **options):
        users = get_user_model().objects.order_by("pk")
        if user:
            users = users.filter(username=user)
        drifted = 0
        for owner_id, username in users.values_list("pk", "username").iterator():
            counted = Library.counted(owner_id)
            kept = Library.objects.filter(owner_id=owner_id).first()
            if kept is None:
                continue  # counted when first asked for
            differences = [
                f"{field} {getattr(kept, field)} → {getattr(counted, field)}"
                for field in FIELDS
                if getattr(kept, field) != getattr(counted, field)
            ]
            if differences:
                drifted += 1
                self.stdout.write(f"{username}: " + ", ".join(differences) + (" (fixed)" if fix else ""))
                if fix:
                    Library.objects.filter(owner_id=owner_id).update(**{f: getattr(counted, f) for f in FIELDS})
        self.stdout.write(f"{drifted} librar{'y' if drifted == 1 else 'ies'} drifted." if drifted else "No drift.")

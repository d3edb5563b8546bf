from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand

from gallery.models import Library
from gallery.signals import recounting

FIELDS = ("photos", "trashed", "bytes")


class Command(BaseCommand):
    help = """Count every user's figures from their photos and compare them with those kept as
    photos change (photos, trash and bytes; and what other apps keep: album counts and covers,
    tag, people and place counts, statistics): says where they drifted, and with --fix stores
    the counted figures. Safe to run at any time."""

    def add_arguments(self, parser):
        parser.add_argument("--fix", action="store_true", help="store the counted figures where they differ")
        parser.add_argument("--user", help="only this username")

    def handle(self, *args, fix=False, user=None, **options):
        users = get_user_model().objects.order_by("pk")
        if user:
            users = users.filter(username=user)
        drifted = 0
        for owner_id, username in users.values_list("pk", "username").iterator():
            differences = library_differences(owner_id, fix=fix)
            for _receiver, found in recounting.send(sender=None, owner_id=owner_id, fix=fix):
                differences += found
            if differences:
                drifted += 1
                self.stdout.write(f"{username}: " + ", ".join(differences) + (" (fixed)" if fix else ""))
        self.stdout.write(f"{drifted} user{'' if drifted == 1 else 's'}' figures drifted." if drifted else "No drift.")


def library_differences(owner_id, *, fix: bool) -> list[str]:
    counted = Library.counted(owner_id)
    kept = Library.objects.filter(owner_id=owner_id).first()
    if kept is None:
        return []  # counted when first asked for
    differences = [
        f"{field} {getattr(kept, field)} → {getattr(counted, field)}"
        for field in FIELDS
        if getattr(kept, field) != getattr(counted, field)
    ]
    if differences and fix:
        Library.objects.filter(owner_id=owner_id).update(**{f: getattr(counted, f) for f in FIELDS})
    return differences

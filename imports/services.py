"""Importing a library: a run lists its source's files once, then each file goes through the
upload's own service (checks, duplicates, quota) and the run remembers what became of it, so
that running it again continues where it stopped."""
import uuid
from collections import Counter
from pathlib import PurePosixPath

from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from albums.models import Album
from albums.services import album_add_photos, album_create
from gallery.batch_options import apply_batch_options
from gallery.imaging import ImageRejected, check_upload_size
from gallery.services import DuplicatePhoto, PhotoRejected, photo_ingest, photo_remove_unrecorded
from pictura.tasks import enqueue_next_step, requeue_due, wait_deadline, work_left_to_sweeper

from . import takeout
from .models import ImportItem, ImportRun
from .sources import Entry, Source, SourceError, left_out, open_source

# What to do with the copies Google Photos edited ("IMG_1234-edited.jpg") beside their originals.
EDITED_CHOICES = {"both": "keep both", "original": "keep the original only", "edited": "keep the edited copy only"}


def import_run_for(*, owner, source: str, album: str = "", tags=(), edited: str = "both", started_by=None) -> ImportRun:
    """The owner's unfinished run of this source, to continue; else a new one with its files
    listed. Raises SourceError when the source cannot be read."""
    run = ImportRun.objects.filter(owner=owner, source=source, state=ImportRun.State.RUNNING).first()
    if run is not None:
        return run
    files = open_source(source)
    run = ImportRun.objects.create(
        owner=owner, source=source, started_by=started_by,
        options={"album": _album_named(owner, album).pk if album else None, "tags": list(tags), "edited": edited},
    )
    import_list(run, files)
    return run


def _album_named(owner, title: str) -> Album:
    """The owner's album with this title, made if there is none (a second import adds to it)."""
    return Album.objects.owned_by(owner).filter(title=title).order_by("pk").first() or album_create(owner=owner, title=title)


def photo_files(files: Source) -> tuple[list[Entry], list[str], bool]:
    """What of the source is to be imported: (the files, a Takeout's sidecars, whether it is a
    Takeout). What operating systems leave beside photos is left out."""
    entries = [entry for entry in files.entries() if not left_out(entry.path)]
    is_takeout = takeout.looks_like_takeout({entry.path for entry in entries})
    if not is_takeout:
        return entries, [], False
    return ([entry for entry in entries if not takeout.is_sidecar(entry.path)],
            sorted(entry.path for entry in entries if takeout.is_sidecar(entry.path)), True)


def import_list(run: ImportRun, files: Source) -> None:
    """Record every file of the source in the run: waiting, or refused or left out already
    (too large, an edited copy the options leave out). A Takeout's sidecars and album folders
    give each photo what the file may not say, and its album."""
    entries, sidecar_paths, is_takeout = photo_files(files)
    paths = {entry.path for entry in entries}
    sidecars = dict(files.stream(sidecar_paths))
    edited = run.options.get("edited", "both")
    albums: dict[str, Album] = {}
    items = []
    for entry in entries:
        item = ImportItem(run=run, path=entry.path, size=entry.size)
        try:
            check_upload_size(entry.size)
        except ImageRejected as exc:
            item.state, item.message = ImportItem.State.REFUSED, str(exc)
        if is_takeout:
            _from_takeout(item, run, paths, sidecars, albums, edited)
        items.append(item)
    ImportItem.objects.bulk_create(items, batch_size=1000)


def _from_takeout(item, run, paths, sidecars, albums, edited) -> None:
    name = PurePosixPath(item.path).name
    if takeout.is_edited(item.path) and edited == "original":
        item.state, item.message = ImportItem.State.SKIPPED, "An edited copy; its original is imported."
    elif edited == "edited" and not takeout.is_edited(item.path) and any(
        takeout.original_of_edited(path) == item.path for path in paths if takeout.is_edited(path)
    ):
        item.state, item.message = ImportItem.State.SKIPPED, "The original of an edited copy, which is imported."
    for candidate in takeout.sidecar_candidates(item.path):
        if candidate in sidecars:
            item.known = takeout.known_from_sidecar(sidecars[candidate], filename=name)
            break
    if folder := takeout.album_folder(item.path):
        if folder not in albums:
            title = takeout.album_title(sidecars.get(f"{folder}/metadata.json"), folder)
            albums[folder] = _album_named(run.owner, title)
        item.album = albums[folder]


def import_item(item: ImportItem, data: bytes, *, decoder=None) -> ImportItem:
    """Import one waiting file (its bytes read from the source) as an upload of it would be;
    records and returns the outcome. Safe to run twice, and after a run killed halfway through
    it. ``decoder``: see ``inspect_image``."""
    run, owner = item.run, item.run.owner
    new, earlier = [], []
    photo = None
    if item.photo_uuid:  # a run killed while importing this file: its photo was recorded, or what was stored goes
        photo = photo_remove_unrecorded(owner_id=owner.pk, photo_uuid=item.photo_uuid)
    if photo is not None:
        item.state, item.message = ImportItem.State.IMPORTED, ""
        new.append(photo)  # its batch options may not have been applied
    else:
        item.photo_uuid = uuid.uuid4()
        ImportItem.objects.filter(pk=item.pk).update(photo_uuid=item.photo_uuid)
        photo = _ingest(item, data, decoder, new, earlier)
    if photo is not None:
        album = Album.objects.filter(pk=run.options.get("album")).first() if run.options.get("album") else None
        apply_batch_options(owner=owner, values={"album": album, "tags": tuple(run.options.get("tags", ()))},
                            uploaded=new, duplicates=earlier)
        if item.album_id:
            album_add_photos(album=item.album, photo_ids=[photo.pk])
    item.photo = photo
    ImportItem.objects.filter(pk=item.pk).update(state=item.state, message=item.message[:500], photo=photo)
    return item


def _ingest(item: ImportItem, data: bytes, decoder, new: list, earlier: list):
    """The file through the upload's service under the item's photo_uuid: sets the item's
    outcome, adds the photo to ``new`` or ``earlier`` (a duplicate) and returns it, if any."""
    known = {**item.known}
    if "taken_at" in known:
        known["taken_at"] = parse_datetime(known["taken_at"])
    upload = SimpleUploadedFile(PurePosixPath(item.path).name, data)
    try:
        photo = photo_ingest(owner=item.run.owner, upload=upload, render_now=True, known=known, decoder=decoder,
                             photo_uuid=item.photo_uuid)
    except PhotoRejected as exc:
        item.state, item.message = ImportItem.State.REFUSED, str(exc)
        return None
    except DuplicatePhoto as exc:
        item.state, item.message = ImportItem.State.DUPLICATE, str(exc)
        earlier.append(exc.existing)
        return exc.existing
    item.state, item.message = ImportItem.State.IMPORTED, ""
    new.append(photo)
    return photo


def import_finish(run: ImportRun) -> None:
    """Mark the run done once no file waits."""
    if not run.items.filter(state=ImportItem.State.PENDING).exists():
        ImportRun.objects.filter(pk=run.pk).update(state=ImportRun.State.DONE, finished_at=timezone.now(), due_at=None)
        run.refresh_from_db()


def refusals_by_reason(run: ImportRun) -> list[tuple[str, int]]:
    """Why files were refused, most common first."""
    return Counter(run.items.filter(state=ImportItem.State.REFUSED).values_list("message", flat=True)).most_common()


# A background import works this long, then queues its next step (a task never nears Celery's
# time limit, and other work gets its turn).
IMPORT_STEP_SECONDS = 20


def import_in_background(*, owner, source: str, started_by, **options) -> ImportRun:
    """Staff's import (the admin, the API): the run listed now, its files imported by steps of
    a task; a lost message or a killed worker leaves it due for the sweeper."""
    from .tasks import import_step  # the task module imports this one

    run = import_run_for(owner=owner, source=source, started_by=started_by, **options)
    with transaction.atomic():
        _due_row(run.pk)[0].update(due_at=wait_deadline())
        enqueue_next_step(import_step, run.pk, due_row=_due_row(run.pk))
    return run


def import_step(run_id: int) -> None:
    """One step of a background import: files for IMPORT_STEP_SECONDS, then the next step is
    queued until none waits. Tagging follows in the workers. Safe to run twice."""
    from .runner import import_run
    from .tasks import import_step as import_step_task  # the task module imports this one

    run = ImportRun.objects.filter(pk=run_id, state=ImportRun.State.RUNNING).select_related("owner").first()
    if run is None:
        return
    _due_row(run_id)[0].update(due_at=wait_deadline())  # being worked on
    try:
        with work_left_to_sweeper():
            import_run(run, seconds=IMPORT_STEP_SECONDS)
    except SourceError as exc:
        ImportRun.objects.filter(pk=run_id).update(state=ImportRun.State.FAILED, message=str(exc)[:500], due_at=None)
        return
    if ImportRun.objects.filter(pk=run_id, state=ImportRun.State.RUNNING).exists():
        enqueue_next_step(import_step_task, run_id, due_row=_due_row(run_id))


def _due_row(run_id: int):
    return ImportRun.objects.filter(pk=run_id), "due_at"


def imports_requeue_due() -> int:
    """The sweeper's part: background imports whose message was lost or whose worker died."""
    from .tasks import import_step  # the task module imports this one

    due = ImportRun.objects.filter(state=ImportRun.State.RUNNING, due_at__lte=timezone.now())
    return requeue_due(due, due_field="due_at", task=import_step)

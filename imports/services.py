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
from gallery.services import (
    DuplicatePhoto,
    PhotoRejected,
    StoredPhoto,
    photo_remove_unrecorded,
    photo_store,
    photos_record,
)
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


def import_files(run: ImportRun, files: list[tuple[ImportItem, bytes]], *, decoder=None) -> list[ImportItem]:
    """Import some of the run's waiting files (each with its bytes, read from the source) as
    uploading them would: each is checked and stored on its own, then their photos are recorded
    together with the files' outcomes in one transaction. Returns the items, their outcomes set.
    Safe to run twice, and after a run killed halfway through. ``decoder``: see ``inspect_image``."""
    owner = run.owner
    new, earlier, stored = [], [], []
    for item, _ in files:
        # A run killed while importing this file: its photo was recorded, or what was stored goes.
        recorded = item.photo_uuid and photo_remove_unrecorded(owner_id=owner.pk, photo_uuid=item.photo_uuid)
        if recorded:
            _outcome(item, ImportItem.State.IMPORTED, photo=recorded)
            new.append(recorded)  # its album and tags may not have been given
        else:
            item.photo_uuid = uuid.uuid4()
    # Each file's photo is named before anything of it is stored (a commit of its own).
    ImportItem.objects.bulk_update([item for item, _ in files if not item.photo], ["photo_uuid"])
    for item, data in files:
        if not item.photo:
            stored.extend(_store(item, data, decoder, earlier))
    with transaction.atomic():
        outcomes = photos_record(owner, [photo for _, photo in stored])
        for (item, _), outcome in zip(stored, outcomes, strict=True):
            if isinstance(outcome, DuplicatePhoto):
                _outcome(item, ImportItem.State.DUPLICATE, str(outcome), photo=outcome.existing)
                earlier.append(outcome.existing)
            elif isinstance(outcome, PhotoRejected):
                _outcome(item, ImportItem.State.REFUSED, str(outcome))
            else:
                _outcome(item, ImportItem.State.IMPORTED, photo=outcome)
                new.append(outcome)
        _file_photos(run, [item for item, _ in files], new, earlier)
        ImportItem.objects.bulk_update([item for item, _ in files], ["state", "message", "photo"])
    return [item for item, _ in files]


def _store(item: ImportItem, data: bytes, decoder, earlier: list) -> list[tuple[ImportItem, StoredPhoto]]:
    """The file checked and stored under the item's photo_uuid, to be recorded; or its outcome
    set (refused, or a duplicate added to ``earlier``) and nothing."""
    known = {**item.known}
    if "taken_at" in known:
        known["taken_at"] = parse_datetime(known["taken_at"])
    upload = SimpleUploadedFile(PurePosixPath(item.path).name, data)
    try:
        return [(item, photo_store(owner=item.run.owner, upload=upload, render_now=True, known=known,
                                   decoder=decoder, photo_uuid=item.photo_uuid))]
    except PhotoRejected as exc:
        _outcome(item, ImportItem.State.REFUSED, str(exc))
    except DuplicatePhoto as exc:
        _outcome(item, ImportItem.State.DUPLICATE, str(exc), photo=exc.existing)
        earlier.append(exc.existing)
    return []


def _outcome(item: ImportItem, state: str, message: str = "", photo=None) -> None:
    item.state, item.message, item.photo = state, message[:500], photo


def _file_photos(run: ImportRun, items: list[ImportItem], new: list, earlier: list) -> None:
    """The run's album and tags for the photos, and each into its Takeout album."""
    options = run.options
    album = Album.objects.filter(pk=options["album"]).first() if options.get("album") else None
    apply_batch_options(owner=run.owner, values={"album": album, "tags": tuple(options.get("tags", ()))},
                        uploaded=new, duplicates=earlier)
    by_album: dict[Album, list[int]] = {}
    for item in items:
        if item.album_id and item.photo:
            by_album.setdefault(item.album, []).append(item.photo.pk)
    for takeout_album, photo_ids in by_album.items():
        album_add_photos(album=takeout_album, photo_ids=photo_ids)


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

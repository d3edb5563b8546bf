"""Tags: manual ones from people, automatic ones from a tagger."""
from django.conf import settings
from django.db import transaction
from django.utils import timezone

from audit.services import Action, audit_record_each
from gallery.models import Photo
from gallery.services import StorageUnavailable
from pictura.tasks import attempts_used_up, enqueue_after_commit, requeue_due, wait_deadline, work_is_left_to_sweeper

from . import people, tallies
from .models import HiddenContent, PhotoAnalysis, PhotoPlace, PhotoTag, PhotoTally, Tag, normalise_tag_name
from .places import place_at
from .taggers import TaggerError, TaggerUnavailable, get_tagger

ANALYSIS_TALLY = {PhotoTally.Kind.ANALYSIS}
PLACE_TALLIES = tallies.TAG_KINDS | {PhotoTally.Kind.PLACE}


def parse_tag_list(text: str) -> tuple[str, ...]:
    """Split a comma-separated list as typed by a person into distinct normalised names."""
    return distinct_tag_names(text.split(","))


def distinct_tag_names(names) -> tuple[str, ...]:
    normalised = (normalise_tag_name(name) for name in names)
    return tuple(dict.fromkeys(name for name in normalised if name))


def _tags_named(names) -> dict[str, Tag]:
    Tag.objects.bulk_create([Tag(name=name) for name in names], ignore_conflicts=True)
    return {tag.name: tag for tag in Tag.objects.filter(name__in=names)}


def photo_add_manual_tags(*, photo, names: tuple[str, ...]) -> None:
    photos_add_manual_tags(photos=[photo], names=names)


def photos_add_manual_tags(*, photos, names: tuple[str, ...]) -> None:
    """Tag each photo with each name, as typed by its owner; tags it already has stay once."""
    _photos_add_tags(photos, names, PhotoTag.Source.MANUAL)


def photo_tag_file_keywords(*, photo) -> None:
    """A new photo's keywords, as its file carried them (XMP, IPTC), become its tags."""
    _photos_add_tags([photo], distinct_tag_names(photo.file_keywords), PhotoTag.Source.FILE)


def _photos_add_tags(photos, names: tuple[str, ...], source: str) -> None:
    if not names or not photos:
        return
    tags = _tags_named(names).values()
    with tallies.tracking([photo.pk for photo in photos], tallies.TAG_KINDS):
        PhotoTag.objects.bulk_create(
            [PhotoTag(photo=photo, tag=tag, source=source) for photo in photos for tag in tags], ignore_conflicts=True,
        )


def photos_change_keywords(*, owner, photo_ids, change: str, names: tuple[str, ...] = ()) -> None:
    """Keywords (tags the owner typed or the file carried) of many photos: "add" these,
    "set" (replace them with these) or "clear" them. Automatic tags stay."""
    photos = list(Photo.objects.visible_to(owner).filter(pk__in=photo_ids))
    with tallies.tracking([photo.pk for photo in photos], tallies.TAG_KINDS):
        if change in ("set", "clear"):
            PhotoTag.objects.filter(photo__in=photos, source__in=PhotoTag.KEYWORD_SOURCES).delete()
        if change in ("set", "add"):
            photos_add_manual_tags(photos=photos, names=names)


def tag_uploaded_batch(*, owner, value, uploaded, duplicates) -> None:
    """The upload page's batch option: its tags go on the photos new in this batch."""
    photos_add_manual_tags(photos=uploaded, names=value)


def photo_analyse(*, photo_id: int, tagger_name: str | None = None) -> PhotoAnalysis | None:
    """Tag a photo whose analysis is due, with one tagger, and record what it found; returns
    the analysis, or None when there was nothing to do (done already, photo deleted).

    Safe to run twice: the tagger's earlier tags are replaced, manual tags and other taggers'
    tags are left alone. A throttled or unreachable tagger leaves the analysis waiting for
    another try (the sweeper queues it); a hopeless one fails it. The photo is never touched.
    """
    if not Photo.objects.filter(pk=photo_id).exists():
        return None  # deleted before its turn came
    with tallies.tracking([photo_id], ANALYSIS_TALLY):
        PhotoAnalysis.objects.bulk_create([PhotoAnalysis(photo_id=photo_id)], ignore_conflicts=True)
    # Without a tagger named here, the one asked for when it was queued (or used last time).
    asked = PhotoAnalysis.objects.filter(photo_id=photo_id).values_list("tagger", flat=True).first()
    tagger = get_tagger(tagger_name or asked or None)
    analysis = PhotoAnalysis.objects.claim(photo_id, tagger.name)
    if analysis is None:
        return None
    photo = analysis.photo
    setback = None  # (what to do with the analysis, why) when it is not done
    if reason := attempts_used_up(analysis.attempts, analysis.last_error, doing="analysing"):
        setback = analysis.failed, reason
    elif photo.renditions_state == Photo.Renditions.FAILED:
        setback = analysis.failed, "The photo has no preview to analyse."
    elif not photo.preview:
        setback = analysis.retry_later, "The preview is not ready yet."
    else:
        try:
            _analyse(analysis, tagger)
        except TaggerError as exc:
            setback = analysis.failed, str(exc)
        except (TaggerUnavailable, StorageUnavailable) as exc:
            setback = analysis.retry_later, str(exc)
    if setback:
        record, reason = setback
        with tallies.tracking([photo_id], ANALYSIS_TALLY):
            record(reason)
    return analysis


def _analyse(analysis: PhotoAnalysis, tagger) -> None:
    """Ask the tagger, store the faces' crops, then record everything in one transaction."""
    photo = analysis.photo
    photo_locate(photo=photo)
    result = tagger.analyse(photo, recognise_faces=photo.owner.face_recognition)
    crops = people.store_face_crops(photo, result.faces)
    try:
        similar = people.similar_faces([face.face_id for face in result.faces if face.face_id and face.groupable])
        _record_result(analysis, tagger.name, result, crops, similar)
    except BaseException:
        people.discard_stored(crops)
        raise


def _record_result(analysis: PhotoAnalysis, source: str, result, crops, similar) -> None:
    photo = analysis.photo
    confidences = {}
    for label in result.labels:
        name = normalise_tag_name(label.name)
        if name:
            confidences[name] = max(confidences.get(name, 0), min(100.0, max(0.0, label.confidence)))
    threshold = settings.PICTURA_MODERATION_MIN_CONFIDENCE
    unsafe = [label for label in result.moderation_labels if label.confidence >= threshold]
    with tallies.tracking([photo.pk]):
        # A moderator may have decided meanwhile: their decision is read under the row lock.
        moderation = PhotoAnalysis.objects.select_for_update().values_list("moderation", flat=True).get(pk=analysis.pk)
        PhotoTag.objects.filter(photo=photo, source=source).delete()
        tags = _tags_named(list(confidences))
        PhotoTag.objects.bulk_create(
            [PhotoTag(photo=photo, tag=tags[name], confidence=c, source=source) for name, c in confidences.items()]
        )
        people.photo_replace_faces(photo=photo, source=source, found=result.faces, crops=crops, similar=similar)
        analysis.state = PhotoAnalysis.State.DONE
        analysis.finished_at = timezone.now()
        analysis.due_at = None
        analysis.last_error = ""
        analysis.people_count = result.people_count
        analysis.moderation_labels = [{"name": label.name, "confidence": label.confidence} for label in unsafe]
        # A moderator's decision stands, also one about the same content uploaded before;
        # otherwise the latest analysis decides.
        if moderation in (PhotoAnalysis.Moderation.APPROVED, PhotoAnalysis.Moderation.HIDDEN):
            analysis.moderation = moderation
        elif HiddenContent.objects.filter(sha256=photo.sha256).exists():
            analysis.moderation = PhotoAnalysis.Moderation.HIDDEN
        else:
            analysis.moderation = PhotoAnalysis.Moderation.FLAGGED if unsafe else PhotoAnalysis.Moderation.CLEAR
        analysis.save()


def photo_locate(*, photo) -> PhotoPlace | None:
    """Record where the photo was taken, from its GPS position, as its place and as tags
    (city, region, country; source "place"); none without a position. Safe to run twice."""
    with tallies.tracking([photo.pk], PLACE_TALLIES):
        return _locate(photo)


def _locate(photo) -> PhotoPlace | None:
    PhotoTag.objects.filter(photo=photo, source=PhotoTag.Source.PLACE).delete()
    PhotoPlace.objects.filter(photo=photo).delete()
    place = place_at(photo.latitude, photo.longitude) if photo.has_location else None
    if place is None:
        return None
    tags = _tags_named(list(dict.fromkeys(normalise_tag_name(name) for name in place.names)))
    PhotoTag.objects.bulk_create([PhotoTag(photo=photo, tag=tag, source=PhotoTag.Source.PLACE) for tag in tags.values()])
    return PhotoPlace.objects.create(
        photo=photo, country_code=place.country_code, country=place.country, region=place.region, city=place.city
    )


def photo_retry_analysis(*, photo) -> bool:
    """The owner's "Retry" on failed (or retrying) tagging: a fresh set of attempts, queued
    now. False when there is nothing to retry."""
    analysis = PhotoAnalysis.objects.filter(photo=photo).first()
    if analysis is None or not (analysis.state == PhotoAnalysis.State.FAILED or analysis.retrying):
        return False
    with transaction.atomic():
        photos_queue_analysis([photo.pk], tagger_name=analysis.tagger or None)
    return True


def photos_queue_analysis(photo_ids, *, tagger_name: str | None = None) -> None:
    """Mark the photos waiting and queue their analysis once the current transaction commits."""
    from .tasks import analyse_photo  # tasks import this module

    photo_ids = list(photo_ids)
    left_to_sweeper = work_is_left_to_sweeper()  # an import in laptop mode: made due, all at once
    photos_mark_for_analysis(photo_ids, tagger_name=tagger_name, due_now=left_to_sweeper)
    if not left_to_sweeper:
        for photo_id in photo_ids:
            enqueue_after_commit(analyse_photo, photo_id, due_row=(PhotoAnalysis.objects.filter(photo_id=photo_id), "due_at"))


def photos_mark_for_analysis(
    photo_ids, *, tagger_name: str | None = None, batch: int = 500, due_now: bool = False
) -> None:
    """Mark the photos as waiting for analysis by this tagger (default: PICTURA_TAGGER), with a
    fresh set of attempts, creating their analysis records if need be. ``due_now`` leaves
    queueing them to the sweeper's next pass (for more photos than one request should send)."""
    for start in range(0, len(photo_ids), batch):
        ids = photo_ids[start : start + batch]
        with tallies.tracking(ids, ANALYSIS_TALLY):
            PhotoAnalysis.objects.bulk_create([PhotoAnalysis(photo_id=pk) for pk in ids], ignore_conflicts=True)
            PhotoAnalysis.objects.filter(photo_id__in=ids).update(
                state=PhotoAnalysis.State.PENDING, tagger=tagger_name or "", last_error="", attempts=0,
                due_at=timezone.now() if due_now else wait_deadline(),
            )


def analyses_requeue_due() -> int:
    """The sweeper's part for analysis: queue again the analyses whose message was lost."""
    from .tasks import analyse_photo  # tasks import this module

    return requeue_due(PhotoAnalysis.objects.due(), due_field="due_at", task=analyse_photo)


def photos_set_moderation(photos, moderation: str) -> int:
    """A moderator's decision about each photo of the queryset; returns how many. Hiding also
    remembers the content, so that uploading it again does not bring it back; approving
    forgets it."""
    photos = list(photos.select_related(None).select_related("owner").only("pk", "sha256", "title", "original_filename", "owner"))
    rows = {photo.pk: photo.sha256 for photo in photos}
    with tallies.tracking(rows, ANALYSIS_TALLY):
        PhotoAnalysis.objects.bulk_create(
            [PhotoAnalysis(photo_id=pk, state=PhotoAnalysis.State.DONE) for pk in rows], ignore_conflicts=True
        )
        count = PhotoAnalysis.objects.filter(photo_id__in=rows).update(moderation=moderation)
        if moderation == PhotoAnalysis.Moderation.HIDDEN:
            HiddenContent.objects.bulk_create([HiddenContent(sha256=h) for h in set(rows.values())], ignore_conflicts=True)
        elif moderation == PhotoAnalysis.Moderation.APPROVED:
            HiddenContent.objects.filter(sha256__in=rows.values()).delete()
        audit_record_each(
            Action.MODERATION_HIDDEN if moderation == PhotoAnalysis.Moderation.HIDDEN else Action.MODERATION_APPROVED,
            [(photo.owner, f"photo {photo.pk}: {photo}", {"photo": photo.pk}) for photo in photos],
        )
    return count

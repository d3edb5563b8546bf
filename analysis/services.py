"""Tags: manual ones from people, automatic ones from a tagger."""
from django.conf import settings
from django.db import transaction
from django.utils import timezone

from .models import HiddenContent, PhotoAnalysis, PhotoTag, Tag, normalise_tag_name
from .taggers import get_tagger


def parse_tag_list(text: str) -> tuple[str, ...]:
    """Split a comma-separated list as typed by a person into distinct normalised names."""
    names = (normalise_tag_name(part) for part in text.split(","))
    return tuple(dict.fromkeys(name for name in names if name))


def _tags_named(names) -> dict[str, Tag]:
    Tag.objects.bulk_create([Tag(name=name) for name in names], ignore_conflicts=True)
    return {tag.name: tag for tag in Tag.objects.filter(name__in=names)}


def photo_add_manual_tags(*, photo, names: tuple[str, ...]) -> None:
    photos_add_manual_tags(photos=[photo], names=names)


def photos_add_manual_tags(*, photos, names: tuple[str, ...]) -> None:
    """Tag each photo with each name, as typed by its owner; tags it already has stay once."""
    if not names or not photos:
        return
    tags = _tags_named(names).values()
    PhotoTag.objects.bulk_create(
        [PhotoTag(photo=photo, tag=tag, source=PhotoTag.Source.MANUAL) for photo in photos for tag in tags],
        ignore_conflicts=True,
    )


def tag_uploaded_batch(*, owner, value, uploaded, duplicates) -> None:
    """The upload page's batch option: its tags go on the photos new in this batch."""
    photos_add_manual_tags(photos=uploaded, names=value)


def photo_analyse(*, photo, tagger_name: str | None = None) -> PhotoAnalysis:
    """Tag ``photo`` with one tagger and record what it found. Safe to run twice: the tagger's
    earlier tags are replaced, manual tags and other taggers' tags are left alone.

    Raises TaggerError (hopeless) or TaggerUnavailable (try later); the caller records those.
    """
    tagger = get_tagger(tagger_name)
    analysis, _ = PhotoAnalysis.objects.get_or_create(photo=photo)
    analysis.state = PhotoAnalysis.State.RUNNING
    analysis.tagger = tagger.name
    analysis.attempts += 1
    analysis.started_at = timezone.now()
    analysis.save(update_fields=["state", "tagger", "attempts", "started_at"])

    result = tagger.analyse(photo)

    confidences = {}
    for label in result.labels:
        name = normalise_tag_name(label.name)
        if name:
            confidences[name] = max(confidences.get(name, 0), min(100.0, max(0.0, label.confidence)))
    threshold = settings.PICTURA_MODERATION_MIN_CONFIDENCE
    unsafe = [label for label in result.moderation_labels if label.confidence >= threshold]
    with transaction.atomic():
        PhotoTag.objects.filter(photo=photo, source=tagger.name).delete()
        tags = _tags_named(list(confidences))
        PhotoTag.objects.bulk_create(
            [PhotoTag(photo=photo, tag=tags[name], confidence=c, source=tagger.name) for name, c in confidences.items()]
        )
        analysis.state = PhotoAnalysis.State.DONE
        analysis.finished_at = timezone.now()
        analysis.last_error = ""
        analysis.people_count = result.people_count
        analysis.moderation_labels = [{"name": label.name, "confidence": label.confidence} for label in unsafe]
        # A moderator's decision stands, also one about the same content uploaded before;
        # otherwise the latest analysis decides.
        if analysis.moderation not in (PhotoAnalysis.Moderation.APPROVED, PhotoAnalysis.Moderation.HIDDEN):
            if HiddenContent.objects.filter(sha256=photo.sha256).exists():
                analysis.moderation = PhotoAnalysis.Moderation.HIDDEN
            else:
                analysis.moderation = PhotoAnalysis.Moderation.FLAGGED if unsafe else PhotoAnalysis.Moderation.CLEAR
        analysis.save()
    return analysis


def photo_analysis_record_failure(*, photo_id: int, error: str, final: bool) -> None:
    """After a failed attempt: failed for good when ``final``, else waiting for the retry.
    The photo itself is never touched."""
    state = PhotoAnalysis.State.FAILED if final else PhotoAnalysis.State.PENDING
    PhotoAnalysis.objects.update_or_create(
        photo_id=photo_id, defaults={"state": state, "last_error": error[:2000], "finished_at": timezone.now()}
    )


def photos_queue_analysis(photo_ids, *, tagger_name: str | None = None) -> None:
    """Mark the photos waiting and queue their analysis once the current transaction commits."""
    from .tasks import analyse_photo  # tasks import this module

    photo_ids = list(photo_ids)
    photos_mark_for_analysis(photo_ids)
    for photo_id in photo_ids:
        transaction.on_commit(lambda photo_id=photo_id: analyse_photo.delay(photo_id, tagger_name))


def photos_mark_for_analysis(photo_ids, *, batch: int = 500) -> None:
    """Mark the photos as waiting for analysis, creating their analysis records if need be."""
    for start in range(0, len(photo_ids), batch):
        ids = photo_ids[start : start + batch]
        PhotoAnalysis.objects.bulk_create([PhotoAnalysis(photo_id=pk) for pk in ids], ignore_conflicts=True)
        PhotoAnalysis.objects.filter(photo_id__in=ids).update(state=PhotoAnalysis.State.PENDING, last_error="")


def photos_set_moderation(photos, moderation: str) -> int:
    """A moderator's decision about each photo of the queryset; returns how many. Hiding also
    remembers the content, so that uploading it again does not bring it back; approving
    forgets it."""
    rows = dict(photos.values_list("pk", "sha256"))
    with transaction.atomic():
        PhotoAnalysis.objects.bulk_create(
            [PhotoAnalysis(photo_id=pk, state=PhotoAnalysis.State.DONE) for pk in rows], ignore_conflicts=True
        )
        count = PhotoAnalysis.objects.filter(photo_id__in=rows).update(moderation=moderation)
        if moderation == PhotoAnalysis.Moderation.HIDDEN:
            HiddenContent.objects.bulk_create([HiddenContent(sha256=h) for h in set(rows.values())], ignore_conflicts=True)
        elif moderation == PhotoAnalysis.Moderation.APPROVED:
            HiddenContent.objects.filter(sha256__in=rows.values()).delete()
    return count

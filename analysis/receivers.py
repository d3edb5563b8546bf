"""How analysis follows what the gallery announces (connected in AnalysisConfig.ready)."""
from django.conf import settings
from django.db.models.signals import post_save, pre_delete
from django.dispatch import receiver

from albums.models import Album
from gallery.models import Photo
from gallery.signals import photo_deleting, photos_changing, recounting, renditions_ready

from . import tallies
from .models import Person, PhotoAnalysis, PhotoTally, Tag
from .people import photo_forget_faces, user_forget_faces
from .services import photo_tag_file_keywords, photos_queue_analysis


@receiver(renditions_ready)
def analyse_new_photos(sender, photos, **kwargs):
    """A photo whose renditions are ready is tagged, once: a remake of its renditions later does
    not tag it again (`reindex` does that)."""
    if settings.PICTURA_ANALYSE_UPLOADS:
        known = set(PhotoAnalysis.objects.filter(photo__in=photos).values_list("photo_id", flat=True))
        if new := [photo.pk for photo in photos if photo.pk not in known]:
            photos_queue_analysis(new)


@receiver(photo_deleting)
def forget_faces_of_deleted_photo(sender, photo, **kwargs):
    photo_forget_faces(photo)


@receiver(pre_delete, sender=settings.AUTH_USER_MODEL)
def forget_faces_of_deleted_user(sender, instance, **kwargs):
    """An account deleted (from the admin, say) takes its faces' crops and Rekognition ids."""
    user_forget_faces(instance.pk)


# --- Tallies -------------------------------------------------------------------------------------

@receiver(photos_changing, dispatch_uid="analysis-tallies")
def photos_changing_in_tallies(sender, photo_ids, **kwargs):
    return tallies.tracking(photo_ids)


@receiver(post_save, sender=Photo, dispatch_uid="analysis-tallies-new-photo")
def tally_new_photo(sender, instance, created, raw=False, **kwargs):
    """A new photo counts as uploaded, by its camera and as not analysed yet: nothing else is
    recorded about it at this point (its tags, albums, faces and place come with their own
    tracked changes), so only its own row is read."""
    if created and not raw:
        tallies.add(tallies.facts_of([instance.pk], tallies.PHOTO_KINDS))


@receiver(post_save, sender=Photo, dispatch_uid="analysis-file-keywords")
def tag_file_keywords(sender, instance, created, raw=False, **kwargs):
    if created and not raw and instance.file_keywords:
        photo_tag_file_keywords(photo=instance)


@receiver(pre_delete, sender=Photo, dispatch_uid="analysis-tallies-photo-deleted")
def untally_deleted_photo(sender, instance, **kwargs):
    """A photo deleted outside the trash (by the admin, with its owner's account) stops counting
    (for what no tracking around the deletion follows); one in the trash counts for nothing
    already."""
    if not instance.in_trash and (kinds := tallies.untracked_kinds(instance.pk)):
        tallies.add(tallies.Facts().minus(tallies.facts_of([instance.pk], kinds)))


@receiver(pre_delete, sender=Album, dispatch_uid="analysis-tallies-album-deleted")
def untally_deleted_album(sender, instance, **kwargs):
    tallies.forget_key(PhotoTally.Kind.ALBUM, instance.pk)


@receiver(pre_delete, sender=Person, dispatch_uid="analysis-tallies-person-deleted")
def untally_deleted_person(sender, instance, **kwargs):
    tallies.forget_key(PhotoTally.Kind.PERSON, instance.pk)


@receiver(pre_delete, sender=Tag, dispatch_uid="analysis-tallies-tag-deleted")
def untally_deleted_tag(sender, instance, **kwargs):
    tallies.forget_key(PhotoTally.Kind.TAG, instance.pk)
    tallies.forget_key(PhotoTally.Kind.AUTOMATIC_TAG, instance.pk)


@receiver(recounting, dispatch_uid="analysis-tallies-recount")
def recount_tallies(sender, owner_id, fix, **kwargs):
    return tallies.recount(owner_id, fix=fix)

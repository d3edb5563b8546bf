"""How analysis follows what the gallery announces (connected in AnalysisConfig.ready)."""
from django.conf import settings
from django.db.models.signals import pre_delete
from django.dispatch import receiver

from gallery.signals import photo_deleting, renditions_ready

from .models import PhotoAnalysis
from .people import photo_forget_faces, user_forget_faces
from .services import photos_queue_analysis


@receiver(renditions_ready)
def analyse_new_photo(sender, photo, **kwargs):
    """A photo whose renditions are ready is tagged, once: a remake of its renditions later does
    not tag it again (`reindex` does that)."""
    if settings.PICTURA_ANALYSE_UPLOADS and not PhotoAnalysis.objects.filter(photo=photo).exists():
        photos_queue_analysis([photo.pk])


@receiver(photo_deleting)
def forget_faces_of_deleted_photo(sender, photo, **kwargs):
    photo_forget_faces(photo)


@receiver(pre_delete, sender=settings.AUTH_USER_MODEL)
def forget_faces_of_deleted_user(sender, instance, **kwargs):
    """An account deleted (from the admin, say) takes its faces' crops and Rekognition ids."""
    user_forget_faces(instance.pk)

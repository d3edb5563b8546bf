"""How analysis follows what the gallery announces (connected in AnalysisConfig.ready)."""
from django.conf import settings
from django.dispatch import receiver

from gallery.signals import renditions_ready

from .models import PhotoAnalysis
from .services import photos_queue_analysis


@receiver(renditions_ready)
def analyse_new_photo(sender, photo, **kwargs):
    """A photo whose renditions are ready is tagged, once: a remake of its renditions later does
    not tag it again (`reindex` does that)."""
    if settings.PICTURA_ANALYSE_UPLOADS and not PhotoAnalysis.objects.filter(photo=photo).exists():
        photos_queue_analysis([photo.pk])

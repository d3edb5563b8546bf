import pytest
from django.db.models.signals import post_save

from analysis.models import PhotoAnalysis
from gallery.models import Photo


@pytest.fixture
def photos_pass_moderation():
    """Links show only photos that analysis found clear (test_share_moderation.py proves it).
    Tests about sharing itself use this: every new photo counts as analysed and clear."""
    def analysed_clear(sender, instance, created, **kwargs):
        if created:
            PhotoAnalysis.objects.get_or_create(photo=instance, defaults={"state": PhotoAnalysis.State.DONE})

    post_save.connect(analysed_clear, sender=Photo, dispatch_uid="test-analysed-clear")
    yield
    post_save.disconnect(sender=Photo, dispatch_uid="test-analysed-clear")

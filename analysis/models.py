from django.db import models


def normalise_tag_name(name: str) -> str:
    """One spelling per tag: lower case, single spaces, at most 64 characters."""
    return " ".join(name.split()).lower()[:64]


class Tag(models.Model):
    name = models.CharField(max_length=64, unique=True)

    class Meta:
        ordering = ["name"]

    def __str__(self):
        return self.name

    def save(self, *args, **kwargs):
        self.name = normalise_tag_name(self.name)
        super().save(*args, **kwargs)


class PhotoTag(models.Model):
    class Source(models.TextChoices):
        REKOGNITION = "rekognition", "Amazon Rekognition"
        LOCAL = "local", "Local model"
        MANUAL = "manual", "Added by you"

    photo = models.ForeignKey("gallery.Photo", on_delete=models.CASCADE, related_name="photo_tags")
    tag = models.ForeignKey(Tag, on_delete=models.CASCADE, related_name="photo_tags")
    confidence = models.FloatField(default=100.0)
    source = models.CharField(max_length=12, choices=Source.choices)

    class Meta:
        ordering = ["-confidence", "tag__name"]
        constraints = [
            models.UniqueConstraint(fields=["photo", "tag", "source"], name="phototag_unique"),
            models.CheckConstraint(
                condition=models.Q(confidence__gte=0, confidence__lte=100),
                name="phototag_confidence_range",
            ),
        ]

    def __str__(self):
        return f"{self.tag} ({self.get_source_display()}, {self.confidence:.0f}%)"

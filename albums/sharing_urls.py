"""Sharing's pages, at the top of the site: /shared/ for the owner, /s/<token>/ for anyone."""
from django.urls import path, re_path

from . import sharing

app_name = "sharing"

urlpatterns = [
    path("shared/", sharing.shared_links, name="links"),
    path("shared/new/", sharing.share_create, name="create"),
    path("shared/<int:pk>/revoke/", sharing.share_revoke, name="revoke"),
    path("shared/watermark/", sharing.watermark_settings, name="watermark"),
    path("shared/watermark/sample.jpg", sharing.watermark_sample, name="watermark_sample"),
    path("s/<slug:token>/", sharing.shared, name="shared"),
    path("s/<slug:token>/photos/<int:pk>/", sharing.shared_album_photo, name="photo"),
    re_path(
        r"^s/(?P<token>[\w-]+)/photos/(?P<pk>\d+)/(?P<kind>thumbnail|preview|original)/$",
        sharing.shared_file,
        name="file",
    ),
]

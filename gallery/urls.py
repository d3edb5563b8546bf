from django.urls import path, re_path

from . import views

app_name = "gallery"

urlpatterns = [
    path("", views.index, name="index"),
    path("upload/", views.upload, name="upload"),
    path("photos/<int:pk>/", views.photo_detail, name="photo"),
    path("photos/<int:pk>/edit/", views.photo_edit, name="photo_edit"),
    path("photos/<int:pk>/delete/", views.photo_delete, name="photo_delete"),
    path("photos/<int:pk>/original/", views.photo_original, name="photo_original"),
    path("photos/<int:pk>/thumbnail.jpg", views.photo_thumbnail, name="photo_thumbnail"),
    path("photos/<int:pk>/preview.jpg", views.photo_preview, name="photo_preview"),
    path("shared/", views.shared_links, name="shared_links"),
    path("shared/new/", views.share_create, name="share_create"),
    path("shared/<int:pk>/revoke/", views.share_revoke, name="share_revoke"),
    path("s/<slug:token>/", views.shared, name="shared"),
    path("s/<slug:token>/photos/<int:pk>/", views.shared_album_photo, name="shared_photo"),
    re_path(
        r"^s/(?P<token>[\w-]+)/photos/(?P<pk>\d+)/(?P<kind>thumbnail|preview|original)/$",
        views.shared_file,
        name="shared_file",
    ),
    path("trash/", views.trash, name="trash"),
    path("trash/empty/", views.trash_empty, name="trash_empty"),
    path("trash/<int:pk>/restore/", views.trash_restore, name="trash_restore"),
    path("trash/<int:pk>/delete/", views.trash_delete, name="trash_delete"),
]

from django.urls import path

from . import direct_views, views

app_name = "gallery"

urlpatterns = [
    path("", views.index, name="index"),
    path("upload/", views.upload, name="upload"),
    path("upload/direct/", direct_views.start, name="direct_start"),
    path("upload/direct/<int:pk>/", direct_views.status, name="direct_status"),
    path("upload/direct/<int:pk>/parts/", direct_views.parts, name="direct_parts"),
    path("upload/direct/<int:pk>/parts/<int:number>/", direct_views.part, name="direct_part"),
    path("upload/direct/<int:pk>/complete/", direct_views.complete, name="direct_complete"),
    path("upload/direct/<int:pk>/abort/", direct_views.abort, name="direct_abort"),
    path("photos/<int:pk>/", views.photo_detail, name="photo"),
    path("photos/<int:pk>/edit/", views.photo_edit, name="photo_edit"),
    path("photos/<int:pk>/retry/", views.photo_retry, name="photo_retry"),
    path("photos/<int:pk>/delete/", views.photo_delete, name="photo_delete"),
    path("photos/<int:pk>/original/", views.photo_original, name="photo_original"),
    path("photos/<int:pk>/thumbnail.jpg", views.photo_thumbnail, name="photo_thumbnail"),
    path("photos/<int:pk>/preview.jpg", views.photo_preview, name="photo_preview"),
    path("trash/", views.trash, name="trash"),
    path("trash/empty/", views.trash_empty, name="trash_empty"),
    path("trash/<int:pk>/restore/", views.trash_restore, name="trash_restore"),
    path("trash/<int:pk>/delete/", views.trash_delete, name="trash_delete"),
]

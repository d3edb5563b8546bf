from django.urls import path

from . import views

app_name = "albums"

urlpatterns = [
    path("", views.album_list, name="list"),
    path("new/", views.album_create, name="create"),
    path("selection/", views.photos_selection, name="selection"),
    path("<int:pk>/", views.album_detail, name="detail"),
    path("<int:pk>/edit/", views.album_edit, name="edit"),
    path("<int:pk>/delete/", views.album_delete, name="delete"),
    path("<int:pk>/download/", views.album_download, name="download"),
]

from django.contrib import admin
from django.urls import include, path

urlpatterns = [
    path("admin/", admin.site.urls),
    path("accounts/", include("accounts.urls")),
    path("albums/", include("albums.urls")),
    path("", include("analysis.urls")),
    path("", include("gallery.urls")),
]

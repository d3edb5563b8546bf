from django.contrib import admin
from django.urls import include, path

from accounts.urls import oidc_urlpatterns

urlpatterns = [
    path("admin/", admin.site.urls),
    path("api/v1/", include("api.urls")),
    path("accounts/", include("accounts.urls")),
    path("oidc/", include(oidc_urlpatterns)),
    path("albums/", include("albums.urls")),
    path("", include("albums.sharing_urls")),
    path("", include("analysis.urls")),
    path("", include("gallery.urls")),
]

handler400 = "pictura.views.bad_request"

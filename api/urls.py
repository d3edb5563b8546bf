from django.urls import path, re_path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView
from rest_framework.routers import SimpleRouter

from .views.albums import AlbumViewSet
from .views.base import not_found
from .views.imports import ImportRunViewSet
from .views.library import Me, PersonViewSet, PlaceList, Statistics, TagList
from .views.photos import PhotoViewSet, TrashViewSet
from .views.sharing import ShareLinkViewSet
from .views.uploads import DirectUploadViewSet

app_name = "api"

router = SimpleRouter(use_regex_path=False)
router.register("photos", PhotoViewSet, basename="photo")
router.register("trash", TrashViewSet, basename="trash")
router.register("uploads", DirectUploadViewSet, basename="upload")
router.register("albums", AlbumViewSet, basename="album")
router.register("people", PersonViewSet, basename="person")
router.register("share-links", ShareLinkViewSet, basename="share-link")
router.register("imports", ImportRunViewSet, basename="import")

# The schema and its documentation page are public: they describe the API, not anyone's data.
public = {"authentication_classes": [], "permission_classes": []}

urlpatterns = [
    *router.urls,
    path("tags/", TagList.as_view(), name="tags"),
    path("places/", PlaceList.as_view(), name="places"),
    path("stats/", Statistics.as_view(), name="stats"),
    path("me/", Me.as_view(), name="me"),
    path("schema/", SpectacularAPIView.as_view(**public), name="schema"),
    path("docs/", SpectacularSwaggerSplitView.as_view(url_name="api:schema", template_name="api/docs.html", **public),
         name="docs"),
    re_path(r"", not_found),  # anything else under /api/v1/: a 404 in the API's own shape
]

from django.urls import path

from . import people_views, place_views, views

app_name = "analysis"

urlpatterns = [
    path("search/", views.search, name="search"),
    path("photos/<int:photo_pk>/analysis/retry/", views.retry, name="retry"),
    path("tags/", views.tags, name="tags"),
    path("photos/details/", views.photos_details, name="photos_details"),
    path("photos/<int:pk>/with-details/", views.photo_download_with_details, name="photo_with_details"),
    path("people/", people_views.people_index, name="people"),
    path("people/<int:pk>/", people_views.person_detail, name="person"),
    path("people/<int:pk>/faces/", people_views.person_faces, name="person_faces"),
    path("people/<int:pk>/rename/", people_views.person_rename, name="person_rename"),
    path("people/<int:pk>/merge/", people_views.person_merge, name="person_merge"),
    path("people/<int:pk>/hide/", people_views.person_hide, name="person_hide"),
    path("faces/<int:pk>/crop.jpg", people_views.face_crop, name="face_crop"),
    path("faces/<int:pk>/name/", people_views.face_name, name="face_name"),
    path("faces/<int:pk>/move/", people_views.face_move, name="face_move"),
    path("places/", place_views.places_index, name="places"),
    path("places/map/", place_views.places_map, name="places_map"),
    path("places/map.json", place_views.places_map_data, name="places_map_data"),
    path("stats/", views.user_stats, name="stats"),
    path("stats/data.json", views.user_stats_data, name="stats_data"),
    path("stats/site/", views.site_stats, name="site_stats"),
    path("stats/site/data.json", views.site_stats_data, name="site_stats_data"),
]

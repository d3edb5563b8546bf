from django.urls import path

from . import views

app_name = "analysis"

urlpatterns = [
    path("search/", views.search, name="search"),
    path("photos/<int:photo_pk>/analysis/retry/", views.retry, name="retry"),
    path("tags/", views.tags, name="tags"),
    path("stats/", views.user_stats, name="stats"),
    path("stats/data.json", views.user_stats_data, name="stats_data"),
    path("stats/site/", views.site_stats, name="site_stats"),
    path("stats/site/data.json", views.site_stats_data, name="site_stats_data"),
]

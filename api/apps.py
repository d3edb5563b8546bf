from django.apps import AppConfig


class ApiConfig(AppConfig):
    name = "api"
    verbose_name = "JSON API"

    def ready(self):
        from . import schema  # noqa: F401 - registers the authentication schemes with drf-spectacular

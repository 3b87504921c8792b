from django.apps import AppConfig


class ReleaseConfig(AppConfig):
    name = "ketenwacht.release"
    label = "release"
    verbose_name = "Release by consent"

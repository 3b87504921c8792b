from django.apps import AppConfig


class IdentifiersConfig(AppConfig):
    name = "ketenwacht.identifiers"
    label = "identifiers"
    verbose_name = "Identifiers"

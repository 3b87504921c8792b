from django.apps import AppConfig


class PartnersConfig(AppConfig):
    name = "ketenwacht.partners"
    label = "partners"
    verbose_name = "Partners"

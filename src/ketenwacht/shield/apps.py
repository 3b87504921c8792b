from django.apps import AppConfig


class ShieldConfig(AppConfig):
    name = "ketenwacht.shield"
    label = "shield"
    verbose_name = "Anti-phishing shield"

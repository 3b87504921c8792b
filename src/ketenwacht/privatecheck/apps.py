from django.apps import AppConfig


class PrivatecheckConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "ketenwacht.privatecheck"
    verbose_name = "Private check"

from django.apps import AppConfig


class IntakeConfig(AppConfig):
    name = "ketenwacht.intake"
    label = "intake"
    verbose_name = "Intake"

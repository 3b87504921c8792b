from django.apps import AppConfig


class OpsConfig(AppConfig):
    name = "ketenwacht.ops"
    label = "ops"
    verbose_name = "Operations"

    def ready(self) -> None:
        from ketenwacht.ops import system_checks  # noqa: F401 - registers the deploy checks

from django.apps import AppConfig


class PartnersConfig(AppConfig):
    name = "ketenwacht.partners"
    label = "partners"
    verbose_name = "Partners"

    def ready(self) -> None:
        from ketenwacht.partners import authz_cache

        authz_cache.connect_signals()

from django.apps import AppConfig


class StatsConfig(AppConfig):
    name = "ketenwacht.stats"
    label = "stats"
    verbose_name = "Statistics and factsheets"

    def ready(self) -> None:
        from ketenwacht.knowledge import integration
        from ketenwacht.release import registry
        from ketenwacht.stats import selectors
        from ketenwacht.stats.models import Factsheet
        from ketenwacht.stats.releasing import FactsheetReleaseHandler

        registry.register(Factsheet, FactsheetReleaseHandler())
        integration.register_key_figures("stats", selectors.annual_key_figures)

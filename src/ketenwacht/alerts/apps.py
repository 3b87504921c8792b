from django.apps import AppConfig


class AlertsConfig(AppConfig):
    name = "ketenwacht.alerts"
    label = "alerts"
    verbose_name = "Alerts"

    def ready(self) -> None:
        from ketenwacht.alerts.models import Alert
        from ketenwacht.alerts.releasing import AlertReleaseHandler
        from ketenwacht.release import registry

        registry.register(Alert, AlertReleaseHandler())

        from ketenwacht.alerts.selectors import alert_phase_counts
        from ketenwacht.knowledge import integration

        integration.register_phase_counter("alerts", alert_phase_counts)

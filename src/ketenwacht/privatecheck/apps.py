from django.apps import AppConfig


class PrivatecheckConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "ketenwacht.privatecheck"
    verbose_name = "Private check"

    def ready(self) -> None:
        # Every recorded sighting's value is listed for the oblivious check while it is in
        # the clear: after ingest only its pseudonym remains.
        from ketenwacht.identifiers.signals import sightings_recorded
        from ketenwacht.privatecheck import services

        sightings_recorded.connect(services.list_recorded, dispatch_uid="privatecheck.list")

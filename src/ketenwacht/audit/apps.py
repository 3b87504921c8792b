from django.apps import AppConfig


class AuditConfig(AppConfig):
    name = "ketenwacht.audit"
    label = "audit"
    verbose_name = "Audit"

from django.apps import AppConfig
from django.db.models.signals import post_delete, post_save


class KnowledgeConfig(AppConfig):
    name = "ketenwacht.knowledge"
    label = "knowledge"

    def ready(self) -> None:
        from ketenwacht.knowledge.models import FraudType
        from ketenwacht.knowledge.signals import clear_catalogue_cache

        post_save.connect(
            clear_catalogue_cache, sender=FraudType, dispatch_uid="knowledge-fraud-type-saved"
        )
        post_delete.connect(
            clear_catalogue_cache, sender=FraudType, dispatch_uid="knowledge-fraud-type-deleted"
        )

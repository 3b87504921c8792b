from django.apps import AppConfig


class KnowledgeConfig(AppConfig):
    name = "ketenwacht.knowledge"
    label = "knowledge"

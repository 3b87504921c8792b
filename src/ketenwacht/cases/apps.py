from django.apps import AppConfig


class CasesConfig(AppConfig):
    name = "ketenwacht.cases"
    label = "cases"
    verbose_name = "Cases"

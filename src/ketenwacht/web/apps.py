from django.apps import AppConfig


class WebConfig(AppConfig):
    name = "ketenwacht.web"
    label = "web"

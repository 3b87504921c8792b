from django.apps import AppConfig


class DeliveryConfig(AppConfig):
    name = "ketenwacht.delivery"
    label = "delivery"

from django.apps import AppConfig


class WebConfig(AppConfig):
    name = "ketenwacht.web"
    label = "web"

    def ready(self) -> None:
        from ketenwacht.web.admin_site import install_on_default_site

        install_on_default_site()

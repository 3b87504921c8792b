"""Top-level routes: public pages, /portal/, /api/v1/, /admin/."""

from django.contrib import admin
from django.urls import include, path
from django.views.i18n import set_language

urlpatterns = [
    path("", include("ketenwacht.web.urls")),
    path("portal/", include("ketenwacht.partners.urls")),
    path("portal/audit/", include("ketenwacht.audit.urls")),
    path("portal/deliveries/", include("ketenwacht.delivery.urls")),
    path("i18n/setlang/", set_language, name="set_language"),
    path("api/v1/", include("ketenwacht.api.urls")),
    path("admin/", admin.site.urls),
]

"""Top-level routes: public pages, /portal/, /api/v1/, /admin/."""

from django.contrib import admin
from django.urls import include, path
from django.views.i18n import set_language

urlpatterns = [
    # The API first: its hot paths (the checks) then resolve without walking every page's
    # pattern. No page route starts with api/v1/, so the order changes no match.
    path("api/v1/", include("ketenwacht.api.urls")),
    path("", include("ketenwacht.web.urls")),
    path("", include("ketenwacht.ops.urls")),
    path("portal/", include("ketenwacht.partners.urls")),
    path("portal/audit/", include("ketenwacht.audit.urls")),
    path("portal/deliveries/", include("ketenwacht.delivery.urls")),
    path("portal/release/", include("ketenwacht.release.urls")),
    path("portal/alerts/", include("ketenwacht.alerts.urls")),
    path("warnings/", include("ketenwacht.alerts.public_urls")),
    path("portal/knowledge/", include("ketenwacht.knowledge.urls")),
    path("kennis/", include("ketenwacht.knowledge.public_urls")),
    path("", include("ketenwacht.shield.urls")),
    path("", include("ketenwacht.intake.urls")),
    path("", include("ketenwacht.identifiers.urls")),
    path("", include("ketenwacht.privatecheck.urls")),
    path("portal/cases/", include("ketenwacht.cases.urls")),
    path("portal/stats/", include("ketenwacht.stats.urls")),
    path("statistieken/", include("ketenwacht.stats.public_urls")),
    path("i18n/setlang/", set_language, name="set_language"),
    path("taxii2/", include("ketenwacht.alerts.exchange.urls")),
    path("admin/", admin.site.urls),
]

# Pages for people, RFC 9457 problem details under /api/ (ketenwacht.web.errors).
handler400 = "ketenwacht.web.errors.bad_request"
handler403 = "ketenwacht.web.errors.permission_denied"
handler404 = "ketenwacht.web.errors.page_not_found"
handler500 = "ketenwacht.web.errors.server_error"

from django.urls import path

from ketenwacht.alerts.api import exchange_views, views

urlpatterns = [
    path("alerts", views.AlertListCreateView.as_view(), name="api-alerts"),
    path("alerts/<uuid:alert_id>", views.AlertDetailView.as_view(), name="api-alert-detail"),
    path("alerts/<uuid:alert_id>/share", views.AlertShareView.as_view(), name="api-alert-share"),
    path(
        "alerts/<uuid:alert_id>/withdraw",
        views.AlertWithdrawView.as_view(),
        name="api-alert-withdraw",
    ),
    path(
        "alerts/exchange/stix",
        exchange_views.StixBundleView.as_view(),
        name="api-alerts-stix",
    ),
    path(
        "alerts/exchange/misp/manifest.json",
        exchange_views.MispManifestView.as_view(),
        name="api-alerts-misp-manifest",
    ),
    path(
        "alerts/exchange/misp/hashes.csv",
        exchange_views.MispHashesView.as_view(),
        name="api-alerts-misp-hashes",
    ),
    path(
        "alerts/exchange/misp/<uuid:event_id>.json",
        exchange_views.MispEventView.as_view(),
        name="api-alerts-misp-event",
    ),
    path(
        "alerts/exchange/misp/import",
        exchange_views.MispImportView.as_view(),
        name="api-alerts-misp-import",
    ),
]

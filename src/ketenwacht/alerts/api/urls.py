from django.urls import path

from ketenwacht.alerts.api import views

urlpatterns = [
    path("alerts", views.AlertListCreateView.as_view(), name="api-alerts"),
    path("alerts/<uuid:alert_id>", views.AlertDetailView.as_view(), name="api-alert-detail"),
    path("alerts/<uuid:alert_id>/share", views.AlertShareView.as_view(), name="api-alert-share"),
    path(
        "alerts/<uuid:alert_id>/withdraw",
        views.AlertWithdrawView.as_view(),
        name="api-alert-withdraw",
    ),
]

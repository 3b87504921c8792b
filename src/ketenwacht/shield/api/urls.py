from django.urls import path

from ketenwacht.shield.api import views

urlpatterns = [
    path("shield/rpz", views.RpzExportView.as_view(), name="api-shield-rpz"),
    path("shield/sms-reports", views.SmsReportBatchView.as_view(), name="api-shield-sms-reports"),
    path(
        "shield/reports/<uuid:reference>",
        views.PartnerReportView.as_view(),
        name="api-shield-report",
    ),
]

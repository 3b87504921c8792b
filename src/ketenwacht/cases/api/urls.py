from django.urls import path

from ketenwacht.cases.api import views

urlpatterns = [
    path("cases/reports", views.ReportImportView.as_view(), name="api-cases-reports"),
    path(
        "cases/suspect-postcodes",
        views.SuspectPostcodeView.as_view(),
        name="api-cases-suspect-postcodes",
    ),
]

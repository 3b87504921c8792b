from django.urls import path

from ketenwacht.stats import public_views

app_name = "stats_public"

urlpatterns = [
    path("", public_views.dashboard_view, name="dashboard"),
    path("reeksen.csv", public_views.series_csv_view, name="series_csv"),
    path("<uuid:pk>/", public_views.factsheet_view, name="factsheet"),
    path("<uuid:pk>/pdf/", public_views.factsheet_pdf_view, name="factsheet_pdf"),
    path("<uuid:pk>/csv/", public_views.factsheet_csv_view, name="factsheet_csv"),
]

from django.urls import path

from ketenwacht.stats import views

app_name = "stats"

urlpatterns = [
    path("", views.dashboard_view, name="dashboard"),
    path("figures/upload/", views.upload_view, name="upload"),
    path("figures/submissions/<uuid:pk>/", views.submission_view, name="submission"),
    path("factsheets/", views.factsheet_list_view, name="factsheets"),
    path("factsheets/new/", views.factsheet_new_view, name="factsheet_new"),
    path("factsheets/<uuid:pk>/", views.factsheet_view, name="factsheet"),
    path("factsheets/<uuid:pk>/pdf/", views.factsheet_pdf_view, name="factsheet_pdf"),
    path("factsheets/<uuid:pk>/release/", views.factsheet_release_view, name="factsheet_release"),
    path(
        "factsheets/<uuid:pk>/withdraw/", views.factsheet_withdraw_view, name="factsheet_withdraw"
    ),
    path("spikes/", views.spikes_view, name="spikes"),
]

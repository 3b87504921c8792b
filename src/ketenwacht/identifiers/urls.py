"""Pages of the identifiers app: the public check and dispute form, the portal pages."""

from django.urls import path

from ketenwacht.identifiers import views

app_name = "identifiers"

urlpatterns = [
    # public
    path("controleer/", views.public_check_view, name="public_check"),
    path("controleer/bezwaar/", views.dispute_view, name="dispute_submit"),
    # portal
    path("portal/identifiers/check/", views.check_view, name="check"),
    path("portal/identifiers/sightings/", views.sightings_view, name="sightings"),
    path("portal/identifiers/sightings.csv", views.sightings_csv_view, name="sightings_csv"),
    path("portal/identifiers/uploads/", views.upload_new_view, name="upload_new"),
    path("portal/identifiers/uploads/<uuid:upload_uuid>/", views.upload_view, name="upload"),
    path(
        "portal/identifiers/uploads/<uuid:upload_uuid>/errors.csv",
        views.upload_errors_csv_view,
        name="upload_errors_csv",
    ),
    path("portal/identifiers/disputes/", views.disputes_view, name="disputes"),
    path("portal/identifiers/disputes/<int:pk>/", views.dispute_review_view, name="dispute"),
    path(
        "portal/identifiers/disputes/<int:pk>/evidence/<int:evidence_pk>/",
        views.dispute_evidence_view,
        name="dispute_evidence",
    ),
]

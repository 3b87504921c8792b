from django.urls import path

from ketenwacht.identifiers.api import views

urlpatterns = [
    path("sightings", views.SightingsView.as_view(), name="api-sightings"),
    path("check", views.CheckView.as_view(), name="api-check"),
    path("checks", views.ChecksView.as_view(), name="api-checks"),
    path("public/check", views.PublicCheckView.as_view(), name="api-public-check"),
    path(
        "pseudonyms/<int:pseudonym_id>/reveal",
        views.RevealView.as_view(),
        name="api-pseudonym-reveal",
    ),
]

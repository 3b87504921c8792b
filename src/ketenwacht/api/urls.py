"""/api/v1/: each capability's API routes, plus the schema and offline docs."""

from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularRedocView, SpectacularSwaggerView

from ketenwacht.api.views import problem_type_view

urlpatterns = [
    path("", include("ketenwacht.identifiers.api.urls")),  # first: the checks are the hot path
    path("", include("ketenwacht.partners.api.urls")),
    path("", include("ketenwacht.audit.api.urls")),
    path("", include("ketenwacht.knowledge.api.urls")),
    path("", include("ketenwacht.privatecheck.api_urls")),
    path("", include("ketenwacht.intake.api.urls")),
    path("", include("ketenwacht.alerts.api.urls")),
    path("", include("ketenwacht.shield.api.urls")),
    path("", include("ketenwacht.cases.api.urls")),
    path("", include("ketenwacht.stats.api.urls")),
    path("problems/<slug:code>", problem_type_view, name="api-problem-type"),
    path("schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("docs/", SpectacularSwaggerView.as_view(url_name="api-schema"), name="api-docs"),
    path("redoc/", SpectacularRedocView.as_view(url_name="api-schema"), name="api-redoc"),
]

"""/taxii2/: TAXII 2.1 (see ``taxii.py``)."""

from django.urls import path

from ketenwacht.alerts.exchange import taxii

COLLECTION = "api/collections/<uuid:collection>/"

urlpatterns = [
    path("", taxii.DiscoveryView.as_view(), name="taxii-discovery"),
    path("api/", taxii.ApiRootView.as_view(), name="taxii-api-root"),
    path("api/collections/", taxii.CollectionsView.as_view(), name="taxii-collections"),
    path(COLLECTION, taxii.CollectionView.as_view(), name="taxii-collection"),
    path(f"{COLLECTION}objects/", taxii.ObjectsView.as_view(), name="taxii-objects"),
    path(
        f"{COLLECTION}objects/<str:object_id>/",
        taxii.ObjectView.as_view(),
        name="taxii-object",
    ),
    path(
        f"{COLLECTION}objects/<str:object_id>/versions/",
        taxii.VersionsView.as_view(),
        name="taxii-object-versions",
    ),
    path(f"{COLLECTION}manifest/", taxii.ManifestView.as_view(), name="taxii-manifest"),
    path("api/status/<uuid:status_id>/", taxii.StatusView.as_view(), name="taxii-status"),
]

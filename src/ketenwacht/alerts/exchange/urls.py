"""/taxii2/: the TAXII 2.1 read side (see ``taxii.py``)."""

from django.urls import path

from ketenwacht.alerts.exchange import taxii

urlpatterns = [
    path("", taxii.DiscoveryView.as_view(), name="taxii-discovery"),
    path("api/", taxii.ApiRootView.as_view(), name="taxii-api-root"),
    path("api/collections/", taxii.CollectionsView.as_view(), name="taxii-collections"),
    path(
        "api/collections/<uuid:collection>/",
        taxii.CollectionView.as_view(),
        name="taxii-collection",
    ),
    path(
        "api/collections/<uuid:collection>/objects/",
        taxii.ObjectsView.as_view(),
        name="taxii-objects",
    ),
    path(
        "api/collections/<uuid:collection>/manifest/",
        taxii.ManifestView.as_view(),
        name="taxii-manifest",
    ),
]

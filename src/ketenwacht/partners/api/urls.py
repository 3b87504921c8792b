from django.urls import path

from ketenwacht.partners.api import views

urlpatterns = [
    path("organisation", views.MyOrganisationView.as_view(), name="api-organisation"),
    path("sharing-groups", views.MySharingGroupsView.as_view(), name="api-sharing-groups"),
]

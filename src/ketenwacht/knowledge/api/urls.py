from django.urls import path

from ketenwacht.knowledge.api import views

urlpatterns = [
    path("fraud-types", views.FraudTypeListView.as_view(), name="api-fraud-types"),
]

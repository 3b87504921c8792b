from django.urls import path

from ketenwacht.audit.api import views

urlpatterns = [
    path("audit/events", views.AuditEventListView.as_view(), name="api-audit-events"),
]

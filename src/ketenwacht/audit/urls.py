from django.urls import path

from ketenwacht.audit import views

app_name = "audit"

urlpatterns = [path("", views.event_list_view, name="events")]

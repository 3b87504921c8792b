from django.urls import path

from ketenwacht.alerts import public

app_name = "warnings"

urlpatterns = [
    path("", public.public_list_view, name="list"),
    path("feed.atom", public.public_feed_view, name="feed"),
    path("<uuid:alert_id>/", public.public_detail_view, name="detail"),
]

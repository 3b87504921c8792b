from django.urls import path

from ketenwacht.alerts import views

app_name = "alerts"

urlpatterns = [
    path("", views.list_view, name="list"),
    path("new/", views.create_view, name="create"),
    path("quick-flag/", views.quick_flag_view, name="quick_flag"),
    path("subscriptions/", views.subscriptions_view, name="subscriptions"),
    path(
        "subscriptions/<int:subscription_id>/stop/",
        views.subscription_deactivate_view,
        name="subscription_deactivate",
    ),
    path("<uuid:alert_id>/", views.detail_view, name="detail"),
    path("<uuid:alert_id>/edit/", views.edit_view, name="edit"),
    path("<uuid:alert_id>/versions/", views.versions_view, name="versions"),
    path("<uuid:alert_id>/personal-data/", views.pii_resolve_view, name="pii_resolve"),
    path("<uuid:alert_id>/indicators/", views.indicator_add_view, name="indicator_add"),
    path(
        "<uuid:alert_id>/indicators/<int:indicator_id>/remove/",
        views.indicator_remove_view,
        name="indicator_remove",
    ),
    path(
        "<uuid:alert_id>/indicators/<int:indicator_id>/reveal/",
        views.indicator_reveal_view,
        name="indicator_reveal",
    ),
    path("<uuid:alert_id>/share/", views.share_view, name="share"),
    path("<uuid:alert_id>/withdraw/", views.withdraw_view, name="withdraw"),
    path("<uuid:alert_id>/release/", views.release_view, name="release"),
]

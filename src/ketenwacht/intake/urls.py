"""Public pages of the victim (under /melden/) and the portal pages of desks."""

from django.urls import path

from ketenwacht.intake import views

app_name = "intake"

LINK = "melden/<slug:reference>/<slug:secret>/"

urlpatterns = [
    path("melden/", views.start_view, name="start"),
    path("melden/controleer/", views.check_identifier_view, name="check_identifier"),
    path(LINK, views.resume_view, name="resume"),
    path(LINK + "vraag/<slug:question_id>/", views.question_view, name="question"),
    path(LINK + "overzicht/", views.summary_view, name="summary"),
    path(LINK + "advies/", views.plan_view, name="plan"),
    path(LINK + "status/", views.status_view, name="status"),
    path(LINK + "status/<uuid:referral_id>/intrekken/", views.withdraw_view, name="withdraw"),
    path("portal/intake/", views.inbox_view, name="inbox"),
    path("portal/intake/<uuid:referral_id>/", views.inbox_detail_view, name="inbox_detail"),
    path("portal/intake/telefoon/", views.assisted_start_view, name="assisted"),
]

from django.urls import path

from ketenwacht.release import views

app_name = "release"

urlpatterns = [
    path("", views.inbox_view, name="inbox"),
    path("<int:pk>/", views.detail_view, name="detail"),
    path("<int:pk>/decide/", views.decide_view, name="decide"),
    path("<int:pk>/cancel/", views.cancel_view, name="cancel"),
]

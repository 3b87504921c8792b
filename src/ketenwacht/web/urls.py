from django.urls import path

from ketenwacht.web import views

app_name = "web"

urlpatterns = [
    path("", views.home_view, name="home"),
    path("start/<slug:door>/", views.door_view, name="door"),
    path("portal/", views.portal_view, name="portal"),
]

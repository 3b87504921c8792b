from django.urls import path

from ketenwacht.privatecheck import views

app_name = "privatecheck"

urlpatterns = [
    path("controleer/prive/", views.public_check_view, name="public_check"),
]

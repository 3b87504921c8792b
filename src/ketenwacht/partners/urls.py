from django.urls import path

from ketenwacht.partners import views

app_name = "partners"

urlpatterns = [
    path("login/", views.login_view, name="login"),
    path("login/verify/", views.login_verify_view, name="login_verify"),
    path("logout/", views.logout_view, name="logout"),
    path("tokens/", views.token_list_view, name="tokens"),
    path("tokens/<str:key_id>/revoke/", views.token_revoke_view, name="token_revoke"),
]

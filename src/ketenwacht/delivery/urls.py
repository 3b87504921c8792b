from django.urls import path

from ketenwacht.delivery import views

app_name = "delivery"

urlpatterns = [
    path("", views.delivery_list_view, name="list"),
    path("<uuid:delivery_id>/", views.delivery_detail_view, name="detail"),
    path("<uuid:delivery_id>/retry/", views.delivery_retry_view, name="retry"),
    path("endpoints/", views.endpoint_list_view, name="endpoints"),
    path(
        "endpoints/<int:endpoint_id>/deactivate/",
        views.endpoint_deactivate_view,
        name="endpoint_deactivate",
    ),
]

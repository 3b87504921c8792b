from django.urls import path

from ketenwacht.shield import views

app_name = "shield"

urlpatterns = [
    # public
    path("shield/report/", views.submit_view, name="submit"),
    path("shield/status/<uuid:reference>/", views.status_view, name="status"),
    path("shield/warning/", views.warning_view, name="warning"),
    path("shield/appeal/", views.appeal_view, name="appeal"),
    # portal
    path("portal/shield/", views.queue_view, name="queue"),
    path("portal/shield/hosts/<int:pk>/", views.host_view, name="host"),
    path("portal/shield/blocks/", views.block_list_view, name="blocks"),
    path("portal/shield/blocks/<int:pk>/", views.block_view, name="block"),
    path("portal/shield/appeals/", views.appeal_list_view, name="appeals"),
    path("portal/shield/appeals/<int:pk>/", views.appeal_review_view, name="appeal_review"),
]

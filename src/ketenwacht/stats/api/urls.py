from django.urls import path

from ketenwacht.stats.api import views

urlpatterns = [
    path("stats/figures", views.FigureListView.as_view(), name="api-stats-figures"),
    path("stats/figures/schema", views.FigureSchemaView.as_view(), name="api-stats-schema"),
]

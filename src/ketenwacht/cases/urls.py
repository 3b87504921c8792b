from django.urls import path

from ketenwacht.cases import views

app_name = "cases"

urlpatterns = [
    path("", views.list_view, name="list"),
    path("export.csv", views.export_view, name="export_csv"),
    path("clusters/<int:cluster_id>/", views.detail_view, name="detail"),
    path("clusters/<int:cluster_id>/graph.svg", views.graph_view, name="graph"),
    path("clusters/<int:cluster_id>/transition/", views.transition_view, name="transition"),
    path("clusters/<int:cluster_id>/assign/", views.assign_view, name="assign"),
    path("clusters/<int:cluster_id>/notes/", views.note_view, name="note"),
    path("clusters/<int:cluster_id>/reveal/", views.reveal_view, name="reveal"),
    path("hubs/", views.hubs_view, name="hubs"),
    path("hubs/<int:pseudonym_id>/", views.hub_override_view, name="hub_override"),
    path("routing/", views.rules_view, name="rules"),
    path("routing/new/", views.rule_edit_view, name="rule_new"),
    path("routing/<int:rule_id>/", views.rule_edit_view, name="rule_edit"),
    path("routing/<int:rule_id>/move/", views.rule_move_view, name="rule_move"),
]

from django.urls import path

from ketenwacht.knowledge import views

app_name = "knowledge"

urlpatterns = [
    path("", views.index_view, name="index"),
    path("journeys/<slug:code>/", views.journey_view, name="journey"),
    path("journeys/<slug:code>/matrix.csv", views.matrix_csv_view, name="matrix_csv"),
    path("journeys/<slug:code>/matrix.svg", views.matrix_svg_view, name="matrix_svg"),
    path("phases/<int:phase_id>/edit/", views.phase_edit_view, name="phase_edit"),
    path("barriers/new/", views.barrier_new_view, name="barrier_new"),
    path("barriers/<int:barrier_id>/", views.barrier_view, name="barrier"),
    path("barriers/<int:barrier_id>/edit/", views.barrier_edit_view, name="barrier_edit"),
    path("proposals/", views.proposals_view, name="proposals"),
    path("proposals/<int:proposal_id>/", views.proposal_view, name="proposal"),
    path("proposals/<int:proposal_id>/decide/", views.proposal_decide_view, name="proposal_decide"),
    path(
        "proposals/<int:proposal_id>/withdraw/",
        views.proposal_withdraw_view,
        name="proposal_withdraw",
    ),
    path("plan/", views.plan_current_view, name="plan_current"),
    path("plan/<int:year>/", views.plan_view, name="plan"),
    path("plan/<int:year>/new/", views.action_point_new_view, name="action_point_new"),
    path("plan/points/<int:point_id>/", views.action_point_view, name="action_point"),
    path(
        "plan/points/<int:point_id>/progress/",
        views.action_point_progress_view,
        name="action_point_progress",
    ),
    path("groups/", views.working_groups_view, name="working_groups"),
    path("groups/<slug:slug>/", views.working_group_view, name="working_group"),
    path("groups/<slug:slug>/members/", views.member_add_view, name="member_add"),
    path(
        "groups/<slug:slug>/members/<int:user_id>/remove/",
        views.member_remove_view,
        name="member_remove",
    ),
    path("groups/<slug:slug>/entries/new/", views.entry_new_view, name="entry_new"),
    path("groups/<slug:slug>/entries/<int:entry_id>/", views.entry_view, name="entry"),
    path("groups/<slug:slug>/tasks/new/", views.task_new_view, name="task_new"),
    path(
        "groups/<slug:slug>/tasks/<int:task_id>/status/",
        views.task_status_view,
        name="task_status",
    ),
    path("library/", views.library_view, name="library"),
    path("library/upload/", views.document_upload_view, name="document_upload"),
    path("library/<uuid:document_id>/", views.document_view, name="document"),
    path(
        "library/<uuid:document_id>/download/",
        views.document_download_view,
        name="document_download",
    ),
    path("library/<uuid:document_id>/remove/", views.document_remove_view, name="document_remove"),
    path("bottlenecks/", views.bottlenecks_view, name="bottlenecks"),
    path("bottlenecks/new/", views.bottleneck_new_view, name="bottleneck_new"),
    path("bottlenecks/<slug:slug>/", views.bottleneck_view, name="bottleneck"),
    path(
        "bottlenecks/<slug:slug>/findings/",
        views.bottleneck_findings_view,
        name="bottleneck_findings",
    ),
    path(
        "bottlenecks/<slug:slug>/advance/", views.bottleneck_advance_view, name="bottleneck_advance"
    ),
    path(
        "bottlenecks/<slug:slug>/opinion/", views.bottleneck_opinion_view, name="bottleneck_opinion"
    ),
    path("report/<int:year>/", views.annual_report_view, name="annual_report"),
    path("report/<int:year>/pdf/", views.annual_report_pdf_view, name="annual_report_pdf"),
]

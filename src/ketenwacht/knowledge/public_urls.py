from django.urls import path

from ketenwacht.knowledge import public_views

app_name = "knowledge_public"

urlpatterns = [
    path("", public_views.index_view, name="index"),
    path("fraudevormen/<slug:code>/", public_views.journey_view, name="journey"),
    path("bibliotheek/", public_views.library_view, name="library"),
    path(
        "bibliotheek/<uuid:document_id>/download/",
        public_views.document_download_view,
        name="document_download",
    ),
    path("jaarbericht/<int:year>/", public_views.annual_report_view, name="annual_report"),
    path(
        "jaarbericht/<int:year>/pdf/", public_views.annual_report_pdf_view, name="annual_report_pdf"
    ),
]

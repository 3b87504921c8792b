from django.urls import path

from ketenwacht.intake.api import views

urlpatterns = [
    path("intake/desks", views.DeskListView.as_view(), name="api-intake-desks"),
    path(
        "intake/questionnaire", views.QuestionnaireView.as_view(), name="api-intake-questionnaire"
    ),
]

from django.urls import path

from ketenwacht.privatecheck import api

urlpatterns = [
    path("private-check/evaluate", api.EvaluateView.as_view(), name="api-privatecheck-evaluate"),
    path(
        "private-check/buckets/<int:number>",
        api.BucketView.as_view(),
        name="api-privatecheck-bucket",
    ),
    path(
        "public/private-check/evaluate",
        api.PublicEvaluateView.as_view(),
        name="api-privatecheck-public-evaluate",
    ),
    path(
        "public/private-check/buckets/<int:number>",
        api.PublicBucketView.as_view(),
        name="api-privatecheck-public-bucket",
    ),
    path("private-check/psi", api.PsiJobsView.as_view(), name="api-privatecheck-psi"),
    path("private-check/psi/<uuid:job>", api.PsiJobView.as_view(), name="api-privatecheck-psi-job"),
    path(
        "private-check/psi/<uuid:job>/request",
        api.PsiAnswerView.as_view(),
        name="api-privatecheck-psi-answer",
    ),
]

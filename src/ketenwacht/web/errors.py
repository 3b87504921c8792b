"""Error handlers: pages for people, RFC 9457 problem details under /api/.

Django calls these (``handler400`` … ``handler500`` in ``ketenwacht.urls``) when no view
answered: an unknown URL, or an exception outside DRF. DRF views already answer with problem
details through ``ketenwacht.api.problems.exception_handler``; these handlers give unknown
/api/ URLs and crashes the same shape, built by the same ``problems.problem`` function.
"""

from __future__ import annotations

import json

from django.http import HttpRequest, HttpResponse
from django.views import defaults

from ketenwacht.api import problems

API_PREFIX = "/api/"

# Our machine codes per status, matching what DRF's exceptions report for the same status.
_CODES = {400: "bad_request", 403: "permission_denied", 404: "not_found", 500: "server_error"}
_DETAILS = {
    400: "Het verzoek kon niet worden verwerkt. / The request could not be processed.",
    403: "U heeft geen toegang tot deze bron. / You are not allowed to access this resource.",
    404: "Deze bron bestaat niet. / This resource does not exist.",
    500: "Er ging iets mis aan onze kant; probeer het later opnieuw. / "
    "Something went wrong on our side; please try again later.",
}


def is_api_request(request: HttpRequest) -> bool:
    return request.path_info.startswith(API_PREFIX)


def problem_response(request: HttpRequest, status_code: int) -> HttpResponse:
    """The problem+json body the API gives for ``status_code``, outside DRF's machinery."""
    body = problems.problem(
        status_code,
        _CODES[status_code],
        _DETAILS[status_code],
        instance=request.get_full_path(),
    ).data
    return HttpResponse(
        json.dumps(body, ensure_ascii=False),
        status=status_code,
        content_type=problems.PROBLEM_CONTENT_TYPE,
    )


def bad_request(request: HttpRequest, exception: Exception) -> HttpResponse:
    if is_api_request(request):
        return problem_response(request, 400)
    return defaults.bad_request(request, exception)


def permission_denied(request: HttpRequest, exception: Exception) -> HttpResponse:
    if is_api_request(request):
        return problem_response(request, 403)
    return defaults.permission_denied(request, exception)


def page_not_found(request: HttpRequest, exception: Exception) -> HttpResponse:
    if is_api_request(request):
        return problem_response(request, 404)
    return defaults.page_not_found(request, exception)


def server_error(request: HttpRequest) -> HttpResponse:
    # Nothing here may need the database: it may be the reason we got here.
    if is_api_request(request):
        return problem_response(request, 500)
    return defaults.server_error(request)

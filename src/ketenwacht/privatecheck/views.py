"""The public oblivious check page: with JavaScript the browser checks privately; without it
(or for values the browser cannot canonicalise with certainty) the form goes to the plain
public check."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from ketenwacht.identifiers import explain
from ketenwacht.identifiers.constants import UNDER_REVIEW, Level
from ketenwacht.identifiers.forms import PublicCheckForm
from ketenwacht.identifiers.views import LEVEL_STYLES, LEVEL_TITLES
from ketenwacht.partners.decorators import public_page


def _texts() -> dict[str, dict[str, str]]:
    english = (get_language() or "nl").startswith("en")
    texts: dict[str, dict[str, str]] = {}
    for level in (Level.NONE, Level.ATTENTION, Level.WARNING, Level.HIGH, UNDER_REVIEW):
        advice = explain.public_advice(level, None)
        texts[str(level)] = {
            "title": str(LEVEL_TITLES[level]),
            "style": LEVEL_STYLES[level],
            "advice": advice.get("en" if english else "nl") or advice.get("nl", ""),
        }
    texts["allowlisted"] = {
        "title": _("Official contact point"),
        "style": "warning",
        "advice": _(
            "This is an official number or address of an organisation. Fraudsters sometimes "
            "pretend to call or write from it: hang up and call the organisation back yourself."
        ),
    }
    return texts


@public_page
def public_check_view(request: HttpRequest) -> HttpResponse:
    context: dict[str, Any] = {
        "form": PublicCheckForm(),
        "texts": _texts(),
        "evaluate_url": reverse("api-privatecheck-public-evaluate"),
        "bucket_url": reverse("api-privatecheck-public-bucket", args=[0]) + "?",
    }
    return render(request, "privatecheck/public_check.html", context)

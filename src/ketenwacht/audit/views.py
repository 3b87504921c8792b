"""The audit log in the portal: programme team sees all, an organisation its own."""

from __future__ import annotations

from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from ketenwacht.audit import selectors
from ketenwacht.partners import access
from ketenwacht.partners.decorators import portal_permission


@portal_permission("audit.view_own")
def event_list_view(request: HttpRequest) -> HttpResponse:
    actor = access.actor_from_request(request)
    events = selectors.audit_event_list(actor=actor)
    action = request.GET.get("action", "").strip()
    if action:
        events = events.filter(action__startswith=action)
    page = Paginator(events, 50).get_page(request.GET.get("page"))
    return render(request, "audit/event_list.html", {"page": page, "action": action})

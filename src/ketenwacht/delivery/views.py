"""Deliveries in the portal: the outbox with its dead letters, and webhook endpoints."""

from __future__ import annotations

import uuid

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from ketenwacht.delivery import selectors, services
from ketenwacht.delivery.forms import StatusFilterForm, WebhookEndpointForm
from ketenwacht.errors import DomainError
from ketenwacht.partners import access
from ketenwacht.partners.decorators import portal_permission

PAGE_SIZE = 50


@portal_permission("delivery.view_all")
@require_http_methods(["GET"])
def delivery_list_view(request: HttpRequest) -> HttpResponse:
    actor = access.actor_from_request(request)
    form = StatusFilterForm(request.GET or None)
    status = form.cleaned_data["status"] if form.is_valid() else ""
    deliveries = selectors.delivery_list(actor=actor, status=status)
    page = Paginator(deliveries, PAGE_SIZE).get_page(request.GET.get("page"))
    context = {
        "form": form,
        "status": status,
        "page": page,
        "may_retry": access.can(actor, "delivery.retry"),
        "may_manage_endpoints": access.can(actor, "webhooks.manage"),
    }
    return render(request, "delivery/delivery_list.html", context)


@portal_permission("delivery.view_all")
@require_http_methods(["GET"])
def delivery_detail_view(request: HttpRequest, delivery_id: uuid.UUID) -> HttpResponse:
    actor = access.actor_from_request(request)
    delivery = get_object_or_404(selectors.delivery_list(actor=actor), pk=delivery_id)
    context = {
        "delivery": delivery,
        "history": selectors.delivery_history(actor=actor, delivery=delivery),
        "may_retry": access.can(actor, "delivery.retry"),
    }
    return render(request, "delivery/delivery_detail.html", context)


@portal_permission("delivery.retry")
@require_POST
def delivery_retry_view(request: HttpRequest, delivery_id: uuid.UUID) -> HttpResponse:
    actor = access.actor_from_request(request)
    delivery = get_object_or_404(selectors.delivery_list(actor=actor), pk=delivery_id)
    try:
        services.delivery_retry(actor=actor, delivery=delivery)
    except DomainError as error:
        messages.error(request, str(error.message))
    else:
        messages.success(request, _("The delivery is back in the outbox for one more attempt."))
    return redirect("delivery:detail", delivery_id=delivery.pk)


@portal_permission("webhooks.manage")
@require_http_methods(["GET", "POST"])
def endpoint_list_view(request: HttpRequest) -> HttpResponse:
    actor = access.actor_from_request(request)
    form = WebhookEndpointForm(request.POST or None)
    secret = None
    if request.method == "POST" and form.is_valid():
        try:
            _endpoint, secret = services.webhook_endpoint_create(
                actor=actor, name=form.cleaned_data["name"], url=form.cleaned_data["url"]
            )
        except DomainError as error:
            form.add_error(error.field if error.field in form.fields else None, str(error.message))
        else:
            form = WebhookEndpointForm()
    context = {
        "form": form,
        "endpoints": selectors.webhook_endpoint_list(actor=actor),
        "secret": secret,
    }
    return render(request, "delivery/endpoint_list.html", context)


@portal_permission("webhooks.manage")
@require_POST
def endpoint_deactivate_view(request: HttpRequest, endpoint_id: int) -> HttpResponse:
    actor = access.actor_from_request(request)
    endpoint = get_object_or_404(selectors.webhook_endpoint_list(actor=actor), pk=endpoint_id)
    services.webhook_endpoint_deactivate(actor=actor, endpoint=endpoint)
    messages.success(request, _("The endpoint has been deactivated."))
    return redirect("delivery:endpoints")

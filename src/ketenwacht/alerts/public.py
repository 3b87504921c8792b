"""Public warnings: alerts every member organisation agreed to publish, on a page and in an
Atom feed that municipalities, libraries and senior organisations can follow."""

from __future__ import annotations

import uuid
from datetime import datetime

from django.contrib.syndication.views import Feed
from django.core.paginator import Paginator
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.feedgenerator import Atom1Feed
from django.utils.translation import gettext_lazy as _

from ketenwacht.alerts import selectors
from ketenwacht.alerts.models import Alert
from ketenwacht.alerts.rendering import render_markdown
from ketenwacht.errors import NotFoundError
from ketenwacht.partners.decorators import public_page

PAGE_SIZE = 20
FEED_SIZE = 50


@public_page
def public_list_view(request: HttpRequest) -> HttpResponse:
    page = Paginator(selectors.public_alert_list(), PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "alerts/public_list.html", {"page": page})


@public_page
def public_detail_view(request: HttpRequest, alert_id: uuid.UUID) -> HttpResponse:
    try:
        alert = selectors.public_alert_get(alert_id)
    except NotFoundError:
        raise Http404 from None
    context = {"alert": alert, "body_html": render_markdown(alert.body)}
    return render(request, "alerts/public_detail.html", context)


class PublicWarningsFeed(Feed):
    """Atom 1.0. Titles and summaries are plain text: the feed framework escapes them."""

    feed_type = Atom1Feed
    title = _("Ketenwacht: warnings about online fraud")
    subtitle = _("Warnings the partners against online fraud agreed to publish. Share them freely.")
    description = subtitle

    def link(self) -> str:
        return reverse("warnings:list")

    def items(self) -> QuerySet[Alert]:
        return selectors.public_alert_list()[:FEED_SIZE]

    def item_title(self, item: Alert) -> str:
        return item.title

    def item_description(self, item: Alert) -> str:
        return item.summary

    def item_link(self, item: Alert) -> str:
        return reverse("warnings:detail", args=[item.uuid])

    def item_guid(self, item: Alert) -> str:
        return f"urn:uuid:{item.uuid}"

    item_guid_is_permalink = False

    def item_pubdate(self, item: Alert) -> datetime | None:
        return item.published_at

    def item_updateddate(self, item: Alert) -> datetime:
        return item.updated_at

    def item_categories(self, item: Alert) -> list[str]:
        return [item.fraud_type.name] if item.fraud_type else []


public_feed_view = public_page(PublicWarningsFeed())

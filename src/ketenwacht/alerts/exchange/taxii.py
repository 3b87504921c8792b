"""TAXII 2.1 at ``/taxii2/``: discovery, API root, collections, objects, manifest, status.

One collection per sharing group the token's organisation belongs to; its id is derived from
the group's slug. Reading is the ``api`` route (up to AMBER+STRICT, never RED) and needs
``alerts:read`` (or ``alerts:write``); adding objects needs ``alerts:write`` (sightings also
``identifiers:write``, see ``stix_import.py``).

A collection's objects are one sequence: first the shared context (platform identity, the
observables extension-definition, the TLP marking-definitions and the identities of the
authors in use), each dated by its ``created``; then per alert, ordered by ``updated_at``,
its report, indicators and sightings, dated by the alert's ``updated_at`` (the moment the
current version was added). ``limit`` counts objects, ``next`` is the position of the next
one in the (filtered) sequence, ``more`` says whether there is one. Every object has exactly
one version (the current one), so ``match[version]`` ``first``, ``last`` and ``all`` all give
it and a timestamp gives it when it equals ``modified``. Errors are RFC 9457 problem details
(``application/problem+json``) like the rest of the API; successes are
``application/taxii+json;version=2.1``.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.db.models import Count
from django.utils.dateparse import parse_datetime
from rest_framework.exceptions import NotFound, ParseError
from rest_framework.parsers import JSONParser
from rest_framework.renderers import JSONRenderer
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from ketenwacht.alerts.exchange import stix, stix_import
from ketenwacht.alerts.models import Alert, ExchangeStatus
from ketenwacht.audit.services import audit_record
from ketenwacht.errors import DomainError, ValidationFailed
from ketenwacht.partners import access
from ketenwacht.partners.constants import Scope
from ketenwacht.partners.models import Organisation, SharingGroup
from ketenwacht.partners.permissions import TokenHasScope

TAXII_MEDIA_TYPE = "application/taxii+json;version=2.1"
STIX_MEDIA_TYPE = "application/stix+json;version=2.1"
MAX_LIMIT = 1000
DEFAULT_LIMIT = 100
FIRST_WINDOW = 4
MAX_WINDOW = 256
READ_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


class TaxiiRenderer(JSONRenderer):
    media_type = "application/taxii+json"
    format = "taxii"


class TaxiiParser(JSONParser):
    media_type = "application/taxii+json"


class TaxiiView(APIView):
    # TAXII 2.1 is its own specification, not part of the /api/v1 OpenAPI document.
    schema = None
    permission_classes = [TokenHasScope]
    renderer_classes = [TaxiiRenderer]
    parser_classes = [TaxiiParser]

    @property
    def required_scope(self) -> str:
        if self.request.method not in READ_METHODS:
            return Scope.ALERTS_WRITE
        actor = access.actor_from_request(self.request)
        if Scope.ALERTS_WRITE in actor.scopes:
            return Scope.ALERTS_WRITE
        return Scope.ALERTS_READ

    def finalize_response(self, request: Request, response: Any, *args: Any, **kwargs: Any) -> Any:
        response = super().finalize_response(request, response, *args, **kwargs)
        if isinstance(response, Response) and response.status_code < 400:
            response.content_type = TAXII_MEDIA_TYPE  # used when the response renders
        return response


def collection_id(group: SharingGroup) -> str:
    return str(stix.stable_uuid(f"taxii-collection/{group.slug}"))


def _collection(request: Request, group: SharingGroup) -> dict[str, Any]:
    actor = access.actor_from_request(request)
    return {
        "id": collection_id(group),
        "title": group.name,
        "description": group.description,
        "can_read": True,
        "can_write": Scope.ALERTS_WRITE in actor.scopes,
        "media_types": [STIX_MEDIA_TYPE],
    }


def _groups(request: Request) -> list[SharingGroup]:
    actor = access.actor_from_request(request)
    if actor.organisation is None:
        return []
    return list(actor.organisation.sharing_groups.order_by("name"))


def _group(request: Request, collection: object) -> SharingGroup:
    for group in _groups(request):
        if collection_id(group) == str(collection):
            return group
    raise NotFound("Onbekende collectie. / Unknown collection.")


class DiscoveryView(TaxiiView):
    def get(self, request: Request) -> Response:
        root = request.build_absolute_uri("api/")
        return Response(
            {"title": "Ketenwacht TAXII", "default": root, "api_roots": [root]},
        )


class ApiRootView(TaxiiView):
    def get(self, request: Request) -> Response:
        return Response(
            {
                "title": "Ketenwacht alerts",
                "versions": [TAXII_MEDIA_TYPE],
                "max_content_length": settings.DATA_UPLOAD_MAX_MEMORY_SIZE,
            }
        )


class CollectionsView(TaxiiView):
    def get(self, request: Request) -> Response:
        return Response({"collections": [_collection(request, g) for g in _groups(request)]})


class CollectionView(TaxiiView):
    def get(self, request: Request, collection: object) -> Response:
        return Response(_collection(request, _group(request, collection)))


# --- the collection's object sequence ----------------------------------------------------


@dataclass(frozen=True)
class Filters:
    added_after: datetime | None = None
    types: frozenset[str] = frozenset()
    ids: frozenset[str] = frozenset()
    versions: frozenset[str] = frozenset()
    spec_versions: frozenset[str] = frozenset()

    @property
    def per_object(self) -> bool:
        """Whether objects must be built to know if they match (no skipping whole alerts)."""
        return bool(self.types or self.ids or self.versions or self.spec_versions)

    def matches(self, obj: stix.StixObject) -> bool:
        if self.types and obj["type"] not in self.types:
            return False
        if self.ids and obj["id"] not in self.ids:
            return False
        if self.spec_versions and obj.get("spec_version", "2.1") not in self.spec_versions:
            return False
        # one version per object: first, last and all are it; a timestamp must equal it
        return not self.versions or bool(self.versions & {"first", "last", "all", version_of(obj)})


def version_of(obj: stix.StixObject) -> str:
    return str(obj.get("modified") or obj["created"])


def _values(request: Request, name: str) -> frozenset[str]:
    """``match[x]=a,b`` and repeated ``match[x]`` both give ``{a, b}``."""
    values: set[str] = set()
    for raw in request.query_params.getlist(name):
        values.update(part.strip() for part in raw.split(",") if part.strip())
    return frozenset(values)


def filters_of(request: Request, *, object_id: str | None = None) -> Filters:
    added_after = None
    raw = request.query_params.get("added_after")
    if raw:
        added_after = parse_datetime(raw)
        if added_after is None:
            raise ParseError("added_after is geen tijdstip. / added_after is not a timestamp.")
    return Filters(
        added_after=added_after,
        types=_values(request, "match[type]"),
        ids=frozenset({object_id}) if object_id else _values(request, "match[id]"),
        versions=_values(request, "match[version]"),
        spec_versions=_values(request, "match[spec_version]"),
    )


def _limit_and_offset(request: Request) -> tuple[int, int]:
    try:
        limit = min(int(request.query_params.get("limit", DEFAULT_LIMIT)), MAX_LIMIT)
        offset = int(request.query_params.get("next", 0))
    except ValueError:
        raise ParseError("limit en next zijn getallen. / limit and next are numbers.") from None
    if limit < 1 or offset < 0:
        raise ParseError("limit en next zijn positief. / limit and next are positive.")
    return limit, offset


@dataclass(frozen=True)
class Item:
    date_added: str
    obj: stix.StixObject
    alert: Alert | None


def _after(moment: datetime | None) -> datetime | None:
    # dates are published at millisecond precision: "after T" is from T + 1 ms on
    return None if moment is None else moment + timedelta(milliseconds=1)


def _context_items(alerts: Any, since: datetime | None) -> list[Item]:
    markings = sorted(set(alerts.order_by().values_list("marking", flat=True).distinct()))
    organisation_ids = set(alerts.order_by().values_list("author_organisation", flat=True))
    authors = {o.pk: o for o in Organisation.objects.filter(pk__in=organisation_ids)}
    objects = [stix.platform_identity(), stix.observables_extension_definition()]
    objects += [stix.tlp_marking_definition(marking) for marking in markings]
    objects += [stix.organisation_identity(o) for o in sorted(authors.values(), key=lambda o: o.pk)]
    items = [Item(str(obj["created"]), obj, None) for obj in objects]
    items.sort(key=lambda item: item.date_added)
    if since is not None:
        floor = stix.timestamp(since)
        items = [item for item in items if item.date_added >= floor]
    return items


def collection_items(
    request: Request, group: SharingGroup, filters: Filters, *, skip: int = 0
) -> Iterator[Item]:
    """The matching objects of the collection from position ``skip`` on."""
    actor = access.actor_from_request(request)
    readable = stix.exportable_alerts(actor=actor, route="api").filter(group=group)
    since = _after(filters.added_after)
    for item in _context_items(readable, since):
        if filters.matches(item.obj):
            if skip:
                skip -= 1
            else:
                yield item
    alerts = readable if since is None else readable.filter(updated_at__gte=since)
    ordered = alerts.select_related("author_organisation").order_by("updated_at", "id")
    start = 0
    if not filters.per_object and skip:
        # skip whole alerts by their object count (report + indicator and sighting each)
        counted = alerts.order_by("updated_at", "id").annotate(n=Count("indicators"))
        for count in counted.values_list("n", flat=True):
            size = 1 + 2 * count
            if skip < size:
                break
            skip -= size
            start += 1
    # read alerts (with their indicators) in growing windows: a page needs few large alerts
    # or many small ones, and should load neither more nor fewer than it uses
    window = FIRST_WINDOW
    while True:
        chunk = list(ordered[start : start + window])
        for alert in chunk:
            date_added = stix.timestamp(alert.updated_at)
            for obj in stix.alert_objects(alert):
                if not filters.matches(obj):
                    continue
                if skip:
                    skip -= 1
                    continue
                yield Item(date_added, obj, alert)
        if len(chunk) < window:
            return
        start += window
        window = min(window * 2, MAX_WINDOW)


def page_of(
    request: Request, group: SharingGroup, filters: Filters
) -> tuple[list[Item], str | None]:
    limit, offset = _limit_and_offset(request)
    items: list[Item] = []
    more = False
    for item in collection_items(request, group, filters, skip=offset):
        if len(items) == limit:
            more = True
            break
        items.append(item)
    return items, str(offset + limit) if more else None


def _dated(response: Response, items: list[Item]) -> Response:
    if items:
        response["X-TAXII-Date-Added-First"] = items[0].date_added
        response["X-TAXII-Date-Added-Last"] = items[-1].date_added
    return response


def _audit(request: Request, group: SharingGroup, items: list[Item], action: str) -> None:
    alerts = sorted({str(item.alert.uuid) for item in items if item.alert is not None})
    if not alerts:
        return
    audit_record(
        actor=access.actor_from_request(request),
        action=action,
        object_type="sharing_group",
        object_id=str(group.pk),
        purpose="taxii",
        details={"alerts": alerts, "objects": len(items)},
    )


def _envelope(items: list[Any], next_offset: str | None, key: str = "objects") -> dict[str, Any]:
    envelope: dict[str, Any] = {"more": next_offset is not None}
    if next_offset is not None:
        envelope["next"] = next_offset
    if items:
        envelope[key] = items
    return envelope


class ObjectsView(TaxiiView):
    def get(self, request: Request, collection: object) -> Response:
        group = _group(request, collection)
        items, next_offset = page_of(request, group, filters_of(request))
        _audit(request, group, items, "alert.taxii_read")
        return _dated(Response(_envelope([i.obj for i in items], next_offset)), items)

    def post(self, request: Request, collection: object) -> Response:
        group = _group(request, collection)
        actor = access.actor_from_request(request)
        data = request.data
        objects = data.get("objects") if isinstance(data, dict) else None
        if not isinstance(objects, list) or not objects:
            raise ValidationFailed(
                "Verwacht een envelop met een niet-lege lijst 'objects'. / Expected an envelope "
                "with a non-empty list 'objects'.",
                code="taxii_envelope_invalid",
            )
        if len(objects) > stix_import.MAX_OBJECTS:
            raise DomainError(
                f"Hoogstens {stix_import.MAX_OBJECTS} objecten per envelop. / At most "
                f"{stix_import.MAX_OBJECTS} objects per envelope.",
                code="taxii_envelope_too_large",
                status=413,
            )
        outcome = stix_import.import_objects(actor=actor, group=group, objects=objects)
        assert actor.organisation is not None
        status = ExchangeStatus.objects.create(
            organisation=actor.organisation,
            group=group,
            total_count=outcome.total,
            successes=outcome.successes,
            failures=outcome.failures,
        )
        audit_record(
            actor=actor,
            action="alert.taxii_add",
            object_type="sharing_group",
            object_id=str(group.pk),
            purpose="taxii",
            details={
                "status": str(status.uuid),
                "added": len(outcome.successes),
                "failed": len(outcome.failures),
                "alerts": [str(alert.uuid) for alert in outcome.alerts],
            },
        )
        return Response(status_resource(status), status=202)


class ObjectView(TaxiiView):
    def get(self, request: Request, collection: object, object_id: str) -> Response:
        group = _group(request, collection)
        items, next_offset = page_of(request, group, filters_of(request, object_id=object_id))
        if not items and not next_offset:
            raise NotFound("Onbekend object. / Unknown object.")
        _audit(request, group, items, "alert.taxii_read")
        return _dated(Response(_envelope([i.obj for i in items], next_offset)), items)


class VersionsView(TaxiiView):
    def get(self, request: Request, collection: object, object_id: str) -> Response:
        group = _group(request, collection)
        filters = filters_of(request, object_id=object_id)
        items, next_offset = page_of(request, group, filters)
        if not items and not next_offset:
            raise NotFound("Onbekend object. / Unknown object.")
        versions = [version_of(item.obj) for item in items]
        return _dated(Response(_envelope(versions, next_offset, key="versions")), items)


class ManifestView(TaxiiView):
    def get(self, request: Request, collection: object) -> Response:
        group = _group(request, collection)
        items, next_offset = page_of(request, group, filters_of(request))
        entries = [
            {
                "id": item.obj["id"],
                "date_added": item.date_added,
                "version": version_of(item.obj),
                "media_type": STIX_MEDIA_TYPE,
            }
            for item in items
        ]
        _audit(request, group, items, "alert.taxii_manifest")
        return _dated(Response(_envelope(entries, next_offset)), items)


def status_resource(status: ExchangeStatus) -> dict[str, Any]:
    return {
        "id": str(status.uuid),
        "status": status.status,
        "request_timestamp": stix.timestamp(status.created_at),
        "total_count": status.total_count,
        "success_count": len(status.successes),
        "successes": status.successes,
        "failure_count": len(status.failures),
        "failures": status.failures,
        "pending_count": 0,
        "pendings": [],
    }


class StatusView(TaxiiView):
    def get(self, request: Request, status_id: str) -> Response:
        actor = access.actor_from_request(request)
        status = ExchangeStatus.objects.filter(
            uuid=status_id, organisation=actor.organisation
        ).first()
        if status is None or actor.organisation is None:
            raise NotFound("Onbekende status. / Unknown status.")
        return Response(status_resource(status))

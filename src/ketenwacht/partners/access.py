"""The one place that decides what an actor may see or do.

Every selector of every app takes an ``Actor`` and asks this module. Permissions are named
rules (``"audit.view_all"``) mapped to the roles that hold them; capabilities register their
rules in ``PERMISSIONS`` here so the whole policy reads in one file.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import IntEnum
from typing import TYPE_CHECKING

from django.http import HttpRequest

from ketenwacht.errors import PermissionDeniedError
from ketenwacht.partners import authz_cache
from ketenwacht.partners.constants import MARKING_ORDER, Marking, Role, Scope, Sector

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser, User

    from ketenwacht.partners.models import ApiToken, DataSharingAgreement, Organisation

ALL_STAFF = frozenset(Role)

# permission name -> roles that hold it. Tokens never hold role permissions; they use scopes.
PERMISSIONS: dict[str, frozenset[str]] = {
    "portal.view": ALL_STAFF,
    "audit.view_all": frozenset({Role.PROGRAMME_TEAM}),
    "audit.view_own": ALL_STAFF,
    "organisation.view_own": ALL_STAFF,
    "organisation.manage_all": frozenset({Role.PROGRAMME_TEAM}),
    "tokens.manage": frozenset({Role.ADMIN}),
    "tokens.revoke_any": frozenset({Role.PROGRAMME_TEAM}),
    "agreements.view": ALL_STAFF,
    "agreements.manage": frozenset({Role.PROGRAMME_TEAM}),
    "delivery.view_all": frozenset({Role.PROGRAMME_TEAM, Role.ADMIN}),
    "delivery.retry": frozenset({Role.PROGRAMME_TEAM, Role.ADMIN}),
    "webhooks.manage": frozenset({Role.ADMIN}),
    "knowledge.manage_fraud_types": frozenset({Role.PROGRAMME_TEAM}),
    "identifiers.check": frozenset(
        {Role.PARTNER_ANALYST, Role.DESK_AGENT, Role.POLICE_ANALYST, Role.PROGRAMME_TEAM}
    ),
    "identifiers.record": frozenset({Role.PARTNER_ANALYST, Role.POLICE_ANALYST}),
    "identifiers.reveal": frozenset({Role.POLICE_ANALYST}),
    "identifiers.allowlist_manage": frozenset({Role.PROGRAMME_TEAM}),
    # disputes of listed parties: the programme team proposes and approves (four eyes).
    "identifiers.disputes_review": frozenset({Role.PROGRAMME_TEAM}),
    # alerts: desk agents read warnings to recognise new methods; analysts write them.
    "alerts.view": frozenset(
        {Role.PARTNER_ANALYST, Role.DESK_AGENT, Role.POLICE_ANALYST, Role.PROGRAMME_TEAM}
    ),
    "alerts.write": frozenset({Role.PARTNER_ANALYST, Role.POLICE_ANALYST, Role.PROGRAMME_TEAM}),
    "alerts.subscriptions": frozenset(
        {Role.ADMIN, Role.PARTNER_ANALYST, Role.POLICE_ANALYST, Role.PROGRAMME_TEAM}
    ),
    # release by consent: who may approve or veto on behalf of a member organisation.
    "release.decide": frozenset({Role.PARTNER_ANALYST, Role.POLICE_ANALYST, Role.PROGRAMME_TEAM}),
    # shield: analysts triage and decide blocks (four eyes); the programme team hears appeals.
    "shield.triage": frozenset({Role.PARTNER_ANALYST, Role.PROGRAMME_TEAM}),
    "shield.appeals": frozenset({Role.PROGRAMME_TEAM}),
    # intake: desks without their own system work referrals in the portal inbox; desk agents
    # run the questionnaire for a caller; the programme team loads questionnaires and desks.
    "intake.desk_inbox": frozenset({Role.DESK_AGENT}),
    "intake.assisted": frozenset({Role.DESK_AGENT}),
    "intake.manage": frozenset({Role.PROGRAMME_TEAM}),
    # knowledge and collaboration space: partners read and propose; the programme team
    # approves proposals and runs the action plan, working groups and bottleneck cases.
    "knowledge.view": frozenset(
        {Role.PARTNER_ANALYST, Role.DESK_AGENT, Role.POLICE_ANALYST, Role.PROGRAMME_TEAM}
    ),
    "knowledge.propose": frozenset(
        {Role.PARTNER_ANALYST, Role.DESK_AGENT, Role.POLICE_ANALYST, Role.PROGRAMME_TEAM}
    ),
    "knowledge.manage": frozenset({Role.PROGRAMME_TEAM}),
    # cases: clusters of linked reports are for police and prosecutor only. The role is
    # police_analyst AND the organisation's sector is police or prosecutor (may_see_clusters);
    # the programme team edits the routing rules but sees no clusters.
    "cases.view": frozenset({Role.POLICE_ANALYST}),
    "cases.work": frozenset({Role.POLICE_ANALYST}),
    "cases.reveal": frozenset({Role.POLICE_ANALYST}),
    "cases.hubs_manage": frozenset({Role.POLICE_ANALYST}),
    "cases.routing_manage": frozenset({Role.PROGRAMME_TEAM}),
    # statistics: partners see their own figures beside the chain total and deliver figures;
    # the programme team drafts factsheets (published only by consent of every partner).
    "stats.view": frozenset(
        {Role.PARTNER_ANALYST, Role.DESK_AGENT, Role.POLICE_ANALYST, Role.PROGRAMME_TEAM}
    ),
    "stats.submit": frozenset({Role.PARTNER_ANALYST, Role.POLICE_ANALYST}),
    "stats.manage": frozenset({Role.PROGRAMME_TEAM}),
}


@dataclass(frozen=True)
class Actor:
    """Who is acting: a staff user of an organisation, an API token, a citizen, or the system."""

    user: User | None = None
    organisation: Organisation | None = None
    roles: frozenset[str] = field(default_factory=frozenset)
    token: ApiToken | None = None
    client_address: str = ""
    is_system: bool = False

    @property
    def is_anonymous(self) -> bool:
        return self.user is None and self.token is None and not self.is_system

    @property
    def scopes(self) -> frozenset[str]:
        return frozenset(self.token.scopes) if self.token is not None else frozenset()

    @property
    def label(self) -> str:
        if self.is_system:
            return "system"
        if self.token is not None:
            return f"token:{self.token.key_id}"
        if self.user is not None:
            return f"user:{self.user.get_username()}"
        return "anonymous"

    def has_role(self, *roles: str) -> bool:
        return bool(self.roles.intersection(roles))


SYSTEM = Actor(is_system=True)


def client_address(request: HttpRequest) -> str:
    """The peer address. Behind a proxy, production settings make REMOTE_ADDR trustworthy."""
    return str(request.META.get("REMOTE_ADDR", ""))[:64]


def actor_for_user(user: User | AnonymousUser | None, *, address: str = "") -> Actor:
    if user is None or not user.is_authenticated or not user.is_active:
        return Actor(client_address=address)
    memberships = list(user.memberships.select_related("organisation"))
    active = [m for m in memberships if m.organisation.is_active]
    organisation = active[0].organisation if active else None
    roles = frozenset(
        m.role for m in active if m.organisation_id == getattr(organisation, "pk", None)
    )
    return Actor(user=user, organisation=organisation, roles=roles, client_address=address)


def actor_for_token(token: ApiToken, *, address: str = "") -> Actor:
    return Actor(organisation=token.organisation, token=token, client_address=address)


def actor_from_request(request: HttpRequest) -> Actor:
    """The actor of a page or API request (cached on the request)."""
    cached: Actor | None = getattr(request, "_ketenwacht_actor", None)
    if cached is not None:
        return cached
    auth = getattr(request, "auth", None)
    address = client_address(request)
    from ketenwacht.partners.models import ApiToken

    if isinstance(auth, ApiToken):
        actor = actor_for_token(auth, address=address)
    else:
        actor = actor_for_user(getattr(request, "user", None), address=address)
    request._ketenwacht_actor = actor  # type: ignore[attr-defined]
    return actor


def can(actor: Actor, permission: str) -> bool:
    if actor.is_system:
        return True
    return actor.has_role(*PERMISSIONS[permission])


def require(actor: Actor, permission: str) -> None:
    if not can(actor, permission):
        raise PermissionDeniedError(
            "U heeft geen toegang tot deze handeling. / You are not allowed to do this.",
            code="forbidden",
        )


def has_scope(actor: Actor, scope: str) -> bool:
    return actor.token is not None and scope in actor.scopes


def is_member(actor: Actor, group_id: int) -> bool:
    """Whether the actor's organisation belongs to the sharing group."""
    if actor.organisation is None:
        return False
    return actor.organisation.sharing_groups.filter(pk=group_id).exists()


def shared_group_ids(actor: Actor) -> frozenset[int] | None:
    """Sharing groups whose shared records (sightings) count for the actor.

    The system sees every group (``None`` = no restriction); an organisation's users and
    tokens see the groups their organisation belongs to; anyone else sees none.
    """
    if actor.is_system:
        return None
    if actor.organisation is None:
        return frozenset()
    entry = authz_cache.entry_of(actor.token)
    if entry is not None:  # an API token's groups, cached with the token
        return entry.group_ids
    return frozenset(actor.organisation.sharing_groups.values_list("pk", flat=True))


def may_see_raw_values(actor: Actor, agreement: DataSharingAgreement) -> bool:
    """Raw identifier values only for roles the agreement names, in a member organisation."""
    return (
        actor.user is not None
        and actor.has_role(*agreement.raw_value_roles)
        and is_member(actor, agreement.group_id)
    )


# --- Marked information (TLP 2.0) ----------------------------------------------------------
#
# The sharing group decides WHO receives; the marking decides WHAT a recipient may do with it.
# Every route by which marked information leaves the platform reaches an audience; a marking
# allows a route when the route's audience is no wider than the marking permits.


class Audience(IntEnum):
    NAMED_PEOPLE = 0  # individual, named recipients
    ORGANISATION = 1  # the recipient organisation: its staff and its own systems
    ORGANISATION_AND_CLIENTS = 2  # ... and those it serves, on a need-to-know basis
    COMMUNITY = 3  # the wider partnership and its exchange partners
    PUBLIC = 4  # anyone


MARKING_AUDIENCE: dict[str, Audience] = {
    Marking.RED: Audience.NAMED_PEOPLE,
    Marking.AMBER_STRICT: Audience.ORGANISATION,
    Marking.AMBER: Audience.ORGANISATION_AND_CLIENTS,
    Marking.GREEN: Audience.COMMUNITY,
    Marking.CLEAR: Audience.PUBLIC,
}

# Routes of disclosure and whom each reaches.
ROUTE_AUDIENCE: dict[str, Audience] = {
    "page": Audience.NAMED_PEOPLE,  # a logged-in person reads it in the portal
    "api": Audience.ORGANISATION,  # an organisation's token: a system, no named person behind it
    "webhook": Audience.ORGANISATION,  # the organisation's own endpoint
    "email": Audience.ORGANISATION_AND_CLIENTS,  # a mailbox may be a distribution list
    "export": Audience.COMMUNITY,  # STIX/TAXII/MISP exchange may synchronise onward
    "public": Audience.PUBLIC,  # public warning page and Atom feed
    "download": Audience.ORGANISATION,  # a file (CSV, SVG, PDF) a person takes away
}


def marking_allows(marking: str, route: str) -> bool:
    """Whether information with ``marking`` may travel by ``route`` (see ``ROUTE_AUDIENCE``)."""
    return ROUTE_AUDIENCE[route] <= MARKING_AUDIENCE[marking]


def markings_allowing(route: str) -> frozenset[str]:
    return frozenset(m for m in MARKING_AUDIENCE if marking_allows(m, route))


def marking_is_downgrade(current: str, proposed: str) -> bool:
    """A move towards CLEAR widens the audience: that needs the consent of every member."""
    return MARKING_ORDER.index(Marking(proposed)) > MARKING_ORDER.index(Marking(current))


@dataclass(frozen=True)
class AlertFacts:
    """What the policy needs to know about one alert (the alerts app builds it)."""

    group_id: int
    marking: str
    author_organisation_id: int
    is_draft: bool
    is_withdrawn: bool
    is_public: bool
    # RED: the author and the people the author named; nobody else, whatever their role.
    named_people: frozenset[int] = frozenset()


@dataclass(frozen=True)
class AlertReach:
    """The same rules as ``may_read_alert``, as sets a selector turns into a query."""

    everything: bool = False
    group_ids: frozenset[int] = frozenset()
    organisation_id: int | None = None
    markings: frozenset[str] = frozenset()
    named_user_id: int | None = None  # RED only where this user is named

    @property
    def is_empty(self) -> bool:
        return not self.everything and (not self.group_ids or not self.markings)


def _alert_route(actor: Actor) -> str | None:
    """The route by which the actor reads alerts, if it may read them at all."""
    if actor.token is not None:
        readable = {Scope.ALERTS_READ, Scope.ALERTS_WRITE} & actor.scopes
        return "api" if readable else None
    if actor.user is not None and can(actor, "alerts.view"):
        return "page"
    return None


def alert_reach(actor: Actor) -> AlertReach:
    if actor.is_system:
        return AlertReach(everything=True)
    route = _alert_route(actor)
    if route is None or actor.organisation is None:
        return AlertReach()
    return AlertReach(
        group_ids=shared_group_ids(actor) or frozenset(),
        organisation_id=actor.organisation.pk,
        markings=markings_allowing(route),
        named_user_id=actor.user.pk if actor.user is not None else None,
    )


def may_read_alert(actor: Actor, alert: AlertFacts) -> bool:
    """Members of the alert's group, by a route its marking allows; drafts only to the
    author organisation; RED only to the named people."""
    reach = alert_reach(actor)
    if reach.everything:
        return True
    if alert.group_id not in reach.group_ids or alert.marking not in reach.markings:
        return False
    if alert.marking == Marking.RED and reach.named_user_id not in alert.named_people:
        return False
    return not alert.is_draft or alert.author_organisation_id == reach.organisation_id


def may_write_alert(actor: Actor, alert: AlertFacts) -> bool:
    """Only the author organisation edits, shares or withdraws, and only while it may read."""
    if actor.is_system:
        return True
    writes = (
        has_scope(actor, Scope.ALERTS_WRITE)
        if actor.token is not None
        else can(actor, "alerts.write")
    )
    return (
        writes
        and actor.organisation is not None
        and alert.author_organisation_id == actor.organisation.pk
        and may_read_alert(actor, alert)
    )


def may_forward_alert(member_group_ids: frozenset[int], alert: AlertFacts, *, route: str) -> bool:
    """Whether an organisation (in ``member_group_ids``) may receive it by webhook or e-mail."""
    return (
        not alert.is_draft
        and alert.group_id in member_group_ids
        and marking_allows(alert.marking, route)
    )


def may_show_alert_publicly(alert: AlertFacts) -> bool:
    """Public page and Atom feed: released by consent of every member, CLEAR, not withdrawn."""
    return (
        alert.is_public
        and not alert.is_draft
        and not alert.is_withdrawn
        and marking_allows(alert.marking, "public")
    )


def may_decide_release(
    actor: Actor, *, party_organisation_ids: frozenset[int], requested_by_id: int | None
) -> bool:
    """A person of a party organisation, never the requester (four eyes)."""
    return (
        actor.user is not None
        and actor.organisation is not None
        and can(actor, "release.decide")
        and actor.organisation.pk in party_organisation_ids
        and actor.user.pk != requested_by_id
    )


# --- Marked knowledge (barriers, library documents, working-group notes) -------------------
#
# The same TLP rules as alerts, for items of the knowledge and collaboration space. An item
# reaches the partnership as a whole unless it names a sharing group (then only that group's
# organisations) or named people (a working group's members: then only they, whatever their
# role — "met de deur dicht"; not even the programme team reads a room it is not in).


@dataclass(frozen=True)
class MarkedFacts:
    """What the policy needs to know about one marked knowledge item."""

    marking: str
    group_id: int | None = None  # a sharing group receives it; None: every partner
    owner_organisation_id: int | None = None  # AMBER+STRICT without a group: this one only
    named_people: frozenset[int] | None = None  # only these people (below GREEN)


@dataclass(frozen=True)
class MarkedReach:
    """``may_read_marked`` as sets a selector turns into a query."""

    everything: bool = False
    markings: frozenset[str] = frozenset()
    is_partner: bool = False  # staff of a partner organisation reading the knowledge space
    group_ids: frozenset[int] = frozenset()
    organisation_id: int | None = None
    user_id: int | None = None


def is_knowledge_partner(actor: Actor) -> bool:
    """A person of an active partner organisation with access to the knowledge space."""
    return (
        actor.user is not None and actor.organisation is not None and can(actor, "knowledge.view")
    )


def marked_reach(actor: Actor, *, route: str) -> MarkedReach:
    """Everyone reads CLEAR; partner staff read what the route allows (never RED by file)."""
    if actor.is_system:
        return MarkedReach(everything=True)
    markings = markings_allowing(route)
    if not is_knowledge_partner(actor):
        return MarkedReach(markings=markings & {Marking.CLEAR.value})
    assert actor.organisation is not None and actor.user is not None
    return MarkedReach(
        markings=markings,
        is_partner=True,
        group_ids=shared_group_ids(actor) or frozenset(),
        organisation_id=actor.organisation.pk,
        user_id=actor.user.pk,
    )


def may_read_marked(actor: Actor, item: MarkedFacts, *, route: str) -> bool:
    reach = marked_reach(actor, route=route)
    if reach.everything:
        return True
    if item.marking not in reach.markings:
        return False
    if item.marking == Marking.CLEAR:
        return True
    if not reach.is_partner:
        return False
    if item.marking == Marking.GREEN:
        return True  # the community: every partner
    if item.named_people is not None:
        return reach.user_id in item.named_people
    if item.marking == Marking.RED:
        return False  # RED needs named people
    if item.group_id is not None:
        return item.group_id in reach.group_ids
    if item.marking == Marking.AMBER_STRICT:
        return item.owner_organisation_id == reach.organisation_id
    return True


def may_manage_knowledge(actor: Actor) -> bool:
    return actor.user is not None and can(actor, "knowledge.manage")


# --- Cases: clusters of linked reports (police and public prosecutor only) -----------------

CASE_SECTORS = frozenset({Sector.POLICE, Sector.PROSECUTOR})


def may_see_clusters(actor: Actor) -> bool:
    """A police analyst of a police or public-prosecutor organisation (or the system).

    There is no separate prosecutor role: the prosecutor's analysts hold ``police_analyst`` in
    an organisation of sector ``prosecutor``. The same role in any other sector sees nothing.
    """
    if actor.is_system:
        return True
    return (
        actor.user is not None
        and actor.organisation is not None
        and actor.organisation.is_active
        and actor.organisation.sector in CASE_SECTORS
        and can(actor, "cases.view")
    )

"""The one place that decides what an actor may see or do.

Every selector of every app takes an ``Actor`` and asks this module. Permissions are named
rules (``"audit.view_all"``) mapped to the roles that hold them; capabilities register their
rules in ``PERMISSIONS`` here so the whole policy reads in one file.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from django.http import HttpRequest

from ketenwacht.errors import PermissionDeniedError
from ketenwacht.partners.constants import Role

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
    # intake: desks without their own system work referrals in the portal inbox; desk agents
    # run the questionnaire for a caller; the programme team loads questionnaires and desks.
    "intake.desk_inbox": frozenset({Role.DESK_AGENT}),
    "intake.assisted": frozenset({Role.DESK_AGENT}),
    "intake.manage": frozenset({Role.PROGRAMME_TEAM}),
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
    return frozenset(actor.organisation.sharing_groups.values_list("pk", flat=True))


def may_see_raw_values(actor: Actor, agreement: DataSharingAgreement) -> bool:
    """Raw identifier values only for roles the agreement names, in a member organisation."""
    return (
        actor.user is not None
        and actor.has_role(*agreement.raw_value_roles)
        and is_member(actor, agreement.group_id)
    )

"""Writes of the partners kernel. Each runs in a transaction and writes its audit row."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime, timedelta
from typing import Any

from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.db import transaction
from django.utils import timezone
from django.utils.text import slugify

from ketenwacht.audit.services import audit_record
from ketenwacht.errors import ConflictError, NotFoundError, ValidationFailed
from ketenwacht.partners import access, tokens
from ketenwacht.partners.access import Actor
from ketenwacht.partners.constants import (
    IDENTIFIER_KINDS,
    TOKEN_DEFAULT_DAYS,
    TOKEN_MAX_DAYS,
    Role,
    Scope,
    Sector,
    VictimFeedback,
)
from ketenwacht.partners.models import (
    ApiToken,
    DataSharingAgreement,
    Membership,
    Organisation,
    SharingGroup,
)
from ketenwacht.partners.validators import normalise_kvk, validate_kvk


def _invalid(message: str, *, code: str, field: str) -> ValidationFailed:
    return ValidationFailed(message, code=code, field=field)


def _required_name(name: str, *, max_length: int) -> str:
    """A stripped, non-empty name that fits its column (PostgreSQL refuses longer values)."""
    name = name.strip()
    if not name:
        raise _invalid("Naam is verplicht. / Name is required.", code="required", field="name")
    if len(name) > max_length:
        raise _invalid(
            f"Naam is te lang (max. {max_length} tekens). / Name is too long "
            f"(at most {max_length} characters).",
            code="too_long",
            field="name",
        )
    return name


_WEBSITE_VALIDATOR = URLValidator(schemes=["http", "https"])


def _valid_website(website: str) -> str:
    website = website.strip()
    if not website:
        return ""
    try:
        if len(website) > 200:
            raise ValidationError("too long")
        _WEBSITE_VALIDATOR(website)
    except ValidationError:
        raise _invalid(
            "Website moet een http(s)-adres zijn. / Website must be an http(s) address.",
            code="invalid_website",
            field="website",
        ) from None
    return website


def organisation_create(
    *, actor: Actor, name: str, sector: str, kvk_number: str = "", website: str = ""
) -> Organisation:
    access.require(actor, "organisation.manage_all")
    name = _required_name(name, max_length=200)
    website = _valid_website(website)
    if sector not in Sector.values:
        raise _invalid(
            f"Onbekende sector '{sector}'. / Unknown sector '{sector}'.",
            code="unknown_sector",
            field="sector",
        )
    kvk = normalise_kvk(kvk_number)
    if kvk:
        try:
            validate_kvk(kvk)
        except ValidationError:
            raise _invalid(
                "Een KvK-nummer heeft precies acht cijfers. / A KvK number has exactly eight "
                "digits.",
                code="invalid_kvk",
                field="kvk_number",
            ) from None
    with transaction.atomic():
        if Organisation.objects.filter(name__iexact=name).exists():
            raise ConflictError(
                f"Organisatie '{name}' bestaat al. / Organisation '{name}' already exists.",
                code="duplicate_organisation",
                details={"field": "name"},
            )
        if kvk and Organisation.objects.filter(kvk_number=kvk).exists():
            raise ConflictError(
                "Er is al een organisatie met dit KvK-nummer. / An organisation with this KvK "
                "number already exists.",
                code="duplicate_kvk",
                details={"field": "kvk_number"},
            )
        organisation = Organisation.objects.create(
            name=name, slug=_unique_slug(name), sector=sector, kvk_number=kvk, website=website
        )
        audit_record(
            actor=actor,
            action="organisation.create",
            object_type="organisation",
            object_id=organisation.pk,
            details={"name": name, "sector": sector},
        )
    return organisation


def _unique_slug(name: str) -> str:
    base = slugify(name)[:70] or "organisatie"
    slug, counter = base, 2
    while Organisation.objects.filter(slug=slug).exists():
        slug, counter = f"{base}-{counter}", counter + 1
    return slug


def membership_grant(
    *, actor: Actor, user: User, organisation: Organisation, role: str
) -> Membership:
    """Give a user a role. A user works for one organisation only."""
    access.require(actor, "organisation.manage_all")
    if role not in Role.values:
        raise _invalid(
            f"Onbekende rol '{role}'. / Unknown role '{role}'.", code="unknown_role", field="role"
        )
    with transaction.atomic():
        other = Membership.objects.filter(user=user).exclude(organisation=organisation)
        if other.exists():
            raise ConflictError(
                "Deze gebruiker hoort al bij een andere organisatie. / This user already belongs "
                "to another organisation.",
                code="other_organisation",
            )
        membership, created = Membership.objects.get_or_create(
            user=user, organisation=organisation, role=role
        )
        if not created:  # granting a role the user already has changes nothing
            return membership
        audit_record(
            actor=actor,
            action="membership.grant",
            object_type="user",
            object_id=user.pk,
            details={"organisation": organisation.pk, "role": role},
        )
    return membership


def sharing_group_create(
    *, actor: Actor, name: str, description: str = "", members: Iterable[Organisation] = ()
) -> SharingGroup:
    access.require(actor, "agreements.manage")
    name = _required_name(name, max_length=200)
    with transaction.atomic():
        if SharingGroup.objects.filter(name__iexact=name).exists():
            raise ConflictError(
                f"Deelgroep '{name}' bestaat al. / Sharing group '{name}' already exists.",
                code="duplicate_group",
                details={"field": "name"},
            )
        group = SharingGroup.objects.create(
            name=name, slug=_unique_group_slug(name), description=description
        )
        group.members.set(list(members))
        audit_record(
            actor=actor,
            action="sharing_group.create",
            object_type="sharing_group",
            object_id=group.pk,
            details={"name": group.name, "members": [m.pk for m in group.members.all()]},
        )
    return group


def _unique_group_slug(name: str) -> str:
    """Names that differ only in punctuation ("Groep A", "groep-a") slugify alike."""
    base = slugify(name)[:70] or "deelgroep"
    slug, counter = base, 2
    while SharingGroup.objects.filter(slug=slug).exists():
        slug, counter = f"{base}-{counter}", counter + 1
    return slug


def agreement_terms_validate(
    *,
    purpose: str,
    legal_basis: str,
    allowed_kinds: list[str],
    raw_value_roles: list[str],
    retention_days: Mapping[str, int],
    warning_thresholds: Mapping[str, Any],
    victim_feedback: str = VictimFeedback.NONE,
) -> None:
    """Raise ``ValidationFailed`` for terms no version may have (used by forms too)."""
    if not purpose.strip() or not legal_basis.strip():
        raise _invalid(
            "Doel en grondslag zijn verplicht. / Purpose and legal basis are required.",
            code="required",
            field="purpose" if not purpose.strip() else "legal_basis",
        )
    unknown_kinds = sorted(set(allowed_kinds) - set(IDENTIFIER_KINDS))
    if unknown_kinds:
        raise _invalid(
            f"Onbekende soorten: {unknown_kinds}. / Unknown identifier kinds: {unknown_kinds}.",
            code="unknown_kind",
            field="allowed_kinds",
        )
    unknown_roles = sorted(set(raw_value_roles) - set(Role.values))
    if unknown_roles:
        raise _invalid(
            f"Onbekende rollen: {unknown_roles}. / Unknown roles: {unknown_roles}.",
            code="unknown_role",
            field="raw_value_roles",
        )
    for kind, days in retention_days.items():
        if kind not in allowed_kinds:
            raise _invalid(
                f"Bewaartermijn voor niet-toegestane soort '{kind}'. / Retention for a kind "
                f"the agreement does not allow: '{kind}'.",
                code="retention_kind",
                field="retention_days",
            )
        if not isinstance(days, int) or isinstance(days, bool) or not 1 <= days <= 3650:
            raise _invalid(
                f"Bewaartermijn voor '{kind}' moet 1–3650 dagen zijn. / Retention for '{kind}' "
                "must be 1–3650 days.",
                code="retention_range",
                field="retention_days",
            )
    if victim_feedback not in VictimFeedback.values:
        raise _invalid(
            f"Onbekende terugkoppeling '{victim_feedback}'. / Unknown victim feedback "
            f"'{victim_feedback}'.",
            code="unknown_victim_feedback",
            field="victim_feedback",
        )
    for name, value in warning_thresholds.items():
        if not isinstance(value, int | float) or isinstance(value, bool) or value < 0:
            raise _invalid(
                f"Drempel '{name}' moet een niet-negatief getal zijn. / Threshold '{name}' "
                "must be a non-negative number.",
                code="threshold_invalid",
                field="warning_thresholds",
            )


def _start_problem(
    current: DataSharingAgreement | None, start: datetime, now: datetime
) -> ValidationFailed | None:
    """Why a new version could not start at ``start`` after ``current``, if it could not."""
    if current is None:
        return None  # a first version may be dated back: nothing was made under another one
    if start < now:
        # Back-dating would move records made under the current version into the new one's
        # window; records keep the version they were made under.
        return _invalid(
            "Een nieuwe versie kan niet met terugwerkende kracht ingaan. / A new version "
            "cannot start in the past.",
            code="valid_from_past",
            field="valid_from",
        )
    if start <= current.valid_from:
        return _invalid(
            "Een nieuwe versie moet na de huidige ingaan. / A new version must start "
            "after the current one.",
            code="valid_from_order",
            field="valid_from",
        )
    return None


def agreement_start_validate(*, group: SharingGroup, valid_from: datetime | None) -> None:
    """Raise ``ValidationFailed`` when the group's next version cannot start then (for forms)."""
    now = timezone.now()
    problem = _start_problem(group.agreements.order_by("-version").first(), valid_from or now, now)
    if problem is not None:
        raise problem


def agreement_revise(
    *,
    actor: Actor,
    group: SharingGroup,
    purpose: str,
    legal_basis: str,
    allowed_kinds: list[str],
    raw_value_roles: list[str],
    retention_days: Mapping[str, int],
    warning_thresholds: Mapping[str, Any],
    valid_from: datetime | None = None,
    victim_feedback: str = VictimFeedback.NONE,
) -> DataSharingAgreement:
    """Create the next version of a group's agreement and close the current one.

    Versions are never edited: records keep a foreign key to the version they were made under.
    """
    access.require(actor, "agreements.manage")
    agreement_terms_validate(
        purpose=purpose,
        legal_basis=legal_basis,
        allowed_kinds=allowed_kinds,
        raw_value_roles=raw_value_roles,
        retention_days=retention_days,
        warning_thresholds=warning_thresholds,
        victim_feedback=victim_feedback,
    )
    now = timezone.now()
    start = valid_from or now
    with transaction.atomic():
        # Lock the group row so two revisions cannot both become version N+1.
        SharingGroup.objects.select_for_update().get(pk=group.pk)
        current = group.agreements.order_by("-version").first()
        problem = _start_problem(current, start, now)
        if problem is not None:
            raise problem
        if current is not None and (current.valid_to is None or current.valid_to > start):
            current.valid_to = start
            current.save(update_fields=["valid_to"])
        agreement = DataSharingAgreement.objects.create(
            group=group,
            version=(current.version + 1) if current else 1,
            purpose=purpose.strip(),
            legal_basis=legal_basis.strip(),
            allowed_kinds=sorted(set(allowed_kinds)),
            raw_value_roles=sorted(set(raw_value_roles)),
            retention_days=dict(retention_days),
            warning_thresholds=dict(warning_thresholds),
            victim_feedback=victim_feedback,
            valid_from=start,
            created_by=actor.user,
        )
        audit_record(
            actor=actor,
            action="agreement.revise",
            object_type="agreement",
            object_id=agreement.pk,
            details={"group": group.pk, "version": agreement.version},
        )
    return agreement


def token_create(
    *,
    actor: Actor,
    name: str,
    scopes: list[str],
    days: int = TOKEN_DEFAULT_DAYS,
    organisation: Organisation | None = None,
) -> tuple[ApiToken, str]:
    """Create a token for the actor's organisation; the plaintext is returned only here."""
    access.require(actor, "tokens.manage")
    organisation = organisation or actor.organisation
    if organisation is None or (not actor.is_system and organisation != actor.organisation):
        raise ValidationFailed(
            "Tokens alleen voor de eigen organisatie. / Tokens only for your own organisation.",
            code="wrong_organisation",
        )
    unknown = sorted(set(scopes) - set(Scope.values))
    if not scopes or unknown:
        raise _invalid(
            f"Kies geldige scopes (onbekend: {unknown}). / "
            f"Choose valid scopes (unknown: {unknown}).",
            code="invalid_scope",
            field="scopes",
        )
    if not 1 <= days <= TOKEN_MAX_DAYS:
        raise _invalid(
            f"Geldigheid 1–{TOKEN_MAX_DAYS} dagen. / Validity must be 1–{TOKEN_MAX_DAYS} days.",
            code="invalid_validity",
            field="days",
        )
    name = _required_name(name, max_length=100)
    plaintext, key_id, secret_hash = tokens.generate()
    with transaction.atomic():
        token = ApiToken.objects.create(
            organisation=organisation,
            name=name,
            key_id=key_id,
            secret_hash=secret_hash,
            scopes=sorted(set(scopes)),
            created_by=actor.user,
            expires_at=timezone.now() + timedelta(days=days),
        )
        audit_record(
            actor=actor,
            action="token.create",
            object_type="api_token",
            object_id=token.key_id,
            details={"scopes": token.scopes, "days": days},
        )
    return token, plaintext


def token_revoke(*, actor: Actor, token: ApiToken) -> ApiToken:
    """Revoke a token: an organisation's admin its own, the programme team any (emergencies)."""
    own = token.organisation_id == getattr(actor.organisation, "pk", None)
    if not (access.can(actor, "tokens.revoke_any") or (own and access.can(actor, "tokens.manage"))):
        access.require(actor, "tokens.manage")  # no token rights at all: 403
        # An admin of another organisation must not learn that the token exists.
        raise NotFoundError("Token niet gevonden. / Token not found.", code="not_found")
    with transaction.atomic():
        locked = ApiToken.objects.select_for_update().get(pk=token.pk)
        if locked.revoked_at is None:
            locked.revoked_at = timezone.now()
            locked.save(update_fields=["revoked_at"])
            audit_record(
                actor=actor, action="token.revoke", object_type="api_token", object_id=locked.key_id
            )
    return locked

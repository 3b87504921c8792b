"""The demo world of ``make run``: partner organisations of every sector, the programme team,
three sharing groups with their agreements, and a login for every role.

Loading is idempotent: what exists is reused, nothing is duplicated, and the demo password,
TOTP secrets and backup codes stay the same between runs. They are not in the repository:
the first run generates them into ``var/demo-credentials.json`` (mode 0600) and later runs read
them back. Backup codes are single-use (django-otp deletes a static token when it is used), so
every run puts the listed codes back: a presenter who used a code runs ``demo_load`` again.

Organisation names are invented ("Demo Bank Noord") or public bodies marked "(demo)"; no real
phone numbers or addresses; KvK numbers start with ``0000`` and websites use the reserved
``.example`` domain.
"""

from __future__ import annotations

import base64
import json
import os
import secrets
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any
from urllib.parse import quote
from zoneinfo import ZoneInfo

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import check_password, make_password
from django.contrib.auth.models import User
from django.db import transaction
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from ketenwacht.audit.services import audit_record
from ketenwacht.partners import services as partner_services
from ketenwacht.partners.access import SYSTEM
from ketenwacht.partners.constants import Role, Sector
from ketenwacht.partners.models import Membership, Organisation, SharingGroup

CREDENTIALS_FILE_NAME = "demo-credentials.json"
TOTP_DEVICE_NAME = "Demo authenticator"
STATIC_DEVICE_NAME = "Demo backup codes"
TOTP_ISSUER = "Ketenwacht (demo)"
BACKUP_CODES_PER_USER = 5
# No 0/o, 1/l/i: codes and passwords are read off a screen and typed.
UNAMBIGUOUS = "abcdefghjkmnpqrstuvwxyz23456789"
# Agreements of the demo groups apply from the start of 2024, so demo records can be backdated.
AGREEMENT_START = datetime(2024, 1, 1, tzinfo=ZoneInfo("Europe/Amsterdam"))


# --------------------------------------------------------------------------------------------
# The demo world
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class DemoOrganisation:
    key: str
    name: str
    sector: str


@dataclass(frozen=True)
class DemoAgreement:
    purpose: str
    legal_basis: str
    allowed_kinds: tuple[str, ...]
    raw_value_roles: tuple[str, ...]
    retention_days: dict[str, int]
    warning_thresholds: dict[str, int]


@dataclass(frozen=True)
class DemoGroup:
    name: str
    description: str
    members: tuple[str, ...]
    agreement: DemoAgreement


@dataclass(frozen=True)
class DemoUser:
    username: str
    role: str
    organisation: str
    first_name: str
    last_name: str
    superuser: bool = False


ORGANISATIONS: tuple[DemoOrganisation, ...] = (
    DemoOrganisation("bank-noord", "Demo Bank Noord", Sector.BANK),
    DemoOrganisation("spaarbank-zuid", "Demo Spaarbank Zuid", Sector.BANK),
    DemoOrganisation("internetbank", "Demo Internetbank", Sector.BANK),
    DemoOrganisation("marktplein", "Demo Marktplein", Sector.MARKETPLACE),
    DemoOrganisation("webwarenhuis", "Demo Webwarenhuis", Sector.WEBSHOP),
    DemoOrganisation("elektronica", "Demo Elektronica Online", Sector.WEBSHOP),
    DemoOrganisation("telecom", "Demo Telecom", Sector.TELECOM),
    DemoOrganisation("mobiel", "Demo Mobiel", Sector.TELECOM),
    DemoOrganisation("pakket", "Demo Pakketbezorging", Sector.CARRIER),
    DemoOrganisation("betaaldienst", "Demo Betaaldienst", Sector.PAYMENT_PROVIDER),
    DemoOrganisation("achteraf", "Demo Achterafbetalen", Sector.BNPL),
    DemoOrganisation("deurwaarders", "Demo Gerechtsdeurwaarders", Sector.BAILIFF),
    DemoOrganisation("verzekeringen", "Demo Verzekeringen", Sector.INSURER),
    DemoOrganisation("politie", "Politie (demo)", Sector.POLICE),
    DemoOrganisation("om", "Openbaar Ministerie (demo)", Sector.PROSECUTOR),
    DemoOrganisation("fraudehelpdesk", "Fraudehelpdesk (demo)", Sector.DESK),
    DemoOrganisation("cmi", "Centraal Meldpunt Identiteitsfraude (demo)", Sector.DESK),
    DemoOrganisation("slachtofferhulp", "Slachtofferhulp Nederland (demo)", Sector.VICTIM_SUPPORT),
    DemoOrganisation("acm", "Autoriteit Consument & Markt (demo)", Sector.REGULATOR),
    DemoOrganisation("jenv", "Ministerie van Justitie en Veiligheid (demo)", Sector.GOVERNMENT),
    DemoOrganisation(
        "programma", "Programmabureau Integrale Aanpak Online Fraude (demo)", Sector.PROGRAMME
    ),
)

_DEFAULT_THRESHOLDS = {"warning_organisations": 2, "warning_confirmed": 1}

GROUPS: tuple[DemoGroup, ...] = (
    DemoGroup(
        name="Banken",
        description="Banken delen signalen over geldezelrekeningen, bankhelpdeskfraude en "
        "phishing. / Banks share signals on money-mule accounts, bank helpdesk fraud and "
        "phishing.",
        members=("bank-noord", "spaarbank-zuid", "internetbank"),
        agreement=DemoAgreement(
            purpose="Voorkomen en bestrijden van online fraude tegen klanten van de deelnemende "
            "banken door het delen van fraudesignalen (demo).",
            legal_basis="Gerechtvaardigd belang (AVG art. 6 lid 1 onder f) en het convenant "
            "gegevensdeling banken (demo).",
            allowed_kinds=("iban", "phone", "email", "url", "domain", "device"),
            raw_value_roles=(Role.PARTNER_ANALYST,),
            retention_days={
                "iban": 730,
                "phone": 365,
                "email": 365,
                "url": 180,
                "domain": 180,
                "device": 365,
            },
            warning_thresholds=_DEFAULT_THRESHOLDS,
        ),
    ),
    DemoGroup(
        name="Trusted community grote online verkopers",
        description="Grote online verkopers, marktplaatsen, vervoerders, betaaldiensten, "
        "achteraf betalen, deurwaarders en politie tegen aankoop- en verkoopfraude. / Large "
        "online sellers, marketplaces, carriers, payment and BNPL providers, bailiffs and the "
        "police against purchase and sales fraud.",
        members=(
            "marktplein",
            "webwarenhuis",
            "elektronica",
            "pakket",
            "betaaldienst",
            "achteraf",
            "deurwaarders",
            "politie",
        ),
        agreement=DemoAgreement(
            purpose="Voorkomen van aankoop- en verkoopfraude via online verkoopkanalen door het "
            "delen van kenmerken van fraudeurs (demo).",
            legal_basis="Gerechtvaardigd belang (AVG art. 6 lid 1 onder f); afspraken trusted "
            "community (demo).",
            allowed_kinds=("iban", "phone", "email", "url", "domain", "account", "device"),
            raw_value_roles=(Role.PARTNER_ANALYST, Role.POLICE_ANALYST),
            retention_days={
                "iban": 365,
                "phone": 365,
                "email": 365,
                "url": 180,
                "domain": 180,
                "account": 365,
                "device": 180,
            },
            warning_thresholds=_DEFAULT_THRESHOLDS,
        ),
    ),
    DemoGroup(
        name="Coalitie bankhelpdeskfraude",
        description="Banken, telecomaanbieders, politie, OM en de Fraudehelpdesk langs de "
        "criminal journey van bankhelpdeskfraude. / Banks, telecom operators, police, "
        "prosecutor and the Fraudehelpdesk along the criminal journey of bank helpdesk fraud.",
        members=(
            "bank-noord",
            "spaarbank-zuid",
            "internetbank",
            "telecom",
            "mobiel",
            "politie",
            "om",
            "fraudehelpdesk",
        ),
        agreement=DemoAgreement(
            purpose="Barrières opwerpen tegen bankhelpdeskfraude in elke fase van de criminal "
            "journey (demo).",
            legal_basis="Gerechtvaardigd belang (AVG art. 6 lid 1 onder f), Telecommunicatiewet "
            "en Politiewet 2012 art. 18 (demo).",
            allowed_kinds=("iban", "phone", "url", "domain"),
            raw_value_roles=(Role.POLICE_ANALYST,),
            retention_days={"iban": 730, "phone": 365, "url": 180, "domain": 180},
            warning_thresholds=_DEFAULT_THRESHOLDS,
        ),
    ),
)

USERS: tuple[DemoUser, ...] = (
    DemoUser("bank.analist", Role.PARTNER_ANALYST, "bank-noord", "Bea", "Bakker"),
    DemoUser("bank.beheerder", Role.ADMIN, "bank-noord", "Bram", "de Boer"),
    DemoUser("webwinkel.analist", Role.PARTNER_ANALYST, "webwarenhuis", "Wendy", "Willems"),
    DemoUser("telecom.analist", Role.PARTNER_ANALYST, "telecom", "Tom", "Visser"),
    DemoUser("meldpunt.medewerker", Role.DESK_AGENT, "fraudehelpdesk", "Mila", "Jansen"),
    DemoUser("hulp.medewerker", Role.DESK_AGENT, "slachtofferhulp", "Sanne", "de Vries"),
    DemoUser("politie.analist", Role.POLICE_ANALYST, "politie", "Pieter", "Smit"),
    DemoUser("om.analist", Role.POLICE_ANALYST, "om", "Olga", "Mulder"),
    DemoUser("programma.team", Role.PROGRAMME_TEAM, "programma", "Priya", "Bos"),
    DemoUser(
        "programma.beheer", Role.PROGRAMME_TEAM, "programma", "Karel", "Dijkstra", superuser=True
    ),
)


def demo_kvk_number(index: int) -> str:
    """Eight digits starting with 0000: visibly artificial, clear of real registrations."""
    return f"{index:08d}"


def demo_website(key: str) -> str:
    return f"https://{key}.demo.example"


def demo_email(user: DemoUser) -> str:
    return f"{user.username}@{user.organisation}.demo.example"


# --------------------------------------------------------------------------------------------
# Credentials: generated once, kept in var/ (mode 0600), never committed
# --------------------------------------------------------------------------------------------


@dataclass
class UserSecrets:
    totp_key: str  # hex, as django-otp stores it
    backup_codes: list[str]


@dataclass
class DemoCredentials:
    password: str
    users: dict[str, UserSecrets] = field(default_factory=dict)


def default_credentials_path() -> Path:
    return Path(settings.VAR_DIR) / CREDENTIALS_FILE_NAME


def _random_text(length: int) -> str:
    return "".join(secrets.choice(UNAMBIGUOUS) for _ in range(length))


def new_password() -> str:
    """Four groups of four (≈79 bits), passes Django's password validators."""
    return "-".join(_random_text(4) for _ in range(4))


def new_user_secrets() -> UserSecrets:
    return UserSecrets(
        totp_key=secrets.token_hex(20),
        backup_codes=[_random_text(10) for _ in range(BACKUP_CODES_PER_USER)],
    )


def _parse_user_secrets(raw: Any) -> UserSecrets | None:
    if not isinstance(raw, dict):
        return None
    key, codes = raw.get("totp_key"), raw.get("backup_codes")
    if not isinstance(key, str) or len(key) != 40 or not isinstance(codes, list) or not codes:
        return None
    try:
        bytes.fromhex(key)
    except ValueError:
        return None
    if not all(isinstance(code, str) and 6 <= len(code) <= 16 for code in codes):
        return None
    return UserSecrets(totp_key=key, backup_codes=list(codes))


def _read_credentials(path: Path) -> DemoCredentials | None:
    try:
        raw = json.loads(path.read_text())
    except FileNotFoundError:
        return None
    except (OSError, ValueError) as error:
        raise RuntimeError(
            f"{path} is not readable demo credentials ({error}); move it away to start afresh."
        ) from error
    password = raw.get("password") if isinstance(raw, dict) else None
    if not isinstance(password, str) or len(password) < 12:
        raise RuntimeError(f"{path} has no usable demo password; move it away to start afresh.")
    users = raw.get("users") if isinstance(raw.get("users"), dict) else {}
    parsed = {name: _parse_user_secrets(value) for name, value in users.items()}
    return DemoCredentials(
        password=password,
        users={name: value for name, value in parsed.items() if value is not None},
    )


def _write_private(path: Path, text: str) -> None:
    """Replace ``path`` atomically with a file only the owner can read (0600)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(f".{path.name}.tmp")
    descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    try:
        os.fchmod(descriptor, 0o600)
        with os.fdopen(descriptor, "w") as handle:
            handle.write(text)
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise
    os.replace(temporary, path)


def _serialise(credentials: DemoCredentials) -> str:
    payload = {
        "comment": "Demo logins generated by `manage.py demo_load`. For local demos only; "
        "never use these in production. Delete this file to generate new ones.",
        "password": credentials.password,
        "users": {
            name: {"totp_key": value.totp_key, "backup_codes": value.backup_codes}
            for name, value in sorted(credentials.users.items())
        },
    }
    return json.dumps(payload, indent=2) + "\n"


def credentials_load_or_create(path: Path, usernames: list[str]) -> tuple[DemoCredentials, bool]:
    """The stored credentials, completed for any new demo user; ``True`` if the file is new."""
    existing = _read_credentials(path)
    credentials = existing or DemoCredentials(password=new_password())
    missing = [name for name in usernames if name not in credentials.users]
    for name in missing:
        credentials.users[name] = new_user_secrets()
    if existing is None or missing:
        _write_private(path, _serialise(credentials))
    else:
        os.chmod(path, 0o600)  # someone may have loosened it
    return credentials, existing is None


def otpauth_uri(username: str, totp_key_hex: str) -> str:
    """The otpauth:// URI an authenticator app scans (Google Authenticator key URI format)."""
    secret = base64.b32encode(bytes.fromhex(totp_key_hex)).decode("ascii").rstrip("=")
    label = quote(f"{TOTP_ISSUER}:{username}")
    return (
        f"otpauth://totp/{label}?secret={secret}&issuer={quote(TOTP_ISSUER)}"
        "&algorithm=SHA1&digits=6&period=30"
    )


# --------------------------------------------------------------------------------------------
# Loading
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class DemoLogin:
    username: str
    role: str
    organisation: str
    password: str
    backup_codes: tuple[str, ...]
    otpauth_uri: str
    superuser: bool


@dataclass
class DemoReport:
    logins: list[DemoLogin]
    changes: Counter[str]
    credentials_path: Path
    credentials_created: bool


def _ensure_organisations(changes: Counter[str]) -> dict[str, Organisation]:
    found: dict[str, Organisation] = {}
    for index, spec in enumerate(ORGANISATIONS, start=1):
        organisation = Organisation.objects.filter(name=spec.name).first()
        if organisation is None:
            organisation = partner_services.organisation_create(
                actor=SYSTEM,
                name=spec.name,
                sector=spec.sector,
                kvk_number=demo_kvk_number(index),
                website=demo_website(spec.key),
            )
            changes["organisations"] += 1
        found[spec.key] = organisation
    return found


def _ensure_groups(organisations: dict[str, Organisation], changes: Counter[str]) -> None:
    for spec in GROUPS:
        members = [organisations[key] for key in spec.members]
        group = SharingGroup.objects.filter(name=spec.name).first()
        if group is None:
            group = partner_services.sharing_group_create(
                actor=SYSTEM, name=spec.name, description=spec.description, members=members
            )
            changes["sharing_groups"] += 1
        else:
            present = set(group.members.values_list("pk", flat=True))
            absent = [member for member in members if member.pk not in present]
            if absent:
                group.members.add(*absent)
                changes["group_members"] += len(absent)
        if not group.agreements.exists():
            terms = spec.agreement
            partner_services.agreement_revise(
                actor=SYSTEM,
                group=group,
                purpose=terms.purpose,
                legal_basis=terms.legal_basis,
                allowed_kinds=list(terms.allowed_kinds),
                raw_value_roles=list(terms.raw_value_roles),
                retention_days=terms.retention_days,
                warning_thresholds=terms.warning_thresholds,
                valid_from=AGREEMENT_START,
            )
            changes["agreements"] += 1


def _shared_password_hash(password: str) -> str:
    """One hash of the demo password for every demo user.

    Hashing is deliberately slow (PBKDF2, ~0.5 s); checking each user on every run would
    make ``make run`` wait seconds. The demo users share one password, so they share one
    hash: one check per run, then plain string comparisons.
    """
    stored = Counter(
        get_user_model()
        .objects.filter(username__in=[spec.username for spec in USERS])
        .exclude(password="")
        .values_list("password", flat=True)
    )
    for encoded, _count in stored.most_common(1):
        if check_password(password, encoded):
            return encoded
    return make_password(password)


def _ensure_user(spec: DemoUser, password_hash: str, changes: Counter[str]) -> User:
    user_model = get_user_model()
    user, created = user_model.objects.get_or_create(
        username=spec.username,
        defaults={
            "first_name": spec.first_name,
            "last_name": spec.last_name,
            "email": demo_email(spec),
            "password": password_hash,
        },
    )
    # Programme team members reach the admin from the portal ("Administration" tile).
    wanted = {
        "is_active": True,
        "is_staff": spec.superuser or spec.role == Role.PROGRAMME_TEAM,
        "is_superuser": spec.superuser,
    }
    stale = [name for name, value in wanted.items() if getattr(user, name) != value]
    if created:
        changes["users"] += 1
    elif stale:
        changes["user_updates"] += 1
    if user.password != password_hash:
        user.password = password_hash
        stale.append("password")
        changes["credential_resets"] += 1
    for name in stale:
        if name != "password":
            setattr(user, name, wanted[name])
    if stale:
        user.save(update_fields=stale)
    return user


def _ensure_membership(
    user: User, organisation: Organisation, role: str, changes: Counter[str]
) -> None:
    if not Membership.objects.filter(user=user, organisation=organisation, role=role).exists():
        partner_services.membership_grant(
            actor=SYSTEM, user=user, organisation=organisation, role=role
        )
        changes["memberships"] += 1


def _ensure_totp(user: User, key: str, changes: Counter[str]) -> None:
    device = TOTPDevice.objects.filter(user=user, name=TOTP_DEVICE_NAME).first()
    if device is None:
        TOTPDevice.objects.create(user=user, name=TOTP_DEVICE_NAME, key=key, confirmed=True)
        changes["authenticators"] += 1
    elif device.key != key or not device.confirmed:
        device.key, device.confirmed = key, True
        device.save(update_fields=["key", "confirmed"])
        changes["authenticators"] += 1
    else:
        _reset_throttle(device, changes)


def _reset_throttle(device: TOTPDevice | StaticDevice, changes: Counter[str]) -> None:
    # django-otp tries every device with each code, so a backup code counts as a failed TOTP
    # attempt (and vice versa); clear the back-off so a demo never waits on it.
    if device.throttling_failure_count:
        device.throttle_reset(commit=True)
        changes["throttle_resets"] += 1


def _ensure_backup_codes(user: User, codes: list[str], changes: Counter[str]) -> None:
    """Exactly the listed codes on the demo device: used ones come back, strays go."""
    device, created = StaticDevice.objects.get_or_create(
        user=user, name=STATIC_DEVICE_NAME, defaults={"confirmed": True}
    )
    if not created and not device.confirmed:
        device.confirmed = True
        device.save(update_fields=["confirmed"])
    _reset_throttle(device, changes)
    present = set(device.token_set.values_list("token", flat=True))
    missing = [code for code in codes if code not in present]
    StaticToken.objects.bulk_create(StaticToken(device=device, token=code) for code in missing)
    stray = present - set(codes)
    if stray:
        device.token_set.filter(token__in=stray).delete()
    if missing or stray:
        changes["backup_refills"] += 1


def demo_load(*, credentials_path: Path | None = None) -> DemoReport:
    """Create or complete the demo world and return the logins to print."""
    path = credentials_path or default_credentials_path()
    credentials, credentials_created = credentials_load_or_create(
        path, [spec.username for spec in USERS]
    )
    changes: Counter[str] = Counter()
    names = {spec.key: spec.name for spec in ORGANISATIONS}
    logins = []
    with transaction.atomic():
        organisations = _ensure_organisations(changes)
        _ensure_groups(organisations, changes)
        password_hash = _shared_password_hash(credentials.password)
        for spec in USERS:
            user_secrets = credentials.users[spec.username]
            user = _ensure_user(spec, password_hash, changes)
            _ensure_membership(user, organisations[spec.organisation], spec.role, changes)
            _ensure_totp(user, user_secrets.totp_key, changes)
            _ensure_backup_codes(user, user_secrets.backup_codes, changes)
            logins.append(
                DemoLogin(
                    username=spec.username,
                    role=spec.role,
                    organisation=names[spec.organisation],
                    password=credentials.password,
                    backup_codes=tuple(user_secrets.backup_codes),
                    otpauth_uri=otpauth_uri(spec.username, user_secrets.totp_key),
                    superuser=spec.superuser,
                )
            )
        if changes:
            audit_record(
                actor=SYSTEM,
                action="demo.load",
                object_type="demo",
                details={"changes": dict(sorted(changes.items()))},
            )
    return DemoReport(
        logins=logins,
        changes=changes,
        credentials_path=path,
        credentials_created=credentials_created,
    )

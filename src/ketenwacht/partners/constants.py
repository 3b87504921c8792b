"""Vocabularies of the partners kernel: sectors, roles, API scopes."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Sector(models.TextChoices):
    BANK = "bank", _("Bank")
    MARKETPLACE = "marketplace", _("Marketplace")
    WEBSHOP = "webshop", _("Web shop")
    TELECOM = "telecom", _("Telecom operator")
    CARRIER = "carrier", _("Carrier")
    PAYMENT_PROVIDER = "payment_provider", _("Payment provider")
    BNPL = "bnpl", _("Buy now, pay later")
    BAILIFF = "bailiff", _("Bailiff")
    INSURER = "insurer", _("Insurer")
    POLICE = "police", _("Police")
    PROSECUTOR = "prosecutor", _("Public prosecutor")
    DESK = "desk", _("Reporting desk")
    VICTIM_SUPPORT = "victim_support", _("Victim support")
    REGULATOR = "regulator", _("Regulator")
    GOVERNMENT = "government", _("Government")
    PROGRAMME = "programme", _("Programme team")


class Role(models.TextChoices):
    PARTNER_ANALYST = "partner_analyst", _("Partner analyst")
    DESK_AGENT = "desk_agent", _("Desk agent")
    POLICE_ANALYST = "police_analyst", _("Police analyst")
    PROGRAMME_TEAM = "programme_team", _("Programme team")
    ADMIN = "admin", _("Administrator")


# Roles whose login needs a second factor (TOTP or a static backup code).
ROLES_REQUIRING_OTP = frozenset({Role.PROGRAMME_TEAM, Role.POLICE_ANALYST, Role.ADMIN})


class Scope(models.TextChoices):
    """What an API token may do. Capabilities add their scopes here (one place)."""

    ORGANISATION_READ = "organisation:read", _("Read own organisation and sharing groups")
    AUDIT_READ = "audit:read", _("Read own organisation's audit events")
    IDENTIFIERS_CHECK = "identifiers:check", _("Check identifiers")
    IDENTIFIERS_WRITE = "identifiers:write", _("Record sightings")
    ALERTS_READ = "alerts:read", _("Read alerts shared with your organisation")
    ALERTS_WRITE = "alerts:write", _("Create, edit, share and withdraw your organisation's alerts")
    OPS_METRICS = "ops:metrics", _("Read the platform's operational metrics (Prometheus)")
    SHIELD_SUBMIT = (
        "shield:submit",
        _("Forward reported messages (SMS) to the anti-phishing shield"),
    )
    SHIELD_RPZ = "shield:rpz", _("Download the anti-phishing shield's DNS block list (RPZ)")
    CASES_REPORT = "cases:report", _("Push police reports and incident reports to cases")
    CASES_SUSPECT_POSTCODE = (
        "cases:suspect_postcode",
        _("Supply the postcode area of an account holder named in cases (banks)"),
    )
    STATS_FIGURES = "stats:figures", _("Deliver and read your organisation's monthly figures")


class VictimFeedback(models.TextChoices):
    """How much a victim's status page may say about the police cluster their report joined:
    a term of the agreement under which victims' reports reach the police (the intake sharing
    group's, ``intake.integration.victim_feedback_allowed``)."""

    NONE = "none", _("Nothing")
    LINKED = "linked", _("That the report is linked, and how many others")
    UNIT = "unit", _("Linked, how many, and which unit handles it")


class Marking(models.TextChoices):
    """Traffic Light Protocol 2.0 (FIRST). What a recipient may do with marked information."""

    CLEAR = "CLEAR", "TLP:CLEAR"
    GREEN = "GREEN", "TLP:GREEN"
    AMBER = "AMBER", "TLP:AMBER"
    AMBER_STRICT = "AMBER+STRICT", "TLP:AMBER+STRICT"
    RED = "RED", "TLP:RED"


# Most restrictive first; a downgrade moves towards CLEAR (needs consent of every member).
MARKING_ORDER = (Marking.RED, Marking.AMBER_STRICT, Marking.AMBER, Marking.GREEN, Marking.CLEAR)


# Identifier kinds an agreement may allow; the identifiers app owns their canonical forms.
IDENTIFIER_KINDS = ("iban", "phone", "email", "url", "domain", "account", "wallet", "device")

TOKEN_PREFIX = "kw"
TOKEN_DEFAULT_DAYS = 365
TOKEN_MAX_DAYS = 730

"""Tiles on the portal home. A tile shows when the actor holds its permission.

Capabilities add their tiles here, so the portal home per role reads in one place.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.urls import reverse
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from ketenwacht.partners import access
from ketenwacht.partners.access import Actor


@dataclass(frozen=True)
class Tile:
    permission: str
    url_name: str
    title: str | Promise
    description: str | Promise


TILES = [
    Tile(
        "alerts.view",
        "alerts:list",
        _("Alerts"),
        _("Warnings about fraud methods shared in your sharing groups."),
    ),
    Tile(
        "alerts.write",
        "alerts:quick_flag",
        _("Quick flag"),
        _("Just hit by a new method? Warn your sharing group at once."),
    ),
    Tile(
        "release.decide",
        "release:inbox",
        _("Consent inbox"),
        _("Approve or veto requests to release information beyond a sharing group."),
    ),
    Tile(
        "alerts.subscriptions",
        "alerts:subscriptions",
        _("Alert subscriptions"),
        _("Webhooks and daily e-mail digests of new alerts for your organisation."),
    ),
    Tile(
        "knowledge.view",
        "knowledge:index",
        _("Knowledge and collaboration"),
        _("Criminal journeys, barrier model, action plan, working groups and library."),
    ),
    Tile(
        "knowledge.manage",
        "knowledge:proposals",
        _("Proposed changes"),
        _("Approve or reject partners' changes to the barrier model."),
    ),
    Tile(
        "intake.desk_inbox",
        "intake:inbox",
        _("Referral inbox"),
        _("Warm referrals of victims to your desk: accept, follow up, ask for more."),
    ),
    Tile(
        "intake.assisted",
        "intake:assisted",
        _("Intake by phone"),
        _("Fill in the victims' questionnaire with a caller on the phone."),
    ),
    Tile(
        "cases.view",
        "cases:list",
        _("Clusters"),
        _("Reports linked by shared identifiers, by priority per police unit."),
    ),
    Tile(
        "cases.hubs_manage",
        "cases:hubs",
        _("Hub identifiers"),
        _("Identifiers that no longer link reports (support addresses, spoofed numbers)."),
    ),
    Tile(
        "cases.routing_manage",
        "cases:rules",
        _("Routing of clusters"),
        _("The ordered rules that send clusters to police units."),
    ),
    Tile(
        "identifiers.check",
        "identifiers:check",
        _("Check identifiers"),
        _("Check one bank account, number or address, or a pasted list of them."),
    ),
    Tile(
        "identifiers.record",
        "identifiers:sightings",
        _("Our sightings"),
        _("What your organisation reported, with filters and a CSV export."),
    ),
    Tile(
        "identifiers.record",
        "identifiers:upload_new",
        _("Upload sightings"),
        _("Record sightings from a CSV file, with a preview and a report of bad rows."),
    ),
    Tile(
        "identifiers.disputes_review",
        "identifiers:disputes",
        _("Disputes"),
        _("Listed parties' disputes: propose a decision, a second person approves."),
    ),
    Tile("audit.view_own", "audit:events", _("Audit log"), _("Who saw or changed what, and why.")),
    Tile(
        "tokens.manage",
        "partners:tokens",
        _("API tokens"),
        _("Create and revoke your organisation's API tokens."),
    ),
    Tile(
        "organisation.manage_all",
        "admin:index",
        _("Administration"),
        _("Organisations, users, sharing groups and agreements."),
    ),
    Tile(
        "delivery.view_all",
        "delivery:list",
        _("Deliveries"),
        _("Outgoing webhooks and e-mail, with retries and dead letters."),
    ),
    Tile(
        "webhooks.manage",
        "delivery:endpoints",
        _("Webhook endpoints"),
        _("Where your organisation receives signed webhooks."),
    ),
    Tile(
        "shield.triage",
        "shield:queue",
        _("Anti-phishing shield"),
        _("Triage forwarded messages and decide blocks, four eyes."),
    ),
    Tile(
        "stats.view",
        "stats:dashboard",
        _("Statistics"),
        _("Your own figures beside the chain total; factsheets and their release."),
    ),
    Tile(
        "shield.appeals",
        "shield:appeals",
        _("Shield appeals"),
        _("Review appeals of domain owners against blocks."),
    ),
]


def tiles_for(actor: Actor) -> list[dict[str, str]]:
    return [
        {
            "url": reverse(tile.url_name),
            "title": str(tile.title),
            "description": str(tile.description),
        }
        for tile in TILES
        if access.can(actor, tile.permission)
    ]

"""Every attempt to see a cluster's identifier in the clear leaves a row that names the
cluster: the reveal, the agreement's refusal, and a question about an identifier that is not
in the cluster (probing pseudonym ids through a cluster the analyst may see)."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from django.test import Client

from ketenwacht.audit.models import AuditEvent
from ketenwacht.cases.models import Cluster, Report, ReportLink
from ketenwacht.cases.tests.factories import World, import_report
from ketenwacht.identifiers.models import Pseudonym
from ketenwacht.partners.constants import Role, Sector
from ketenwacht.partners.tests.factories import OrganisationFactory
from ketenwacht.synth.generators import identifiers

pytestmark = pytest.mark.django_db

IBAN, OTHER = identifiers("iban", 2, seed="reveal-audit")
REASON = "Vordering bank: rekeninghouder opvragen"


def _cluster_naming(world: World, value: str, token_of: str = "police_token") -> Cluster:
    token = getattr(world, token_of)
    first = import_report(token, [value])
    import_report(token, [value])
    cluster_id = Report.objects.get(pk=first.report.pk).cluster_id
    assert cluster_id is not None
    return Cluster.objects.get(pk=cluster_id)


def _pseudonym_in(cluster: Cluster) -> Pseudonym:
    return ReportLink.objects.filter(report__membership__cluster=cluster)[0].pseudonym


def _cluster_rows() -> list[AuditEvent]:
    return list(AuditEvent.objects.filter(action__startswith="cases.identifier_reveal"))


def test_a_reveal_writes_one_row_naming_the_cluster(
    world: World, login_client: Callable[..., Client]
) -> None:
    cluster = _cluster_naming(world, IBAN)
    pseudonym = _pseudonym_in(cluster)
    client = login_client(Role.POLICE_ANALYST, world.police)
    page = client.post(
        f"/portal/cases/clusters/{cluster.pk}/reveal/",
        {"pseudonym_id": pseudonym.pk, "reason": REASON},
    )
    assert page.status_code == 200
    (row,) = _cluster_rows()
    assert (row.action, row.object_type, row.object_id) == (
        "cases.identifier_reveal",
        "cluster",
        str(cluster.pk),
    )
    assert row.purpose == REASON
    assert row.details == {"pseudonym": pseudonym.reference, "kind": "iban"}


def test_an_identifier_outside_the_cluster_is_refused_and_the_attempt_audited(
    world: World, login_client: Callable[..., Client]
) -> None:
    cluster = _cluster_naming(world, IBAN)
    elsewhere = import_report(world.police_token, [OTHER])
    outside = ReportLink.objects.get(report=elsewhere.report).pseudonym_id
    client = login_client(Role.POLICE_ANALYST, world.police)
    response = client.post(
        f"/portal/cases/clusters/{cluster.pk}/reveal/",
        {"pseudonym_id": outside, "reason": REASON},
    )
    assert response.status_code in {302, 404}
    assert OTHER.replace(" ", "") not in response.content.decode().replace(" ", "")
    (row,) = _cluster_rows()
    assert row.action == "cases.identifier_reveal_refused"
    assert row.object_id == str(cluster.pk)
    assert row.details == {"refused": "not_in_cluster", "pseudonym_id": outside}
    assert not AuditEvent.objects.filter(action="identifiers.reveal").exists()


def test_a_refusal_by_the_agreement_is_audited_with_the_cluster(
    world: World, login_client: Callable[..., Client]
) -> None:
    # The bank's incident reports: kept under an agreement naming only the police analysts
    # of member organisations; an analyst outside the group is refused.
    cluster = _cluster_naming(world, OTHER, token_of="bank_token")
    pseudonym = _pseudonym_in(cluster)
    outsider = OrganisationFactory.create(sector=Sector.POLICE)
    client = login_client(Role.POLICE_ANALYST, outsider)
    client.post(
        f"/portal/cases/clusters/{cluster.pk}/reveal/",
        {"pseudonym_id": pseudonym.pk, "reason": REASON},
    )
    (row,) = _cluster_rows()
    assert row.action == "cases.identifier_reveal_refused"
    assert row.object_id == str(cluster.pk)
    assert row.details == {
        "refused": "reveal_not_allowed",
        "pseudonym": pseudonym.reference,
        "kind": "iban",
    }
    assert AuditEvent.objects.filter(action="identifiers.reveal_refused").count() == 1
    assert not AuditEvent.objects.filter(action="identifiers.reveal").exists()


def test_a_reason_too_short_discloses_nothing_and_writes_no_reveal_row(
    world: World, login_client: Callable[..., Client]
) -> None:
    """A form error, not an attempt: nothing is looked up under the agreement."""
    cluster = _cluster_naming(world, IBAN)
    client = login_client(Role.POLICE_ANALYST, world.police)
    response = client.post(
        f"/portal/cases/clusters/{cluster.pk}/reveal/",
        {"pseudonym_id": _pseudonym_in(cluster).pk, "reason": "why"},
    )
    assert response.status_code == 302
    assert _cluster_rows() == []
    assert not AuditEvent.objects.filter(action__startswith="identifiers.reveal").exists()


def test_a_value_no_longer_kept_is_refused_and_the_attempt_audited(
    world: World, login_client: Callable[..., Client]
) -> None:
    """Allowed, but the raw form is gone (retention): refused, and the question leaves a row."""
    from ketenwacht.identifiers.models import RawValue

    cluster = _cluster_naming(world, IBAN)
    pseudonym = _pseudonym_in(cluster)
    assert RawValue.objects.filter(pseudonym=pseudonym).delete()[0] > 0
    client = login_client(Role.POLICE_ANALYST, world.police)
    client.post(
        f"/portal/cases/clusters/{cluster.pk}/reveal/",
        {"pseudonym_id": pseudonym.pk, "reason": REASON},
    )
    (row,) = _cluster_rows()
    assert row.action == "cases.identifier_reveal_refused"
    assert row.details == {
        "refused": "no_raw_value",
        "pseudonym": pseudonym.reference,
        "kind": "iban",
    }

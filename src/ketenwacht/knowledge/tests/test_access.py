"""Markings per role, per route and per sharing group: ``partners.access.may_read_marked``
and the query the selectors build from it (``marked_filter``) must agree, item by item."""

from __future__ import annotations

import pytest

from ketenwacht.knowledge import selectors
from ketenwacht.knowledge.models import LibraryDocument
from ketenwacht.knowledge.tests.factories import (
    BarrierFactory,
    LibraryDocumentFactory,
    WorkingGroupFactory,
    seat,
)
from ketenwacht.partners import access
from ketenwacht.partners.access import Actor
from ketenwacht.partners.constants import Marking, Role
from ketenwacht.partners.tests.factories import (
    OrganisationFactory,
    SharingGroupFactory,
    actor_with_role,
    make_user,
)

pytestmark = pytest.mark.django_db
READERS = [Role.PARTNER_ANALYST, Role.DESK_AGENT, Role.POLICE_ANALYST, Role.PROGRAMME_TEAM]


@pytest.fixture
def documents() -> dict[str, LibraryDocument]:
    """One document per marking and group situation, owned by the "owner" organisation,
    shared in "group" (owner and member belong to it; the outsider does not)."""
    owner = OrganisationFactory.create(name="Eigenaar")
    member = OrganisationFactory.create(name="Lid")
    OrganisationFactory.create(name="Buitenstaander")
    group = SharingGroupFactory.create()
    group.members.add(owner, member)
    made = {
        "clear": LibraryDocumentFactory.create(marking=Marking.CLEAR, organisation=owner),
        "green": LibraryDocumentFactory.create(marking=Marking.GREEN, organisation=owner),
        "amber": LibraryDocumentFactory.create(marking=Marking.AMBER, organisation=owner),
        "amber_group": LibraryDocumentFactory.create(
            marking=Marking.AMBER, organisation=owner, group=group
        ),
        "strict": LibraryDocumentFactory.create(marking=Marking.AMBER_STRICT, organisation=owner),
        "strict_group": LibraryDocumentFactory.create(
            marking=Marking.AMBER_STRICT, organisation=owner, group=group
        ),
        "red": LibraryDocumentFactory.create(marking=Marking.RED, organisation=owner),
    }
    return made


def _actor(role: str | None, organisation_name: str) -> Actor:
    from ketenwacht.partners.models import Organisation

    organisation = Organisation.objects.get(name=organisation_name)
    return access.actor_for_user(make_user(role, organisation))


EXPECTED_PAGE = {
    "Eigenaar": {"clear", "green", "amber", "amber_group", "strict", "strict_group"},
    "Lid": {"clear", "green", "amber", "amber_group", "strict_group"},
    "Buitenstaander": {"clear", "green", "amber"},
}


@pytest.mark.parametrize("role", READERS)
@pytest.mark.parametrize("organisation", list(EXPECTED_PAGE))
def test_library_documents_per_role_organisation_and_marking(
    documents: dict[str, LibraryDocument], role: str, organisation: str
) -> None:
    actor = _actor(role, organisation)
    listed = set(selectors.document_list(actor=actor).values_list("pk", flat=True))
    expected = EXPECTED_PAGE[organisation]
    assert {name for name, doc in documents.items() if doc.pk in listed} == expected
    # The single-item rule says the same for every document.
    for name, document in documents.items():
        assert access.may_read_marked(actor, document.facts(), route="page") == (name in expected)


def test_admins_and_people_without_a_role_see_only_clear(
    documents: dict[str, LibraryDocument],
) -> None:
    for actor in (_actor(Role.ADMIN, "Eigenaar"), _actor(None, "Eigenaar"), Actor()):
        listed = set(selectors.document_list(actor=actor).values_list("pk", flat=True))
        assert listed == {documents["clear"].pk}


def test_the_public_route_shows_clear_only_even_to_partners(
    documents: dict[str, LibraryDocument],
) -> None:
    actor = _actor(Role.PROGRAMME_TEAM, "Eigenaar")
    listed = set(selectors.document_list(actor=actor, route="public").values_list("pk", flat=True))
    assert listed == {documents["clear"].pk}


def test_red_never_leaves_as_a_file(documents: dict[str, LibraryDocument]) -> None:
    actor = _actor(Role.PARTNER_ANALYST, "Eigenaar")
    assert not access.may_read_marked(actor, documents["red"].facts(), route="download")
    assert access.may_read_marked(actor, documents["strict"].facts(), route="download")


@pytest.mark.parametrize("role", READERS)
def test_partners_read_clear_green_and_amber_barriers(role: str) -> None:
    amber = BarrierFactory.create()
    green = BarrierFactory.create(green=True)
    actor = actor_with_role(role)
    listed = set(selectors.barrier_list(actor=actor).values_list("pk", flat=True))
    assert {amber.pk, green.pk} <= listed
    assert len(listed) == 5 + 2  # the five seeded CLEAR barriers and these two


def test_the_public_reads_only_clear_barriers() -> None:
    amber = BarrierFactory.create()
    public = selectors.barrier_list(actor=Actor(), route="public")
    assert amber.pk not in set(public.values_list("pk", flat=True))
    assert public.count() == 5
    admin = actor_with_role(Role.ADMIN)  # no knowledge role: the public view
    assert selectors.barrier_list(actor=admin).count() == 5


@pytest.mark.parametrize(
    ("marking", "outsider_reads"),
    [
        (Marking.CLEAR, True),
        (Marking.GREEN, True),
        (Marking.AMBER, False),
        (Marking.AMBER_STRICT, False),
        (Marking.RED, False),
    ],
)
def test_working_group_notes_stay_in_the_room(marking: str, outsider_reads: bool) -> None:
    from ketenwacht.knowledge import services

    group = WorkingGroupFactory.create()
    member = actor_with_role(Role.PARTNER_ANALYST)
    assert member.user is not None
    seat(group, member.user)
    entry = services.working_group_entry_create(
        actor=member, group=group, kind="notes", title="Verslag", marking=marking
    )
    # Not even the programme team reads a room it does not sit in.
    for outsider in (actor_with_role(Role.PROGRAMME_TEAM), actor_with_role(Role.PARTNER_ANALYST)):
        readable = selectors.working_group_entries(actor=outsider, group=group)
        assert (entry in readable) is outsider_reads
        assert access.may_read_marked(outsider, entry.facts(), route="page") is outsider_reads
    assert entry in selectors.working_group_entries(actor=member, group=group)
    public = selectors.working_group_entries(actor=Actor(), group=group, route="public")
    assert (entry in public) is (marking == Marking.CLEAR)


def test_a_member_of_one_group_does_not_read_another_groups_notes() -> None:
    from ketenwacht.knowledge import services

    first, second = WorkingGroupFactory.create(), WorkingGroupFactory.create()
    alice, bob = actor_with_role(Role.PARTNER_ANALYST), actor_with_role(Role.PARTNER_ANALYST)
    assert alice.user is not None and bob.user is not None
    seat(first, alice.user)
    seat(second, bob.user)
    services.working_group_entry_create(actor=alice, group=first, kind="notes", title="A")
    assert list(selectors.working_group_entries(actor=bob, group=first)) == []
    assert list(selectors.working_group_tasks(actor=bob, group=first)) == []
    assert list(selectors.working_group_members(actor=bob, group=first)) == []

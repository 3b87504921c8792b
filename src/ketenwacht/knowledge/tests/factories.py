"""Factories for the knowledge domain."""

from __future__ import annotations

from typing import Any

import factory
from django.core.files.uploadedfile import SimpleUploadedFile

from ketenwacht.knowledge.constants import (
    ActionStatus,
    BarrierKind,
    BarrierStatus,
    BottleneckStage,
    DocumentKind,
    Theme,
    WorkingGroupKind,
)
from ketenwacht.knowledge.models import (
    ActionPlan,
    ActionPoint,
    Barrier,
    BottleneckCase,
    BottleneckStageRecord,
    FraudType,
    JourneyPhase,
    LibraryDocument,
    WorkingGroup,
    WorkingGroupMember,
)
from ketenwacht.partners.constants import Marking
from ketenwacht.partners.tests.factories import OrganisationFactory


class FraudTypeFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = FraudType
        django_get_or_create = ("code",)

    code = factory.Sequence(lambda n: f"test_type_{n}")
    name_nl = factory.Sequence(lambda n: f"Testfraude {n}")
    name_en = factory.Sequence(lambda n: f"Test fraud {n}")
    description_nl = "Een fraudevorm voor tests."
    description_en = "A fraud form for tests."
    is_active = True
    sort_order = 500

    class Params:
        inactive = factory.Trait(is_active=False)


# --- Barrier model and collaboration space -------------------------------------------------


def phase_of(fraud_type: str, code: str) -> JourneyPhase:
    """A seeded phase (bankhelpdesk, purchase and sales journeys come from the migration)."""
    return JourneyPhase.objects.get(journey__fraud_type__code=fraud_type, code=code)


class BarrierFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Barrier

    phase = factory.LazyFunction(lambda: phase_of("bankhelpdesk", "orientation"))
    title = factory.Sequence(lambda n: f"Barrière {n}")
    description = "Een barrière voor tests."
    sectors = factory.LazyFunction(lambda: ["bank"])
    kind = BarrierKind.TECHNICAL
    status = BarrierStatus.IDEA
    marking = Marking.AMBER

    class Params:
        live = factory.Trait(status=BarrierStatus.LIVE)
        public = factory.Trait(marking=Marking.CLEAR)
        green = factory.Trait(marking=Marking.GREEN)


class WorkingGroupFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = WorkingGroup

    name = factory.Sequence(lambda n: f"Werkgroep {n}")
    slug = factory.Sequence(lambda n: f"werkgroep-{n}")
    kind = WorkingGroupKind.WORKING_GROUP
    description = "Overleg met de deur dicht."

    class Params:
        privacy_experts = factory.Trait(kind=WorkingGroupKind.PRIVACY_EXPERTS)


def seat(group: WorkingGroup, user: Any) -> WorkingGroupMember:
    membership: WorkingGroupMember = WorkingGroupMember.objects.create(group=group, user=user)
    return membership


class ActionPlanFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ActionPlan
        django_get_or_create = ("year",)

    year = 2025


class ActionPointFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ActionPoint

    plan = factory.SubFactory(ActionPlanFactory)
    theme = Theme.INSIGHT
    title = factory.Sequence(lambda n: f"Actiepunt {n}")
    owner_name = "Kerngroep"
    marking = Marking.GREEN

    class Params:
        realised = factory.Trait(status=ActionStatus.REALISED)


PDF_BYTES = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"


def pdf_upload(name: str = "monitor.pdf", content: bytes = PDF_BYTES) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type="application/pdf")


class LibraryDocumentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = LibraryDocument

    title = factory.Sequence(lambda n: f"Monitor {n}")
    kind = DocumentKind.MONITOR
    tags = factory.LazyFunction(lambda: ["monitor"])
    marking = Marking.AMBER
    file = factory.django.FileField(filename="doc.pdf", data=PDF_BYTES)
    extension = "pdf"
    content_type = "application/pdf"
    size = len(PDF_BYTES)
    sha256 = "0" * 64
    original_name = "doc.pdf"
    organisation = factory.SubFactory(OrganisationFactory)


class BottleneckCaseFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = BottleneckCase
        skip_postgeneration_save = True

    title = factory.Sequence(lambda n: f"Knelpunt {n}")
    slug = factory.Sequence(lambda n: f"knelpunt-{n}")
    marking = Marking.AMBER

    @factory.post_generation
    def first_stage(self, create: bool, extracted: Any, **kwargs: Any) -> None:
        if create:
            BottleneckStageRecord.objects.create(
                case=self,  # type: ignore[misc]
                stage=BottleneckStage.PROBLEM_ANALYSIS,
                entered_by_label="test",
            )

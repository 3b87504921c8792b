"""Factories for the knowledge domain."""

from __future__ import annotations

import factory

from ketenwacht.knowledge.models import FraudType


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

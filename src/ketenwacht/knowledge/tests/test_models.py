import pytest
from django.utils import translation

from ketenwacht.knowledge.constants import SEEDED_FRAUD_TYPE_CODES, FraudTypeCode
from ketenwacht.knowledge.models import FraudType

pytestmark = pytest.mark.django_db


def test_migration_seeds_every_code_of_the_design_in_order() -> None:
    codes = list(FraudType.objects.values_list("code", flat=True))
    assert codes == list(SEEDED_FRAUD_TYPE_CODES)
    assert len(codes) == 11
    assert FraudTypeCode.FRIEND_IN_NEED in codes


def test_seeded_types_have_both_languages_and_are_active() -> None:
    for fraud_type in FraudType.objects.all():
        assert fraud_type.is_active
        assert fraud_type.name_nl and fraud_type.name_en
        assert len(fraud_type.description_nl) > 40
        assert len(fraud_type.description_en) > 40


def test_name_and_description_follow_the_active_language() -> None:
    purchase = FraudType.objects.get(code="purchase")
    with translation.override("nl"):
        assert purchase.name == "Aankoopfraude"
        assert purchase.description == purchase.description_nl
    with translation.override("en"):
        assert purchase.name == "Purchase fraud"
        assert purchase.description == purchase.description_en
        assert str(purchase) == "Purchase fraud (purchase)"


def test_english_falls_back_to_dutch_when_missing() -> None:
    fraud_type = FraudType(code="x_only_dutch", name_nl="Alleen Nederlands", name_en="")
    with translation.override("en"):
        assert fraud_type.name == "Alleen Nederlands"

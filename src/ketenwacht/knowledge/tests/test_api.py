import pytest
from django.test import Client

from ketenwacht.knowledge.constants import SEEDED_FRAUD_TYPE_CODES
from ketenwacht.knowledge.tests.factories import FraudTypeFactory

pytestmark = pytest.mark.django_db
URL = "/api/v1/fraud-types"


def test_anyone_lists_the_active_fraud_types_in_order() -> None:
    response = Client().get(URL)
    assert response.status_code == 200
    body = response.json()
    assert [item["code"] for item in body] == list(SEEDED_FRAUD_TYPE_CODES)
    assert set(body[0]) == {
        "code",
        "name",
        "description",
        "name_nl",
        "name_en",
        "description_nl",
        "description_en",
        "sort_order",
    }


def test_names_follow_accept_language() -> None:
    dutch = Client().get(URL, HTTP_ACCEPT_LANGUAGE="nl").json()
    english = Client().get(URL, HTTP_ACCEPT_LANGUAGE="en").json()
    assert dutch[1]["name"] == "Aankoopfraude"
    assert english[1]["name"] == "Purchase fraud"
    assert english[1]["name_nl"] == "Aankoopfraude"


def test_response_is_publicly_cacheable_and_varies_on_language() -> None:
    response = Client().get(URL)
    assert "public" in response["Cache-Control"]
    assert "max-age=300" in response["Cache-Control"]
    assert "Accept-Language" in response["Vary"]


def test_inactive_types_are_not_listed() -> None:
    retired = FraudTypeFactory.create(inactive=True)
    codes = [item["code"] for item in Client().get(URL).json()]
    assert retired.code not in codes


def test_a_bogus_token_does_not_block_the_public_list() -> None:
    response = Client().get(URL, HTTP_AUTHORIZATION="Bearer kw_nonsense")
    assert response.status_code == 200


def test_writes_are_not_allowed() -> None:
    response = Client().post(URL, {}, content_type="application/json")
    assert response.status_code == 405
    assert response["Content-Type"] == "application/problem+json"

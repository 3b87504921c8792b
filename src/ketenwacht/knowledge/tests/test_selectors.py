import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from ketenwacht.errors import NotFoundError
from ketenwacht.knowledge import selectors, services
from ketenwacht.knowledge.tests.factories import FraudTypeFactory
from ketenwacht.partners import access

pytestmark = pytest.mark.django_db


def test_list_hides_inactive_types_unless_asked() -> None:
    retired = FraudTypeFactory.create(inactive=True)
    active_codes = set(selectors.fraud_type_list().values_list("code", flat=True))
    all_codes = set(selectors.fraud_type_list(include_inactive=True).values_list("code", flat=True))
    assert retired.code not in active_codes
    assert retired.code in all_codes
    assert all_codes - active_codes == {retired.code}


def test_get_returns_inactive_types_for_old_records() -> None:
    retired = FraudTypeFactory.create(inactive=True)
    assert selectors.fraud_type_get(retired.code) == retired


def test_get_unknown_code_is_a_not_found_domain_error() -> None:
    with pytest.raises(NotFoundError) as caught:
        selectors.fraud_type_get("no_such_type")
    assert caught.value.code == "unknown_fraud_type"
    assert caught.value.status == 404


def test_catalogue_is_served_from_cache_on_the_second_call() -> None:
    first = selectors.fraud_type_catalogue()
    with CaptureQueriesContext(connection) as queries:
        second = selectors.fraud_type_catalogue()
    assert len(queries) == 0
    assert second == first
    assert [entry["code"] for entry in first][:2] == ["bankhelpdesk", "purchase"]


def test_catalogue_reflects_an_update_made_through_the_service(
    django_capture_on_commit_callbacks,
) -> None:
    selectors.fraud_type_catalogue()  # warm the cache
    with django_capture_on_commit_callbacks(execute=True):
        services.fraud_type_update(
            actor=access.SYSTEM,
            fraud_type=selectors.fraud_type_get("romance"),
            changes={"is_active": False},
        )
    codes = [entry["code"] for entry in selectors.fraud_type_catalogue()]
    assert "romance" not in codes
    assert len(codes) == 10


def test_catalogue_sees_rows_written_outside_the_services() -> None:
    selectors.fraud_type_catalogue()  # warm the cache
    added = FraudTypeFactory.create(code="qr_code")
    assert "qr_code" in [entry["code"] for entry in selectors.fraud_type_catalogue()]
    added.delete()
    assert "qr_code" not in [entry["code"] for entry in selectors.fraud_type_catalogue()]


def test_catalogue_is_held_in_the_process_only_briefly(monkeypatch: pytest.MonkeyPatch) -> None:
    from django.core.cache import cache

    from ketenwacht.knowledge.constants import FRAUD_TYPES_CACHE_KEY

    first = selectors.fraud_type_catalogue()
    # Another process edits a fraud type: it clears the shared cache, not this process's copy.
    cache.set(FRAUD_TYPES_CACHE_KEY, first[:1], 300)
    assert selectors.fraud_type_catalogue() == first  # no round trip to the shared cache
    later = selectors.time.monotonic() + selectors.FRAUD_TYPES_LOCAL_SECONDS + 0.5
    monkeypatch.setattr(selectors.time, "monotonic", lambda: later)
    assert selectors.fraud_type_catalogue() == first[:1]  # the edit shows within the bound

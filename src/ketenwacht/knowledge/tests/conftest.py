from collections.abc import Iterator

import pytest
from django.core.cache import cache


@pytest.fixture(autouse=True)
def _clear_cache() -> Iterator[None]:
    """The catalogue is cached; each test starts and ends with an empty cache."""
    cache.clear()
    yield
    cache.clear()

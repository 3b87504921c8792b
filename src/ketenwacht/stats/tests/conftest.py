from collections.abc import Iterator

import pytest
from django.core.cache import cache


@pytest.fixture(autouse=True)
def _clear_cache() -> Iterator[None]:
    """Charts are cached per factsheet; each test starts with an empty cache."""
    cache.clear()
    yield
    cache.clear()

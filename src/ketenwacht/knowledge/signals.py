"""Keep the cached catalogue coherent with every write, including ones outside the services
(data migrations, fixtures, factories in other apps' tests)."""

from __future__ import annotations

from typing import Any

from ketenwacht.knowledge.selectors import forget_catalogue


def clear_catalogue_cache(**_kwargs: Any) -> None:
    forget_catalogue()

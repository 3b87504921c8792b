"""Vocabulary of the permission matrix, shared by the table and by the apps' own rows.

An app that prefers to keep its rows beside its code declares ``ROWS: dict[str, Page | Api]``
in ``ketenwacht/<app>/tests/matrix_rows.py``; the matrix test merges every such module into
its table and refuses a URL name declared twice.
"""

from __future__ import annotations

import importlib
import pkgutil
from dataclasses import dataclass

import ketenwacht
from ketenwacht.partners.constants import Role

ROLES = [None, *Role.values]  # None = anonymous
STAFF = frozenset(Role.values)


@dataclass(frozen=True)
class Page:
    """A page open to ``roles`` (``None`` in roles = anonymous too)."""

    roles: frozenset[str | None]


@dataclass(frozen=True)
class Api:
    """An API endpoint needing ``scope`` (``None`` = public)."""

    scope: str | None


PUBLIC_PAGE = Page(frozenset(ROLES))


def page(*roles: str) -> Page:
    return Page(frozenset(roles))


def app_rows() -> dict[str, Page | Api]:
    """Rows declared by the apps in ``<app>/tests/matrix_rows.py``; a name declared twice fails."""
    rows: dict[str, Page | Api] = {}
    for app in pkgutil.iter_modules(ketenwacht.__path__):
        try:
            module = importlib.import_module(f"ketenwacht.{app.name}.tests.matrix_rows")
        except ModuleNotFoundError as error:
            if error.name and error.name.startswith(f"ketenwacht.{app.name}"):
                continue
            raise
        duplicated = set(rows) & set(module.ROWS)
        assert not duplicated, f"declared twice in the permission matrix: {sorted(duplicated)}"
        rows.update(module.ROWS)
    return rows

"""Canonical forms of identifiers: one function per kind, and autodetection for free input.

Public interface (other code imports only these):
    canonicalise(value, kind=None) -> Canonical   # raises CanonicalError
    Canonical, CanonicalError, KINDS
"""

from ketenwacht.identifiers.canonical.types import KINDS, Canonical, CanonicalError

__all__ = ["KINDS", "Canonical", "CanonicalError", "canonicalise"]


def canonicalise(value: str, kind: str | None = None) -> Canonical:
    raise NotImplementedError  # implemented per kind in this package

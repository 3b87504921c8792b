"""Permission matrix rows of the privatecheck app (merged by tests/test_permission_matrix.py)."""

from __future__ import annotations

from ketenwacht.partners.constants import Scope
from ketenwacht.tests.matrix import PUBLIC_PAGE, Api, Page

ROWS: dict[str, Page | Api] = {
    "api-privatecheck-evaluate": Api(Scope.IDENTIFIERS_CHECK),
    "api-privatecheck-bucket": Api(Scope.IDENTIFIERS_CHECK),
    "api-privatecheck-public-evaluate": Api(None),
    "api-privatecheck-public-bucket": Api(None),
    "api-privatecheck-psi": Api(Scope.IDENTIFIERS_CHECK),
    "api-privatecheck-psi-job": Api(Scope.IDENTIFIERS_CHECK),
    "api-privatecheck-psi-answer": Api(Scope.IDENTIFIERS_CHECK),
    "privatecheck:public_check": PUBLIC_PAGE,
}

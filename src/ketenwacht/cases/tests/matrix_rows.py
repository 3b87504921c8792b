"""Permission matrix rows of the cases app (merged by ketenwacht/tests/test_permission_matrix.py).

Clusters are for police analysts; the matrix's users sit in a bank organisation, so a police
analyst passes the role check here and the sector check (police or prosecutor only) is tested in
``test_views.py``. The routing rules belong to the programme team.
"""

from __future__ import annotations

from ketenwacht.partners.constants import Role, Scope
from ketenwacht.tests.matrix import Api, Page, page

POLICE = page(Role.POLICE_ANALYST)
PROGRAMME = page(Role.PROGRAMME_TEAM)

ROWS: dict[str, Page | Api] = {
    "cases:list": POLICE,
    "cases:export_csv": POLICE,
    "cases:detail": POLICE,
    "cases:graph": POLICE,
    "cases:transition": POLICE,
    "cases:assign": POLICE,
    "cases:note": POLICE,
    "cases:reveal": POLICE,
    "cases:hubs": POLICE,
    "cases:hub_override": POLICE,
    "cases:rules": PROGRAMME,
    "cases:rule_new": PROGRAMME,
    "cases:rule_edit": PROGRAMME,
    "cases:rule_move": PROGRAMME,
    "api-cases-reports": Api(Scope.CASES_REPORT),
    "api-cases-suspect-postcodes": Api(Scope.CASES_SUSPECT_POSTCODE),
}

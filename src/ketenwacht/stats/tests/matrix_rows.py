"""Permission-matrix rows of statistics (merged by ketenwacht/tests/test_permission_matrix.py)."""

from ketenwacht.partners.constants import Role, Scope
from ketenwacht.tests.matrix import PUBLIC_PAGE, Api, Page, page

STATS_VIEWERS = page(
    Role.PARTNER_ANALYST, Role.DESK_AGENT, Role.POLICE_ANALYST, Role.PROGRAMME_TEAM
)
STATS_SUBMITTERS = page(Role.PARTNER_ANALYST, Role.POLICE_ANALYST)
STATS_MANAGERS = page(Role.PROGRAMME_TEAM)

ROWS: dict[str, Page | Api] = {
    # public: published factsheets only (anything else 404)
    "stats_public:dashboard": PUBLIC_PAGE,
    "stats_public:series_csv": PUBLIC_PAGE,
    "stats_public:factsheet": PUBLIC_PAGE,
    "stats_public:factsheet_pdf": PUBLIC_PAGE,
    "stats_public:factsheet_csv": PUBLIC_PAGE,
    # portal
    "stats:dashboard": STATS_VIEWERS,
    "stats:upload": STATS_SUBMITTERS,
    "stats:submission": STATS_SUBMITTERS,
    "stats:factsheets": STATS_VIEWERS,
    "stats:factsheet_new": STATS_MANAGERS,
    "stats:factsheet": STATS_VIEWERS,
    "stats:factsheet_pdf": STATS_VIEWERS,
    "stats:factsheet_release": STATS_MANAGERS,
    "stats:factsheet_withdraw": STATS_MANAGERS,
    "stats:spikes": STATS_MANAGERS,
    # API
    "api-stats-figures": Api(Scope.STATS_FIGURES),
    "api-stats-schema": Api(None),
}

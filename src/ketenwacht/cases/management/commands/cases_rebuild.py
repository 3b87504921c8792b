"""``manage.py cases_rebuild``: recompute every cluster from the report links."""

from __future__ import annotations

import json
from typing import Any

from django.core.management.base import BaseCommand

from ketenwacht.cases.rebuild import rebuild


class Command(BaseCommand):
    help = (
        "Recompute all clusters from the report links (hub limits, allowlist and overrides "
        "as they are now). Cluster ids stay stable where membership allows."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        result = rebuild()
        self.stdout.write(json.dumps(result.as_dict(), indent=2))

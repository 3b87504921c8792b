"""gunicorn's access log as one JSON object per line (deploy/gunicorn.conf.py uses it).

Written with ``json.dumps`` rather than gunicorn's ``access_log_format`` template, so quotes
in a user agent cannot break the line. The query string is left out (it can carry link
secrets), and so are all request headers except the user agent.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

from gunicorn.glogging import Logger


class JsonAccessLogger(Logger):
    def access(self, resp: Any, req: Any, environ: dict[str, Any], request_time: timedelta) -> None:
        if not self.access_log_enabled:
            return
        atoms = self.atoms(resp, req, environ, request_time)
        self.access_log.info(json.dumps(access_entry(atoms, request_time), ensure_ascii=False))


def access_entry(atoms: dict[str, Any], request_time: timedelta) -> dict[str, Any]:
    status = str(atoms.get("s", "-"))
    entry: dict[str, Any] = {
        "time": datetime.now(UTC).isoformat(timespec="milliseconds"),
        "level": "INFO",
        "logger": "gunicorn.access",
        "message": f"{atoms.get('m', '-')} {atoms.get('U', '-')} {status}",
        "method": atoms.get("m", "-"),
        "path": atoms.get("U", "-"),
        "status": int(status) if status.isdigit() else status,
        "bytes": atoms.get("B"),
        "duration_ms": round(request_time.total_seconds() * 1000, 3),
        "remote": atoms.get("h", "-"),
        "user_agent": atoms.get("a", "-"),
    }
    request_id = atoms.get("{x-request-id}o")
    if request_id and request_id != "-":
        entry["request_id"] = request_id
    return entry

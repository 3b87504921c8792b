"""One JSON object per log line, for log shippers (production settings enable it).

Only a fixed set of fields is written: the message, where it came from, the request id and
the traceback. Extra attributes are written only when listed in ``SAFE_EXTRAS``, so a
``request`` object (with its Authorization header and cookies) never reaches the log.
"""

from __future__ import annotations

import json
import logging
from datetime import UTC, datetime
from typing import Any

from ketenwacht.ops.request_id import current_request_id

# Extras Django and our code attach that are safe to log (no headers, bodies or tokens).
SAFE_EXTRAS = ("status_code", "task_id", "task_name")


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        request_id = getattr(record, "request_id", None) or current_request_id.get()
        if request_id:
            entry["request_id"] = request_id
        for name in SAFE_EXTRAS:
            value = getattr(record, name, None)
            if isinstance(value, str | int | float | bool):
                entry[name] = value
        if record.exc_info:
            entry["exc_info"] = self.formatException(record.exc_info)
        if record.stack_info:
            entry["stack_info"] = self.formatStack(record.stack_info)
        return json.dumps(entry, ensure_ascii=False, default=str)

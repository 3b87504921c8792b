"""``make load``: prod-local's check API at the highest steady rate held with zero errors.

The work is in ``suites/load`` (see its docstring); this module records its figures. The raw
limit is ``/healthz`` through the same balancer and apps in the same run (closed loop): the
most the stack answers when a request does nothing. ``LOAD_SECONDS`` sets the length of
each open-loop step (60 by default; the issue's 10-minute run: ``LOAD_SECONDS=600``).
"""

from __future__ import annotations

import json
import os
import sys
from typing import Any

from suites import load

TARGET = "1,000 req/s for 10 min (issue 10)"


def run() -> list[dict[str, Any]]:
    seconds = float(os.environ.get("LOAD_SECONDS", "60"))
    result = load.run(seconds)
    print(json.dumps(result, indent=2), file=sys.stderr)
    sustained = result["sustained"] or {"achieved_rate": 0.0, "p50_ms": 0.0, "p99_ms": 0.0}
    raw = result["healthz_closed_loop_rate"]
    label = f"load: check API, open loop {seconds:.0f} s per step, zero errors"
    return [
        {
            "name": f"{label}: sustained rate",
            "figure": sustained["achieved_rate"],
            "unit": "req/s",
            "raw": raw,
            "raw_unit": "req/s (/healthz, closed loop)",
            "ratio": sustained["achieved_rate"] / raw if raw else None,
            "target": TARGET,
        },
        {
            "name": f"{label}: p50 at that rate",
            "figure": sustained["p50_ms"],
            "unit": "ms",
            "target": "",
        },
        {
            "name": f"{label}: p99 at that rate",
            "figure": sustained["p99_ms"],
            "unit": "ms",
            "target": "",
        },
        {
            "name": "load: check API, closed loop (16 clients): ceiling",
            "figure": result["check_closed_loop_rate"],
            "unit": "req/s",
            "raw": raw,
            "raw_unit": "req/s (/healthz, closed loop)",
            "ratio": result["check_closed_loop_rate"] / raw if raw else None,
            "target": "",
        },
    ]


if __name__ == "__main__":
    for row in run():
        print(row)

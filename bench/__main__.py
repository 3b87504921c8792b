"""`make bench`: run every ``bench/bench_*.py`` module's ``run()`` and record the figures.

Each benchmark returns a list of rows ``{"name", "figure", "unit", "raw", "ratio", "limit"}``:
the figure of our code path, the raw limit measured in the same run (e.g. a bare endpoint of
the same server, a raw COPY), their ratio, and the required ratio or absolute target. The
table is printed and written to ``docs/benchmarks.md`` between the markers.
"""

from __future__ import annotations

import argparse
import importlib
import os
import platform
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
DOC = ROOT / "docs" / "benchmarks.md"
START, END = "<!-- bench:start -->", "<!-- bench:end -->"


def _modules(only: list[str]) -> list[str]:
    names = sorted(p.stem for p in Path(__file__).parent.glob("bench_*.py"))
    return [n for n in names if not only or any(o in n for o in only)]


def _format(rows: list[dict[str, Any]]) -> str:
    lines = [
        "| benchmark | figure | raw limit (same run) | ratio | target |",
        "| --- | --- | --- | --- | --- |",
    ]
    for row in rows:
        ratio = row.get("ratio")
        lines.append(
            f"| {row['name']} | {row['figure']:,.1f} {row['unit']} | "
            f"{row.get('raw', '') if row.get('raw') is None else format(row['raw'], ',.1f')} "
            f"{row.get('raw_unit', row['unit']) if row.get('raw') is not None else ''} | "
            f"{'' if ratio is None else format(ratio, '.2f')} | {row.get('target', '')} |"
        )
    return "\n".join(lines)


def _record(table: str) -> None:
    stamp = time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())
    block = (
        f"{START}\nLast run: {stamp} on {platform.machine()} with {os.cpu_count()} cores, "
        f"Python {platform.python_version()}.\n\n{table}\n{END}"
    )
    text = DOC.read_text() if DOC.exists() else "# Benchmarks\n\n"
    if START in text and END in text:
        text = text[: text.index(START)] + block + text[text.index(END) + len(END) :]
    else:
        text = text.rstrip() + "\n\n" + block + "\n"
    DOC.write_text(text)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("only", nargs="*", help="run only benchmarks whose name contains this")
    parser.add_argument("--no-record", action="store_true", help="do not update docs/benchmarks.md")
    args = parser.parse_args()
    sys.path.insert(0, str(ROOT / "src"))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "ketenwacht.conf.test")
    rows: list[dict[str, Any]] = []
    for name in _modules(args.only):
        print(f"running {name} …", flush=True)
        module = importlib.import_module(f"bench.{name}")
        rows.extend(module.run())
    table = _format(rows)
    print(table)
    if not args.no_record and rows:
        _record(table)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

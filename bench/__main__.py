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


HEADER = [
    "| benchmark | figure | raw limit (same run) | ratio | target | measured |",
    "| --- | --- | --- | --- | --- | --- |",
]


def _format_row(row: dict[str, Any], stamp: str) -> str:
    ratio = row.get("ratio")
    raw = row.get("raw")
    raw_text = "" if raw is None else f"{raw:,.1f} {row.get('raw_unit', row['unit'])}"
    return (
        f"| {row['name']} | {row['figure']:,.1f} {row['unit']} | {raw_text} | "
        f"{'' if ratio is None else format(ratio, '.2f')} | {row.get('target', '')} | {stamp} |"
    )


def _row_name(line: str) -> str:
    return line.split("|")[1].strip()


def _recorded_rows(text: str) -> list[str]:
    """The table lines already on the page (rows of benchmarks not run this time stay)."""
    if START not in text or END not in text:
        return []
    block = text[text.index(START) : text.index(END)]
    lines = [line for line in block.splitlines() if line.startswith("| ")]
    return [line for line in lines if line not in HEADER and _row_name(line) != "benchmark"]


def _merge(old_lines: list[str], new_lines: list[str]) -> list[str]:
    """Rows of this run replace recorded rows of the same name; the others are kept."""
    fresh = {_row_name(line) for line in new_lines}
    return sorted(
        [line for line in old_lines if _row_name(line) not in fresh] + new_lines, key=_row_name
    )


def _record(rows: list[dict[str, Any]]) -> None:
    stamp = time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())
    text = DOC.read_text() if DOC.exists() else "# Benchmarks\n\n"
    lines = _merge(_recorded_rows(text), [_format_row(row, stamp) for row in rows])
    block = (
        f"{START}\nMachine: {platform.machine()} with {os.cpu_count()} cores, "
        f"Python {platform.python_version()}; each row says when it was measured.\n\n"
        + "\n".join(HEADER + lines)
        + f"\n{END}"
    )
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
    stamp = time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())
    print("\n".join(HEADER + [_format_row(row, stamp) for row in rows]))
    if not args.no_record and rows:
        _record(rows)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

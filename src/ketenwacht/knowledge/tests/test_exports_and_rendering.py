"""Safe CSV cells (shared helper ``web.csv``) and sanitised Markdown."""

from __future__ import annotations

from html.parser import HTMLParser

import pytest

from ketenwacht.knowledge.rendering import render_markdown
from ketenwacht.web.csv import csv_text, safe_cell


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("=1+1", "'=1+1"),
        ("+31 6 12345678", "'+31 6 12345678"),
        ("-5", "'-5"),
        ("@SUM(A1:A2)", "'@SUM(A1:A2)"),
        ("\tTAB", "'\tTAB"),
        ("\rCR", "'\rCR"),
        ("Lagere betaallimieten", "Lagere betaallimieten"),
        ("a=b", "a=b"),
        (12, "12"),
        (None, ""),
    ],
)
def test_safe_cell_neutralises_formula_prefixes(value: object, expected: str) -> None:
    assert safe_cell(value) == expected


def test_csv_text_neutralises_header_and_rows_and_quotes() -> None:
    text = csv_text(["=title", "n"], [['=HYPERLINK("http://x","y")', 1], ["a,b", 2]])
    assert text.splitlines() == [
        "'=title,n",
        '"\'=HYPERLINK(""http://x"",""y"")",1',
        '"a,b",2',
    ]


class _Elements(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.elements: list[tuple[str, dict[str, str | None]]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.elements.append((tag, dict(attrs)))


@pytest.mark.parametrize(
    "source",
    [
        "<script>alert(1)</script>",
        '<img src="x" onerror="alert(1)">',
        "[klik](javascript:alert(1))",
        '<a href="#" onclick="alert(1)">x</a>',
        "<style>body{display:none}</style>",
        '[x](" onmouseover="alert(1))',
    ],
)
def test_markdown_never_yields_active_content(source: str) -> None:
    parser = _Elements()
    parser.feed(str(render_markdown(source)))
    for tag, attrs in parser.elements:
        assert tag not in {"script", "img", "style", "iframe"}
        assert not [name for name in attrs if name.startswith("on")]
        assert not (attrs.get("href") or "").lower().startswith("javascript")


def test_markdown_keeps_structure_and_safe_links() -> None:
    html = str(render_markdown("# Kop\n\n- **vet**\n\n[bron](https://example.org)"))
    assert "<h3>Kop</h3>" in html
    assert "<strong>vet</strong>" in html
    assert 'href="https://example.org"' in html
    assert 'rel="noopener noreferrer nofollow"' in html

"""Markdown is rendered; HTML and script in any field come out escaped, never executed."""

from __future__ import annotations

import pytest

from ketenwacht.alerts import services
from ketenwacht.alerts.rendering import render_markdown
from ketenwacht.alerts.tests.factories import client_for, make_alert, make_world

XSS_PAYLOADS = [
    "<script>alert(1)</script>",
    "<img src=x onerror=alert(1)>",
    "<svg/onload=alert(1)>",
    '<a href="javascript:alert(1)">x</a>',
    "<iframe src=//evil.example></iframe>",
    '"><script>alert(1)</script>',
    "<style>body{display:none}</style>",
]


def test_markdown_renders() -> None:
    html = render_markdown("# Kop\n\n**vet** en *schuin*\n\n- a\n- b\n\n[link](https://x.nl)")
    assert "<h3>Kop</h3>" in html
    assert "<strong>vet</strong>" in html and "<em>schuin</em>" in html
    assert "<li>a</li>" in html
    assert '<a href="https://x.nl" rel="noopener noreferrer nofollow">link</a>' in html


@pytest.mark.parametrize("payload", XSS_PAYLOADS)
def test_raw_html_is_shown_as_text(payload: str) -> None:
    html = render_markdown(f"Tekst {payload} meer")
    assert "<script" not in html
    assert "<img" not in html and "<svg" not in html and "<iframe" not in html
    assert "<style" not in html
    assert "&lt;" in html  # the author sees what was typed, escaped


@pytest.mark.parametrize(
    "source", ["[x](javascript:alert(1))", "[x](JaVaScRiPt:alert(1))", "[x](data:text/html,hi)"]
)
def test_dangerous_link_schemes_are_dropped(source: str) -> None:
    html = render_markdown(source)
    assert "javascript" not in html.lower()
    assert "data:" not in html


def test_images_are_not_allowed() -> None:
    assert "<img" not in render_markdown("![pixel](https://tracker.example/p.gif)")


@pytest.mark.django_db
@pytest.mark.parametrize("payload", XSS_PAYLOADS[:3])
def test_every_field_renders_escaped_on_pages_and_feed(payload: str) -> None:
    from ketenwacht.alerts.models import Alert

    world = make_world()
    alert = make_alert(
        world, title=f"Titel {payload}", summary=f"Samenvatting {payload}", body=f"Body {payload}"
    )
    services.alert_indicator_add(
        actor=world.author, alert=alert, value="0612345678", note=f"notitie {payload}"
    )
    for path in (
        f"/portal/alerts/{alert.uuid}/",
        "/portal/alerts/",
        f"/portal/alerts/{alert.uuid}/versions/",
    ):
        text = client_for(world.member).get(path).content.decode()
        assert payload not in text, path
        assert "&lt;" in text, path
    Alert.objects.filter(pk=alert.pk).update(is_public=True, marking="CLEAR")
    from django.test import Client

    for path in ("/warnings/", f"/warnings/{alert.uuid}/", "/warnings/feed.atom"):
        text = Client().get(path).content.decode()
        assert payload not in text, path
        assert "&lt;" in text, path

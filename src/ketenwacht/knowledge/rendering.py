"""Markdown of the knowledge space to safe HTML.

Raw HTML in the source is shown as text (not parsed); nh3 then keeps only an allowlist of
tags and attributes: no scripts, event handlers, styles or images; links only to http(s) and
mailto, with ``rel="noopener noreferrer nofollow"``. Headings start at level 3 (the page owns
h1 and h2).
"""

from __future__ import annotations

import markdown
import nh3
from django.utils.safestring import SafeString, mark_safe
from markdown.extensions import Extension

ALLOWED_TAGS = frozenset(
    {
        "p", "br", "hr", "strong", "em", "b", "i", "code", "pre", "blockquote",
        "ul", "ol", "li", "h3", "h4", "h5", "h6", "a",
        "table", "thead", "tbody", "tr", "th", "td",
    }
)  # fmt: skip
ALLOWED_ATTRIBUTES = {"a": {"href", "title"}, "th": {"scope"}}
URL_SCHEMES = frozenset({"http", "https", "mailto"})


class _NoRawHtml(Extension):
    """Treat HTML in the source as text: no HTML block preprocessor, no inline HTML."""

    def extendMarkdown(self, md: markdown.Markdown) -> None:
        md.preprocessors.deregister("html_block")
        md.inlinePatterns.deregister("html")


def _shift_headings(html: str) -> str:
    for level in (4, 3, 2, 1):
        target = min(level + 2, 6)
        html = html.replace(f"<h{level}>", f"<h{target}>").replace(f"</h{level}>", f"</h{target}>")
    return html


def render_markdown(source: str) -> SafeString:
    html = markdown.markdown(source or "", extensions=["extra", "sane_lists", _NoRawHtml()])
    clean = nh3.clean(
        _shift_headings(html),
        tags=set(ALLOWED_TAGS),
        attributes={tag: set(attrs) for tag, attrs in ALLOWED_ATTRIBUTES.items()},
        url_schemes=set(URL_SCHEMES),
        link_rel="noopener noreferrer nofollow",
        strip_comments=True,
    )
    return mark_safe(clean)  # noqa: S308 - nh3 has sanitised it against the allowlist

"""Finding URLs in text and HTML, including defanged forms (``hxxp://evil[.]example``).

Only strings are returned here; ``hosts.analyse_url`` decides what each one points at.
"""

from __future__ import annotations

import re
from html.parser import HTMLParser

from ketenwacht.shield.constants import MAX_URL_LENGTH, MAX_URLS_PER_MESSAGE

# Defanging conventions seen in reports and threat feeds, undone before the URL search.
_DEFANG_REPLACEMENTS = (
    (re.compile(r"\bhxxp(s?)(?=\[?:)", re.IGNORECASE), r"http\1"),
    (re.compile(r"\bh\*\*p(s?)(?=\[?:)", re.IGNORECASE), r"http\1"),
    (re.compile(r"\[\s*:\s*\]//|\[://\]", re.IGNORECASE), "://"),
    (re.compile(r"\[\.\]|\(\.\)|\{\.\}|\[dot\]|\(dot\)|\{dot\}", re.IGNORECASE), "."),
    (re.compile(r"\s\[\s*dot\s*\]\s", re.IGNORECASE), "."),
)

_SCHEME_URL = re.compile(r"\b(?:https?|ftp)://[^\s<>\"'`{}|\\^\[\]]+", re.IGNORECASE)
# Bare host names in text ("ing-veilig.nl/login", "www.example.com"): a label run ending in
# letters; whether the ending is a real public suffix is checked later.
_BARE_HOST = re.compile(
    r"(?<![\w@./-])((?:[^\W_](?:[\w-]{0,61}[^\W_])?\.)+[^\W\d_]{2,63})(?::\d{1,5})?"
    r"(/[^\s<>\"'`{}|\\^\[\]]*)?",
    re.UNICODE,
)
_TRAILING_PUNCTUATION = ".,;:!?)»”’'\""
_CLOSERS = {")": "(", "]": "["}


def refang(text: str) -> str:
    """Undo defanging so ``hxxps://evil[.]example`` reads as a URL again."""
    for pattern, replacement in _DEFANG_REPLACEMENTS:
        text = pattern.sub(replacement, text)
    return text


def _trim(candidate: str) -> str:
    """Drop sentence punctuation after a URL; keep a closing bracket that has its opener."""
    while candidate and candidate[-1] in _TRAILING_PUNCTUATION + "])":
        last = candidate[-1]
        if last in _CLOSERS and candidate.count(_CLOSERS[last]) >= candidate.count(last):
            break
        candidate = candidate[:-1]
    return candidate


def urls_in_text(text: str) -> list[str]:
    """Scheme URLs first, then bare host names not already inside a scheme URL."""
    text = refang(text)
    found: list[str] = []
    covered: list[tuple[int, int]] = []
    for match in _SCHEME_URL.finditer(text):
        url = _trim(match.group(0))
        if len(url) > len(match.group(0).split("://", 1)[0]) + 3:
            found.append(url)
            covered.append((match.start(), match.start() + len(url)))
    for match in _BARE_HOST.finditer(text):
        start = match.start()
        if any(begin <= start < end for begin, end in covered):
            continue
        found.append(_trim(match.group(0)))
    return [url for url in found if len(url) <= MAX_URL_LENGTH]


class _HtmlCollector(HTMLParser):
    """Collects link targets and visible text; never fetches or renders anything."""

    LINK_ATTRIBUTES = {"a": "href", "area": "href", "form": "action", "base": "href"}
    INVISIBLE = {"script", "style", "head", "title"}

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.links: list[str] = []
        self.text_parts: list[str] = []
        self._hidden_depth = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in self.INVISIBLE:
            self._hidden_depth += 1
        attribute = self.LINK_ATTRIBUTES.get(tag)
        if attribute is None:
            return
        for name, value in attrs:
            if name == attribute and value and len(self.links) < MAX_URLS_PER_MESSAGE:
                self.links.append(value.strip())

    def handle_endtag(self, tag: str) -> None:
        if tag in self.INVISIBLE and self._hidden_depth:
            self._hidden_depth -= 1

    def handle_data(self, data: str) -> None:
        if not self._hidden_depth:
            self.text_parts.append(data)


def html_links_and_text(html: str) -> tuple[list[str], str]:
    """The ``href``/``action`` targets and the visible text of an HTML body."""
    collector = _HtmlCollector()
    try:
        collector.feed(html)
        collector.close()
    except (AssertionError, ValueError):
        # HTMLParser is lenient, but a pathological document must not stop the intake.
        pass
    links = [link for link in collector.links if _is_web_link(link)]
    return links, " ".join(collector.text_parts)


def _is_web_link(link: str) -> bool:
    lowered = refang(link).lower()
    return lowered.startswith(("http://", "https://", "ftp://", "//", "www."))


def unique(urls: list[str]) -> list[str]:
    """Keep the first of each, in order, up to the per-message limit."""
    seen: set[str] = set()
    result: list[str] = []
    for url in urls:
        if url not in seen:
            seen.add(url)
            result.append(url)
        if len(result) >= MAX_URLS_PER_MESSAGE:
            break
    return result

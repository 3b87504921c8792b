"""A form-posting HTTP client for the suites: cookies, CSRF tokens, no automatic redirects."""

from __future__ import annotations

import http.cookiejar
import re
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass

CSRF_FIELD = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: object, **kwargs: object) -> None:
        return None


@dataclass
class Page:
    status: int
    location: str
    text: str
    headers: dict[str, str]

    @property
    def csrf(self) -> str:
        match = CSRF_FIELD.search(self.text)
        assert match, f"no CSRF token on the page (status {self.status})"
        return match.group(1)


class Browser:
    def __init__(self, base: str) -> None:
        self.base = base
        self.cookies = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(self.cookies), _NoRedirect
        )

    def _open(self, request: urllib.request.Request) -> Page:
        try:
            response = self.opener.open(request, timeout=30)
        except urllib.error.HTTPError as error:
            response = error
        body = response.read().decode("utf-8", "replace")
        headers = {k.lower(): v for k, v in response.headers.items()}
        return Page(response.status, headers.get("location", ""), body, headers)

    def url(self, path: str) -> str:
        return path if path.startswith("http") else self.base + path

    def get(self, path: str) -> Page:
        return self._open(urllib.request.Request(self.url(path), headers={"Accept-Language": "en"}))

    def post(self, path: str, data: dict[str, str] | list[tuple[str, str]], csrf: str) -> Page:
        fields = list(data.items()) if isinstance(data, dict) else list(data)
        fields.append(("csrfmiddlewaretoken", csrf))
        request = urllib.request.Request(
            self.url(path),
            data=urllib.parse.urlencode(fields).encode(),
            method="POST",
            headers={
                "Content-Type": "application/x-www-form-urlencoded",
                "Accept-Language": "en",
            },
        )
        return self._open(request)

    def submit(self, path: str, data: dict[str, str] | list[tuple[str, str]]) -> Page:
        """GET the page for its CSRF token, then POST the form to it."""
        return self.post(path, data, self.get(path).csrf)

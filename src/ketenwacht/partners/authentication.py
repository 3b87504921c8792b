"""DRF authentication by organisation API token (``Authorization: Bearer kw_…``)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.utils import timezone
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from rest_framework import authentication, exceptions
from rest_framework.request import Request

from ketenwacht.partners import authz_cache, tokens
from ketenwacht.partners.models import ApiToken

# Writing last_used_at on every request would make each check a write; a minute is enough.
LAST_USED_RESOLUTION = timedelta(minutes=1)


class ApiTokenAuthentication(authentication.BaseAuthentication):
    keywords = ("bearer", "token")  # the scheme is case-insensitive (RFC 9110, 11.1)

    def authenticate(self, request: Request) -> tuple[None, ApiToken] | None:
        header = authentication.get_authorization_header(request).decode("latin-1").split()
        if not header or header[0].lower() not in self.keywords:
            return None
        if len(header) != 2:
            raise exceptions.AuthenticationFailed(
                "Ongeldige Authorization-header. / Malformed Authorization header.",
                code="malformed_token",
            )
        return None, self._token_for(header[1])

    def _token_for(self, raw: str) -> ApiToken:
        parsed = tokens.parse(raw)
        # The token, its organisation, groups and agreements from the process-local cache,
        # valid while the shared generation is unchanged (see ``authz_cache``).
        entry = authz_cache.token_entry(parsed.key_id) if parsed else None
        token = entry.token if entry is not None else None
        if (
            parsed is None
            or token is None
            or not tokens.secret_matches(parsed.secret, token.secret_hash)
        ):
            raise exceptions.AuthenticationFailed(
                "Onbekende token. / Unknown token.", code="invalid_token"
            )
        now = timezone.now()
        if token.is_revoked:
            raise exceptions.AuthenticationFailed(
                "Deze token is ingetrokken. / This token has been revoked.", code="token_revoked"
            )
        if token.is_expired(now):
            raise exceptions.AuthenticationFailed(
                "Deze token is verlopen. / This token has expired.", code="token_expired"
            )
        if not token.organisation.is_active:
            raise exceptions.AuthenticationFailed(
                "De organisatie van deze token is niet actief. / "
                "The token's organisation is inactive.",
                code="organisation_inactive",
            )
        if token.last_used_at is None or now - token.last_used_at > LAST_USED_RESOLUTION:
            ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
            token.last_used_at = now
        assert entry is not None
        return authz_cache.request_token(entry)

    def authenticate_header(self, request: Request) -> str:
        return 'Bearer realm="ketenwacht"'


class ApiTokenScheme(OpenApiAuthenticationExtension):
    """Describes the token in the OpenAPI schema (registered by being defined)."""

    target_class = ApiTokenAuthentication
    name = "apiToken"

    def get_security_definition(self, auto_schema: Any) -> dict[str, str]:
        return {
            "type": "http",
            "scheme": "bearer",
            "bearerFormat": "kw_<key id>_<secret>",
            "description": "An organisation's API token, created in the portal. Each endpoint "
            "needs one scope of the token.",
        }

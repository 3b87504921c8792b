"""One error shape for the whole platform.

A domain error carries a stable machine code, a human message (translatable, Dutch first with
English available), an HTTP status for the API and optional per-field details. Services raise
them; the API turns them into RFC 9457 problem details and pages into form messages.
"""

from __future__ import annotations

from typing import Any

from django.utils.functional import Promise


class DomainError(Exception):
    status = 400
    code = "invalid"

    def __init__(
        self,
        message: str | Promise,
        *,
        code: str | None = None,
        status: int | None = None,
        field: str | None = None,
        details: dict[str, Any] | None = None,
    ) -> None:
        super().__init__(str(message))
        self.message = message
        if code is not None:
            self.code = code
        if status is not None:
            self.status = status
        self.field = field
        self.details = details or {}

    def as_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = {"code": self.code, "detail": str(self.message)}
        if self.field:
            data["field"] = self.field
        if self.details:
            data.update(self.details)
        return data


class ValidationFailed(DomainError):
    status = 400
    code = "invalid"


class PermissionDeniedError(DomainError):
    status = 403
    code = "forbidden"


class NotFoundError(DomainError):
    status = 404
    code = "not_found"


class ConflictError(DomainError):
    status = 409
    code = "conflict"

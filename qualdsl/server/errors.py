"""Errors that become HTTP responses: a code, a message, sometimes the failing field."""

from __future__ import annotations

from collections.abc import Mapping

from qualdsl.errors import RecordError

STATUS_TEXT = {
    400: "bad request",
    401: "unauthorized",
    404: "not found",
    405: "method not allowed",
    413: "content too large",
    422: "unprocessable content",
    500: "internal server error",
    503: "service unavailable",
}


class ApiError(Exception):
    """A request the server refuses, with what the client needs to fix it."""

    def __init__(self, code: int, message: str, field: str | None = None, extra: Mapping[str, object] | None = None) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.field = field
        self.extra = dict(extra or {})

    def to_dict(self) -> dict[str, object]:
        return {"error": error_fields(self.code, self.message, self.field, self.extra)}


def error_fields(
    code: int, message: str, field: str | None = None, extra: Mapping[str, object] | None = None
) -> dict[str, object]:
    body: dict[str, object] = {"code": code, "message": message}
    if field is not None:
        body["field"] = field
    body.update(extra or {})
    return body


def unreadable(exc: RecordError) -> ApiError:
    """A lead that cannot be read, as a 422 naming the field, with the value that did not fit."""
    detail = exc.to_dict()
    return ApiError(422, str(detail["message"]), str(detail["field"]), {"value": detail["value"]})


def record_error(exc: RecordError) -> dict[str, object]:
    """The same as the ``error`` entry of one item of a batch."""
    error = unreadable(exc)
    return error_fields(error.code, error.message, error.field, error.extra)

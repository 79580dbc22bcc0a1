"""RFC 9457 problem details for every error the API returns."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel
from starlette.exceptions import HTTPException as StarletteHTTPException

PROBLEM_JSON = "application/problem+json"


class FieldError(BaseModel):
    """One offending field: where it is (``body.name``, ``query.limit``) and what is wrong."""

    field: str
    message: str
    type: str = "value_error"


class Problem(BaseModel):
    """The problem+json body (RFC 9457)."""

    type: str = "about:blank"
    title: str
    status: int
    detail: str | None = None
    instance: str | None = None
    errors: list[FieldError] | None = None


class ProblemError(Exception):
    """Raised by service functions; rendered as problem+json by the app's handler."""

    def __init__(
        self,
        status: int,
        title: str,
        detail: str | None = None,
        *,
        errors: Sequence[FieldError] | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(detail or title)
        self.status = status
        self.title = title
        self.detail = detail
        self.errors = list(errors) if errors else None
        self.headers = headers


def invalid(field: str, message: str) -> ProblemError:
    """A 422 naming one field, for rules pydantic cannot check alone (references, ranges
    that depend on stored rows)."""
    return ProblemError(
        422,
        "Dữ liệu không hợp lệ / Invalid input",
        f"{field}: {message}",
        errors=[FieldError(field=field, message=message)],
    )


def not_found(what: str) -> ProblemError:
    return ProblemError(404, "Không tìm thấy / Not found", f"{what} not found")


def conflict(detail: str, field: str | None = None) -> ProblemError:
    errors = [FieldError(field=field, message=detail, type="conflict")] if field else None
    return ProblemError(409, "Xung đột / Conflict", detail, errors=errors)


def problem_response(
    status: int,
    title: str,
    detail: str | None = None,
    *,
    instance: str | None = None,
    errors: Sequence[FieldError] | None = None,
    headers: dict[str, str] | None = None,
) -> JSONResponse:
    body = Problem(
        title=title,
        status=status,
        detail=detail,
        instance=instance,
        errors=list(errors) if errors else None,
    )
    return JSONResponse(
        body.model_dump(exclude_none=True),
        status_code=status,
        media_type=PROBLEM_JSON,
        headers=headers,
    )


def _field_path(loc: Sequence[Any]) -> str:
    return ".".join(str(part) for part in loc)


def _validation_errors(exc: RequestValidationError) -> list[FieldError]:
    errors = []
    for err in exc.errors():
        message = str(err.get("msg", "invalid")).removeprefix("Value error, ")
        loc = tuple(err.get("loc", ()))
        if err.get("type") == "json_invalid":
            # The position pydantic reports is a character offset, not a field.
            message, loc = f"Malformed JSON body: {err.get('ctx', {}).get('error', '')}", ("body",)
        errors.append(
            FieldError(
                field=_field_path(loc),
                message=message,
                type=str(err.get("type", "value_error")),
            )
        )
    return errors


_TITLES = {
    400: "Yêu cầu sai / Bad request",
    401: "Chưa xác thực / Unauthorized",
    403: "Không có quyền / Forbidden",
    404: "Không tìm thấy / Not found",
    405: "Phương thức không được phép / Method not allowed",
    409: "Xung đột / Conflict",
    413: "Nội dung quá lớn / Content too large",
    415: "Kiểu nội dung không hỗ trợ / Unsupported media type",
    422: "Dữ liệu không hợp lệ / Invalid input",
    429: "Quá nhiều yêu cầu / Too many requests",
}


def install_problem_handlers(app: FastAPI) -> None:
    @app.exception_handler(ProblemError)
    async def _problem(request: Request, exc: ProblemError) -> JSONResponse:
        return problem_response(
            exc.status,
            exc.title,
            exc.detail,
            instance=request.url.path,
            errors=exc.errors,
            headers=exc.headers,
        )

    @app.exception_handler(RequestValidationError)
    async def _validation(request: Request, exc: RequestValidationError) -> JSONResponse:
        errors = _validation_errors(exc)
        detail = "; ".join(f"{e.field}: {e.message}" for e in errors[:5])
        return problem_response(
            422, _TITLES[422], detail, instance=request.url.path, errors=errors
        )

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        title = _TITLES.get(exc.status_code, "Lỗi / Error")
        detail = exc.detail if isinstance(exc.detail, str) else None
        return problem_response(
            exc.status_code,
            title,
            detail,
            instance=request.url.path,
            headers=getattr(exc, "headers", None),
        )

    @app.exception_handler(Exception)
    async def _unexpected(request: Request, exc: Exception) -> JSONResponse:
        request.app.state.logger.exception("unhandled error", exc_info=exc)
        return problem_response(
            500, "Lỗi máy chủ / Internal server error", None, instance=request.url.path
        )

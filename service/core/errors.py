"""RFC 9457 problem details for every error the API returns."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel
from sqlalchemy import exc as sa_exc
from starlette.exceptions import HTTPException as StarletteHTTPException

from service.core.i18n import vi_en

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
        vi_en("problem.422"),
        f"{field}: {message}",
        errors=[FieldError(field=field, message=message)],
    )


def not_found(what: str) -> ProblemError:
    return ProblemError(404, vi_en("problem.404"), f"{what} not found")


def conflict(detail: str, field: str | None = None) -> ProblemError:
    errors = [FieldError(field=field, message=detail, type="conflict")] if field else None
    return ProblemError(409, vi_en("problem.409"), detail, errors=errors)


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


_SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
_TITLES = {
    400: vi_en("problem.400"),
    401: vi_en("problem.401"),
    403: vi_en("problem.403"),
    404: vi_en("problem.404"),
    405: vi_en("problem.405"),
    409: vi_en("problem.409"),
    413: vi_en("problem.413"),
    415: vi_en("problem.415"),
    422: vi_en("problem.422"),
    429: vi_en("problem.429"),
}


_ERRORS_DESCRIPTION = (
    "problem+json (RFC 9457): 401 without credentials, 403 with the wrong ones, 404 unknown "
    "or not yours, 409 conflict, 413 body too large, 422 invalid input naming the fields"
)


def _document_problems(app: FastAPI) -> None:
    """Every operation in the OpenAPI schema answers its errors as problem+json, so
    clients (and schema-driven fuzzers) can rely on the error body's shape."""
    build = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is not None:
            return app.openapi_schema
        schema = build()
        problem = Problem.model_json_schema(ref_template="#/components/schemas/{model}")
        components = schema.setdefault("components", {}).setdefault("schemas", {})
        components.update(problem.pop("$defs", {}))
        components["Problem"] = problem
        content = {PROBLEM_JSON: {"schema": {"$ref": "#/components/schemas/Problem"}}}
        for path_item in schema.get("paths", {}).values():
            for operation in path_item.values():
                responses = operation.setdefault("responses", {})
                responses.setdefault("4XX", {"description": _ERRORS_DESCRIPTION})
                for status, response in responses.items():
                    # A route that documents another error body (HTML, calendar) keeps it.
                    media_types = set(response.get("content", {}))
                    if status[:1] in ("4", "5") and media_types <= {"application/json"}:
                        response["content"] = dict(content)
        app.openapi_schema = schema
        return schema

    app.openapi = openapi  # type: ignore[method-assign]


def install_problem_handlers(app: FastAPI) -> None:
    _document_problems(app)

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
        return problem_response(422, _TITLES[422], detail, instance=request.url.path, errors=errors)

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        title = _TITLES.get(exc.status_code, vi_en("problem.error"))
        detail = exc.detail if isinstance(exc.detail, str) else None
        return problem_response(
            exc.status_code,
            title,
            detail,
            instance=request.url.path,
            headers=getattr(exc, "headers", None),
        )

    @app.exception_handler(sa_exc.DataError)
    async def _unrepresentable(request: Request, exc: sa_exc.DataError) -> JSONResponse:
        # The database refused a value the validators let through (a number beyond its
        # integer range in a query or body, say): the client's input, not a server fault.
        # The driver's message quotes SQL and parameters, so it stays out of the answer.
        return problem_response(
            422,
            _TITLES[422],
            "A value is out of the range the database can store or compare",
            instance=request.url.path,
        )

    @app.exception_handler(sa_exc.DBAPIError)
    async def _database(request: Request, exc: sa_exc.DBAPIError) -> JSONResponse:
        if not exc.connection_invalidated or request.method not in _SAFE_METHODS:
            return await _unexpected(request, exc)
        # The server closed a pooled connection (a restart, a failover) since its last
        # use (see core.database): the pool has been renewed, and the same read now
        # succeeds. A write stays a 500: whether it was stored before the connection
        # went is unknown, and a retry could store it twice.
        request.app.state.logger.warning("a database connection was lost: %s", exc.orig)
        return problem_response(
            503,
            vi_en("problem.503"),
            "The connection to the database was lost; send the request again",
            instance=request.url.path,
            headers={"Retry-After": "1"},
        )

    @app.exception_handler(Exception)
    async def _unexpected(request: Request, exc: Exception) -> JSONResponse:
        request.app.state.logger.exception("unhandled error", exc_info=exc)
        return problem_response(500, vi_en("problem.500"), None, instance=request.url.path)

"""What every router of the JSON API (/api/v1/) shares: who is calling, and the error body.

Callers
  * a logged-in user of our pages: the session cookie, and for unsafe methods the CSRF token
    (the `X-CSRFToken` header, as the pages send it). Reads are scoped like the pages: the
    subtrees of the user's roles (the selectors of each app).
  * another system: an API key (doorstep/open311/keys.py, the same keys as Open311), sent as
    `Authorization: Bearer <key>` or `X-Api-Key: <key>`. A key reads within its jurisdictions
    with the scope "read". With the scope "cases" it makes a few case moves through its service
    account (`keys.CASE_MOVES`: accept and close its own transfers, handle cases handed to it);
    other moves need a person (403 `key_cannot_act`), a key without the scope 403
    `scope_missing`. Keys are counted per minute (429 past the limit) and every use is logged
    with its status. Service accounts never get a page session.

Errors are one JSON body everywhere: {"code": "<stable code>", "message": "<Chinese>"} and, for
bad input, "errors": {field: [messages]}. 401 not logged in / bad key, 403 not allowed,
404 not found or out of scope (never 403: an outsider learns nothing), 409 a conflicting
change (not allowed in the current state, or someone else changed it first), 422 bad input,
429 too many requests.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cached_property

from django.core.exceptions import PermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404, HttpRequest
from django.utils.translation import gettext as _
from ninja import Schema
from ninja.errors import AuthenticationError, HttpError
from ninja.errors import ValidationError as NinjaValidationError
from ninja.security import APIKeyHeader, HttpBearer, SessionAuth

from doorstep.core.scoping import EVERYTHING, NOTHING, Scope

KEY_ATTR = "_doorstep_api_key"


class ApiError(Exception):
    """An error answer with a stable code and a (translated) message."""

    def __init__(self, status: int, code: str, message: str, errors: dict | None = None):
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = str(message)
        self.errors = errors


class ErrorOut(Schema):
    code: str
    message: str
    errors: dict[str, list[str]] | None = None


# The error answers an endpoint declares (OpenAPI); a read adds 404, a change 409 and 422.
READ_ERRORS = {401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 422: ErrorOut, 429: ErrorOut}
WRITE_ERRORS = {**READ_ERRORS, 409: ErrorOut}


# --- who is calling ------------------------------------------------------------------------------


@dataclass
class Caller:
    """A logged-in user or an API key (exactly one of them)."""

    user: object | None = None
    key: object | None = None
    request: object | None = None

    def __bool__(self) -> bool:
        return self.user is not None or self.key is not None

    @cached_property
    def scope(self) -> Scope:
        """The regions this caller reads: the user's roles' subtrees, or the key's jurisdictions'."""
        if self.user is not None:
            from doorstep.territory.selectors import scope_for

            return scope_for(self.user)
        if self.key is None:
            return NOTHING
        if self.key.jurisdictions.filter(parent__isnull=True).exists():
            return EVERYTHING  # the whole city: no id list to carry around
        return Scope(region_ids=frozenset(_key_subtree(self.key)))

    def require_user(self):
        """Who acts: the logged-in person, or for a key allowed this case move its service
        account; 403 otherwise (a case outside the key's area is left to the endpoint's 404)."""
        if self.user is not None:
            return self.user
        if self.key is None:
            raise ApiError(401, "unauthenticated", _("Please log in or send an API key."))
        return _key_account(self)


_CASE_MOVE = re.compile(r"^/api/v1/cases/(?P<number>[^/]+)/(?P<action>[a-z_]+)/?$")


def _key_account(who: Caller):
    from doorstep.demands.models import Case
    from doorstep.open311 import keys

    key = who.key
    m = _CASE_MOVE.match(getattr(who.request, "path", "") or "")
    if m is None:  # not a case move (a vote, a post, "my" pages): always a person
        raise ApiError(403, "key_cannot_act", _("An API key cannot do this: a person has to."))
    if "cases" not in key.scopes:
        raise ApiError(403, "scope_missing", _("This API key may read but not change cases."))
    if m["action"] not in keys.CASE_MOVES:
        raise ApiError(403, "key_cannot_act", _("An API key cannot make this move: a person has to."))
    case = who.scope.filter(Case.objects.filter(number=m["number"]), "region").only(
        "pk", "demand_id", "assignee_id"
    )
    case = case.first()
    if case is not None:
        refusal = keys.case_move_refusal(key, m["action"], case)
        if refusal:
            raise ApiError(403, "forbidden", refusal)
    account = key.account
    if account is None or not account.is_active:
        raise ApiError(403, "key_cannot_act", _("This API key has no active service account."))
    return account


def _key_subtree(key) -> list[int]:
    from doorstep.territory.selectors import subtree_ids

    ids: set[int] = set()
    for pk in key.jurisdictions.values_list("pk", flat=True):
        ids |= subtree_ids(pk)
    return sorted(ids)


def caller(request: HttpRequest) -> Caller:
    found = getattr(request, "auth", None)
    return found if isinstance(found, Caller) else Caller()


def _key_caller(request: HttpRequest, raw: str | None) -> Caller | None:
    from doorstep.open311 import keys

    if not raw:
        return None
    key = keys.find_key(raw)
    if key is None:
        raise ApiError(401, "invalid_key", _("The API key is unknown or revoked."))
    setattr(request, KEY_ATTR, key)
    if keys.over_limit(key):
        raise ApiError(
            429,
            "rate_limited",
            _("Too many requests: at most %(n)d per minute.") % {"n": key.rate_per_minute},
        )
    if "read" not in key.scopes:
        raise ApiError(403, "scope_missing", _("This API key may not read."))
    return Caller(key=key, request=request)


class KeyHeader(APIKeyHeader):
    """`X-Api-Key: <key>`."""

    param_name = "X-Api-Key"

    def authenticate(self, request, key):
        return _key_caller(request, key)


class KeyBearer(HttpBearer):
    """`Authorization: Bearer <key>`."""

    def authenticate(self, request, token):
        return _key_caller(request, token)


class Session(SessionAuth):
    """The session cookie of our pages; unsafe methods also need the CSRF token."""

    def authenticate(self, request, key):
        from doorstep.open311.keys import is_service_account

        user = super().authenticate(request, key)
        if user is None or not user.is_active or is_service_account(user):
            return None
        return Caller(user=user)


AUTH = [KeyBearer(), KeyHeader(), Session()]


# --- the error body --------------------------------------------------------------------------------


def _field_errors(errors) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for err in errors or ():
        loc = [str(p) for p in err.get("loc", ()) if p not in ("body", "query", "path", "payload")]
        name = ".".join(loc[-2:] if len(loc) > 1 and loc[0] in ("params", "filters") else loc) or "__all__"
        out.setdefault(name, []).append(str(err.get("msg", "")))
    return out


def install_errors(api) -> None:
    """Give every error of `api` the one body (code, Chinese message, field errors)."""

    def answer(request, status, code, message, errors=None):
        body = {"code": code, "message": str(message)}
        if status == 422 and not errors:
            errors = {"__all__": [str(message)]}  # bad input always says which field (or all)
        if errors:
            body["errors"] = errors
        response = api.create_response(request, body, status=status)
        if status == 429:
            response["Retry-After"] = "60"
        return response

    def api_error(request, exc: ApiError):
        return answer(request, exc.status, exc.code, exc.message, exc.errors)

    def http_error(request, exc: HttpError):
        status = exc.status_code
        if isinstance(exc, AuthenticationError) or status == 401:
            return answer(request, 401, "unauthenticated", _("Please log in or send an API key."))
        if status == 403:
            text = str(exc)
            if "CSRF" in text:
                return answer(request, 403, "csrf_failed", _("The CSRF token is missing or wrong."))
            return answer(request, 403, "forbidden", _("You may not do this."))
        codes = {404: "not_found", 409: "conflict", 422: "invalid", 429: "rate_limited"}
        return answer(request, status, codes.get(status, "error"), str(exc))

    def validation_error(request, exc: NinjaValidationError):
        return answer(
            request, 422, "invalid", _("Some values are missing or wrong."), _field_errors(exc.errors)
        )

    def not_found(request, exc):
        return answer(request, 404, "not_found", _("Not found."))

    def forbidden(request, exc):
        return answer(request, 403, "forbidden", str(exc) or _("You may not do this."))

    def django_invalid(request, exc: DjangoValidationError):
        errors = (
            {k: [str(m) for m in v] for k, v in exc.message_dict.items()}
            if hasattr(exc, "error_dict")
            else {"__all__": [str(m) for m in exc.messages]}
        )
        return answer(request, 422, "invalid", " ".join(str(m) for m in exc.messages), errors)

    api.add_exception_handler(ApiError, api_error)
    api.add_exception_handler(HttpError, http_error)
    api.add_exception_handler(NinjaValidationError, validation_error)
    api.add_exception_handler(Http404, not_found)
    api.add_exception_handler(PermissionDenied, forbidden)
    api.add_exception_handler(DjangoValidationError, django_invalid)


def _has_nul(request) -> bool:
    """A NUL character anywhere in the path, the query or a JSON/form body (PostgreSQL cannot
    store one in text, and no meaningful value holds one)."""
    if "\x00" in request.path or "%00" in request.META.get("QUERY_STRING", "").lower():
        return True
    if request.method not in ("POST", "PUT", "PATCH"):
        return False
    kind = request.META.get("CONTENT_TYPE", "")
    if kind.startswith("application/json"):
        return b"\\u0000" in request.body.lower() or b"\x00" in request.body
    if kind.startswith("application/x-www-form-urlencoded"):
        return b"%00" in request.body or b"\x00" in request.body
    return False


class ApiMiddleware:
    """For /api/: refuse a NUL character in the input with 422 `invalid` (before any handler
    could try to store it), and log every use of an API key with the status answered."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.path.startswith("/api/") and _has_nul(request):
            from django.http import JsonResponse

            message = _("The request holds a NUL character, which is not allowed.")
            return JsonResponse(
                {"code": "invalid", "message": message, "errors": {"__all__": [message]}},
                status=422,
                json_dumps_params={"ensure_ascii": False},
            )
        response = self.get_response(request)
        key = getattr(request, KEY_ATTR, None)
        if key is not None:
            from doorstep.open311 import keys

            keys.log_use(key, method=request.method, endpoint=request.path, status=response.status_code)
        return response

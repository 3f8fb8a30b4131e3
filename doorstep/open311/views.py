"""GeoReport v2 endpoints at /open311/v2/ (see /work/shared/domain/open311.md), XML and JSON.

`jurisdiction_id` is a region code: unknown → 404; it is required on the request endpoints
(we serve several jurisdictions) → 400 when missing, optional on discovery and services.
`api_key` is required to POST requests (403 when missing, unknown or revoked); a GET may send
one to read back its own requests in full. Keys are checked against their jurisdictions and
scopes (403), counted per minute (429 past the key's limit) and every use is logged.
Settings: DOORSTEP_OPEN311_OPEN_READS (default true: GETs need no key, as the spec says),
DOORSTEP_OPEN311_CONTACT (discovery's contact), DOORSTEP_OPEN311_TYPE (production|test).
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from functools import wraps

from django.conf import settings
from django.core.exceptions import ValidationError
from django.http import Http404
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt

from doorstep.demands.models import Demand
from doorstep.territory.models import Region
from doorstep.territory.selectors import subtree_ids

from . import catalog, keys, selectors, services
from .formats import errors, render, utc
from .models import ApiKey, Submission

CHANGESET = datetime(2026, 11, 26, tzinfo=UTC)
SPECIFICATION = "http://wiki.open311.org/GeoReport_v2"
WINDOW = timedelta(days=90)


class Refusal(Exception):
    """An error answer: HTTP status and descriptions."""

    def __init__(self, status: int, *descriptions: str):
        super().__init__(descriptions)
        self.status = status
        self.descriptions = descriptions


def _param(request, name: str) -> str | None:
    """A parameter from the query string or the form; empty counts as missing."""
    source = request.POST if request.method == "POST" else request.GET
    value = (source.get(name) or request.GET.get(name) or "").strip()
    return value or None


def _open_reads() -> bool:
    return bool(getattr(settings, "DOORSTEP_OPEN311_OPEN_READS", True))


def endpoint(*, methods=("GET",), jurisdiction: str = "optional", scope: str | None = None):
    """Wrap a view: format, method, key, rate limit, jurisdiction, errors and the use log.

    `jurisdiction`: "optional" or "required"; `scope`: the key scope the method needs ("submit"
    for POST); with DOORSTEP_OPEN311_OPEN_READS off, reads need a key with "read".
    """

    def wrap(view):
        @csrf_exempt
        @wraps(view)
        def handler(request, fmt, **kwargs):
            key = None
            try:
                if request.method not in methods:
                    raise Refusal(
                        400, _("Method %(method)s is not allowed here.") % {"method": request.method}
                    )
                raw = _param(request, "api_key")
                if raw is not None:
                    key = keys.find_key(raw)
                    if key is None:
                        raise Refusal(403, _("Invalid or revoked api_key."))
                need = scope if request.method == "POST" else (None if _open_reads() else "read")
                if need and key is None:
                    raise Refusal(403, _("api_key is required."))
                if key is not None:
                    if keys.over_limit(key):
                        raise Refusal(
                            429,
                            _("Too many requests: at most %(n)d per minute.") % {"n": key.rate_per_minute},
                        )
                    if need and need not in key.scopes:
                        raise Refusal(403, _("This api_key may not %(scope)s.") % {"scope": need})
                region = region_ids = None
                code = _param(request, "jurisdiction_id")
                if code is None and jurisdiction == "required":
                    raise Refusal(400, _("jurisdiction_id is required (a region code, e.g. 360902)."))
                if code is not None:
                    region = Region.objects.filter(code=code).first()
                    if region is None:
                        raise Refusal(404, _("Unknown jurisdiction_id “%(code)s”.") % {"code": code})
                    if key is not None and jurisdiction == "required" and not keys.covers(key, region):
                        raise Refusal(
                            403, _("This api_key is not valid for jurisdiction %(code)s.") % {"code": code}
                        )
                    region_ids = subtree_ids(region) if jurisdiction == "required" else None
                ctx = Context(request, fmt, key, region, region_ids)
                response = view(ctx, **kwargs)
            except Refusal as refusal:
                response = errors(fmt, refusal.status, *refusal.descriptions)
            except Http404:
                response = errors(fmt, 404, _("Not found."))
            if key is not None:
                keys.log_use(key, method=request.method, endpoint=request.path, status=response.status_code)
            if response.status_code == 429:
                response["Retry-After"] = "60"
            return response

        return handler

    return wrap


class Context:
    def __init__(self, request, fmt, key: ApiKey | None, region: Region | None, region_ids):
        self.request = request
        self.fmt = fmt
        self.key = key
        self.region = region
        self.region_ids = region_ids

    def reader(self) -> selectors.Reader:
        return selectors.Reader(
            key_id=self.key.pk if self.key else None, absolute=self.request.build_absolute_uri
        )

    def render(self, root: str, data, status: int = 200):
        return render(self.fmt, root, data, status)


# --- discovery and services ------------------------------------------------------------------


@endpoint()
def discovery(ctx: Context):
    return ctx.render(
        "discovery",
        {
            "changeset": utc(CHANGESET),
            "contact": getattr(settings, "DOORSTEP_OPEN311_CONTACT", "") or "",
            "key_service": _("API keys are issued by the city administrators (staff console)."),
            "endpoints": [
                {
                    "specification": SPECIFICATION,
                    "url": ctx.request.build_absolute_uri(reverse("open311:root")).rstrip("/"),
                    "changeset": utc(CHANGESET),
                    "type": getattr(settings, "DOORSTEP_OPEN311_TYPE", "production"),
                    "formats": ["text/xml", "application/json"],
                }
            ],
        },
    )


@endpoint()
def service_list(ctx: Context):
    return ctx.render("services", [catalog.service_row(c) for c in catalog.services()])


@endpoint()
def service_definition(ctx: Context, code: str):
    category = catalog.service(code)
    if category is None:
        raise Refusal(404, _("Unknown service_code “%(code)s”.") % {"code": code})
    return ctx.render("service_definition", catalog.definition(category))


# --- requests --------------------------------------------------------------------------------


def _date(ctx: Context, name: str) -> datetime | None:
    text = _param(ctx.request, name)
    if text is None:
        return None
    text = text.replace("Z", "+00:00").replace("z", "+00:00")
    for candidate in (text, text[:19] + text[19:].replace(" ", "+")):  # "+08:00" sent unencoded
        try:
            moment = datetime.fromisoformat(candidate)
            break
        except ValueError:
            continue
    else:
        raise Refusal(400, _("%(name)s is not a W3C date-time.") % {"name": name})
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _window(ctx: Context) -> tuple[datetime, datetime]:
    start, end = _date(ctx, "start_date"), _date(ctx, "end_date")
    if start is None and end is None:
        end = timezone.now()
    if start is None:
        start = end - WINDOW
    if end is None:
        end = start + WINDOW
    if end < start:
        raise Refusal(400, _("end_date is before start_date."))
    if end - start > WINDOW:
        raise Refusal(400, _("start_date and end_date may be at most 90 days apart."))
    return start, end


def _int(ctx: Context, name: str, default: int, low: int, high: int) -> int:
    text = _param(ctx.request, name)
    if text is None:
        return default
    if not text.isdigit() or not low <= int(text) <= high:
        raise Refusal(
            400,
            _("%(name)s is a whole number from %(low)d to %(high)d.")
            % {"name": name, "low": low, "high": high},
        )
    return int(text)


def _paging(ctx: Context) -> tuple[int, int]:
    size = _int(ctx, "page_size", selectors.MAX_RESULTS, 1, selectors.MAX_RESULTS)
    page = _int(ctx, "page", 1, 1, 1_000_000)
    return (page - 1) * size, size


def _comma(ctx: Context, name: str) -> list[str]:
    return [v.strip() for v in (_param(ctx.request, name) or "").split(",") if v.strip()]


def _extensions(ctx: Context) -> bool:
    return (_param(ctx.request, "extensions") or "").lower() == "true"


@endpoint(methods=("GET", "POST"), jurisdiction="required", scope="submit")
def requests(ctx: Context):
    if ctx.request.method == "POST":
        return _post(ctx)
    qs = selectors.visible(ctx.region_ids)
    ids = _comma(ctx, "service_request_id")
    if ids:
        qs = qs.filter(number__in=ids[: selectors.MAX_RESULTS])
    else:
        start, end = _window(ctx)
        qs = qs.filter(received_at__gte=start, received_at__lte=end)
        codes = _comma(ctx, "service_code")
        if codes:
            qs = qs.filter(category__code__in=codes)
        statuses = _comma(ctx, "status")
        if set(statuses) - {selectors.OPEN, selectors.CLOSED}:
            raise Refusal(400, _("status is open, closed or both (comma-separated)."))
        if len(set(statuses)) == 1:
            qs = qs.filter(selectors.status_q(statuses[0]))
    offset, size = _paging(ctx)
    demands = list(selectors.with_related(qs).order_by("-received_at", "-pk")[offset : offset + size])
    rows = selectors.request_rows(demands, ctx.reader(), extensions=_extensions(ctx))
    return ctx.render("service_requests", rows)


def _post(ctx: Context):
    try:
        sub = services.submit_request(
            key=ctx.key,
            jurisdiction=ctx.region,
            region_ids=ctx.region_ids,
            data=ctx.request.POST,
            files=ctx.request.FILES.getlist("media"),
        )
    except ValidationError as exc:
        if hasattr(exc, "error_dict"):
            problems = [f"{field}: {m}" for field, msgs in exc.message_dict.items() for m in msgs]
        else:
            problems = list(exc.messages)
        raise Refusal(400, *problems) from None
    demand = sub.demand
    notice = _("Received as %(number)s.") % {"number": demand.number}
    if demand.repeat_of_id:
        notice += " " + _("The same matter was reported before as %(number)s.") % {
            "number": demand.repeat_of.number
        }
    return ctx.render(
        "service_requests",
        [
            {
                "service_request_id": demand.number,
                "token": sub.token,
                "service_notice": notice,
                "account_id": sub.account_id,
            }
        ],
        status=201,
    )


@endpoint(jurisdiction="required")
def request_detail(ctx: Context, number: str):
    demand = selectors.with_related(selectors.visible(ctx.region_ids).filter(number=number)).first()
    if demand is None:
        raise Refusal(404, _("Unknown service_request_id “%(id)s”.") % {"id": number})
    return ctx.render(
        "service_requests", selectors.request_rows([demand], ctx.reader(), extensions=_extensions(ctx))
    )


@endpoint(jurisdiction="required")
def token(ctx: Context, token: str):
    sub = (
        Submission.objects.filter(token=token, demand__region_id__in=sorted(ctx.region_ids))
        .exclude(demand__triage=Demand.Triage.OUTSIDE)
        .select_related("demand")
        .first()
    )
    if sub is None:
        raise Refusal(404, _("Unknown token."))
    return ctx.render("service_requests", [{"service_request_id": sub.demand.number, "token": sub.token}])


@endpoint(jurisdiction="required")
def request_updates(ctx: Context):
    start, end = _window(ctx)
    offset, size = _paging(ctx)
    rows = selectors.updates(
        ctx.region_ids,
        start=start,
        end=end,
        key_id=ctx.key.pk if ctx.key else None,
        offset=offset,
        limit=size,
    )
    return ctx.render("service_request_updates", rows)


def root(request):
    raise Http404

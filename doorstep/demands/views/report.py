"""Intake pages, mounted at /demands/report/ (names demands:report_...).

* the phone page (随手拍) for residents and riders: photos resized in the browser, a point from the
  phone or a tap on the map, a suggested category, similar open reports nearby with "me too";
* the staff entry for 12345 transfers, door visits, grid patrols, online groups and observers;
* the thank-you page with the demand number;
* the photo files, each served only to those who may see it.

Both forms post to their own page. With JavaScript the page sends the form itself (progress bar,
photos made small first) and asks for JSON; without it the browser posts the form and gets the
page back with the messages. Either way `intake.submit_demand` decides.
"""

from __future__ import annotations

import hashlib
import re
import uuid

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import FileResponse, Http404, HttpResponse, HttpResponseNotModified, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from doorstep.core.coords import WGS84, distance_m, parse_point
from doorstep.territory.locate import locate_point
from doorstep.territory.models import Person, Region
from doorstep.territory.selectors import regions_visible, scope_for

from .. import intake
from .. import photos as photo_files
from ..models import Case, Category, Demand, Follow, Photo

C = Demand.Channel
STAFF_CHANNEL_CHOICES = [(c, C(c).label) for c in (C.HOTLINE, C.VISIT, C.PATROL, C.ONLINE_GROUP, C.OBSERVER)]
_KEY = re.compile(r"^[0-9a-fA-F-]{16,64}$")
_DIGITS = re.compile(r"\d{5,}")
COMPOUND_OPTIONS = 400  # more compounds in scope than this: search by name instead of one long list
MAP_AREAS = 300
ZOOM = {
    Region.Level.CITY: 11,
    Region.Level.COUNTY: 12,
    Region.Level.SUBDISTRICT: 14,
    Region.Level.COMMUNITY: 15,
    Region.Level.COMPOUND: 17,
}


# --- shared bits ----------------------------------------------------------------------------------


def _wants_json(request) -> bool:
    return "application/json" in request.headers.get("Accept", "")


def _errors(exc: ValidationError) -> dict[str, list[str]]:
    if hasattr(exc, "error_dict"):
        return {
            field: [str(m) for m in ValidationError(errs).messages] for field, errs in exc.error_dict.items()
        }
    return {"__all__": [str(m) for m in exc.messages]}


def _person(user) -> Person | None:
    return (
        Person.objects.filter(user=user, anonymised_at__isnull=True)
        .select_related("home_region")
        .prefetch_related("tags")
        .first()
    )


def _categories():
    """Active minor classes grouped under their major class, for the <select>."""
    groups: dict[int, tuple[Category, list[Category]]] = {}
    for c in Category.objects.filter(active=True, parent__isnull=False).select_related("parent"):
        groups.setdefault(c.parent_id, (c.parent, []))[1].append(c)
    return sorted(groups.values(), key=lambda g: g[0].code)


def _map_config(anchor: Region | None) -> dict:
    """Where the map opens and the outlines it draws (no tiles: outlines are the reference)."""
    if anchor is None:
        anchor = Region.objects.filter(parent__isnull=True).order_by("code").first()
    areas = []
    center = [27.81, 114.40]
    zoom = 12
    if anchor is not None:
        if anchor.centroid_lat is not None and anchor.centroid_lng is not None:
            center = [anchor.centroid_lat, anchor.centroid_lng]
        zoom = ZOOM.get(anchor.level, 12)
        # Outlines of the community and its compounds only: small shapes, a small page. Counties
        # and cities would cost a slow phone hundreds of kilobytes for little help.
        outline = anchor.parent if anchor.level == Region.Level.COMPOUND else anchor
        if outline is not None and outline.level == Region.Level.COMMUNITY:
            rows = (
                Region.objects.filter(parent=outline, level=Region.Level.COMPOUND)
                .only("name", "boundary", "level")
                .order_by("code")[:MAP_AREAS]
            )
            for r in [outline, *rows]:
                if r.boundary:
                    kind = "compound" if r.level == Region.Level.COMPOUND else "region"
                    areas.append({"name": r.name, "geometry": r.boundary, "kind": kind})
    return {
        "center": center,
        "zoom": zoom,
        "areas": areas,
        "tiles": settings.DOORSTEP_TILE_URL,
        "tile_system": getattr(settings, "DOORSTEP_TILE_SYSTEM", WGS84),
    }


def _link(name: str, *candidates) -> str:
    """A URL of another helper's page if it exists (it may not be built yet)."""
    for args in candidates:
        try:
            return reverse(name, args=args)
        except NoReverseMatch:
            continue
    return ""


def _new_key() -> str:
    return uuid.uuid4().hex


def _submission_key(request) -> str:
    key = request.POST.get("key", "")
    return f"{request.user.pk}:{key}" if _KEY.match(key) else ""


PHONE_FIELDS = frozenset({"photos", "location", "text", "category"})
STAFF_FIELDS = PHONE_FIELDS | {
    "channel",
    "external_ticket",
    "received_at",
    "contact_phone",
    "contact_name",
    "reporter",
    "region",
    "address",
}


def _js_strings() -> dict[str, str]:
    """Messages the page's script shows (translated here, like every other string)."""
    return {
        "preparing": _("Preparing…"),
        "remove": _("Remove"),
        "photo": _("Photo"),
        "unreadable": _("No preview: sent as it is"),
        "too_many": _("At most %(max)s photos: %(skipped)s were left out."),
        "photo_count": _("%(n)s of %(max)s photos. They are made smaller on your phone before sending."),
        "marked": _("Place marked on the map."),
        "locating": _("Finding your position…"),
        "located": _("Your position is used (within about %(m)s m)."),
        "no_position": _("Your position is not available: tap the map where the problem is."),
        "preparing_send": _("Preparing the photos…"),
        "uploading": _("Sending… %(pct)s%%"),
        "sent": _("Sent: number %(number)s"),
        "check": _("The report was not sent: please check the marked fields."),
        "server_error": _(
            "The report was not sent (the server answered %(status)s). Everything you filled in is still "
            "here: please try again in a moment."
        ),
        "network": _(
            "The network is too slow or down: the report was not sent. Everything you filled in, photos "
            "included, is still here: press send again."
        ),
    }


def _respond(request, template: str, context: dict, *, demand: Demand | None, errors: dict):
    if demand is not None:
        url = reverse("demands:report_thanks", args=[demand.number])
        if _wants_json(request):
            return JsonResponse({"ok": True, "number": demand.number, "url": url})
        return redirect(url)
    if _wants_json(request):
        return JsonResponse(
            {
                "ok": False,
                "errors": errors,
                "message": _("The report was not sent: please check the marked fields."),
            },
            status=400,
        )
    shown = STAFF_FIELDS if template.endswith("staff.html") else PHONE_FIELDS
    other = [m for field, messages in errors.items() if field not in shown for m in messages]
    context.update(errors=errors, other_errors=other, failed=True)
    return render(request, template, context, status=400)


# --- the phone page (随手拍) --------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def report(request):
    """The resident's and rider's phone report."""
    person = _person(request.user)
    rider = bool(person and any(t.slug in intake.RIDER_TAGS for t in person.tags.all()))
    values = {"text": "", "category": "", "lng": "", "lat": "", "system": WGS84, "anonymous": False}
    demand = None
    errors: dict = {}
    if request.method == "POST":
        values = {
            "text": request.POST.get("text", ""),
            "category": request.POST.get("category", ""),
            "lng": request.POST.get("lng", ""),
            "lat": request.POST.get("lat", ""),
            "system": request.POST.get("system", WGS84) or WGS84,
            "anonymous": request.POST.get("anonymous") in ("1", "on", "true"),
        }
        try:
            demand = intake.submit_demand(
                channel=C.RIDER if rider else C.PHONE,
                text=values["text"],
                by=request.user,
                reporter=person,
                anonymous=values["anonymous"],
                lng=values["lng"] or None,
                lat=values["lat"] or None,
                system=values["system"],
                photos=request.FILES.getlist("photos"),
                category=values["category"] or None,
                idempotency_key=_submission_key(request),
            )
        except ValidationError as exc:
            errors = _errors(exc)
    anchor = person.home_region if person else None
    context = {
        "values": values,
        "rider": rider,
        "person": person,
        "categories": _categories(),
        "map": _map_config(anchor),
        "key": request.POST.get("key") if errors and _KEY.match(request.POST.get("key", "")) else _new_key(),
        "max_photos": intake.MAX_PHOTOS,
        "js_strings": _js_strings(),
        "text_max": intake.text_limits()[1],
    }
    if request.method == "GET":
        return render(request, "demands/report/report.html", context)
    return _respond(request, "demands/report/report.html", context, demand=demand, errors=errors)


def _excerpt(text: str, length: int = 60) -> str:
    """A short, safe piece of someone else's report: long digit runs (phones, IDs) hidden."""
    text = _DIGITS.sub(lambda m: m.group(0)[:2] + "…", " ".join(text.split()))
    return text if len(text) <= length else text[: length - 1] + "…"


@login_required
@require_GET
def nearby(request):
    """GET ?lng=&lat=&system=&category= → where that is, and similar open reports near it."""
    try:
        point = parse_point(
            request.GET.get("lng"), request.GET.get("lat"), request.GET.get("system") or WGS84
        )
    except ValidationError as exc:
        return render(request, "demands/report/_nearby.html", {"problem": " ".join(exc.messages)})
    location = locate_point(point)
    category = None
    raw = request.GET.get("category", "")
    if raw.isdigit():
        category = Category.objects.filter(pk=int(raw), active=True).first()
    items = []
    if location.inside or getattr(settings, "DOORSTEP_CITY_DESK_REGION", ""):
        from ..similar import similar_open

        found = similar_open(point.lng, point.lat, category=category, limit=5)
        mine = set(
            Follow.objects.filter(
                user=request.user, demand__in=[d.pk for d in found], me_too=True
            ).values_list("demand_id", flat=True)
        )
        for d in found:
            items.append(
                {
                    "demand": d,
                    "excerpt": _excerpt(d.text),
                    "distance": round(distance_m(point.lng, point.lat, d.lng, d.lat))
                    if d.lng is not None
                    else None,
                    "own": d.reporter_user_id == request.user.pk,
                    "counted": d.pk in mine,
                }
            )
    return render(request, "demands/report/_nearby.html", {"location": location, "items": items})


@login_required
@require_POST
def me_too(request, number):
    """我也遇到了 on a similar report while reporting: +1 and follow, the form stays as it is."""
    demand = get_object_or_404(Demand.objects.exclude(triage=Demand.Triage.DUPLICATE), number=number)
    problem = ""
    try:
        intake.me_too(demand, request.user)
    except (ValidationError, PermissionDenied) as exc:
        problem = " ".join(exc.messages) if isinstance(exc, ValidationError) else str(exc)
    demand.refresh_from_db(fields=["me_too_count"])
    context = {
        "demand": demand,
        "problem": problem,
        "detail_url": _link("demands:public_report", [demand.number]),
    }
    if request.htmx:
        return render(request, "demands/report/_me_too.html", context)
    return render(request, "demands/report/me_too.html", context, status=400 if problem else 200)


@login_required
@require_GET
def thanks(request, number):
    """The number of the report just sent, and where to follow it."""
    demand = get_object_or_404(
        Demand.objects.select_related("category", "region"),
        number=number,
    )
    if request.user.pk not in (demand.reporter_user_id, demand.entered_by_id):
        raise Http404
    case = Case.objects.filter(demand=demand).first()
    due = ""
    if case is not None and case.accept_due:
        from ..deadlines import due_label

        due = due_label(case.accept_due)
    staff = demand.channel in intake.STAFF_CHANNELS
    context = {
        "demand": demand,
        "case": case,
        "due": due,
        "staff": staff,
        "photo_count": demand.photos.count(),
        "detail_url": "" if staff else _link("demands:resident_detail", [demand.number]),
        "case_url": _link("demands:staff_case", [case.pk]) if staff and case else "",
        "again_url": reverse("demands:report_staff" if staff else "demands:report"),
    }
    return render(request, "demands/report/thanks.html", context)


# --- staff entry ---------------------------------------------------------------------------------


def _staff_scope(user):
    scope = scope_for(user)
    if scope.is_empty or not (scope.everything or scope.role_kinds & intake.STAFF_KINDS):
        raise PermissionDenied(_("Only staff can enter reports here."))
    return scope


def _compounds(user, query: str = ""):
    qs = regions_visible(user).filter(level=Region.Level.COMPOUND)
    if query:
        qs = qs.filter(name__icontains=query)
    return qs.select_related("parent").only("name", "code", "parent__name").order_by("parent__name", "name")


def _grouped(compounds) -> list[tuple[str, list[Region]]]:
    groups: dict[str, list[Region]] = {}
    for c in compounds:
        groups.setdefault(c.parent.name if c.parent else "", []).append(c)
    return list(groups.items())


@login_required
@require_http_methods(["GET", "POST"])
def staff_entry(request):
    """12345 transfers, door visits, grid patrols, online groups and observers' suggestions."""
    scope = _staff_scope(request.user)
    values = {
        "channel": C.HOTLINE,
        "external_ticket": "",
        "received_at": "",
        "anonymous": False,
        "contact_name": "",
        "contact_phone": "",
        "region": "",
        "address": "",
        "text": "",
        "category": "",
        "lng": "",
        "lat": "",
        "system": WGS84,
    }
    demand = None
    errors: dict = {}
    if request.method == "POST":
        values = {k: request.POST.get(k, "") for k in values}
        values["anonymous"] = request.POST.get("anonymous") in ("1", "on", "true")
        received_at = None
        if values["received_at"]:
            received_at = parse_datetime(values["received_at"])
            if received_at is None:
                errors["received_at"] = [_("Enter the time as shown, e.g. 2025-10-08 09:30.")]
        if values["channel"] not in dict(STAFF_CHANNEL_CHOICES):
            errors["channel"] = [_("Choose where the report came from.")]
        if not errors:
            try:
                demand = intake.submit_demand(
                    channel=values["channel"],
                    text=values["text"],
                    by=request.user,
                    anonymous=values["anonymous"],
                    contact_name=values["contact_name"],
                    contact_phone=values["contact_phone"],
                    lng=values["lng"] or None,
                    lat=values["lat"] or None,
                    system=values["system"] or WGS84,
                    address=values["address"],
                    region=values["region"] or None,
                    photos=request.FILES.getlist("photos"),
                    category=values["category"] or None,
                    external_ticket=values["external_ticket"],
                    received_at=received_at,
                    idempotency_key=_submission_key(request),
                )
            except ValidationError as exc:
                errors = _errors(exc)
    total = _compounds(request.user).count()
    compounds = list(_compounds(request.user)[:COMPOUND_OPTIONS]) if total <= COMPOUND_OPTIONS else []
    if values["region"] and not compounds:
        compounds = list(
            _compounds(request.user).filter(pk=values["region"] if str(values["region"]).isdigit() else 0)
        )
    anchor = None
    if not scope.everything:
        anchor = (
            regions_visible(request.user)
            .exclude(parent__in=sorted(scope.region_ids))
            .order_by("level", "code")
            .first()
        )
    context = {
        "values": values,
        "channels": STAFF_CHANNEL_CHOICES,
        "categories": _categories(),
        "compound_groups": _grouped(compounds),
        "compound_search": total > COMPOUND_OPTIONS,
        "map": _map_config(anchor),
        "key": request.POST.get("key") if errors and _KEY.match(request.POST.get("key", "")) else _new_key(),
        "max_photos": intake.MAX_PHOTOS,
        "js_strings": _js_strings(),
        "text_max": intake.text_limits()[1],
        "now": timezone.localtime().strftime("%Y-%m-%dT%H:%M"),
    }
    if request.method == "GET":
        return render(request, "demands/report/staff.html", context)
    return _respond(request, "demands/report/staff.html", context, demand=demand, errors=errors)


@login_required
@require_GET
def staff_compounds(request):
    """<option>s of compounds in the user's scope whose name contains ?q= (for large scopes)."""
    _staff_scope(request.user)
    query = request.GET.get("q", "").strip()[:32]
    compounds = list(_compounds(request.user, query)[:50]) if query else []
    return render(request, "demands/report/_compound_options.html", {"compound_groups": _grouped(compounds)})


# --- photo files ---------------------------------------------------------------------------------

CONTENT_TYPES = {"jpg": "image/jpeg", "jpeg": "image/jpeg", "png": "image/png", "webp": "image/webp"}


@require_GET
def photo(request, token, variant):
    """One photo file, if this user may see it (404 otherwise: the token gives nothing away).

    Published public copies are cacheable by anyone but revalidated (a redaction changes the
    file name, hence the ETag), the rest is private to the browser."""
    if variant not in photo_files.VARIANTS:
        raise Http404
    item = Photo.objects.select_related("demand", "demand__reporter").filter(token=token).first()
    if item is None or not photo_files.can_view(request.user, item, variant):
        raise Http404
    stored = {"public": item.public, "thumb": item.thumbnail, "original": item.original}[variant]
    if not stored or not stored.name:
        raise Http404
    etag = f'"{hashlib.sha256(stored.name.encode()).hexdigest()[:32]}"'
    public = variant != "original" and item.is_public
    cache = "public, no-cache" if public else "private, no-cache"
    if request.headers.get("If-None-Match") == etag:
        response: HttpResponse = HttpResponseNotModified()
    else:
        try:
            handle = stored.storage.open(stored.name, "rb")
        except (FileNotFoundError, OSError):
            raise Http404 from None
        extension = stored.name.rsplit(".", 1)[-1].lower()
        response = FileResponse(handle, content_type=CONTENT_TYPES.get(extension, "application/octet-stream"))
        response["Content-Disposition"] = "inline"
    response["ETag"] = etag
    response["Cache-Control"] = cache
    response["X-Content-Type-Options"] = "nosniff"
    if not public:
        response["Vary"] = "Cookie"
    return response

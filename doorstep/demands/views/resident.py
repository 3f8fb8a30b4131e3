"""The resident's side of the case loop: my reports (timeline, verify, rate, reopen), followed
reports, the public map and a report's public page, and the staff page that redacts a photo
before it is published. Views parse input and call one service; reads come from
`demands.public`."""

from __future__ import annotations

import json

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpResponseBadRequest, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from doorstep.territory.selectors import scope_for

from .. import follows, public
from ..models import Demand, Photo
from ..workflow import WorkflowError

# --- My reports -----------------------------------------------------------------------------------


@login_required
def mine(request):
    """我的诉求: my reports, newest first, with their stage and deadline."""
    page = Paginator(public.my_reports(request.user), 20).get_page(request.GET.get("page"))
    rows = public.report_rows(page.object_list)
    return render(request, "demands/resident/mine.html", {"page": page, "rows": rows})


@login_required
def detail(request, number):
    """One of my reports: timeline, photos, deadline and what I may do now."""
    demand = public.my_report(request.user, number)
    context = public.report_page(demand, request.user)
    return render(request, "demands/resident/detail.html", context)


def _act(request, number, call):
    """Run one service for the reporter and come back to the report with its message."""
    demand = public.my_report(request.user, number)
    case = getattr(demand, "case", None)
    if case is None:
        raise Http404
    try:
        message = call(case)
    except (WorkflowError, PermissionDenied, ValidationError) as exc:
        messages.error(request, _message(exc))
    else:
        messages.success(request, message)
    return redirect("demands:resident_detail", number=number)


def _message(exc) -> str:
    if isinstance(exc, ValidationError):
        return " ".join(exc.messages)
    return str(exc) or _("You may not do this to the case.")


def _version(request) -> int | None:
    value = request.POST.get("version", "")
    return int(value) if value.isdigit() else None


@login_required
@require_POST
def verify(request, number):
    """The reporter checks the handler's result: solved closes it, not solved sends it back."""
    from .. import services

    solved = request.POST.get("solved") == "yes"
    note = request.POST.get("note", "").strip()

    def call(case):
        services.verify(case, request.user, solved=solved, note=note, version=_version(request))
        return _("Thank you: the case is closed.") if solved else _("The case goes back to the handler.")

    return _act(request, number, call)


@login_required
@require_POST
def rate(request, number):
    """1–5 stars, solved or not, a comment: the return visit (回访)."""
    from .. import services

    score = request.POST.get("score", "")
    solved = request.POST.get("solved", "")
    if score not in {"1", "2", "3", "4", "5"} or solved not in {"yes", "no"}:
        messages.error(request, _("Choose 1 to 5 stars and whether it is solved."))
        return redirect("demands:resident_detail", number=number)

    def call(case):
        services.rate(
            case,
            request.user,
            score=int(score),
            solved=solved == "yes",
            comment=request.POST.get("comment", "").strip()[:1000],
        )
        return _("Thank you for your rating.")

    return _act(request, number, call)


@login_required
@require_POST
def reopen(request, number):
    """Not solved after all: handled again (重办), with a reason, within the allowed time."""
    from .. import services

    reason = request.POST.get("reason", "").strip()

    def call(case):
        services.reopen(case, request.user, reason=reason)
        return _("The case is reopened and will be handled again.")

    return _act(request, number, call)


# --- Following ------------------------------------------------------------------------------------


@login_required
def followed(request):
    """Reports I follow."""
    page = Paginator(public.followed_reports(request.user), 20).get_page(request.GET.get("page"))
    rows = public.report_rows(page.object_list)
    return render(request, "demands/resident/followed.html", {"page": page, "rows": rows})


@login_required
@require_POST
def follow(request, number):
    demand = get_object_or_404(public.public_demands(), number=number)
    try:
        follows.follow(demand, request.user)
    except ValidationError as exc:
        messages.error(request, _message(exc))
    else:
        messages.success(request, _("You follow this report: you will be told when it moves on."))
    return redirect(_next(request, demand))


@login_required
@require_POST
def unfollow(request, number):
    demand = get_object_or_404(Demand, number=number)
    follows.unfollow(demand, request.user)
    messages.success(request, _("You no longer follow this report."))
    return redirect(_next(request, demand))


@login_required
@require_POST
def me_too(request, number):
    """我也遇到了: +1 and follow (the intake helper's service)."""
    from .. import intake

    demand = get_object_or_404(public.public_demands(), number=number)
    try:
        intake.me_too(demand, request.user)
    except (ValidationError, PermissionDenied) as exc:
        messages.error(request, _message(exc))
    else:
        messages.success(request, _("Counted: you have the same problem, and you now follow it."))
    return redirect(_next(request, demand))


def _next(request, demand):
    target = request.POST.get("next", "")
    if target in {"followed", "public"}:
        return reverse("demands:resident_followed") if target == "followed" else _public_url(demand)
    return _public_url(demand)


def _public_url(demand):
    return reverse("demands:public_report", kwargs={"number": demand.number})


# --- The public map and page (no login) -------------------------------------------------------------


def map_page(request):
    """The public map of reports: points from the JSON endpoint, a list for small screens."""
    context = {
        "categories": public.map_categories(),
        "stages": [(s, public.STAGE_LABELS[s]) for s in public.MAP_STAGES],
        "bounds": public.map_bounds(),
        "cell_m": 50,
    }
    return render(request, "demands/resident/map.html", context)


@require_GET
def map_points(request):
    """GET ?bbox=minLng,minLat,maxLng,maxLat[&category=&stage=&days=&cursor=&limit=] → points."""
    try:
        bbox = public.BBox.parse(request.GET.get("bbox", ""))
        days = request.GET.get("days", "")
        limit = request.GET.get("limit", "")
        result = public.map_points(
            bbox,
            category=request.GET.get("category", "")[:16],
            stage=request.GET.get("stage", ""),
            days=int(days) if days.isdigit() and 0 < int(days) <= 3660 else None,
            cursor=request.GET.get("cursor", "")[:80],
            limit=int(limit) if limit.isdigit() else public.MAP_LIMIT,
        )
    except ValueError as exc:
        return JsonResponse({"error": _("Bad map request: %(field)s") % {"field": exc}}, status=400)
    for p in result.points:
        p["url"] = reverse("demands:public_report", kwargs={"number": p["number"]})
        if p["thumb"]:
            p["thumb"] = reverse("demands:report_photo", args=[p["thumb"], "thumb"])
    response = JsonResponse({"points": result.points, "next": result.next_cursor, "limit": result.limit})
    response["Cache-Control"] = "public, max-age=60"
    return response


def report_page(request, number):
    """A report's public page: category, stage, place, published photos, milestones."""
    report = public.public_report(number)
    if report.stage == public.MERGED and report.merged_into is not None and not request.GET.get("stay"):
        return redirect("demands:public_report", number=report.merged_into.number)
    user = request.user
    context = {
        "r": report,
        "mine": public.is_mine(user, report.demand),
        "follow": public.following(user, report.demand),
        "open": report.stage in {public.RECEIVED, public.HANDLING, public.CHECKING},
        "map_data": {"points": [{"lat": report.lat, "lng": report.lng, "label": report.category}]}
        if report.lat is not None
        else None,
    }
    return render(request, "demands/resident/public_report.html", context)


# --- Staff: redact and publish ------------------------------------------------------------------------


def _staff_photo(request, token) -> Photo:
    """A photo of a demand in the staff member's scope; 404 for anyone else (no leaks)."""
    if not request.user.is_authenticated:
        raise Http404
    item = get_object_or_404(Photo.objects.select_related("demand"), token=token)
    if not public.may_redact(request.user, item.demand):
        raise Http404
    return item


@login_required
def redact_queue(request):
    """Photos in my scope that are not public yet, newest first."""
    scope = scope_for(request.user)
    if scope.is_empty:
        raise Http404
    page = Paginator(public.photos_to_publish(request.user), 24).get_page(request.GET.get("page"))
    return render(request, "demands/resident/redact_queue.html", {"page": page})


@login_required
def redact(request, token):
    """Draw boxes over faces and licence plates; save makes the public copy; publish shows it."""
    from .. import photos

    item = _staff_photo(request, token)
    if request.method == "POST":
        try:
            boxes = _parse_boxes(request.POST.get("boxes", "[]"), item)
        except (ValueError, TypeError):
            return HttpResponseBadRequest(_("The boxes could not be read."))
        then_publish = request.POST.get("then") == "publish"
        try:
            if boxes or not then_publish:  # publishing with nothing to hide needs no boxes
                photos.redact(item, boxes, request.user)
            if then_publish:
                photos.publish(item, request.user)
        except (ValidationError, PermissionDenied) as exc:
            messages.error(request, _message(exc))
        else:
            if then_publish:
                messages.success(request, _("The photo is published."))
            else:
                messages.success(request, _("Saved: check the photo, then publish it."))
        return redirect("demands:public_redact", token=token)
    return render(request, "demands/resident/redact.html", {"photo": item, "demand": item.demand})


@login_required
@require_POST
def publish(request, token):
    from .. import photos

    item = _staff_photo(request, token)
    try:
        photos.publish(item, request.user)
    except (ValidationError, PermissionDenied) as exc:
        messages.error(request, _message(exc))
    else:
        messages.success(request, _("The photo is published."))
    return redirect("demands:public_redact", token=token)


def _parse_boxes(text: str, item: Photo) -> list[tuple[int, int, int, int]]:
    """[[x, y, w, h], …] in the original's pixels → (left, top, right, bottom) boxes, clipped."""
    raw = json.loads(text or "[]")
    if not isinstance(raw, list) or len(raw) > 100:
        raise ValueError("boxes")
    width, height = item.width or 10**6, item.height or 10**6
    boxes = []
    for b in raw:
        if not isinstance(b, list | tuple) or len(b) != 4:
            raise ValueError("boxes")
        x, y, w, h = (float(v) for v in b)
        left, top = max(0, round(x)), max(0, round(y))
        right, bottom = min(width, round(x + w)), min(height, round(y + h))
        if right - left >= 2 and bottom - top >= 2:
            boxes.append((left, top, right, bottom))
    return boxes

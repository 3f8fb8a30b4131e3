"""Rider pages: registration and the credential on the phone, the station's check-in page, and
the staff console for riders and the points ledger (scoped to the user's area)."""

from __future__ import annotations

from datetime import date

from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from doorstep.demands.models import Demand
from doorstep.territory.people.selectors import active_roles, scope_for_kinds
from doorstep.territory.selectors import region_in_scope

from . import credentials, points, riders, teams
from .models import CheckIn, PointEntry, Rider, VolunteerRole

RECENT = 20
CONSOLE_ROWS = 200


def _errors(exc: ValidationError) -> dict[str, list[str]]:
    """Messages by field; those of no field under "form" (templates cannot read "__all__")."""
    if hasattr(exc, "error_dict"):
        return {("form" if k == "__all__" else k): [str(m) for m in v] for k, v in exc.message_dict.items()}
    return {"form": exc.messages}


def _reports(rider: Rider) -> list[Demand]:
    """The rider's latest reports, each marked `credited` when it earned points (two queries)."""
    reports = list(
        Demand.objects.filter(reporter_id=rider.person_id)
        .only("number", "text", "received_at", "triage", "region_id")
        .order_by("-received_at")[:RECENT]
    )
    credited = set(
        PointEntry.objects.filter(
            source_key__in=[f"report:{d.pk}" for d in reports], reversal__isnull=True
        ).values_list("source_key", flat=True)
    )
    for d in reports:
        d.credited = f"report:{d.pk}" in credited
    return reports


# --- the rider's phone pages -----------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
def register(request):
    """Register as a rider or courier at a station (with a new login, or the one signed in)."""
    if riders.own_rider(request.user) is not None:
        return redirect("resources:rider_me")
    signed_in = request.user.is_authenticated
    person = getattr(request.user, "person", None) if signed_in else None
    values = {"kind": Rider.Kind.RIDER, "platform": "", "station": "", "team": "", "name": "", "phone": ""}
    chosen_roles: list[str] = []
    errors: dict = {}
    if request.method == "POST":
        post = request.POST
        values = {k: (post.get(k) or "").strip() for k in values}
        chosen_roles = post.getlist("roles")
        try:
            rider = riders.register(
                by=request.user if signed_in else None,
                station=values["station"],
                platform=values["platform"],
                kind=values["kind"],
                team=values["team"],
                roles=chosen_roles,
                name=values["name"],
                phone=values["phone"],
                password=post.get("password") or "",
            )
        except ValidationError as exc:
            errors = _errors(exc)
        else:
            if not signed_in:
                login(request, rider.person.user, backend="django.contrib.auth.backends.ModelBackend")
            messages.success(request, _("You are registered. Show this code at a red station to check in."))
            return redirect("resources:rider_me")
    context = {
        "values": values,
        "errors": errors,
        "signed_in": signed_in,
        "person": person,
        "stations": riders.registration_stations(),
        "platforms": Rider.Platform.choices,
        "kinds": Rider.Kind.choices,
        "roles": VolunteerRole.objects.all(),
        "chosen_roles": chosen_roles,
    }
    return render(request, "resources/rider_register.html", context, status=400 if errors else 200)


def rider_me(request):
    """The rider's credential (QR code and typed code), check-ins, reports and points."""
    rider = riders.own_rider(request.user)
    if rider is None:
        return redirect("resources:rider_register")
    code = credentials.make_code(rider) if not rider.credential_revoked and not rider.left_at else ""
    reports = _reports(rider)
    context = {
        "rider": rider,
        "code": code,
        "qr": credentials.qr_svg(code) if code else "",
        "checkins": CheckIn.objects.filter(rider=rider)
        .select_related("station")
        .only("at", "method", "station__name")[:RECENT],
        "reports": reports,
        "credited_count": sum(1 for d in reports if d.credited),
        "balance": points.balance(rider.person),
        "entries": PointEntry.objects.filter(person=rider.person).only(
            "kind", "points", "hours", "reason", "on", "reverses_id"
        )[:RECENT],
    }
    return render(request, "resources/rider_me.html", context)


@login_required
@require_POST
def rider_reissue_own(request):
    rider = riders.own_rider(request.user)
    if rider is None:
        return redirect("resources:rider_register")
    try:
        riders.reissue(rider, by=request.user)
        messages.success(request, _("A new code was issued; the old one no longer works."))
    except (PermissionDenied, ValidationError) as exc:
        messages.error(request, " ".join(getattr(exc, "messages", [str(exc)])))
    return redirect("resources:rider_me")


# --- the station's check-in page -----------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def checkin(request):
    """Station staff scan or type a rider's code; the check-in is recorded or refused in Chinese."""
    stations = list(riders.checkin_stations(request.user))
    if not stations:
        raise PermissionDenied(_("You are not staff of any station."))
    station_id = request.POST.get("station") or request.GET.get("station") or str(stations[0].pk)
    done, errors = None, {}
    if request.method == "POST":
        try:
            done = riders.check_in(
                code=request.POST.get("code", ""),
                station=station_id,
                by=request.user,
                method=request.POST.get("method") or CheckIn.Method.TYPED,
            )
        except ValidationError as exc:
            errors = _errors(exc)
        except PermissionDenied as exc:
            errors = {"station": [str(exc)]}
    recent = (
        CheckIn.objects.filter(station_id__in=[s.pk for s in stations])
        .select_related("rider__person", "station")
        .only("at", "method", "station__name", "rider__platform", "rider__person__name")[:RECENT]
    )
    context = {
        "stations": stations,
        "station_id": str(station_id),
        "done": done,
        "errors": errors,
        "recent": recent,
        "window": riders.checkin_window().seconds // 60,
    }
    return render(request, "resources/checkin.html", context, status=400 if errors else 200)


# --- the staff console ---------------------------------------------------------------------------


@login_required
def staff_riders(request):
    if scope_for_kinds(request.user, riders.RIDER_READ_KINDS).is_empty:
        raise PermissionDenied(_("You may not manage riders outside your area."))
    rows = list(riders.riders_visible(request.user).order_by("-registered_at", "pk")[:CONSOLE_ROWS])
    return render(request, "resources/staff_riders.html", {"rows": rows, "limit": CONSOLE_ROWS})


@login_required
def staff_rider(request, pk: int):
    rider = riders.rider_for_staff(request.user, pk)
    context = {
        "rider": rider,
        "roles": list(rider.volunteer_roles.all()),
        "checkins": CheckIn.objects.filter(rider=rider)
        .select_related("station")
        .only("at", "method", "station__name")[:RECENT],
        "reports": _reports(rider),
        "report_points": points.report_points(),
        "can_keep": points.can_keep(request.user, rider.region_id),
        "balance": points.balance(rider.person_id),
    }
    return render(request, "resources/staff_rider.html", context)


@login_required
@require_POST
def staff_rider_action(request, pk: int, action: str):
    rider = riders.rider_for_staff(request.user, pk)
    try:
        if action == "revoke":
            riders.revoke(rider, by=request.user, reason=request.POST.get("reason", ""))
            messages.success(request, _("The credential was revoked."))
        elif action == "reissue":
            riders.reissue(rider, by=request.user)
            messages.success(request, _("A new code was issued; the old one no longer works."))
        elif action == "leave":
            riders.leave(rider, by=request.user, reason=request.POST.get("reason", ""))
            messages.success(request, _("The rider has left the roll."))
        elif action == "credit":
            demand = get_object_or_404(Demand, pk=request.POST.get("demand"), reporter_id=rider.person_id)
            riders.credit_report(demand, by=request.user)
            messages.success(request, _("The report was credited."))
        else:
            raise PermissionDenied
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    except PermissionDenied as exc:
        messages.error(request, str(exc) or _("Not allowed."))
    return redirect("resources:staff_rider", pk=rider.pk)


def _period(request) -> tuple[date, date]:
    today = timezone.localdate()
    try:
        start = date.fromisoformat(request.GET.get("start", ""))
        end = date.fromisoformat(request.GET.get("end", ""))
    except ValueError:
        start, end = today.replace(day=1), today
    if end < start:
        start, end = end, start
    return start, end


@login_required
@require_http_methods(["GET", "POST"])
def staff_points(request):
    """The ledger of the user's area: credit, redeem, reverse; member and team rankings."""
    entries_qs = points.entries_visible(request.user)
    roles = [r for r in active_roles(request.user) if r.kind in points.LEDGER_READ_KINDS]
    if not roles and not request.user.is_superuser:
        raise PermissionDenied(_("You may not keep the points ledger outside your area."))
    errors: dict = {}
    form = request.POST if request.method == "POST" else {}
    if request.method == "POST":
        action = request.POST.get("action")
        try:
            if action == "reverse":
                entry = get_object_or_404(entries_qs, pk=request.POST.get("entry"))
                points.reverse(request.user, entry, reason=request.POST.get("reason", ""))
            else:
                key = request.POST.get("member") or f"r{request.POST.get('rider') or 0}"
                member = teams.ledger_member(request.user, key)
                if action == "redeem":
                    points.redeem(
                        request.user,
                        member.person,
                        region=member.region_id,
                        points=request.POST.get("points"),
                        partner=request.POST.get("partner", ""),
                        reason=request.POST.get("reason", ""),
                    )
                else:
                    points.earn(
                        request.user,
                        member.person,
                        region=member.region_id,
                        points=request.POST.get("points") or 0,
                        hours=request.POST.get("hours") or 0,
                        reason=request.POST.get("reason", ""),
                        team=member.team,
                        source=PointEntry.Source.SERVICE,
                    )
            messages.success(request, _("The ledger entry was added."))
            return redirect(request.get_full_path())
        except ValidationError as exc:
            errors = _errors(exc)
        except PermissionDenied as exc:
            errors = {"form": [str(exc)]}
    region_pk = request.GET.get("region")
    region = region_in_scope(request.user, int(region_pk)) if region_pk and region_pk.isdigit() else None
    if region is None:
        region = roles[0].region if roles else None
    start, end = _period(request)
    context = {
        "entries": entries_qs.defer("region__boundary")[:100],
        "ledger_members": teams.ledger_members(request.user),
        "region": region,
        "regions": sorted({r.region for r in roles}, key=lambda r: r.pk),
        "start": start,
        "end": end,
        "members": points.member_ranking(region, start, end) if region else [],
        "teams": points.team_ranking(region, start, end) if region else [],
        "errors": errors,
        "form": form,
    }
    return render(request, "resources/staff_points.html", context, status=400 if errors else 200)

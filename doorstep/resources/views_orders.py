"""Service order pages (群众点单), phone first: the resident orders a service from a place's
menu and follows it (我的点单: timeline, cancel, rate); volunteers claim open orders of their
community and mark them done with evidence; staff see the orders of their area by state
(overdue marked), dispatch them and read one order. Outsiders get 404."""

from __future__ import annotations

import hashlib

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Q
from django.http import FileResponse, Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from doorstep.territory.people.selectors import scope_for_kinds

from . import orders
from .models import OrderPhoto, ServiceOrder
from .views_riders import _errors

S = ServiceOrder.Status
LIST_ROWS = 200


def _mark(rows, user=None):
    now = timezone.now()
    for o in rows:
        o.overdue = orders.is_overdue(o, now)
    return rows


def _photos(order):
    return list(order.photos.only("token"))


# --- the resident ----------------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def order_new(request, service: int):
    svc = orders.orderable_service(service) if service else None
    person = orders.own_person(request.user)
    dwellings = list(orders.own_dwellings(person)) if person else []
    values = {
        "need": "",
        "phone": person.phone if person else "",
        "preferred_at": "",
        "dwelling": str(dwellings[0].pk) if len(dwellings) == 1 else "",
        "address": "",
    }
    errors: dict = {}
    if request.method == "POST":
        values = {k: (request.POST.get(k) or "").strip() for k in values}
        try:
            order = orders.place_order(
                request.user,
                service=svc,
                need=values["need"],
                phone=values["phone"],
                preferred_at=values["preferred_at"],
                dwelling=values["dwelling"],
                address=values["address"],
            )
        except ValidationError as exc:
            errors = _errors(exc)
        except PermissionDenied as exc:
            errors = {"form": [str(exc)]}
        else:
            messages.success(request, _("Your order was sent. A volunteer will take it soon."))
            return redirect("resources:my_order", order.pk)
    context = {
        "service": svc,
        "person": person,
        "dwellings": dwellings,
        "values": values,
        "errors": errors,
        "claim_days": orders.claim_working_days(),
    }
    return render(request, "resources/orders/new.html", context, status=400 if errors else 200)


@login_required
@require_GET
def my_orders(request):
    rows = _mark(list(orders.my_orders(request.user)[:LIST_ROWS]))
    return render(request, "resources/orders/mine.html", {"rows": rows})


@login_required
@require_GET
def my_order(request, pk: int):
    order = orders.my_order(request.user, pk)
    context = {
        "order": order,
        "events": orders.timeline(order),
        "actions": orders.allowed(order, request.user),
        "phone": orders.shown_phone(request.user, order),
        "photos": _photos(order),
        "overdue": orders.is_overdue(order),
        "stars": range(5, 0, -1),
    }
    return render(request, "resources/orders/my_order.html", context)


@login_required
@require_POST
def my_order_action(request, pk: int, action: str):
    order = orders.my_order(request.user, pk)
    if action not in ("cancel", "rate"):
        raise Http404
    try:
        if action == "cancel":
            orders.cancel(order, by=request.user, note=request.POST.get("note", ""))
            messages.success(request, _("The order was cancelled."))
        else:
            orders.rate(
                order,
                by=request.user,
                stars=request.POST.get("stars"),
                comment=request.POST.get("comment", ""),
            )
            messages.success(request, _("Thank you for rating the service."))
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    return redirect("resources:my_order", order.pk)


# --- volunteers ------------------------------------------------------------------------------------


@login_required
@require_GET
def volunteer_orders(request):
    person = orders.own_person(request.user)
    context = {
        "person": person,
        "is_volunteer": person is not None and orders.memberships(person).exists(),
        "open": _mark(list(orders.open_orders(request.user)[:LIST_ROWS])),
        "mine": _mark(list(orders.taken_orders(request.user)[:LIST_ROWS])),
    }
    return render(request, "resources/orders/volunteer.html", context)


@login_required
@require_GET
def volunteer_order(request, pk: int):
    order = orders.volunteer_order(request.user, pk)
    context = {
        "order": order,
        "events": orders.timeline(order),
        "actions": orders.allowed(order, request.user),
        "phone": orders.shown_phone(request.user, order),
        "photos": _photos(order),
        "overdue": orders.is_overdue(order),
        "errors": {},
        "values": {},
    }
    return render(request, "resources/orders/volunteer_order.html", context)


@login_required
@require_POST
def volunteer_order_action(request, pk: int, action: str):
    order = orders.volunteer_order(request.user, pk)
    if action not in ("claim", "done", "return"):
        raise Http404
    try:
        if action == "claim":
            orders.claim(order, by=request.user)
            messages.success(request, _("You took the order. Contact the resident to agree the time."))
        elif action == "done":
            orders.done(
                order,
                by=request.user,
                note=request.POST.get("note", ""),
                hours=request.POST.get("hours", ""),
                photos=request.FILES.getlist("photos"),
            )
            messages.success(request, _("Marked done; your points and hours were credited."))
        else:
            orders.give_back(order, by=request.user, reason=request.POST.get("note", ""))
            messages.success(request, _("You gave the order back."))
            return redirect("resources:volunteer_orders")
    except ValidationError as exc:
        if action == "done" and getattr(exc, "reason", "") == "invalid":
            context = {
                "order": order,
                "events": orders.timeline(order),
                "actions": orders.allowed(order, request.user),
                "phone": orders.shown_phone(request.user, order),
                "photos": _photos(order),
                "overdue": orders.is_overdue(order),
                "errors": _errors(exc),
                "values": request.POST,
            }
            return render(request, "resources/orders/volunteer_order.html", context, status=400)
        messages.error(request, " ".join(exc.messages))
    return redirect("resources:volunteer_order", order.pk)


# --- staff -----------------------------------------------------------------------------------------


def _require_staff(user):
    if scope_for_kinds(user, orders.READ_KINDS).is_empty:
        raise PermissionDenied(_("Only staff of an area see its service orders."))


@login_required
@require_GET
def staff_orders(request):
    _require_staff(request.user)
    status = request.GET.get("status") or ""
    qs = orders.staff_orders(request.user)
    if status == "overdue":
        now = timezone.now()
        qs = qs.filter(Q(status=S.ORDERED, claim_due__lt=now) | Q(status__in=orders.TAKEN, done_due__lt=now))
    elif status in S.values:
        qs = qs.filter(status=status)
    else:
        status = ""
    rows = _mark(list(qs.order_by("-created_at", "-pk")[:LIST_ROWS]))
    context = {"rows": rows, "status": status, "statuses": S.choices, "limit": LIST_ROWS}
    return render(request, "resources/orders/staff_list.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def staff_order(request, pk: int):
    order = orders.staff_order(request.user, pk)
    errors: dict = {}
    if request.method == "POST":
        pick = request.POST.get("to", "")
        team = member = None
        if pick.startswith("m"):
            member = pick[1:]
        elif pick.startswith("t"):
            team = pick[1:]
        try:
            orders.dispatch(
                order, by=request.user, team=team, member=member, note=request.POST.get("note", "")
            )
            messages.success(request, _("The order was dispatched."))
            return redirect("resources:staff_order", order.pk)
        except ValidationError as exc:
            errors = _errors(exc)
            order = orders.staff_order(request.user, pk)
    teams, members = orders.dispatch_choices(order)
    context = {
        "order": order,
        "events": orders.timeline(order),
        "actions": orders.allowed(order, request.user),
        "phone": orders.shown_phone(request.user, order),
        "photos": _photos(order),
        "overdue": orders.is_overdue(order),
        "teams": teams,
        "members": members,
        "errors": errors,
    }
    return render(request, "resources/orders/staff_order.html", context, status=400 if errors else 200)


# --- evidence photos ------------------------------------------------------------------------------


@login_required
@require_GET
def order_photo(request, token: str, variant: str):
    if variant not in ("image", "thumb"):
        raise Http404
    photo = OrderPhoto.objects.select_related("order").filter(token=token).first()
    if photo is None or not orders.can_view_photo(request.user, photo):
        raise Http404
    stored = photo.image if variant == "image" else photo.thumbnail
    try:
        handle = stored.storage.open(stored.name, "rb")
    except (FileNotFoundError, OSError):
        raise Http404 from None
    response = FileResponse(handle, content_type="image/jpeg")
    response["Content-Disposition"] = "inline"
    response["ETag"] = f'"{hashlib.sha256(stored.name.encode()).hexdigest()[:32]}"'
    response["Cache-Control"] = "private, no-cache"
    response["X-Content-Type-Options"] = "nosniff"
    response["Vary"] = "Cookie"
    return response

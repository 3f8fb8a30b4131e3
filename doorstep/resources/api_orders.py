"""Service orders in the JSON API (registered on resources.api's router; session login and CSRF):

    GET  /api/v1/resources/orders/mine          my orders, newest first
    POST /api/v1/resources/orders               order a service (201)
    POST /api/v1/resources/orders/{id}/claim    a volunteer takes an open order
    POST /api/v1/resources/orders/{id}/done     the volunteer marks it done (points once)
    POST /api/v1/resources/orders/{id}/rate     the resident gives 1–5 stars

Error codes: 422 `invalid` (with field errors), 403 `forbidden`, 404 `not_found` (also for an
order outside the caller's reach: an outsider learns nothing), 409 `already_taken` (another
volunteer was first) or `not_allowed_now` (not in a state for this move).
"""

from __future__ import annotations

from datetime import datetime

from django.core.exceptions import PermissionDenied, ValidationError
from django.utils.translation import gettext as _
from ninja import Field, Schema, Status

from doorstep.core.api import READ_ERRORS, WRITE_ERRORS, ApiError, Session

from . import orders
from .api import router
from .models import ServiceOrder


class OrderIn(Schema):
    service: int = Field(ge=1, description="The service's id (a current service of an open place).")
    need: str = Field(max_length=1000, description="What is needed.")
    phone: str = Field("", max_length=20, description="Contact mobile; the person's own when empty.")
    preferred_at: datetime | None = None
    dwelling: int | None = Field(None, ge=1, description="One of the caller's own dwellings.")
    address: str = Field("", max_length=200, description="Where, when not at a dwelling.")


class EventOut(Schema):
    at: datetime
    action: str
    label: str
    from_status: str
    to_status: str
    note: str


class OrderOut(Schema):
    id: int
    number: str
    service: str
    place: str
    status: str
    status_label: str
    need: str
    preferred_at: datetime | None
    where: str
    phone: str = Field(
        description="In full for the resident, the volunteer holding it and staff; else masked."
    )
    claim_due: datetime
    done_due: datetime | None
    escalated: bool
    volunteer: str | None = Field(description="Masked name.")
    rating: int | None
    created_at: datetime
    timeline: list[EventOut]


class DoneIn(Schema):
    note: str = Field(max_length=2000)
    hours: float | None = None


class RateIn(Schema):
    stars: int
    comment: str = Field("", max_length=500)


def _out(order: ServiceOrder, user) -> dict:
    return {
        "id": order.pk,
        "number": order.number,
        "service": order.service.name,
        "place": order.place.name,
        "status": order.status,
        "status_label": str(order.get_status_display()),
        "need": order.need,
        "preferred_at": order.preferred_at,
        "where": order.where,
        "phone": orders.shown_phone(user, order),
        "claim_due": order.claim_due,
        "done_due": order.done_due,
        "escalated": order.escalated_at is not None,
        "volunteer": order.assignee.masked_name if order.assignee_id else None,
        "rating": order.rating,
        "created_at": order.created_at,
        "timeline": [
            {
                "at": e.at,
                "action": e.action,
                "label": e.label,
                "from_status": e.from_status,
                "to_status": e.to_status,
                "note": e.note,
            }
            for e in orders.timeline(order)
        ],
    }


def _run(work):
    try:
        return work()
    except orders.OrderError as exc:
        if exc.reason == "conflict":
            taken = str(exc.messages[0]) == _("Someone else has already taken this order.")
            raise ApiError(409, "already_taken" if taken else "not_allowed_now", exc.messages[0]) from exc
        if exc.reason == "forbidden":
            raise ApiError(403, "forbidden", exc.messages[0]) from exc
        errors = (
            {k: [str(m) for m in v] for k, v in exc.message_dict.items()}
            if hasattr(exc, "error_dict")
            else {"__all__": [str(m) for m in exc.messages]}
        )
        raise ApiError(422, "invalid", " ".join(exc.messages), errors) from exc
    except PermissionDenied as exc:
        raise ApiError(403, "forbidden", str(exc) or _("You may not do this.")) from exc
    except ValidationError as exc:
        raise ApiError(422, "invalid", " ".join(exc.messages)) from exc


def _reload(user, pk: int, reader) -> dict:
    return _out(reader(user, pk), user)


@router.get(
    "/resources/orders/mine",
    auth=[Session()],
    response={200: list[OrderOut], **READ_ERRORS},
    summary="My service orders",
)
def api_my_orders(request):
    rows = list(orders.my_orders(request.user)[:100])
    return [_out(o, request.user) for o in rows]


@router.post(
    "/resources/orders",
    auth=[Session()],
    response={201: OrderOut, **WRITE_ERRORS},
    summary="Order a service",
)
def api_order_new(request, payload: OrderIn):
    order = _run(
        lambda: orders.place_order(
            request.user,
            service=payload.service,
            need=payload.need,
            phone=payload.phone,
            preferred_at=payload.preferred_at,
            dwelling=payload.dwelling,
            address=payload.address,
        )
    )
    return Status(201, _reload(request.user, order.pk, orders.my_order))


@router.post(
    "/resources/orders/{int:order_id}/claim",
    auth=[Session()],
    response={200: OrderOut, **WRITE_ERRORS},
    summary="Take an open order (volunteer)",
)
def api_order_claim(request, order_id: int):
    order = orders.volunteer_order(request.user, order_id)
    _run(lambda: orders.claim(order, by=request.user))
    return _reload(request.user, order.pk, orders.volunteer_order)


@router.post(
    "/resources/orders/{int:order_id}/done",
    auth=[Session()],
    response={200: OrderOut, **WRITE_ERRORS},
    summary="Mark a taken order done (volunteer)",
)
def api_order_done(request, order_id: int, payload: DoneIn):
    order = orders.volunteer_order(request.user, order_id)
    _run(lambda: orders.done(order, by=request.user, note=payload.note, hours=payload.hours))
    return _reload(request.user, order.pk, orders.volunteer_order)


@router.post(
    "/resources/orders/{int:order_id}/rate",
    auth=[Session()],
    response={200: OrderOut, **WRITE_ERRORS},
    summary="Rate a done order (resident)",
)
def api_order_rate(request, order_id: int, payload: RateIn):
    order = orders.my_order(request.user, order_id)
    _run(lambda: orders.rate(order, by=request.user, stars=payload.stars, comment=payload.comment))
    return _reload(request.user, order.pk, orders.my_order)

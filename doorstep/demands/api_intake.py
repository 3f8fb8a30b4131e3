"""POST /api/v1/demands: a demand sent as JSON, through the one intake function every channel
calls (`intake.submit_demand`: validate, locate, categorise, check repeats, save, open the case).

The caller is a logged-in user (session cookie and CSRF token, as the phone page has them):
residents report on the phone/rider channels, staff enter 12345 transfers, visits, patrols …
A refused demand answers 422 with the Chinese messages per field and saves nothing. Photos
are not part of the JSON body: they go through the phone page's upload.
"""

from datetime import datetime

from django.core.exceptions import ValidationError
from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Field, Router, Schema, Status
from ninja.security import django_auth

router = Router(tags=["demands"])


class DemandIn(Schema):
    channel: str = "phone"
    text: str
    lng: float | None = None
    lat: float | None = None
    system: str = Field("wgs84", description="Coordinate system of lng/lat: wgs84, gcj02 or bd09.")
    region: int | None = Field(
        None, description="A compound picked from a list instead of (or besides) a point."
    )
    address: str = ""
    category: str | None = Field(None, description="Minor class code; empty: suggested from the text.")
    contact_phone: str = ""
    contact_name: str = ""
    anonymous: bool = False
    external_ticket: str = Field("", description="The 12345 ticket number of a transfer.")
    received_at: datetime | None = None
    idempotency_key: str = Field(
        "", description="One per filled-in form: a second send returns the first demand."
    )


class NamedOut(Schema):
    code: str
    name: str


class DemandOut(Schema):
    number: str
    triage: str
    case: str | None
    category: NamedOut | None
    suggested_category: NamedOut | None
    region: str | None
    repeat_of: str | None
    received_at: datetime


class ErrorsOut(Schema):
    errors: dict[str, list[str]]


def _named(category) -> dict | None:
    return {"code": category.code, "name": category.name} if category is not None else None


@router.post(
    "/demands",
    response={201: DemandOut, 422: ErrorsOut},
    auth=django_auth,
    summary="Send a demand",
)
def submit(request: HttpRequest, payload: DemandIn):
    """Create a demand as the logged-in user; a small matter opens its case at once."""
    from .intake import submit_demand
    from .models import Case, Category

    category = None
    if payload.category:
        category = Category.objects.filter(code=payload.category).values_list("pk", flat=True).first()
        if category is None:
            return Status(422, {"errors": {"category": [_("Unknown category.")]}})
    try:
        demand = submit_demand(
            channel=payload.channel,
            text=payload.text,
            by=request.user,
            anonymous=payload.anonymous,
            contact_phone=payload.contact_phone,
            contact_name=payload.contact_name,
            lng=payload.lng,
            lat=payload.lat,
            system=payload.system,
            address=payload.address,
            category=category,
            external_ticket=payload.external_ticket,
            received_at=payload.received_at,
            region=payload.region,
            idempotency_key=payload.idempotency_key,
        )
    except ValidationError as exc:
        if hasattr(exc, "error_dict"):
            return Status(422, {"errors": {k: [str(m) for m in v] for k, v in exc.message_dict.items()}})
        return Status(422, {"errors": {"__all__": [str(m) for m in exc.messages]}})
    case = Case.objects.filter(demand=demand).values_list("number", flat=True).first()
    return Status(
        201,
        {
            "number": demand.number,
            "triage": demand.triage,
            "case": case,
            "category": _named(demand.category),
            "suggested_category": _named(demand.suggested_category),
            "region": demand.region.name if demand.region_id else None,
            "repeat_of": demand.repeat_of.number if demand.repeat_of_id else None,
            "received_at": demand.received_at,
        },
    )

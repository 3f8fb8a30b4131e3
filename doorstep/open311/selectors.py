"""What Open311 clients read: service requests and their updates, public data only.

Privacy follows doorstep.demands.public: never the reporter (name, phone, login), nor staff
names; coordinates as the public map shows them (snapped to a ~50 m cell inside a compound);
the place name instead of the typed address; photos only once staff published them; the
milestones of the case without staff notes. The one exception is the client that filed the
request itself (same API key): it reads back its own description, address, exact point and
attribute values, and the notes of the public steps, as the reporter's own view does.

Status: open while the matter is being dealt with (a case submitted, accepted, dispatched,
handling, whistled, returned or at feedback; a demand without a case yet, or taken to the
council or a project); closed once the case is closed, rated, not accepted or merged as a
duplicate. Demands outside the territory are never listed.

Every list reads its rows in a fixed number of queries, whatever their number.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

from django.db.models import Q, QuerySet
from django.utils.translation import gettext as _

from doorstep.demands import photos as photo_files
from doorstep.demands.models import Case, CaseEvent, Demand, Photo
from doorstep.demands.public import STAGE_LABELS, action_label, public_position, stage_of
from doorstep.territory.models import Region

from .formats import utc

S = Case.Status
T = Demand.Triage
OPEN, CLOSED = "open", "closed"
CLOSED_CASE = tuple(s for s in S.values if s not in Case.OPEN)
# Case events an Open311 client sees (notes and the updates feed): the public page's milestones
# plus the two endings of a case that never got that far.
FEED_ACTIONS = frozenset(
    {
        "accept",
        "reject",
        "merge",
        "dispatch",
        "sign",
        "escalate",
        "whistle",
        "whistle_done",
        "feedback",
        "verify",
        "verify_fail",
        "reopen",
    }
)
MAX_RESULTS = 1000


def status_of(triage: str, case_status: str | None) -> str:
    if case_status:
        return OPEN if case_status in Case.OPEN else CLOSED
    return CLOSED if triage == T.DUPLICATE else OPEN


def status_q(status: str) -> Q:
    open_q = Q(case__status__in=Case.OPEN) | (Q(case__isnull=True) & ~Q(triage=T.DUPLICATE))
    return open_q if status == OPEN else ~open_q


def visible(region_ids) -> QuerySet[Demand]:
    """Demands an Open311 client may read in a jurisdiction (its subtree's region ids)."""
    return Demand.objects.filter(region_id__in=sorted(region_ids)).exclude(triage=T.OUTSIDE)


def with_related(qs: QuerySet[Demand]) -> QuerySet[Demand]:
    """The rows and columns request_rows reads, in one query (a case has fifteen date columns:
    converting them all for 1,000 rows would cost more than the query)."""
    return qs.select_related("case", "case__unit", "category", "region", "open311").only(
        "id",
        "number",
        "channel",
        "triage",
        "text",
        "address",
        "lat",
        "lng",
        "received_at",
        "updated_at",
        "region_id",
        "category_id",
        "case__id",
        "case__status",
        "case__updated_at",
        "case__handle_due",
        "case__unit_id",
        "case__unit__name",
        "category__code",
        "category__name",
        "region__name",
        "region__level",
        "region__code",
        "open311__id",
        "open311__key_id",
        "open311__attributes",
    )


@dataclass
class Reader:
    """Who reads: `key_id` of the client (None: anyone) and how to make absolute URLs."""

    key_id: int | None
    absolute: object  # request.build_absolute_uri

    def owns(self, demand: Demand) -> bool:
        sub = _submission(demand)
        return bool(self.key_id and sub is not None and sub.key_id == self.key_id)


def _submission(demand: Demand):
    try:
        return demand.open311
    except Demand.open311.RelatedObjectDoesNotExist:
        return None


def _case(demand: Demand) -> Case | None:
    try:
        return demand.case
    except Demand.case.RelatedObjectDoesNotExist:
        return None


def _photos(demand_ids: list[int]) -> dict[int, list[Photo]]:
    by_demand: dict[int, list[Photo]] = defaultdict(list)
    if demand_ids:
        for p in (
            Photo.objects.filter(demand_id__in=demand_ids, is_public=True)
            .only("pk", "demand_id", "token", "stage", "position")
            .order_by("demand_id", "stage", "position", "pk")
        ):
            by_demand[p.demand_id].append(p)
    return by_demand


def _events(case_ids: list[int]) -> dict[int, list[CaseEvent]]:
    by_case: dict[int, list[CaseEvent]] = defaultdict(list)
    if case_ids:
        for e in (
            CaseEvent.objects.filter(case_id__in=case_ids, public=True, action__in=FEED_ACTIONS)
            .only("pk", "case_id", "at", "action", "note")
            .order_by("case_id", "at", "pk")
        ):
            by_case[e.case_id].append(e)
    return by_case


def _note_text(event: CaseEvent, own: bool) -> str:
    label = action_label(event.action)
    return f"{label}: {event.note}" if own and event.note else label


def request_rows(demands: list[Demand], reader: Reader, *, extensions: bool = False) -> list[dict]:
    """The GeoReport fields of each demand (read with `with_related`), in the order given."""
    ids = [d.pk for d in demands]
    photos = _photos(ids)
    cases = {d.pk: _case(d) for d in demands}
    events = _events([c.pk for c in cases.values() if c is not None]) if extensions else {}
    rows = []
    for d in demands:
        case = cases[d.pk]
        own = reader.owns(d)
        stage = stage_of(d.triage, case.status if case else None)
        steps = events.get(case.pk, []) if case else []
        notes = str(STAGE_LABELS.get(stage, "")) if stage else ""
        if own and extensions and steps and steps[-1].note:
            notes = f"{notes}: {steps[-1].note}"
        compound = d.region.level == Region.Level.COMPOUND if d.region_id else False
        lat = lng = None
        if d.lat is not None and d.lng is not None:
            lat, lng = (d.lat, d.lng) if own else public_position(d.lat, d.lng, in_compound=compound)
        urls = [reader.absolute(photo_files.photo_url(p, "public")) for p in photos.get(d.pk, [])]
        place = d.region.name if d.region_id else ""
        updated = max(d.updated_at, case.updated_at) if case else d.updated_at
        row = {
            "service_request_id": d.number,
            "status": status_of(d.triage, case.status if case else None),
            "status_notes": notes,
            "service_name": d.category.name if d.category_id else "",
            "service_code": d.category.code if d.category_id else "",
            "description": d.text if own else "",
            "agency_responsible": case.unit.name if case and case.unit_id else "",
            "service_notice": "",
            "requested_datetime": utc(d.received_at),
            "updated_datetime": utc(updated),
            "expected_datetime": utc(case.handle_due) if case and case.handle_due else None,
            "address": (d.address or place) if own else place,
            "address_id": d.region.code if compound else "",
            "zipcode": "",
            "lat": lat,
            "long": lng,
            "media_url": urls[0] if urls else "",
        }
        if extensions:
            sub = _submission(d)
            row["attributes"] = dict(sub.attributes) if own and sub else {}
            row["extended_attributes"] = {"channel": d.channel, "photos": urls}
            row["notes"] = [
                {"datetime": utc(d.received_at), "description": str(_("reported")), "type": "submit"}
            ] + [{"datetime": utc(e.at), "description": _note_text(e, own), "type": e.action} for e in steps]
        rows.append(row)
    return rows


def updates(region_ids, *, start, end, key_id: int | None, offset: int, limit: int) -> list[dict]:
    """The updates feed: public case steps in the jurisdiction between start and end, oldest first."""
    qs = (
        CaseEvent.objects.filter(
            case__region_id__in=sorted(region_ids),
            at__gte=start,
            at__lte=end,
            public=True,
            action__in=FEED_ACTIONS,
        )
        .select_related("case__demand__open311")
        .only(
            "pk", "at", "action", "note", "to_status", "case__demand__number", "case__demand__open311__key_id"
        )
        .order_by("at", "pk")
    )[offset : offset + limit]
    rows = []
    for e in qs:
        sub = _submission(e.case.demand)
        own = bool(key_id and sub is not None and sub.key_id == key_id)
        rows.append(
            {
                "update_id": str(e.pk),
                "service_request_id": e.case.demand.number,
                "status": status_of("", e.to_status),
                "updated_datetime": utc(e.at),
                "description": _note_text(e, own),
                "media_url": "",
            }
        )
    return rows

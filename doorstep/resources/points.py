"""The points ledger: earn, redeem, reverse (every write) and balances and rankings (reads).

Entries are appended only (see point_models). A redemption locks the person's row, so two
redemptions at once cannot both spend the same points; a reversal is unique per entry (a
database constraint), so an entry is corrected once. Staff write within the scope of their
roles; earning for a check-in or a report is written by the service that records it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal, InvalidOperation

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Count, Q, QuerySet, Sum
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext as _

from doorstep.core.pii import mask_name
from doorstep.territory.models import Person, Region
from doorstep.territory.people.selectors import scope_for_kinds
from doorstep.territory.selectors import subtree_ids

from .point_models import PointEntry

K = PointEntry.Kind
S = PointEntry.Source
# Who keeps the ledger of an area: staff of the community upwards.
LEDGER_KINDS = frozenset({"community_staff", "subdistrict_staff", "admin"})
# Who may read it (and the rankings).
LEDGER_READ_KINDS = LEDGER_KINDS | {"grid_worker", "leader"}
MAX_POINTS = 100_000
MAX_HOURS = Decimal("1000")


def checkin_points() -> int:
    return int(getattr(settings, "DOORSTEP_POINTS_CHECKIN", 1))


def report_points() -> int:
    return int(getattr(settings, "DOORSTEP_POINTS_REPORT", 2))


def _check_scope(by, region_id: int) -> None:
    if not scope_for_kinds(by, LEDGER_KINDS).covers_region(region_id):
        raise PermissionDenied(_("You may not keep the points ledger outside your area."))


def _points(value, field: str = "points") -> int:
    try:
        number = int(str(value).strip())
    except (TypeError, ValueError):
        raise ValidationError({field: [_("Enter a whole number of points.")]}) from None
    if number < 0 or number > MAX_POINTS:
        raise ValidationError({field: [_("Points must lie between 0 and 100000.")]})
    return number


def _hours(value) -> Decimal:
    if value in (None, ""):
        return Decimal("0")
    try:
        number = Decimal(str(value).strip())
    except InvalidOperation:
        raise ValidationError({"hours": [_("Enter the hours as a number, e.g. 1.5.")]}) from None
    if (
        not number.is_finite()
        or number < 0
        or number > MAX_HOURS
        or number != number.quantize(Decimal("0.01"))
    ):
        raise ValidationError({"hours": [_("Hours must lie between 0 and 1000, to two decimals.")]})
    return number


def _reason(text) -> str:
    text = (text or "").strip()
    if not text:
        raise ValidationError({"reason": [_("Say what the entry is for.")]})
    return text[:200]


def _region_id(region) -> int:
    return region.pk if isinstance(region, Region) else int(region)


def _append(**fields) -> PointEntry:
    fields.setdefault("on", timezone.localdate())
    return PointEntry.objects.create(**fields)


@transaction.atomic
def earn(
    by,
    person: Person,
    *,
    region,
    points,
    hours=0,
    reason: str,
    team: str = "",
    source: str = S.MANUAL,
    source_key: str | None = None,
    check_scope: bool = True,
    on: date | None = None,
) -> PointEntry:
    """Credit hours and points. A `source_key` (e.g. "checkin:12") earns once: a repeat returns
    the entry already written."""
    region_id = _region_id(region)
    if check_scope:
        _check_scope(by, region_id)
    points, hours, reason = _points(points), _hours(hours), _reason(reason)
    if points == 0 and hours == 0:
        raise ValidationError({"points": [_("Enter points or hours to credit.")]})
    if source_key:
        existing = PointEntry.objects.filter(source_key=source_key).first()
        if existing is not None:
            return existing
    return _append(
        person=person,
        kind=K.EARN,
        source=source,
        source_key=source_key,
        points=points,
        hours=hours,
        region_id=region_id,
        team=(team or "")[:64],
        reason=reason,
        by=by if by is not None and by.pk else None,
        on=on or timezone.localdate(),
    )


@transaction.atomic
def redeem(by, person: Person, *, region, points, partner: str, reason: str = "") -> PointEntry:
    """Spend points at a partner shop; refused if the balance does not cover them."""
    region_id = _region_id(region)
    _check_scope(by, region_id)
    points = _points(points)
    partner = (partner or "").strip()[:100]
    errors = {}
    if points == 0:
        errors["points"] = [_("Enter the points to redeem.")]
    if not partner:
        errors["partner"] = [_("Name the partner shop.")]
    if errors:
        raise ValidationError(errors)
    Person.objects.select_for_update().filter(pk=person.pk).first()  # one redemption at a time
    have = balance(person).points
    if have < points:
        raise ValidationError({"points": [_("Not enough points: the balance is %(have)d.") % {"have": have}]})
    return _append(
        person=person,
        kind=K.REDEEM,
        points=-points,
        region_id=region_id,
        partner=partner,
        reason=(reason or "").strip()[:200] or _("Redeemed at %(shop)s") % {"shop": partner},
        by=by,
    )


def reverse(by, entry: PointEntry, *, reason: str) -> PointEntry:
    """Correct an entry by appending its negation; an entry is reversed once, a reversal never.

    The reversal is dated like the entry it corrects (`at` says when it was written), so a
    period's sums and rankings leave the mistake out."""
    reason = _reason(reason)
    try:
        with transaction.atomic():
            entry = PointEntry.objects.select_for_update().get(pk=entry.pk)
            _check_scope(by, entry.region_id)
            if entry.reverses_id:
                raise ValidationError(_("A reversing entry cannot itself be reversed."))
            if PointEntry.objects.filter(reverses=entry).exists():
                raise ValidationError(_("This entry has already been reversed."))
            return _append(
                person_id=entry.person_id,
                kind=entry.kind,
                source=entry.source,
                points=-entry.points,
                hours=-entry.hours,
                region_id=entry.region_id,
                team=entry.team,
                partner=entry.partner,
                reason=reason,
                reverses=entry,
                by=by,
                on=entry.on,  # the correction belongs to the day it corrects (periods, rankings)
            )
    except IntegrityError:
        raise ValidationError(_("This entry has already been reversed.")) from None


# --- reads ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Balance:
    points: int
    hours: Decimal
    earned: int


def balance(person: Person | int) -> Balance:
    """Points and hours of one person, summed from the ledger (one query)."""
    pk = person.pk if isinstance(person, Person) else person
    row = PointEntry.objects.filter(person_id=pk).aggregate(
        total=Coalesce(Sum("points"), 0),
        total_hours=Coalesce(Sum("hours"), Decimal("0")),
        total_earned=Coalesce(Sum("points", filter=Q(kind=K.EARN)), 0),
    )
    return Balance(points=row["total"], hours=Decimal(row["total_hours"]), earned=row["total_earned"])


def entries_visible(user) -> QuerySet[PointEntry]:
    """Ledger entries of the user's area (readers of the ledger), newest first."""
    return (
        scope_for_kinds(user, LEDGER_READ_KINDS)
        .filter(PointEntry.objects.all())
        .select_related("person", "region", "reverses", "by")
    )


def can_keep(user, region_id: int) -> bool:
    return scope_for_kinds(user, LEDGER_KINDS).covers_region(region_id)


@dataclass(frozen=True)
class MemberRank:
    rank: int
    person_id: int
    name: str
    points: int
    hours: Decimal

    @property
    def masked_name(self) -> str:
        return mask_name(self.name)


@dataclass(frozen=True)
class TeamRank:
    rank: int
    team: str
    members: int
    points: int
    hours: Decimal


def _earned_in(region: Region | int, start: date, end: date) -> QuerySet[PointEntry]:
    ids = sorted(subtree_ids(region))
    return PointEntry.objects.filter(kind=K.EARN, region__in=ids, on__gte=start, on__lte=end).order_by()


def member_ranking(region: Region | int, start: date, end: date, limit: int = 20) -> list[MemberRank]:
    """People ranked by points earned in the region's subtree over [start, end] (reversals
    counted); ties by hours, then first registered. Two queries: the subtree, the ranking."""
    rows = (
        _earned_in(region, start, end)
        .values("person_id", "person__name")
        .annotate(p=Sum("points"), h=Sum("hours"))
        .filter(p__gt=0)
        .order_by("-p", "-h", "person_id")[:limit]
    )
    return [
        MemberRank(i, r["person_id"], r["person__name"], r["p"], Decimal(r["h"]))
        for i, r in enumerate(rows, 1)
    ]


def team_ranking(region: Region | int, start: date, end: date, limit: int = 20) -> list[TeamRank]:
    """Teams ranked by the points their members earned in the subtree over [start, end]."""
    rows = (
        _earned_in(region, start, end)
        .exclude(team="")
        .values("team")
        .annotate(
            p=Sum("points"),
            h=Sum("hours"),
            n=Count("person_id", distinct=True, filter=Q(reverses__isnull=True, reversal__isnull=True)),
        )
        .filter(p__gt=0)
        .order_by("-p", "-h", "team")[:limit]
    )
    return [TeamRank(i, r["team"], r["n"], r["p"], Decimal(r["h"])) for i, r in enumerate(rows, 1)]

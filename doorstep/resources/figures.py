"""Figures of seed.md §2 for places: stations and services in any region subtree and period.

A place counts for a period [start, end] when it was open on some day of it: opened by the end
(its opening date, else the day it was entered) and not closed by the start. A service counts
when its place counts and it was offered on some day of the period (same rule on its own dates).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time
from zoneinfo import ZoneInfo

from django.db.models import Count, Q

from doorstep.territory.models import Region
from doorstep.territory.selectors import subtree_ids

from .models import STATION_KINDS, Place, Service

SHANGHAI = ZoneInfo("Asia/Shanghai")


@dataclass
class PlaceFigures:
    start: date
    end: date
    by_kind: dict[str, int] = field(default_factory=dict)
    red_marked: int = 0
    services: int = 0
    free_services: int = 0

    @property
    def places(self) -> int:
        return sum(self.by_kind.values())

    @property
    def stations(self) -> int:
        return sum(n for kind, n in self.by_kind.items() if kind in STATION_KINDS)

    @property
    def red_stations(self) -> int:
        return self.by_kind.get(Place.Kind.RED_STATION, 0)

    @property
    def micro_positions(self) -> int:
        return self.by_kind.get(Place.Kind.MICRO_POSITION, 0)

    @property
    def friendly_scenes(self) -> int:
        return sum(
            self.by_kind.get(k, 0)
            for k in (Place.Kind.FRIENDLY_COMMUNITY, Place.Kind.FRIENDLY_BUSINESS, Place.Kind.FRIENDLY_SCENE)
        )


def _end_of(day: date) -> datetime:
    return datetime.combine(day, time.max, tzinfo=SHANGHAI)


def _places_in_period(region_ids, start: date, end: date, prefix: str = "") -> Q:
    p = prefix
    opened = Q(**{f"{p}opened_on__lte": end}) | Q(
        **{f"{p}opened_on__isnull": True, f"{p}created_at__lte": _end_of(end)}
    )
    not_closed = Q(**{f"{p}closed_on__isnull": True}) | Q(**{f"{p}closed_on__gt": start})
    return Q(**{f"{p}region__in": sorted(region_ids)}) & opened & not_closed


def place_figures(region: Region | int, start: date, end: date) -> PlaceFigures:
    """Counts for the subtree of `region` over [start, end] (three queries)."""
    ids = subtree_ids(region)
    result = PlaceFigures(start=start, end=end)
    in_period = _places_in_period(ids, start, end)
    for kind, marked, n in (
        Place.objects.filter(in_period).order_by().values_list("kind", "red_mark").annotate(n=Count("pk"))
    ):
        result.by_kind[kind] = result.by_kind.get(kind, 0) + n
        if marked:
            result.red_marked += n
    offered = (
        _places_in_period(ids, start, end, prefix="place__")
        & (Q(started_on__lte=end) | Q(started_on__isnull=True, created_at__lte=_end_of(end)))
        & (Q(ended_on__isnull=True) | Q(ended_on__gte=start))
    )
    counts = Service.objects.filter(offered).aggregate(
        n=Count("pk"), free=Count("pk", filter=Q(is_free=True))
    )
    result.services, result.free_services = counts["n"], counts["free"]
    return result


@dataclass
class RiderFigures:
    start: date
    end: date
    registered: int = 0  # riders and couriers on the roll on some day of the period
    riders: int = 0
    couriers: int = 0
    new: int = 0  # registered within the period
    checkins: int = 0
    riders_checked_in: int = 0  # distinct riders with a check-in in the period


def _start_of(day: date) -> datetime:
    return datetime.combine(day, time.min, tzinfo=SHANGHAI)


def rider_figures(region: Region | int, start: date, end: date) -> RiderFigures:
    """Riders registered at stations in the subtree of `region`, and check-ins made at its
    stations, over [start, end] in Shanghai days (three queries)."""
    from .models import CheckIn, Rider

    ids = sorted(subtree_ids(region))
    lo, hi = _start_of(start), _end_of(end)
    result = RiderFigures(start=start, end=end)
    on_roll = Q(region__in=ids, registered_at__lte=hi) & (Q(left_at__isnull=True) | Q(left_at__gt=lo))
    row = Rider.objects.filter(on_roll).aggregate(
        n=Count("pk"),
        riders=Count("pk", filter=Q(kind=Rider.Kind.RIDER)),
        couriers=Count("pk", filter=Q(kind=Rider.Kind.COURIER)),
        new=Count("pk", filter=Q(registered_at__gte=lo)),
    )
    result.registered, result.riders, result.couriers, result.new = (
        row["n"],
        row["riders"],
        row["couriers"],
        row["new"],
    )
    row = CheckIn.objects.filter(region__in=ids, at__gte=lo, at__lte=hi).aggregate(
        n=Count("pk"), riders=Count("rider", distinct=True)
    )
    result.checkins, result.riders_checked_in = row["n"], row["riders"]
    return result


@dataclass
class MemberFigures:
    start: date
    end: date
    members_reported: int = 0  # in-service members reporting to a community of the subtree by the end
    newly_reported: int = 0  # of whom reported within the period
    teams_by_kind: dict[str, int] = field(default_factory=dict)  # teams active on some day
    team_members: int = 0  # distinct people in those teams on some day of the period

    @property
    def teams(self) -> int:
        return sum(self.teams_by_kind.values())


def member_figures(region: Region | int, start: date, end: date) -> MemberFigures:
    """双报到 members and volunteer teams of the subtree of `region` over [start, end] (four queries)."""
    from doorstep.territory.models import PartyMembership

    from .team_models import TeamMember, VolunteerTeam

    ids = sorted(subtree_ids(region))
    result = MemberFigures(start=start, end=end)
    row = PartyMembership.objects.filter(
        reports_to__in=ids, reported_on__lte=end, status=PartyMembership.Status.IN_SERVICE
    ).aggregate(n=Count("pk"), new=Count("pk", filter=Q(reported_on__gte=start)))
    result.members_reported, result.newly_reported = row["n"], row["new"]
    active = Q(region__in=ids, founded_on__lte=end) & (
        Q(dissolved_on__isnull=True) | Q(dissolved_on__gt=start)
    )
    for kind, n in (
        VolunteerTeam.objects.filter(active).order_by().values_list("kind").annotate(n=Count("pk"))
    ):
        result.teams_by_kind[kind] = n
    in_team = (
        Q(team__region__in=ids, team__founded_on__lte=end, joined_on__lte=end)
        & (Q(team__dissolved_on__isnull=True) | Q(team__dissolved_on__gt=start))
        & (Q(left_on__isnull=True) | Q(left_on__gt=start))
    )
    result.team_members = TeamMember.objects.filter(in_team).aggregate(n=Count("person", distinct=True))["n"]
    return result


# Talent pool, observers, training and joint activities (seed.md §2–3) live with their services.
from .talent import TalentFigures, talent_figures  # noqa: E402, F401

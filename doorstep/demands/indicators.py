"""The case-loop indicators (cases.md § Indicators) for any region subtree and period.

Each function answers with a fixed number of aggregate queries (conditional counts, EXISTS
subqueries; the region subtree is a recursive subquery) — never a Python loop over rows — so a
city-wide year costs what a community's month costs, bar the rows the database reads. The same
SQL runs on SQLite and PostgreSQL.

A period is a run of whole local days (Asia/Shanghai, settings.TIME_ZONE): a case whose
deciding moment is 2025-01-31 23:30 in Yichun belongs to January even though it is 15:30 UTC.
Each docstring says which moment decides a case's period and what the numerator and the
denominator count. Rates come back as `Rate(numerator, denominator)`; a rate over nothing is
`None`, not 0 % or 100 %.

    period = Period.month(2025, 3)
    response_rate(county, period).percent       -> Decimal("92.31")
    summary(city, Period.year(2025))             -> every indicator at once
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import ROUND_HALF_UP, Decimal
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import connection
from django.db.models import Case as Switch
from django.db.models import Count, Exists, F, Func, OuterRef, Q, Subquery, Value, When
from django.db.models.expressions import RawSQL
from django.utils import timezone

from doorstep.territory.models import Region

from .models import Case, CaseEvent, Demand, Postponement, Rating
from .workflow import TABLE

S = Case.Status
# Cases that never entered the loop: nothing was due from anyone.
NEVER_IN_LOOP = (S.NOT_ACCEPTED, S.MERGED)
# Actions read from the transition table, so a renamed or added closing move is still counted.
CLOSE_ACTIONS = tuple(sorted(t.action for t in TABLE.values() if t.target == S.CLOSED))
REOPEN_ACTIONS = ("reopen",)
DISPATCH_ACTIONS = ("dispatch",)
RETURN_ACTIONS = ("return",)
SATISFIED_SCORE = 4  # 满意: 4 (satisfied) and 5 (very satisfied)
BASIC_SCORE = 3  # 基本满意: counted as satisfied only where the city says so
COMPOSITE_WEIGHTS = (30, 35, 35)  # response, resolution, satisfaction (one published weighting)

HUNDRED = Decimal(100)
CENT = Decimal("0.01")


# --- Periods and results ----------------------------------------------------------------------


@dataclass(frozen=True)
class Period:
    """Whole local days from `start` up to, not including, `end`."""

    start: date
    end: date

    def __post_init__(self):
        if self.end <= self.start:
            raise ValueError("A period ends after it starts.")

    @classmethod
    def days(cls, first: date, last: date) -> Period:
        """From `first` to `last`, both included."""
        return cls(first, last + timedelta(days=1))

    @classmethod
    def month(cls, year: int, month: int) -> Period:
        return cls.days(date(year, month, 1), date(year, month, calendar.monthrange(year, month)[1]))

    @classmethod
    def year(cls, year: int) -> Period:
        return cls(date(year, 1, 1), date(year + 1, 1, 1))

    @property
    def start_at(self) -> datetime:
        return _local_midnight(self.start)

    @property
    def end_at(self) -> datetime:
        return _local_midnight(self.end)

    def last_year(self) -> Period:
        """The same days a year earlier (29 February becomes the 28th)."""
        return Period(_year_before(self.start), _year_before(self.end))

    def __str__(self) -> str:
        return f"{self.start.isoformat()} – {(self.end - timedelta(days=1)).isoformat()}"


def _local_midnight(day: date) -> datetime:
    return datetime.combine(day, time.min, tzinfo=ZoneInfo(settings.TIME_ZONE))


def _year_before(day: date) -> date:
    if day.month == 2 and day.day == 29:
        return date(day.year - 1, 2, 28)
    return day.replace(year=day.year - 1)


@dataclass(frozen=True)
class Rate:
    """numerator ÷ denominator; `value` and `percent` are None when the denominator is 0."""

    numerator: int
    denominator: int

    @property
    def value(self) -> Decimal | None:
        if not self.denominator:
            return None
        return Decimal(self.numerator) / Decimal(self.denominator)

    @property
    def percent(self) -> Decimal | None:
        """In percent, two decimals, rounded half up (92.31)."""
        value = self.value
        return None if value is None else (value * HUNDRED).quantize(CENT, rounding=ROUND_HALF_UP)

    def __str__(self) -> str:
        percent = self.percent
        return "—" if percent is None else f"{percent} %"


@dataclass(frozen=True)
class Volume:
    """Demands received in the period and in the same period a year earlier."""

    current: int
    previous: int

    @property
    def change(self) -> Decimal | None:
        """Year-on-year change in percent (two decimals); None when last year had none."""
        if not self.previous:
            return None
        change = Decimal(self.current - self.previous) * HUNDRED / Decimal(self.previous)
        return change.quantize(CENT, rounding=ROUND_HALF_UP)


@dataclass(frozen=True)
class Composite:
    """响应率 × 30 % + 解决率 × 35 % + 满意率 × 35 % (weights configurable), in points of 100."""

    score: Decimal | None
    response: Rate
    resolution: Rate
    satisfaction: Rate


@dataclass(frozen=True)
class Indicators:
    """Every indicator of one region subtree over one period (what a dashboard tile shows)."""

    region_id: int
    period: Period
    volume: Volume
    response: Rate
    resolution: Rate
    satisfaction: Rate
    composite: Decimal | None
    on_time_closure: Rate
    repeat: Rate
    reopen: Rate
    returned: Rate


# --- Shared pieces ----------------------------------------------------------------------------


def _subtree_sql() -> str:
    opts = Region._meta
    table = connection.ops.quote_name(opts.db_table)
    pk = connection.ops.quote_name(opts.pk.column)
    parent = connection.ops.quote_name(opts.get_field("parent").column)
    return (
        f"WITH RECURSIVE subtree(id) AS (SELECT {pk} FROM {table} WHERE {pk} = %s "
        f"UNION ALL SELECT r.{pk} FROM {table} r JOIN subtree ON r.{parent} = subtree.id) "
        "SELECT id FROM subtree"
    )


def _subtree(region: Region | int) -> RawSQL:
    """The region and everything below it, as a subquery: a plain recursive CTE down the parent
    index (standard SQL, SQLite and PostgreSQL alike). django-tree-queries' `descendants`
    numbers the whole tree first, which costs more than the indicator at 3,000 compounds."""
    pk = region.pk if isinstance(region, Region) else region
    return RawSQL(_subtree_sql(), (pk,))


def _narrow(region: Region | int) -> bool:
    """Whether to read a subtree's cases first (a subdistrict, community or compound: a few
    thousand cases a year) rather than the period's events or ratings of the whole city (a
    county or the city). Both give the same answer; each is fast for its own size, and the
    database cannot tell the size of a recursive subtree when it plans."""
    level = (
        region.level
        if isinstance(region, Region)
        else Region.objects.values_list("level", flat=True).get(pk=region)
    )
    return level >= Region.Level.SUBDISTRICT


def _in(period: Period, field: str) -> Q:
    return Q(**{f"{field}__gte": period.start_at, f"{field}__lt": period.end_at})


def _now(now: datetime | None) -> datetime:
    return now or timezone.now()


def _includes_basic(include_basic: bool | None) -> bool:
    if include_basic is None:
        return bool(getattr(settings, "DEMANDS_SATISFIED_INCLUDES_BASIC", False))
    return include_basic


# --- 响应率 ------------------------------------------------------------------------------------


def response_rate(region: Region | int, period: Period, *, now: datetime | None = None) -> Rate:
    """响应率: cases signed for in time ÷ cases due for response.

    A case belongs to the period its response deadline (`respond_due`) falls in, local time.
    Denominator: cases in the region subtree with `respond_due` in the period, leaving out
    cases never taken into the loop (not accepted, merged as duplicates) and cases whose
    deadline is still ahead of `now` with no response yet (not yet late, not yet on time).
    Numerator: those whose `responded_at` (signed for, reporter contacted) is at or before
    `respond_due`. A late response counts in the denominator only.
    """
    now = _now(now)
    due = (
        Case.objects.filter(region__in=_subtree(region))
        .filter(_in(period, "respond_due"))
        .exclude(status__in=NEVER_IN_LOOP)
        .filter(Q(respond_due__lte=now) | Q(responded_at__isnull=False))
    )
    row = due.aggregate(due=Count("pk"), on_time=Count("pk", filter=Q(responded_at__lte=F("respond_due"))))
    return Rate(row["on_time"], row["due"])


# --- 解决率, 满意率 (the return visit) ---------------------------------------------------------


def _rating_counts(region: Region | int, period: Period) -> dict[str, int]:
    """Counts over each case's last rating in the period (one query; see `_narrow`)."""
    in_period = _in(period, "at")
    if _narrow(region):
        # From the region's cases: each one's last rating in the period, on the (case, at) index,
        # read as one number: score × 10 + solved (51: very satisfied and solved).
        verdict = F("score") * 10 + Switch(When(solved=True, then=Value(1)), default=Value(0))
        last = (
            Rating.objects.filter(in_period, case=OuterRef("pk"))
            .order_by("-at", "-pk")
            .annotate(verdict=verdict)
            .values("verdict")[:1]
        )
        row = (
            Case.objects.filter(region__in=_subtree(region))
            .annotate(verdict=Subquery(last))
            .filter(verdict__isnull=False)
            .aggregate(
                rated=Count("pk"),
                solved=Count("pk", filter=Q(verdict__in=[11, 21, 31, 41, 51])),
                satisfied=Count("pk", filter=Q(verdict__gte=SATISFIED_SCORE * 10)),
                basic=Count("pk", filter=Q(verdict__gte=BASIC_SCORE * 10, verdict__lt=BASIC_SCORE * 10 + 10)),
            )
        )
        return row
    else:
        # From the period's ratings: those with no later rating of the same case in the period.
        later = Rating.objects.filter(in_period, case=OuterRef("case")).filter(
            Q(at__gt=OuterRef("at")) | Q(at=OuterRef("at"), pk__gt=OuterRef("pk"))
        )
        rated = Rating.objects.filter(in_period, case__region__in=_subtree(region)).exclude(Exists(later))
    return rated.aggregate(
        rated=Count("pk"),
        solved=Count("pk", filter=Q(solved=True)),
        satisfied=Count("pk", filter=Q(score__gte=SATISFIED_SCORE)),
        basic=Count("pk", filter=Q(score=BASIC_SCORE)),
    )


def resolution_rate(region: Region | int, period: Period) -> Rate:
    """解决率: cases the reporter calls solved at the return visit ÷ cases rated.

    A case belongs to the period its rating (`Rating.at`) falls in; a case rated twice in the
    period (rated, reopened, rated again) counts once, by its last rating in the period; a
    rating in another period counts there. Denominator: cases of the region subtree with a
    rating in the period. Numerator: those whose last rating in the period says solved.
    """
    row = _rating_counts(region, period)
    return Rate(row["solved"], row["rated"])


def satisfaction_rate(region: Region | int, period: Period, *, include_basic: bool | None = None) -> Rate:
    """满意率: cases rated satisfied ÷ cases rated.

    Same cases and periods as `resolution_rate` (each case's last rating in the period).
    Satisfied: score 4 or 5; score 3 (基本满意, basically satisfied) counts too when
    `include_basic` is true — by default when settings.DEMANDS_SATISFIED_INCLUDES_BASIC is set
    (env DOORSTEP_SATISFIED_INCLUDES_BASIC=1), as some cities count it.
    """
    return _satisfaction(_rating_counts(region, period), include_basic)


def _satisfaction(row: dict[str, int], include_basic: bool | None) -> Rate:
    satisfied = row["satisfied"] + (row["basic"] if _includes_basic(include_basic) else 0)
    return Rate(satisfied, row["rated"])


def composite_score(
    region: Region | int,
    period: Period,
    *,
    weights: tuple[int, int, int] = COMPOSITE_WEIGHTS,
    include_basic: bool | None = None,
    now: datetime | None = None,
) -> Composite:
    """The weighted 三率 score: 响应率 × 30 + 解决率 × 35 + 满意率 × 35, out of 100.

    Each rate as defined by its own function over the same region and period; `weights` (in
    points, any total) replace the published 30 / 35 / 35. The score is None when any of the
    three rates is over nothing: a missing rate is not a zero.
    """
    response = response_rate(region, period, now=now)
    row = _rating_counts(region, period)
    resolution = Rate(row["solved"], row["rated"])
    satisfaction = _satisfaction(row, include_basic)
    return Composite(
        _weighted((response, resolution, satisfaction), weights), response, resolution, satisfaction
    )


def _weighted(rates: tuple[Rate, Rate, Rate], weights: tuple[int, int, int]) -> Decimal | None:
    values = [r.value for r in rates]
    if any(v is None for v in values):
        return None
    total = sum(Decimal(w) for w in weights)
    score = sum(v * Decimal(w) for v, w in zip(values, weights, strict=True)) * HUNDRED / total
    return score.quantize(CENT, rounding=ROUND_HALF_UP)


# --- 按期结案率 --------------------------------------------------------------------------------


def on_time_closure_rate(region: Region | int, period: Period, *, now: datetime | None = None) -> Rate:
    """按期结案率: cases closed within the limit ÷ (cases due to close − approved postponements).

    A case belongs to the period its handling deadline (`handle_due`) falls in, local time.
    Denominator: cases of the region subtree with `handle_due` in the period, leaving out
    cases never taken into the loop (not accepted, merged), cases with an approved
    postponement (the formula's "− approved postponements": their deadline was moved by
    decision, so they are judged by neither the old nor the new one) and cases still open whose
    deadline is ahead of `now`. Numerator: those now closed or rated whose `closed_at` is at or
    before `handle_due`. `handle_due` is the case's deadline as it stands: an escalation or a
    reopen sets a new one (the services count it afresh from that moment), so such a case
    counts in the period of its new deadline and is judged by its last closing; a case reopened
    and still open is not closed.
    """
    now = _now(now)
    closed = Q(status__in=(S.CLOSED, S.RATED), closed_at__isnull=False)
    approved = Postponement.objects.filter(case=OuterRef("pk"), status=Postponement.Status.APPROVED)
    due = (
        Case.objects.filter(region__in=_subtree(region))
        .filter(_in(period, "handle_due"))
        .exclude(status__in=NEVER_IN_LOOP)
        .filter(Q(handle_due__lte=now) | closed)
        .exclude(Exists(approved))
    )
    row = due.aggregate(
        due=Count("pk"), on_time=Count("pk", filter=closed & Q(closed_at__lte=F("handle_due")))
    )
    return Rate(row["on_time"], row["due"])


# --- 重复诉求率 --------------------------------------------------------------------------------


def repeat_rate(region: Region | int, period: Period) -> Rate:
    """重复诉求率: demands flagged as repeats ÷ demands.

    A demand belongs to the period it was received in (`Demand.received_at`) and to the
    region it was located to. Denominator: every demand of the region subtree received in the
    period, whatever became of it. Numerator: those with `repeat_of` set (the same person
    raising the same matter again within the repeat window; the intake flags it).
    """
    row = (
        Demand.objects.filter(region__in=_subtree(region))
        .filter(_in(period, "received_at"))
        .aggregate(demands=Count("pk"), repeats=Count("pk", filter=Q(repeat_of__isnull=False)))
    )
    return Rate(row["repeats"], row["demands"])


# --- 重办率, 回退率 (cohorts by the first event) -------------------------------------------------


def _cohort(region: Region | int, period: Period, entry: tuple[str, ...], outcome: tuple[str, ...]) -> Rate:
    """Cases whose first `entry` event falls in the period, and how many of them ever had an
    `outcome` event (one query; see `_narrow`)."""
    happened_case = CaseEvent.objects.filter(action__in=outcome)
    if _narrow(region):
        # From the region's cases: each one's first entry event, on the (case, action, at) index.
        first = CaseEvent.objects.filter(case=OuterRef("pk"), action__in=entry).order_by("at")
        row = (
            Case.objects.filter(region__in=_subtree(region))
            .annotate(first=Subquery(first.values("at")[:1]))
            .filter(_in(period, "first"))
            .aggregate(
                cases=Count("pk"),
                hit=Count("pk", filter=Exists(happened_case.filter(case=OuterRef("pk")))),
            )
        )
    else:
        # From the period's entry events (the (action, at) index), without an earlier one.
        earlier = CaseEvent.objects.filter(case=OuterRef("case"), action__in=entry, at__lt=OuterRef("at"))
        row = (
            CaseEvent.objects.filter(action__in=entry)
            .filter(_in(period, "at"))
            .filter(case__region__in=_subtree(region))
            .exclude(Exists(earlier))
            .aggregate(
                cases=Count("case", distinct=True),
                hit=Count("case", distinct=True, filter=Exists(happened_case.filter(case=OuterRef("case")))),
            )
        )
    return Rate(row["hit"], row["cases"])


def reopen_rate(region: Region | int, period: Period) -> Rate:
    """重办率: cases reopened ÷ cases closed.

    A case belongs to the period of its first closing (the first `verify` event, local time).
    Denominator: cases of the region subtree first closed in the period. Numerator: those of
    them reopened since (a `reopen` event: the resident said it was not solved), however many
    times and whether or not closed again. Closing again after a reopen does not put the case
    in a later period's denominator.
    """
    return _cohort(region, period, CLOSE_ACTIONS, REOPEN_ACTIONS)


def return_rate(region: Region | int, period: Period) -> Rate:
    """回退率: cases returned ÷ cases dispatched.

    A case belongs to the period of its first dispatch (the first `dispatch` event, local
    time). Denominator: cases of the region subtree first dispatched in the period.
    Numerator: those of them returned by a unit they were sent to (a `return` event, 退单) at
    any time. A case returned and dispatched again counts once, in its first dispatch's period.
    """
    return _cohort(region, period, DISPATCH_ACTIONS, RETURN_ACTIONS)


# --- Volume --------------------------------------------------------------------------------


def volume(region: Region | int, period: Period) -> Volume:
    """诉求量 and its year-on-year change: demands received in the period, and in the same days
    a year earlier (`Period.last_year`).

    A demand belongs to the period it was received in (`Demand.received_at`, local time) and
    to the region it was located to; every channel and every outcome counts (duplicates,
    repeats, not accepted). One query: a count for each year side by side, each on the
    (region, received_at) index.
    """

    def count(p: Period):
        qs = Demand.objects.filter(region__in=_subtree(region)).filter(_in(p, "received_at"))
        return Subquery(
            qs.order_by().values(one=Value(1)).annotate(n=Func("pk", function="COUNT")).values("n")
        )

    pk = region.pk if isinstance(region, Region) else region
    row = (
        Region.objects.filter(pk=pk).values(current=count(period), previous=count(period.last_year())).first()
    )
    return Volume(row["current"], row["previous"]) if row else Volume(0, 0)


# --- Everything at once -----------------------------------------------------------------------


def summary(
    region: Region | int,
    period: Period,
    *,
    include_basic: bool | None = None,
    weights: tuple[int, int, int] = COMPOSITE_WEIGHTS,
    now: datetime | None = None,
) -> Indicators:
    """All indicators of a region subtree over a period: seven queries."""
    response = response_rate(region, period, now=now)
    row = _rating_counts(region, period)
    resolution = Rate(row["solved"], row["rated"])
    satisfaction = _satisfaction(row, include_basic)
    return Indicators(
        region_id=region.pk if isinstance(region, Region) else region,
        period=period,
        volume=volume(region, period),
        response=response,
        resolution=resolution,
        satisfaction=satisfaction,
        composite=_weighted((response, resolution, satisfaction), weights),
        on_time_closure=on_time_closure_rate(region, period, now=now),
        repeat=repeat_rate(region, period),
        reopen=reopen_rate(region, period),
        returned=return_rate(region, period),
    )

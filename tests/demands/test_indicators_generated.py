"""The indicators against a plain Python recount, on a few hundred generated cases.

The demo's bulk generator gives two years of cases with every branch (late responses,
returns, postponements, reopens, repeats …); each indicator's SQL must agree with a loop over
the rows that follows the definition in its docstring, for every region and period tried.
"""

from collections import defaultdict
from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest

from doorstep.demands import indicators as ind
from doorstep.demands.demo import Actors, CaseGenerator
from doorstep.demands.indicators import Period
from doorstep.demands.models import Case, CaseEvent, Demand, Postponement, Rating
from doorstep.territory.models import Region
from tests import factories

NOW = datetime(2025, 6, 20, 15, 0, tzinfo=ZoneInfo("Asia/Shanghai"))
S = Case.Status
PERIODS = [
    Period.year(2024),
    Period.month(2025, 5),
    Period.month(2025, 6),  # still running on NOW
    Period.days(date(2024, 9, 28), date(2024, 10, 8)),  # across National Day
]


@pytest.fixture
def generated(city):
    user = factories.user("generator")
    generator = CaseGenerator(city.city, now=NOW, seed=11, actors=Actors(requester=user.pk))
    counts = generator.generate(700, first=date(2023, 6, 1), last=date(2025, 6, 20))
    assert counts["case"] == 700
    return city


def subtree(region) -> set[int]:
    return set(Region.objects.descendants(region, include_self=True).values_list("pk", flat=True))


def inside(moment, period) -> bool:
    return moment is not None and period.start_at <= moment < period.end_at


def recount(region, period):
    ids = subtree(region)
    cases = [c for c in Case.objects.all() if c.region_id in ids]
    by_pk = {c.pk: c for c in cases}
    events = defaultdict(list)
    for e in CaseEvent.objects.filter(case__in=list(by_pk)).order_by("at", "pk"):
        events[e.case_id].append(e)
    approved = set(Postponement.objects.filter(status="approved").values_list("case_id", flat=True))
    never = (S.NOT_ACCEPTED, S.MERGED)
    out = {}

    due = [
        c
        for c in cases
        if inside(c.respond_due, period)
        and c.status not in never
        and (c.respond_due <= NOW or c.responded_at is not None)
    ]
    out["response"] = (
        sum(c.responded_at is not None and c.responded_at <= c.respond_due for c in due),
        len(due),
    )

    last = {}
    for r in Rating.objects.filter(case__in=list(by_pk)).order_by("at", "pk"):
        if inside(r.at, period):
            last[r.case_id] = r
    out["resolution"] = (sum(r.solved for r in last.values()), len(last))
    out["satisfaction"] = (sum(r.score >= 4 for r in last.values()), len(last))

    closing = [
        c
        for c in cases
        if inside(c.handle_due, period)
        and c.status not in never
        and c.pk not in approved
        and (c.handle_due <= NOW or (c.status in (S.CLOSED, S.RATED) and c.closed_at))
    ]
    out["on_time"] = (
        sum(
            c.status in (S.CLOSED, S.RATED) and c.closed_at is not None and c.closed_at <= c.handle_due
            for c in closing
        ),
        len(closing),
    )

    demands = [d for d in Demand.objects.all() if d.region_id in ids and inside(d.received_at, period)]
    out["repeat"] = (sum(d.repeat_of_id is not None for d in demands), len(demands))

    def cohort(entry, outcome):
        hit = total = 0
        for timeline in events.values():
            first = next((e for e in timeline if e.action == entry), None)
            if first is not None and inside(first.at, period):
                total += 1
                hit += any(e.action == outcome for e in timeline)
        return (hit, total)

    out["reopen"] = cohort("verify", "reopen")
    out["returned"] = cohort("dispatch", "return")
    before = period.last_year()
    all_demands = [d for d in Demand.objects.all() if d.region_id in ids]
    out["volume"] = (
        sum(inside(d.received_at, period) for d in all_demands),
        sum(inside(d.received_at, before) for d in all_demands),
    )
    return out


def test_sql_agrees_with_a_recount(generated, django_assert_max_num_queries):
    """Every region of the small city (the city, a county, a community, a compound) over every
    period; one generation for all of them (it takes a few seconds)."""
    wrong = []
    for where in ("city", "county_a", "community_b", "compound_a"):
        region = getattr(generated, where)
        for period in PERIODS:
            with django_assert_max_num_queries(7):
                s = ind.summary(region, period, now=NOW, include_basic=False)
            got = {
                "response": (s.response.numerator, s.response.denominator),
                "resolution": (s.resolution.numerator, s.resolution.denominator),
                "satisfaction": (s.satisfaction.numerator, s.satisfaction.denominator),
                "on_time": (s.on_time_closure.numerator, s.on_time_closure.denominator),
                "repeat": (s.repeat.numerator, s.repeat.denominator),
                "reopen": (s.reopen.numerator, s.reopen.denominator),
                "returned": (s.returned.numerator, s.returned.denominator),
                "volume": (s.volume.current, s.volume.previous),
            }
            expected = recount(region, period)
            wrong += [(where, str(period), k, got[k], expected[k]) for k in got if got[k] != expected[k]]
    assert wrong == []


def test_the_generated_cases_exercise_every_branch(generated):
    """The recount above is only worth something if the branches are there."""
    actions = set(CaseEvent.objects.values_list("action", flat=True))
    assert {
        "reject",
        "return",
        "request_postpone",
        "approve_postpone",
        "verify_fail",
        "reopen",
        "rate",
    } <= actions
    year = ind.summary(generated.city, Period.year(2024), now=NOW)
    assert year.volume.current > 250
    for rate in (year.response, year.resolution, year.on_time_closure, year.returned, year.reopen):
        assert rate.denominator > 100 and 0 < rate.value < 1
    assert Demand.objects.filter(repeat_of__isnull=False).exists()

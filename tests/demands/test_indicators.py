"""The case-loop indicators (cases.md § Indicators), table by table.

Every row is one hand-built case (its fields and events written as the services write them)
with the numerator and denominator it adds to the rate of March 2025 over 袁州区 (the county:
its subdistrict, community and compound are inside, 上高县 is not). Each row is checked on its
own, then all rows of a table together against the rate computed by hand. Times are Yichun
local time (Asia/Shanghai): "03-31 23:30" is inside March although it is 15:30 UTC.
"""

import itertools
from datetime import date, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest

from doorstep.demands import indicators as ind
from doorstep.demands.indicators import Period, Rate
from doorstep.demands.models import Case, CaseEvent, Category, Demand, Postponement, Rating
from tests import factories

SH = ZoneInfo("Asia/Shanghai")
MARCH = Period.month(2025, 3)
NOW = "2025-04-15 09:00"
_seq = itertools.count(1)


def at(text: str) -> datetime:
    """'03-10 09:00' (2025) or '2024-03-10 09:00', Yichun local time."""
    if len(text) < 16:
        text = f"2025-{text}"
    return datetime.fromisoformat(text).replace(tzinfo=SH)


# --- Builders: rows as the services write them --------------------------------------------------


def where(city, name: str):
    """Region by short name: inside the county (compound, community) or outside it."""
    return {
        "compound": city.compound_a,
        "community": city.community_a,
        "county": city.county_a,
        "outside": city.compound_b,
    }[name]


def demand(city, *, received="03-10 09:00", place="compound", repeat_of=None) -> Demand:
    n = next(_seq)
    return Demand.objects.create(
        number=f"D{n:08d}",
        channel=Demand.Channel.PHONE,
        text="小区门口垃圾堆了三天没人清运",
        received_at=at(received),
        region=where(city, place),
        repeat_of=repeat_of,
        triage=Demand.Triage.SMALL,
    )


def case(
    city,
    *,
    place="compound",
    status=Case.Status.CLOSED,
    received="03-01 09:00",
    respond_due=None,
    responded=None,
    handle_due=None,
    closed=None,
    events=(),
    ratings=(),
    postponement=None,
) -> Case:
    """A case with its fields; `events` are (action, time); `ratings` (score, solved, time)."""
    category, _ = Category.objects.get_or_create(code="0102", defaults={"name": "暴露垃圾"})
    d = demand(city, received=received, place=place)
    c = Case.objects.create(
        demand=d,
        number=f"C{d.number[1:]}",
        status=status,
        category=category,
        region=d.region,
        received_at=d.received_at,
        respond_due=at(respond_due) if respond_due else None,
        responded_at=at(responded) if responded else None,
        handle_due=at(handle_due) if handle_due else None,
        closed_at=at(closed) if closed else None,
    )
    for action, when in events:
        CaseEvent.objects.create(case=c, at=at(when), action=action, to_status="")
    for score, solved, when in ratings:
        Rating.objects.create(case=c, score=score, solved=solved, at=at(when))
    if postponement:
        by = factories.user()
        Postponement.objects.create(
            case=c, requested_by=by, working_days=5, reason="需协调供水公司", status=postponement
        )
    return c


def rate(fn, city, **kw) -> tuple[int, int]:
    """The rate of March over the county, read from the period's rows, and over its
    subdistrict, read from its cases first (`indicators._narrow`): both ways agree."""
    wide = fn(city.county_a, MARCH, **kw)
    narrow = fn(city.subdistrict_a, MARCH, **kw)
    assert (narrow.numerator, narrow.denominator) == (wide.numerator, wide.denominator)
    return (wide.numerator, wide.denominator)


SCOPES = ["county_a", "subdistrict_a"]  # both query shapes: wide (period first), narrow (cases first)


# --- Periods ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "period, start_utc, end_utc",
    [
        (Period.month(2025, 3), "2025-02-28T16:00:00+00:00", "2025-03-31T16:00:00+00:00"),
        (Period.year(2024), "2023-12-31T16:00:00+00:00", "2024-12-31T16:00:00+00:00"),
        (
            Period.days(date(2025, 10, 1), date(2025, 10, 8)),
            "2025-09-30T16:00:00+00:00",
            "2025-10-08T16:00:00+00:00",
        ),
    ],
)
def test_periods_are_whole_yichun_days(period, start_utc, end_utc):
    assert period.start_at.astimezone(ZoneInfo("UTC")).isoformat() == start_utc
    assert period.end_at.astimezone(ZoneInfo("UTC")).isoformat() == end_utc


@pytest.mark.parametrize(
    "period, last_year",
    [
        (Period.month(2025, 3), Period(date(2024, 3, 1), date(2024, 4, 1))),
        (Period.month(2024, 2), Period(date(2023, 2, 1), date(2023, 3, 1))),
        (Period.days(date(2024, 2, 29), date(2024, 2, 29)), Period(date(2023, 2, 28), date(2023, 3, 1))),
        (Period.year(2025), Period.year(2024)),
    ],
)
def test_same_period_last_year(period, last_year):
    assert period.last_year() == last_year


@pytest.mark.parametrize(
    "num, den, percent, shown",
    [
        (12, 13, Decimal("92.31"), "92.31 %"),
        (1, 8, Decimal("12.50"), "12.50 %"),
        (2, 3, Decimal("66.67"), "66.67 %"),
        (0, 5, Decimal("0.00"), "0.00 %"),
        (0, 0, None, "—"),
    ],
)
def test_rates_over_nothing_are_none_not_zero(num, den, percent, shown):
    assert Rate(num, den).percent == percent
    assert str(Rate(num, den)) == shown


# --- 响应率 -------------------------------------------------------------------------------------

RESPONSE = [
    ("signed for before the deadline", dict(respond_due="03-10 09:00", responded="03-10 08:00"), (1, 1)),
    ("signed for exactly at the deadline", dict(respond_due="03-10 09:00", responded="03-10 09:00"), (1, 1)),
    ("signed for late", dict(respond_due="03-10 09:00", responded="03-10 10:00"), (0, 1)),
    ("never signed for", dict(status="dispatched", respond_due="03-10 09:00"), (0, 1)),
    ("due 23:30 on 31 March, Yichun time", dict(respond_due="03-31 23:30", responded="03-31 20:00"), (1, 1)),
    ("due at midnight starting April", dict(respond_due="04-01 00:00", responded="03-31 20:00"), (0, 0)),
    ("due in February", dict(respond_due="02-28 23:59", responded="02-28 20:00"), (0, 0)),
    ("not accepted: nothing was due", dict(status="not_accepted", respond_due="03-10 09:00"), (0, 0)),
    ("merged as a duplicate", dict(status="merged", respond_due="03-10 09:00"), (0, 0)),
    (
        "in the community, inside the county",
        dict(place="community", respond_due="03-10 09:00", responded="03-09 09:00"),
        (1, 1),
    ),
    ("outside the county", dict(place="outside", respond_due="03-10 09:00", responded="03-09 09:00"), (0, 0)),
]


@pytest.mark.parametrize("label, fields, expected", RESPONSE, ids=[r[0] for r in RESPONSE])
def test_response_rate_row(city, label, fields, expected):
    case(city, **fields)
    assert rate(ind.response_rate, city, now=at(NOW)) == expected


@pytest.mark.parametrize("scope", SCOPES)
def test_response_rate_of_all_rows(city, scope, django_assert_num_queries):
    for _label, fields, _e in RESPONSE:
        case(city, **fields)
    with django_assert_num_queries(1):
        r = ind.response_rate(getattr(city, scope), MARCH, now=at(NOW))
    # On time: before, exactly at, 31 March, community = 4; due: those + late + never = 6.
    assert (r.numerator, r.denominator, r.percent) == (4, 6, Decimal("66.67"))


@pytest.mark.parametrize(
    "fields, expected",
    [
        (dict(status="dispatched", respond_due="03-25 09:00"), (0, 0)),  # not late yet
        (dict(status="handling", respond_due="03-25 09:00", responded="03-18 09:00"), (1, 1)),
        (dict(status="dispatched", respond_due="03-19 09:00"), (0, 1)),  # late already
    ],
)
def test_response_rate_while_the_period_runs(city, fields, expected):
    case(city, **fields)
    assert rate(ind.response_rate, city, now=at("03-20 09:00")) == expected


# --- 解决率, 满意率 ------------------------------------------------------------------------------

# Each row: ratings (score, solved, time) → (solved, satisfied, basically satisfied, rated).
RATINGS = [
    ("very satisfied, solved", [(5, True, "03-05 10:00")], (1, 1, 0, 1)),
    ("satisfied but not solved", [(4, False, "03-06 10:00")], (0, 1, 0, 1)),
    ("basically satisfied, not solved", [(3, False, "03-07 10:00")], (0, 0, 1, 1)),
    ("unsatisfied", [(2, False, "03-07 10:00")], (0, 0, 0, 1)),
    (
        "rated, reopened, rated again: the last rating counts, once",
        [(1, False, "03-05 10:00"), (4, True, "03-20 10:00")],
        (1, 1, 0, 1),
    ),
    (
        "rated in February, again in March",
        [(2, False, "02-27 10:00"), (5, True, "03-03 10:00")],
        (1, 1, 0, 1),
    ),
    ("rated 23:59 on 31 March", [(5, True, "03-31 23:59")], (1, 1, 0, 1)),
    ("rated 00:30 on 1 April", [(5, True, "04-01 00:30")], (0, 0, 0, 0)),
    ("rated in February only", [(5, True, "02-20 10:00")], (0, 0, 0, 0)),
]


@pytest.mark.parametrize("label, ratings, expected", RATINGS, ids=[r[0] for r in RATINGS])
def test_resolution_and_satisfaction_row(city, label, ratings, expected):
    solved, satisfied, basic, rated = expected
    case(city, status="rated", ratings=ratings)
    assert rate(ind.resolution_rate, city) == (solved, rated)
    assert rate(ind.satisfaction_rate, city, include_basic=False) == (satisfied, rated)
    assert rate(ind.satisfaction_rate, city, include_basic=True) == (satisfied + basic, rated)


def test_ratings_outside_the_county_do_not_count(city):
    case(city, place="outside", status="rated", ratings=[(5, True, "03-05 10:00")])
    assert rate(ind.resolution_rate, city) == (0, 0)


@pytest.mark.parametrize("scope", SCOPES)
def test_resolution_and_satisfaction_of_all_rows(city, scope, django_assert_num_queries, settings):
    for _label, ratings, _e in RATINGS:
        case(city, status="rated", ratings=ratings)
    with django_assert_num_queries(1):
        solved = ind.resolution_rate(getattr(city, scope), MARCH)
    # Rated in March: 7 cases; solved: very satisfied, reopened, Feb→Mar, 31 March = 4.
    assert (solved.numerator, solved.denominator, solved.percent) == (4, 7, Decimal("57.14"))
    # Satisfied (4–5): those 4 + satisfied-not-solved = 5; with basically satisfied: 6.
    assert ind.satisfaction_rate(getattr(city, scope), MARCH, include_basic=False).percent == Decimal("71.43")
    settings.DEMANDS_SATISFIED_INCLUDES_BASIC = True
    assert ind.satisfaction_rate(getattr(city, scope), MARCH).percent == Decimal("85.71")
    settings.DEMANDS_SATISFIED_INCLUDES_BASIC = False
    assert ind.satisfaction_rate(getattr(city, scope), MARCH).percent == Decimal("71.43")


def test_composite_weights_response_resolution_satisfaction_30_35_35(city):
    case(city, respond_due="03-02 09:00", responded="03-02 08:00", ratings=[(5, True, "03-05 10:00")])
    case(city, respond_due="03-02 09:00", responded="03-03 08:00", ratings=[(2, True, "03-05 10:00")])
    result = ind.composite_score(city.county_a, MARCH, now=at(NOW))
    # 响应率 1/2, 解决率 2/2, 满意率 1/2: 50 × 0.30 + 100 × 0.35 + 50 × 0.35 = 67.50;
    # weighted 10 / 45 / 45: 5 + 45 + 22.5 = 72.50.
    assert result.score == Decimal("67.50")
    assert ind.composite_score(city.county_a, MARCH, now=at(NOW), weights=(10, 45, 45)).score == Decimal(
        "72.50"
    )
    # A community with no rating: no score, not zero.
    assert ind.composite_score(city.county_b, MARCH, now=at(NOW)).score is None


# --- 按期结案率 ---------------------------------------------------------------------------------

CLOSURE = [
    ("closed before the deadline", dict(handle_due="03-10 18:00", closed="03-09 10:00"), (1, 1)),
    (
        "rated after closing in time",
        dict(status="rated", handle_due="03-10 18:00", closed="03-10 17:00"),
        (1, 1),
    ),
    ("closed late", dict(handle_due="03-10 18:00", closed="03-11 10:00"), (0, 1)),
    ("still handling, overdue", dict(status="handling", handle_due="03-10 18:00"), (0, 1)),
    (
        "approved postponement: left out",
        dict(handle_due="03-10 18:00", closed="03-14 10:00", postponement="approved"),
        (0, 0),
    ),
    (
        "refused postponement: still counted",
        dict(handle_due="03-10 18:00", closed="03-09 10:00", postponement="denied"),
        (1, 1),
    ),
    (
        "reopened, handling again (closed once in time)",
        dict(status="handling", handle_due="03-10 18:00", closed="03-09 10:00"),
        (0, 1),
    ),
    ("reopened, closed again in time", dict(handle_due="03-20 18:00", closed="03-19 10:00"), (1, 1)),
    ("reopened, closed again late", dict(handle_due="03-20 18:00", closed="03-22 10:00"), (0, 1)),
    ("due at midnight starting April", dict(status="handling", handle_due="04-01 00:00"), (0, 0)),
    ("due 23:59 on 31 March, closed in time", dict(handle_due="03-31 23:59", closed="03-31 12:00"), (1, 1)),
    ("not accepted", dict(status="not_accepted", handle_due="03-10 18:00"), (0, 0)),
    ("outside the county", dict(place="outside", handle_due="03-10 18:00", closed="03-09 10:00"), (0, 0)),
]


@pytest.mark.parametrize("label, fields, expected", CLOSURE, ids=[r[0] for r in CLOSURE])
def test_on_time_closure_row(city, label, fields, expected):
    case(city, **fields)
    assert rate(ind.on_time_closure_rate, city, now=at(NOW)) == expected


@pytest.mark.parametrize("scope", SCOPES)
def test_on_time_closure_of_all_rows(city, scope, django_assert_num_queries):
    for _label, fields, _e in CLOSURE:
        case(city, **fields)
    with django_assert_num_queries(1):
        r = ind.on_time_closure_rate(getattr(city, scope), MARCH, now=at(NOW))
    # In time: before, rated, refused postponement, closed again in time, 31 March = 5;
    # due: 13 rows − approved postponement − April − not accepted − outside = 9.
    assert (r.numerator, r.denominator, r.percent) == (5, 9, Decimal("55.56"))


def test_open_case_not_yet_due_is_not_counted_while_the_month_runs(city):
    case(city, status="handling", handle_due="03-25 18:00")
    assert rate(ind.on_time_closure_rate, city, now=at("03-20 09:00")) == (0, 0)
    assert rate(ind.on_time_closure_rate, city, now=at("03-26 09:00")) == (0, 1)


# --- 重复诉求率 ---------------------------------------------------------------------------------


@pytest.mark.parametrize("scope", SCOPES)
def test_repeat_rate(city, scope, django_assert_num_queries):
    first = demand(city, received="02-20 10:00")
    rows = [
        dict(received="03-05 10:00", repeat_of=first),  # a repeat in March
        dict(received="03-01 00:10"),  # 28 Feb 16:10 UTC: March in Yichun
        dict(received="03-12 10:00", place="community"),
        dict(received="03-31 23:50", repeat_of=first),
        dict(received="04-01 00:10", repeat_of=first),  # April
        dict(received="03-12 10:00", place="outside", repeat_of=first),  # outside the county
    ]
    for fields in rows:
        demand(city, **fields)
    with django_assert_num_queries(1):
        r = ind.repeat_rate(getattr(city, scope), MARCH)
    assert (r.numerator, r.denominator, r.percent) == (2, 4, Decimal("50.00"))


# --- 重办率 (cohort of the first closing) --------------------------------------------------------

REOPEN = [
    ("closed in March", [("verify", "03-05 10:00")], (0, 1)),
    (
        "closed, reopened, closed again in March",
        [("verify", "03-05 10:00"), ("reopen", "03-08 10:00"), ("verify", "03-12 10:00")],
        (1, 1),
    ),
    (
        "first closed in February, reopened and closed again in March",
        [("verify", "02-20 10:00"), ("reopen", "03-02 10:00"), ("verify", "03-10 10:00")],
        (0, 0),
    ),
    (
        "closed late in March, reopened in April",
        [("verify", "03-28 10:00"), ("reopen", "04-03 10:00")],
        (1, 1),
    ),
    ("closed 00:05 on 1 April", [("verify", "04-01 00:05")], (0, 0)),
]


@pytest.mark.parametrize("label, events, expected", REOPEN, ids=[r[0] for r in REOPEN])
def test_reopen_rate_row(city, label, events, expected):
    case(city, events=events)
    assert rate(ind.reopen_rate, city) == expected


@pytest.mark.parametrize("scope", SCOPES)
def test_reopen_rate_of_all_rows(city, scope, django_assert_num_queries):
    for _label, events, _e in REOPEN:
        case(city, events=events)
    case(city, place="outside", events=[("verify", "03-05 10:00"), ("reopen", "03-06 10:00")])
    with django_assert_num_queries(1):
        r = ind.reopen_rate(getattr(city, scope), MARCH)
    assert (r.numerator, r.denominator, r.percent) == (2, 3, Decimal("66.67"))


# --- 回退率 (cohort of the first dispatch) ------------------------------------------------------

RETURNS = [
    ("dispatched and signed for", [("dispatch", "03-02 10:00"), ("sign", "03-02 11:00")], (0, 1)),
    (
        "returned, then dispatched again: one case, returned",
        [("dispatch", "03-02 10:00"), ("return", "03-03 10:00"), ("dispatch", "03-04 10:00")],
        (1, 1),
    ),
    (
        "first dispatched in February, returned and re-dispatched in March",
        [("dispatch", "02-25 10:00"), ("return", "03-01 10:00"), ("dispatch", "03-02 10:00")],
        (0, 0),
    ),
    (
        "dispatched 23:00 on 31 March, returned in April",
        [("dispatch", "03-31 23:00"), ("return", "04-02 10:00")],
        (1, 1),
    ),
    ("dispatched at midnight starting April", [("dispatch", "04-01 00:00")], (0, 0)),
    ("not dispatched yet", [("accept", "03-02 10:00")], (0, 0)),
]


@pytest.mark.parametrize("label, events, expected", RETURNS, ids=[r[0] for r in RETURNS])
def test_return_rate_row(city, label, events, expected):
    case(city, status="handling", events=events)
    assert rate(ind.return_rate, city) == expected


@pytest.mark.parametrize("scope", SCOPES)
def test_return_rate_of_all_rows(city, scope, django_assert_num_queries):
    for _label, events, _e in RETURNS:
        case(city, status="handling", events=events)
    case(city, place="outside", events=[("dispatch", "03-02 10:00"), ("return", "03-03 10:00")])
    with django_assert_num_queries(1):
        r = ind.return_rate(getattr(city, scope), MARCH)
    assert (r.numerator, r.denominator, r.percent) == (2, 3, Decimal("66.67"))


# --- Volume and year-on-year -------------------------------------------------------------------


@pytest.mark.parametrize("scope", SCOPES)
def test_volume_and_year_on_year_change(city, scope, django_assert_num_queries):
    for received in ("03-01 00:30", "03-15 10:00", "03-31 23:30"):
        demand(city, received=received)
    for received in ("2024-03-02 10:00", "2024-03-31 22:00"):
        demand(city, received=received)
    demand(city, received="2024-04-01 00:30")  # April last year
    demand(city, received="03-15 10:00", place="outside")
    with django_assert_num_queries(1):
        v = ind.volume(getattr(city, scope), MARCH)
    assert (v.current, v.previous, v.change) == (3, 2, Decimal("50.00"))
    assert ind.volume(getattr(city, scope), Period.month(2025, 2)).change is None  # none a year before
    assert ind.volume(city.community_b, MARCH).current == 1


# --- Everything at once ------------------------------------------------------------------------


def test_summary_of_a_subtree_in_a_constant_number_of_queries(city, django_assert_num_queries):
    case(
        city,
        respond_due="03-02 09:00",
        responded="03-02 08:00",
        handle_due="03-09 18:00",
        closed="03-08 10:00",
        events=[("dispatch", "03-01 10:00"), ("verify", "03-08 10:00")],
        ratings=[(5, True, "03-09 10:00")],
    )
    with django_assert_num_queries(7):
        small = ind.summary(city.community_a, MARCH, now=at(NOW))
    for _ in range(5):
        case(city, place="county", respond_due="03-02 09:00", events=[("dispatch", "03-01 10:00")])
    with django_assert_num_queries(7):
        big = ind.summary(city.city, MARCH, now=at(NOW))
    assert small.response.percent == Decimal("100.00") and small.composite == Decimal("100.00")
    assert (big.response.numerator, big.response.denominator) == (1, 6)
    assert (big.returned.numerator, big.returned.denominator) == (0, 6)
    assert big.volume.current == 6 and big.reopen.denominator == 1

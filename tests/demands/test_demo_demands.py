"""The demo city's demands and cases (`doorstep demo`): every state a user meets, built through
the services or by the bulk path that writes the same rows, and built once."""

import csv
import io
from collections import defaultdict
from datetime import timedelta

import pytest
from django.core.management import call_command
from django.db import transaction
from django.utils import timezone

from doorstep.core.models import User
from doorstep.demands import indicators
from doorstep.demands.demo import DATA_DIR, build_demo_demands, delete_demo_demands
from doorstep.demands.models import (
    Case,
    CaseEvent,
    Demand,
    DemandCounter,
    Postponement,
    Rating,
    WhistlePart,
)
from doorstep.demands.workflow import RECORDS, TABLE
from doorstep.territory.demo import build_demo, reset_demo
from doorstep.territory.models import Region

S = Case.Status


@pytest.fixture(scope="module")
def demo(django_db_setup, django_db_blocker):
    """The demo city with its demands, built once for the module inside a transaction that is
    rolled back at the end (nothing it wrote, day counters and messages included, outlives it)."""
    with django_db_blocker.unblock(), transaction.atomic():
        delete_demo_demands()
        reset_demo()
        build_demo("demo")
        yield build_demo_demands()
        transaction.set_rollback(True)


pytestmark = pytest.mark.django_db


def demo_cases():
    city = Region.objects.get(code="360900")
    return Case.objects.filter(region__in=Region.objects.descendants(city, include_self=True).values("pk"))


def test_built_without_a_failed_step(demo):
    assert demo.built and not demo.failures
    assert demo.history == 400 and demo.played >= 50
    assert 400 < sum(demo.statuses.values()) < 600


def test_every_status_is_there(demo):
    statuses = set(demo_cases().values_list("status", flat=True))
    assert statuses == set(S.values)


@pytest.mark.parametrize(
    "what, condition",
    [
        ("waiting to be accepted past the limit", dict(status=S.SUBMITTED, accept_due__lt="now")),
        ("handling past the deadline", dict(status=S.HANDLING, handle_due__lt="now")),
        ("escalated when overdue", dict(status=S.ACCEPTED, escalation__gte=1)),
        ("whistled", dict(status=S.WHISTLED)),
        ("returned by the unit", dict(status=S.RETURNED)),
        ("waiting for verification", dict(status=S.FEEDBACK)),
        ("closed, waiting for the return visit", dict(status=S.CLOSED, closed_at__gte="week")),
    ],
)
def test_open_work_staff_will_meet(demo, what, condition):
    now = timezone.now()
    values = {"now": now, "week": now - timedelta(days=7)}
    condition = {k: values.get(v, v) if isinstance(v, str) else v for k, v in condition.items()}
    assert demo_cases().filter(**condition).exists(), what


def test_whistled_cases_summon_several_departments(demo):
    whistled = demo_cases().filter(events__action="whistle").distinct()
    assert whistled.count() >= 4
    for case in whistled:
        parts = list(case.whistle_parts.all())
        assert len(parts) >= 2
        all_done = all(p.status == WhistlePart.Status.DONE for p in parts)
        # The case moves on by itself exactly when the last part is done.
        assert case.events.filter(action="whistle_done").exists() == all_done
        if case.status == S.WHISTLED:
            assert not all_done


def test_postponements_requested_approved_and_refused(demo):
    postponed = Postponement.objects.filter(case__in=demo_cases())
    assert set(postponed.values_list("status", flat=True)) >= {"requested", "approved", "denied"}
    for p in postponed.filter(status="approved").select_related("case"):
        assert p.new_due is not None and p.decided_by_id != p.requested_by_id
        if not p.case.events.filter(action__in=("reopen", "escalate"), at__gt=p.decided_at).exists():
            assert p.case.handle_due == p.new_due


def test_rated_reopened_repeated_and_merged(demo):
    cases = demo_cases()
    assert Rating.objects.filter(case__in=cases).count() >= 300
    assert Rating.objects.filter(case__in=cases, score__lte=2).exists()
    reopened = cases.filter(events__action="reopen").distinct()
    assert reopened.exists()
    assert reopened.filter(status=S.HANDLING).exists()  # the resident said: not solved
    demands = Demand.objects.filter(case__in=cases)
    assert demands.filter(repeat_of__isnull=False).exists()
    merged = cases.filter(status=S.MERGED).select_related("demand")
    assert merged.exists() and all(c.demand.duplicate_of_id for c in merged)


def test_every_timeline_follows_the_transition_table(demo):
    """Bulk and services rows alike: each move starts where the last one ended, is allowed by
    the table, and the case's version counts the moves."""
    events = defaultdict(list)
    for e in CaseEvent.objects.filter(case__in=demo_cases()).order_by("at", "pk"):
        events[e.case_id].append(e)
    cases = {c.pk: c for c in demo_cases()}
    for case_id, timeline in events.items():
        case = cases[case_id]
        assert timeline[0].action == "submit" and timeline[0].at == case.received_at
        status = S.SUBMITTED
        moves = 0
        for e in timeline[1:]:
            if e.action in RECORDS:
                continue
            step = TABLE[e.action]
            assert e.from_status == status and status in step.sources, (case.number, e.action)
            status = step.target or status
            assert e.to_status == status
            moves += 1
        assert status == case.status and moves == case.version, case.number


def test_case_fields_agree_with_the_events(demo):
    for case in demo_cases().prefetch_related("events"):
        timeline = sorted(case.events.all(), key=lambda e: (e.at, e.pk))
        signs = [e.at for e in timeline if e.action == "sign"]
        assert case.responded_at == (signs[0] if signs else None), case.number
        if case.status in (S.CLOSED, S.RATED):
            assert case.closed_at == [e.at for e in timeline if e.action == "verify"][-1]
        else:
            assert case.closed_at is None
        assert case.received_at == case.demand.received_at


def test_texts_come_from_the_labelled_set(demo):
    with (DATA_DIR / "complaints.csv").open(encoding="utf-8") as f:
        labelled = {row["text"] for row in csv.DictReader(f)}
    texts = list(Demand.objects.filter(case__in=demo_cases()).values_list("text", flat=True))
    assert sum(t in labelled for t in texts) > len(texts) * 0.9


def test_the_demo_resident_has_reports_to_follow(demo):
    resident = User.objects.get(username="demo-resident")
    mine = Demand.objects.filter(reporter_user=resident)
    assert mine.count() >= 3
    assert Rating.objects.filter(case__demand__in=mine, by=resident).exists()


def test_numbers_go_on_after_the_demo(demo):
    """The bulk path moved the day counters past its numbers: intake's next number is free."""
    from doorstep.demands.intake import next_number

    for counter in DemandCounter.objects.all():
        day = counter.day.strftime("%Y%m%d")
        taken = Demand.objects.filter(number__startswith=f"{day}-").values_list("number", flat=True)
        assert max(int(n.split("-")[1]) for n in taken) <= counter.last
    number = next_number()
    assert not Demand.objects.filter(number=number).exists()


def test_indicators_have_something_to_show(demo):
    city = Region.objects.get(code="360900")
    today = timezone.localdate()
    s = indicators.summary(city, indicators.Period(today - timedelta(days=365), today + timedelta(days=1)))
    assert s.volume.current > 100 and s.volume.previous > 100 and s.volume.change is not None
    for rate in (s.response, s.resolution, s.satisfaction, s.on_time_closure, s.reopen, s.returned):
        assert rate.denominator > 50 and 0 < rate.value < 1
    assert s.repeat.numerator >= 1


def test_built_once(demo, settings):
    settings.DEBUG = True
    before = demo_cases().count()
    again = build_demo_demands()
    assert not again.built and again.statuses == demo.statuses
    out = io.StringIO()
    call_command("demo", stdout=out)
    assert "演示诉求已存在" in out.getvalue()
    assert demo_cases().count() == before


def test_delete_then_reset_leaves_nothing_behind(demo):
    """`doorstep demo --reset` deletes the demands first: they protect the city's regions.
    (Inside the test's transaction: the fixture's city is back afterwards.)"""
    assert delete_demo_demands() > 0
    reset_demo()
    assert not Region.objects.filter(code="360900").exists()
    assert not Case.objects.exists() and not Demand.objects.exists()

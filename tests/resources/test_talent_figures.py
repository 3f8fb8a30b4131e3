"""Figures of seed.md §2–3 for the talent pool, consultations and visits, observers, suggestions
made and adopted, training sessions and trainees, and joint activities held and attended — for
any region subtree and period (table-driven: the region and period decide what counts)."""

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone

from doorstep.projects.services import create_project
from doorstep.resources import activities, observers, talent, training
from doorstep.resources.figures import talent_figures
from doorstep.resources.models import (
    ConsultationRequest,
    Expert,
    JointActivity,
    Suggestion,
    TrainingSession,
)
from doorstep.territory.models import Organization
from tests import factories

pytestmark = pytest.mark.django_db
SH = ZoneInfo("Asia/Shanghai")
JUNE = (date(2025, 6, 1), date(2025, 6, 30))
MAY = (date(2025, 5, 1), date(2025, 5, 31))


def at(day: int, month: int = 6):
    return datetime(2025, month, day, 10, 0, tzinfo=SH)


@pytest.fixture
def world(city):
    admin = factories.role("admin", city.city)
    staff = factories.role("community_staff", city.community_a)
    # experts: two in county A (one left before June), one in county B
    law = talent.expert_add(admin, person=factories.person("律师甲"), kind="lawyer", region=city.county_a)
    talent.expert_add(admin, person=factories.person("规划乙"), kind="planner", region=city.community_a)
    gone = talent.expert_add(admin, person=factories.person("工程丙"), kind="engineer", region=city.county_a)
    Expert.objects.filter(pk=gone.pk).update(joined_on=date(2024, 1, 1), left_on=date(2025, 5, 20))
    talent.expert_add(admin, person=factories.person("咨询丁"), kind="counsellor", region=city.county_b)
    Expert.objects.exclude(pk=gone.pk).update(joined_on=date(2025, 1, 1))
    # consultations: one asked and visited in June in community A
    req = talent.consultation_request(staff, expert=law, community=city.community_a, topic="纠纷")
    ConsultationRequest.objects.filter(pk=req.pk).update(created_at=at(3))
    talent.transition(admin, req, "accept")
    talent.transition(admin, req, "visit", visited_on=date(2025, 6, 10), note="看了", outcome="好")
    # observers: two in community A, one appointed in July
    grid = factories.grid(city.community_a)
    o1 = observers.appoint(staff, person=factories.person("观一"), grid=grid, on=date(2025, 1, 1))
    observers.appoint(staff, person=factories.person("观二"), grid=grid, on=date(2025, 3, 1))
    observers.appoint(staff, person=factories.person("观三"), grid=grid, on=date(2025, 7, 1))
    project = create_project(region=city.compound_a, title="民生实事", by=staff)
    made = [
        Suggestion.objects.create(observer=o1, region=city.community_a, text=f"建议{n}") for n in range(3)
    ]
    Suggestion.objects.filter(pk__in=[s.pk for s in made]).update(created_at=at(5))
    Suggestion.objects.filter(pk=made[0].pk).update(status="adopted", project=project, decided_at=at(20))
    Suggestion.objects.filter(pk=made[1].pk).update(status="not_adopted", reason="x", decided_at=at(21))
    # training: one session in June in community A, two attendees (one twice), one no-show
    s1 = TrainingSession.objects.create(
        topic="网格员",
        role="grid_worker",
        region=city.community_a,
        starts_at=at(8),
        trainer="刘",
        place_text="基地",
    )
    s2 = TrainingSession.objects.create(
        topic="观察员",
        role="observer",
        region=city.compound_a,
        starts_at=at(9),
        trainer="刘",
        place_text="基地",
    )
    p1, p2, p3 = factories.person("训一"), factories.person("训二"), factories.person("训三")
    training.mark_attendance(admin, s1, [training.enrol(admin, s1, p1).pk, training.enrol(admin, s1, p2).pk])
    training.enrol(admin, s1, p3)
    training.mark_attendance(admin, s2, [training.enrol(admin, s2, p1).pk])
    # joint activities: one held in June (2 of 3 came), one planned but never held, one in May
    unit = factories.organization("法院", Organization.Kind.CO_BUILDING_UNIT, city.county_a)
    held = JointActivity.objects.create(
        unit=unit,
        community=city.community_a,
        title="六月",
        starts_at=timezone.now() + timedelta(days=1),
        capacity=10,
        place_text="中心",
    )
    rows = [activities.signup(admin, held, person=p) for p in (p1, p2, p3)]
    JointActivity.objects.filter(pk=held.pk).update(starts_at=at(15))
    held.refresh_from_db()
    activities.take_attendance(admin, held, [rows[0].pk, rows[1].pk])
    JointActivity.objects.create(
        unit=unit, community=city.community_a, title="未办", starts_at=at(25), capacity=10, place_text="中心"
    )
    JointActivity.objects.create(
        unit=unit,
        community=city.community_a,
        title="五月",
        starts_at=at(15, 5),
        capacity=10,
        place_text="中心",
        held_at=at(15, 5),
    )
    return city


EXPECTED = [
    # region, period, experts, consultations, visits, observers, suggestions, adopted, sessions, trainees,
    # activities held, attendance
    ("city", JUNE, 3, 1, 1, 2, 3, 1, 2, 2, 1, 2),
    ("county_a", JUNE, 2, 1, 1, 2, 3, 1, 2, 2, 1, 2),
    ("compound_a", JUNE, 0, 0, 0, 0, 0, 0, 1, 1, 0, 0),
    ("county_b", JUNE, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0),
    ("city", MAY, 4, 0, 0, 2, 0, 0, 0, 0, 1, 0),
]


@pytest.mark.parametrize(
    (
        "region",
        "period",
        "experts",
        "consults",
        "visits",
        "obs",
        "made",
        "adopted",
        "sessions",
        "trainees",
        "held",
        "came",
    ),
    EXPECTED,
)
def test_figures(
    world, region, period, experts, consults, visits, obs, made, adopted, sessions, trainees, held, came
):
    f = talent_figures(getattr(world, region), *period)
    assert (
        f.experts,
        f.consultations,
        f.visits,
        f.observers,
        f.suggestions,
        f.adopted,
        f.training_sessions,
        f.trainees,
        f.activities_held,
        f.activity_attendance,
    ) == (experts, consults, visits, obs, made, adopted, sessions, trainees, held, came)


def test_figures_read_a_fixed_number_of_queries(world, django_assert_max_num_queries):
    with django_assert_max_num_queries(10):
        f = talent_figures(world.city, *JUNE)
    assert f.not_adopted == 1 and f.units_active == 1 and f.experts_by_kind["lawyer"] == 1


def test_figures_over_the_api(client, world):
    client.force_login(factories.role("community_staff", world.community_a))
    q = {"region": world.county_a.code, "start": "2025-06-01", "end": "2025-06-30"}
    assert client.get("/api/v1/resources/figures", q).status_code == 404  # above the staff's area
    client.force_login(factories.role("admin", world.city))
    data = client.get("/api/v1/resources/figures", q).json()["talent"]
    assert (data["experts"], data["consultations"], data["visits"], data["observers"]) == (2, 1, 1, 2)
    assert (data["suggestions"], data["adopted"], data["trainees"], data["activities_held"]) == (3, 1, 2, 1)
    assert data["experts_by_kind"] == {"lawyer": 1, "planner": 1}

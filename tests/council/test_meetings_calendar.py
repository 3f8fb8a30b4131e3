"""The staff month calendar of meetings; notices to many people as one bulk write; and the
"make a project" (转为项目) links from a big-matter demand's case and a decided topic."""

from datetime import date, datetime, timedelta

import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse
from django.utils import timezone

from doorstep.core.models import Notification
from doorstep.council import meetings, topics
from doorstep.council.models import Meeting, TopicSupport
from doorstep.demands.models import Case
from doorstep.projects.models import Need, Project
from tests.council.topic_world import elevator_topic, topic_world

pytestmark = pytest.mark.django_db


@pytest.fixture
def t():
    t = topic_world()
    t.topic = elevator_topic(t)
    topics.transition(t.topic, "discuss", by=t.staff)
    return t


def at(day: date, hour: int = 19) -> datetime:
    return timezone.make_aware(datetime(day.year, day.month, day.day, hour, 0))


def plan(t, when, title="党群会客厅议事", region=None, by=None, **extra):
    return meetings.convene(
        by=by or t.staff,
        kind=extra.pop("kind", "parlour"),
        region=region or t.city.compound_a,
        title=title,
        starts_at=when,
        venue="小区会客厅",
        **extra,
    )


# --- the month calendar -----------------------------------------------------------------------


def test_the_month_grid_has_meetings_on_their_days_and_today_marked(t, client, django_assert_max_num_queries):
    today = timezone.localdate()
    first = today.replace(day=1)
    plan(t, at(today, 9), title="今天的议事会")
    plan(t, at(first, 20), title="月初的联席会")
    for i in range(20):
        plan(t, at(first + timedelta(days=i % 28), 10), title=f"议事{i}")
    plan(t, at(first - timedelta(days=40)), title="两个月前的会")
    plan(t, at(first, 10), title="锦阳社区的会", region=t.city.compound_b, by=t.outsider)
    client.force_login(t.staff)
    with django_assert_max_num_queries(10):
        page = client.get(reverse("council:staff_meetings_month")).content.decode()
    assert f'data-date="{today:%Y-%m-%d}" aria-current="date"' in page
    assert page.count('aria-current="date"') == 1
    assert "今天的议事会" in page and "月初的联席会" in page and "议事19" in page
    assert "两个月前的会" not in page and "锦阳社区的会" not in page
    prev = (first - timedelta(days=1)).strftime("%Y-%m")
    nxt = (first + timedelta(days=32)).strftime("%Y-%m")
    assert f'href="?m={prev}"' in page and f'href="?m={nxt}"' in page
    # Each meeting sits in its own day's cell.
    cells = {c[:10]: c for c in page.split('data-date="')[1:]}
    assert "月初的联席会" in cells[f"{first:%Y-%m-%d}"] and "今天的议事会" in cells[f"{today:%Y-%m-%d}"]


def test_another_month_and_bad_input(t, client):
    first = timezone.localdate().replace(day=1)
    earlier = (first - timedelta(days=40)).replace(day=3)
    plan(t, at(earlier), title="两个月前的会")
    client.force_login(t.staff)
    page = client.get(
        reverse("council:staff_meetings_month"), {"m": earlier.strftime("%Y-%m")}
    ).content.decode()
    assert "两个月前的会" in page and 'aria-current="date"' not in page
    for bad in ("2026-13", "abc", "0-1", "99999-01", ""):
        r = client.get(reverse("council:staff_meetings_month"), {"m": bad})
        assert r.status_code == 200 and f"{first:%Y-%m}" in r.content.decode()
    assert Meeting.objects.count() == 1


def test_an_outsider_sees_no_meeting_of_another_community_in_the_month(t, client):
    plan(t, at(timezone.localdate()), title="宜阳社区的会")
    client.force_login(t.outsider)
    page = client.get(reverse("council:staff_meetings_month")).content.decode()
    assert "宜阳社区的会" not in page and "本月没有会议" in page
    client.force_login(t.far)  # a resident has no staff calendar either
    assert "宜阳社区的会" not in client.get(reverse("council:staff_meetings_month")).content.decode()


def test_the_day_list_links_to_the_month(t, client):
    client.force_login(t.staff)
    page = client.get(reverse("council:staff_meetings")).content.decode()
    assert reverse("council:staff_meetings_month") in page


# --- notices to many --------------------------------------------------------------------------


def supporters(t, n: int):
    User = get_user_model()
    users = User.objects.bulk_create([User(username=f"supporter-{i}") for i in range(n)])
    TopicSupport.objects.bulk_create([TopicSupport(topic=t.topic, user=u) for u in users])
    return users


@pytest.mark.parametrize("n", [2, 200])
def test_a_topic_decided_tells_its_supporters_in_one_write(t, n, django_assert_max_num_queries):
    supporters(t, n)
    with django_assert_max_num_queries(14):  # the same for 2 and for 200 supporters
        topics.transition(t.topic, "decide", by=t.staff, note="同意加装")
    notes = Notification.objects.filter(kind="topic", text__contains="已决定")
    assert notes.filter(recipient__username__startswith="supporter-").count() == n
    assert notes.filter(recipient=t.reporter).count() == 1
    assert not notes.filter(recipient=t.staff).exists()  # not the one who acted


@pytest.mark.parametrize("n", [2, 200])
def test_a_meeting_notice_reaches_many_in_one_write(t, n, django_assert_max_num_queries):
    supporters(t, n)
    m = plan(t, timezone.now() + timedelta(days=1), topics=[t.topic])
    with django_assert_max_num_queries(14):
        meetings.transition(m, "notify", by=t.staff)
    notes = Notification.objects.filter(kind="meeting")
    assert notes.count() == n + 1  # the supporters and the topic's reporter
    assert notes.first().url == reverse("council:meeting", args=[m.pk])


def test_an_owners_assembly_notice_reaches_the_compounds_owners(t):
    m = plan(t, timezone.now() + timedelta(days=1), kind="assembly")
    meetings.transition(m, "notify", by=t.staff)
    told = set(Notification.objects.filter(kind="meeting").values_list("recipient", flat=True))
    assert {u.pk for u in t.owners.values()} <= told and t.neighbour.pk in told
    assert t.far.pk not in told and t.outsider.pk not in told


# --- make a project ---------------------------------------------------------------------------


def test_a_decided_topic_offers_make_a_project(t, client):
    client.force_login(t.staff)
    url = reverse("council:staff_topic", args=[t.topic.pk])
    assert 'id="make-project-link"' not in client.get(url).content.decode()  # not decided yet
    topics.transition(t.topic, "decide", by=t.staff, note="同意加装")
    page = client.get(url).content.decode()
    link = reverse("projects:create") + f"?topic={t.topic.pk}"
    assert 'id="make-project-link"' in page and link in page
    r = client.post(link, {"title": "3栋1单元加装电梯", "region": t.city.compound_a.pk})
    project = Project.objects.get()
    assert r["Location"] == reverse("projects:detail", args=[project.pk])
    need = project.needs.get()
    assert (need.topic, need.demand) == (t.topic, t.demand)
    page = client.get(url).content.decode()
    assert reverse("projects:detail", args=[project.pk]) in page  # the project made from it


def test_a_big_matter_case_offers_make_a_project(t, client):
    from doorstep.demands import intake
    from doorstep.demands.models import Demand
    from tests.projects.world import elevator_demand

    demand = elevator_demand(t.reporter, text="小区没有充电桩，希望建设集中充电棚")
    case = Case.objects.get(demand=demand)
    client.force_login(t.staff)
    url = reverse("demands:staff_case", args=[case.pk])
    assert 'id="make-project-link"' not in client.get(url).content.decode()  # a small matter
    intake.triage(demand, Demand.Triage.BIG, t.staff)
    page = client.get(url).content.decode()
    link = reverse("projects:create") + f"?demand={demand.number}"
    assert "转为项目" in page and link in page
    client.post(link, {"title": "集中充电棚", "region": t.city.compound_a.pk})
    assert Need.objects.get(projects__title="集中充电棚").demand == demand
    client.force_login(t.outsider)
    assert client.get(url).status_code == 404
    assert client.post(link, {"title": "外人的项目", "region": t.city.compound_b.pk}).status_code == 404
    assert Project.objects.count() == 1

"""Meetings at places, on residents' phones: the venue is a parlour or discussion corner of the
compound, its community or county (or free text); the place's page lists the meetings announced
there; residents who were told of a meeting (the seats, the topics' reporters and supporters, the
compound's owners for an owners' assembly) see it on their phone with its agenda and topics, and
sign themselves in once while it is on. Anyone else gets a 404 and changes nothing."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from doorstep.council import meetings, topics
from doorstep.council.meetings import MeetingError
from doorstep.council.models import Meeting, MeetingAttendee, MeetingEvent
from doorstep.resources.models import Place
from doorstep.territory.models import JointBodySeat
from tests import factories
from tests.council.topic_world import elevator_topic, topic_world
from tests.resources.factories import place

pytestmark = pytest.mark.django_db
S = Meeting.Status
K = Place.Kind


@pytest.fixture
def t():
    t = topic_world()
    t.furnished = factories.furnished_compound(t.city.compound_a)
    rep = JointBodySeat.objects.get(body=t.furnished.joint_body, seat="residents").representative
    rep.user = factories.user("rep")
    rep.save()
    t.rep = rep.user
    t.topic = elevator_topic(t)
    topics.transition(t.topic, "discuss", by=t.staff)
    topics.support(t.topic, by=t.owners["1-202"])
    t.places = {
        "compound parlour": place("都市春天小区党群会客厅", K.PARLOUR, lng=114.3801, lat=27.8001),
        "compound corner": place("3栋楼下议事角", K.DISCUSSION_CORNER, lng=114.3802, lat=27.8002),
        "compound station": place("都市春天红色驿站", K.RED_STATION, lng=114.3803, lat=27.8003),
        "community parlour": place("宜阳社区党群会客厅", K.PARLOUR, lng=114.386, lat=27.806),
        "county parlour": place("袁州区党群会客厅", K.PARLOUR, lng=114.42, lat=27.83),
        "other compound parlour": place("新城国际小区党群会客厅", K.PARLOUR, lng=114.50, lat=27.85),
    }
    c = t.city
    expected = ["compound_a"] * 3 + ["community_a", "county_a", "compound_b"]
    assert [p.region for p in t.places.values()] == [getattr(c, e) for e in expected]
    return t


def convene(t, kind="parlour", region=None, place_key="compound parlour", **extra):
    data = {
        "kind": kind,
        "region": region or t.city.compound_a,
        "title": "党群会客厅议事：3栋1单元加装电梯",
        "starts_at": timezone.now() + timedelta(days=2),
        "venue": "",
        "agenda": "一、加装电梯方案；二、费用分摊",
        "topics": [t.topic],
        "place": t.places[place_key] if place_key else None,
    }
    data.update(extra)
    return meetings.convene(by=t.staff, **data)


def on_now(m: Meeting, status=S.NOTIFIED) -> Meeting:
    Meeting.objects.filter(pk=m.pk).update(status=status, starts_at=timezone.now() - timedelta(minutes=10))
    m.refresh_from_db()
    return m


# --- the venue --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("region", "place_key", "allowed"),
    [
        ("compound_a", "compound parlour", True),
        ("compound_a", "compound corner", True),
        ("compound_a", "community parlour", True),  # the community's parlour, above the compound
        ("compound_a", "county parlour", True),  # the county's parlour
        ("compound_a", "compound station", False),  # a red station is no meeting venue
        ("compound_a", "other compound parlour", False),  # another community's
        ("community_a", "compound parlour", True),  # a compound of the community
        ("community_a", "community parlour", True),
        ("community_a", "county parlour", True),
        ("community_a", "other compound parlour", False),
    ],
)
def test_the_venue_is_a_parlour_or_corner_of_the_region_or_above(t, region, place_key, allowed):
    if allowed:
        m = convene(t, region=getattr(t.city, region), place_key=place_key)
        assert m.place == t.places[place_key] and m.venue == t.places[place_key].name
    else:
        with pytest.raises(MeetingError, match="不是本小区或社区的党群会客厅或议事角"):
            convene(t, region=getattr(t.city, region), place_key=place_key)
        assert not Meeting.objects.exists()


def test_free_text_venue_still_works_and_a_room_can_be_added(t):
    m = convene(t, place_key=None, venue="3栋架空层")
    assert (m.place, m.venue) == (None, "3栋架空层")
    m2 = convene(t, venue="二楼会议室")
    assert (m2.place, m2.venue) == (t.places["compound parlour"], "二楼会议室")
    with pytest.raises(MeetingError, match="请填写会议地点"):
        convene(t, place_key=None, venue=" ")


def test_staff_choose_the_parlour_on_the_form(t, client):
    client.force_login(t.staff)
    form = client.get(reverse("council:staff_meeting_new")).content.decode()
    for key in ("compound parlour", "compound corner", "community parlour", "county parlour"):
        assert t.places[key].name in form
    assert "新城国际小区党群会客厅" not in form and "都市春天红色驿站" not in form
    when = timezone.localtime(timezone.now() + timedelta(days=1)).strftime("%Y-%m-%dT%H:%M")
    data = {"kind": "parlour", "region": t.city.compound_a.pk, "title": "议事", "starts_at": when}
    r = client.post(
        reverse("council:staff_meeting_new"),
        {**data, "place": t.places["other compound parlour"].pk},
    )
    assert r.status_code == 200 and "请从列表中选择党群会客厅或议事角" in r.content.decode()
    assert not Meeting.objects.exists()
    r = client.post(reverse("council:staff_meeting_new"), {**data, "place": t.places["compound corner"].pk})
    m = Meeting.objects.get()
    assert (m.place, m.venue) == (t.places["compound corner"], "3栋楼下议事角")
    desk = client.get(r["Location"]).content.decode()
    assert reverse("resources:place", args=[t.places["compound corner"].pk]) in desk


def test_the_place_page_lists_the_meetings_announced_there(t, client):
    announced = convene(t, title="三月议事会")
    meetings.transition(announced, "notify", by=t.staff)
    convene(t, title="尚未通知的会")  # planned: not public yet
    cancelled = convene(t, title="取消的会")
    meetings.transition(cancelled, "cancel", by=t.staff, note="下雨")
    convene(t, title="社区的会", place_key="community parlour", region=t.city.community_a)
    page = client.get(reverse("resources:place", args=[t.places["compound parlour"].pk])).content.decode()
    assert "三月议事会" in page
    for title in ("尚未通知的会", "取消的会", "社区的会"):
        assert title not in page
    station = client.get(reverse("resources:place", args=[t.places["compound station"].pk])).content.decode()
    assert 'id="place-meetings"' not in station


# --- residents' phone pages -------------------------------------------------------------------


def test_residents_told_of_a_meeting_see_it_on_their_phone(t, client, django_assert_max_num_queries):
    parlour = convene(t, title="会客厅议事")  # agenda: the topic (reporter 1-101, supporter 1-202)
    assembly = convene(t, kind="assembly", title="业主大会", topics=[])
    joint = convene(t, kind="joint", title="五方联席会议", topics=[])
    planned = convene(t, kind="assembly", title="还没通知的业主大会", topics=[])
    for m in (parlour, assembly, joint):
        meetings.transition(m, "notify", by=t.staff)
    cases = [
        (t.reporter, {"会客厅议事", "业主大会"}),
        (t.owners["1-202"], {"会客厅议事", "业主大会"}),
        (t.owners["1-301"], {"业主大会"}),  # an owner of the compound
        (t.neighbour, {"业主大会"}),
        (t.rep, {"五方联席会议"}),
        (t.far, set()),  # lives in another compound
        (t.outsider, set()),  # staff of another community
    ]
    titles = {"会客厅议事", "业主大会", "五方联席会议", planned.title}
    for user, expected in cases:
        client.force_login(user)
        with django_assert_max_num_queries(12):
            page = client.get(reverse("council:meetings")).content.decode()
        assert {x for x in titles if f"<strong>{x}</strong>" in page} == expected, user


def test_the_list_is_a_fixed_number_of_queries(t, client, django_assert_max_num_queries):
    for i in range(30):
        m = convene(t, kind="assembly", title=f"业主大会{i}", place_key=None, venue=f"{i}号会议室", topics=[])
        meetings.transition(m, "notify", by=t.staff)
    client.force_login(t.owners["1-301"])
    with django_assert_max_num_queries(12):
        page = client.get(reverse("council:meetings")).content.decode()
    assert page.count("meeting-card") == 30


def test_the_meeting_page_shows_agenda_topics_and_the_venue(t, client, django_assert_max_num_queries):
    m = convene(t)
    meetings.transition(m, "notify", by=t.staff)
    client.force_login(t.owners["1-202"])
    with django_assert_max_num_queries(15):
        page = client.get(reverse("council:meeting", args=[m.pk])).content.decode()
    assert "一、加装电梯方案" in page and "3栋1单元加装电梯" in page
    assert reverse("council:topic", args=[t.topic.pk]) in page
    assert reverse("resources:place", args=[t.places["compound parlour"].pk]) in page
    assert "签到将于" in page  # not open yet: when it opens


def test_a_resident_not_concerned_gets_404_and_changes_nothing(t, client):
    m = on_now(convene(t))
    for user in (t.far, t.outsider, t.neighbour):  # neighbour: not on this parlour meeting
        client.force_login(user)
        assert client.get(reverse("council:meeting", args=[m.pk])).status_code == 404
        assert client.post(reverse("council:meeting_sign_in", args=[m.pk])).status_code == 404
    with pytest.raises(MeetingError, match="这不是通知您参加的会议"):
        meetings.self_sign_in(m, by=t.far)
    assert not MeetingAttendee.objects.filter(meeting=m).exists()
    assert not MeetingEvent.objects.filter(meeting=m, action="sign_in").exists()


def test_a_planned_meeting_is_not_shown_before_its_notice(t, client):
    m = convene(t)
    client.force_login(t.owners["1-202"])
    assert client.get(reverse("council:meeting", args=[m.pk])).status_code == 404


# --- signing in -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("status", "minutes_from_start", "open_"),
    [
        (S.PLANNED, 0, False),  # no notice yet
        (S.NOTIFIED, -31, False),  # more than half an hour early
        (S.NOTIFIED, -30, True),
        (S.NOTIFIED, 0, True),
        (S.NOTIFIED, 239, True),
        (S.NOTIFIED, 241, False),  # four hours after the start
        (S.HELD, 60, True),
        (S.MINUTED, 60, False),
        (S.CANCELLED, 0, False),
    ],
)
def test_sign_in_is_open_while_the_meeting_is_on(status, minutes_from_start, open_):
    start = timezone.now()
    m = Meeting(status=status, starts_at=start)
    assert meetings.sign_in_open(m, now=start + timedelta(minutes=minutes_from_start)) is open_


def test_a_resident_signs_in_once(t, client):
    m = on_now(convene(t, kind="assembly", topics=[]))
    owner = t.owners["1-301"]
    client.force_login(owner)
    page = client.get(reverse("council:meeting", args=[m.pk])).content.decode()
    assert "我到了，签到" in page
    r = client.post(reverse("council:meeting_sign_in", args=[m.pk]), follow=True)
    assert "已签到，欢迎参会" in r.content.decode()
    row = MeetingAttendee.objects.get(meeting=m)
    assert (row.user, row.person.user, row.signed_in_by) == (owner, owner, owner)
    assert row.label.startswith("业") and "1-301" not in row.label  # masked
    r = client.post(reverse("council:meeting_sign_in", args=[m.pk]), follow=True)
    assert "您已签到" in r.content.decode()
    assert MeetingAttendee.objects.filter(meeting=m).count() == 1
    assert MeetingEvent.objects.filter(meeting=m, action="sign_in").count() == 1
    staff_desk = client.get(reverse("council:staff_meeting", args=[m.pk]))
    assert staff_desk.status_code == 404  # a resident has no desk


def test_a_seat_signs_in_on_its_own_row(t):
    m = on_now(convene(t, kind="joint", topics=[]))
    meetings.self_sign_in(m, by=t.rep)
    seat = MeetingAttendee.objects.get(meeting=m, seat="residents")
    assert seat.signed_in_at is not None and seat.user == t.rep
    assert MeetingAttendee.objects.filter(meeting=m).count() == 5
    with pytest.raises(MeetingError, match="您已签到"):
        meetings.self_sign_in(m, by=t.rep)


@pytest.mark.parametrize(
    ("status", "shift", "message"),
    [
        (S.NOTIFIED, timedelta(hours=2), "签到于会前半小时开始"),
        (S.MINUTED, timedelta(0), "签到于会前半小时开始"),
    ],
)
def test_sign_in_outside_the_meeting_is_refused(t, client, status, shift, message):
    m = convene(t, kind="assembly", topics=[])
    Meeting.objects.filter(pk=m.pk).update(status=status, starts_at=timezone.now() + shift, minutes="纪要")
    client.force_login(t.owners["1-301"])
    r = client.post(reverse("council:meeting_sign_in", args=[m.pk]), follow=True)
    assert message in r.content.decode()
    assert not MeetingAttendee.objects.filter(meeting=m).exists()


@pytest.mark.parametrize(("noticed", "shown"), [(True, True), (False, False)])
def test_a_cancelled_meeting_shows_only_to_those_told_of_it(t, client, noticed, shown):
    m = convene(t, kind="assembly", topics=[], title="取消的业主大会")
    if noticed:
        meetings.transition(m, "notify", by=t.staff)
    meetings.transition(m, "cancel", by=t.staff, note="暴雨改期")
    client.force_login(t.owners["1-301"])
    page = client.get(reverse("council:meetings")).content.decode()
    assert ("取消的业主大会" in page) is shown and ("已取消" in page) is shown
    r = client.get(reverse("council:meeting", args=[m.pk]))
    assert r.status_code == (200 if shown else 404)
    if shown:
        assert "暴雨改期" in r.content.decode()

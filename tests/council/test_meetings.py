"""Meetings: a five-party joint meeting takes the compound's five seats; the notice reaches those
concerned (the seats' representatives, the reporter and supporters of the topics on the agenda);
sign-in; minutes; a decision on a topic decides it. Statuses move along the table, each move an
event row; an outsider of another community sees and changes nothing."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from doorstep.core.models import Notification
from doorstep.council import meetings, topics
from doorstep.council.meetings import TABLE, MeetingError
from doorstep.council.models import Meeting, MeetingAttendee, MeetingDecision, MeetingEvent
from doorstep.territory.models import JointBodySeat
from tests import factories
from tests.council.topic_world import elevator_topic, topic_world

pytestmark = pytest.mark.django_db
S = Meeting.Status


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
    topics.transition(t.topic, "meet", by=t.staff)
    topics.support(t.topic, by=t.owners["1-202"])
    return t


def joint(t, **extra):
    data = {
        "kind": "joint",
        "region": t.city.compound_a,
        "title": "红色物业联席会议：3栋1单元加装电梯",
        "starts_at": timezone.now() + timedelta(days=2),
        "venue": "都市春天小区党群会客厅",
        "agenda": "一、加装电梯方案；二、费用分摊",
        "topics": [t.topic],
    }
    data.update(extra)
    return meetings.convene(by=t.staff, **data)


def test_a_joint_meeting_has_the_five_seats_of_the_compounds_joint_body(t):
    m = joint(t)
    seats = list(MeetingAttendee.objects.filter(meeting=m).values_list("seat", flat=True))
    assert sorted(seats) == sorted(
        ["party", "property_company", "owners_committee", "co_building_unit", "residents"]
    )
    labels = " ".join(MeetingAttendee.objects.filter(meeting=m).values_list("label", flat=True))
    assert "宜春安居物业服务有限公司" in labels and "居民代表 · 孙**" in labels  # names masked
    assert MeetingEvent.objects.get(meeting=m).action == "convene"


def test_a_joint_meeting_needs_a_full_joint_body(t):
    JointBodySeat.objects.filter(body=t.furnished.joint_body, seat="co_building_unit").delete()
    with pytest.raises(MeetingError, match="联席会缺少以下席位：共建单位"):
        joint(t)
    with pytest.raises(MeetingError, match="五方联席会议须在小区召开"):
        joint(t, region=t.city.community_a, topics=[])
    assert not Meeting.objects.exists()


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        ({"title": " "}, "请填写会议名称"),
        ({"venue": ""}, "请填写会议地点"),
        ({"starts_at": None}, "请填写会议时间"),
        ({"kind": "party"}, "未知的会议类型"),
    ],
)
def test_bad_input_is_refused_in_chinese(t, extra, message):
    with pytest.raises(MeetingError) as err:
        joint(t, **extra)
    assert message in " ".join(err.value.messages)
    assert not Meeting.objects.exists()


def test_the_notice_reaches_those_concerned_and_a_decision_decides_the_topic(t):
    m = joint(t)
    meetings.transition(m, "notify", by=t.staff)
    for user in (t.rep, t.reporter, t.owners["1-202"]):
        note = Notification.objects.get(recipient=user, kind="meeting")
        assert (
            "通知：五方联席会议「红色物业联席会议：3栋1单元加装电梯」" in note.text
            and "党群会客厅" in note.text
        )
    assert not Notification.objects.filter(recipient=t.neighbour, kind="meeting").exists()
    seat = MeetingAttendee.objects.get(meeting=m, seat="property_company")
    meetings.sign_in(m, by=t.staff, attendee=seat)
    with pytest.raises(MeetingError, match="已签到"):
        meetings.sign_in(m, by=t.staff, attendee=seat)
    walk_in = meetings.sign_in(m, by=t.staff, label="3栋1单元业主 王秀英")
    assert walk_in.signed_in_at is not None and MeetingAttendee.objects.filter(meeting=m).count() == 6
    with pytest.raises(MeetingError, match="会议召开后才能记录决定"):
        meetings.decide(m, by=t.staff, text="同意加装", topic=t.topic)
    meetings.transition(m, "hold", by=t.staff)
    meetings.decide(m, by=t.staff, text="同意加装，提交单元业主表决", topic=t.topic)
    t.topic.refresh_from_db()
    assert t.topic.stage == "decided" and "同意加装，提交单元业主表决" in t.topic.decision
    with pytest.raises(MeetingError, match="会议纪要"):
        meetings.transition(m, "minute", by=t.staff, note="")
    m = meetings.transition(m, "minute", by=t.staff, note="五方到会，一致同意。")
    assert (m.status, m.minutes) == ("minuted", "五方到会，一致同意。")
    assert list(
        MeetingEvent.objects.filter(meeting=m, from_status__gt="").values_list("action", flat=True)
    ) == [
        "notify",
        "hold",
        "minute",
    ]


def test_statuses_move_only_along_the_table(t):
    m = joint(t)
    for status in S.values:
        for action, rule in TABLE.items():
            Meeting.objects.filter(pk=m.pk).update(status=status, minutes="纪要", cancel_reason="原因")
            before = MeetingEvent.objects.filter(meeting=m).count()
            if status in rule.sources:
                assert meetings.transition(m, action, by=t.staff, note="说明").status == rule.target
                assert MeetingEvent.objects.filter(meeting=m).count() == before + 1
            else:
                with pytest.raises(MeetingError, match="现在不能转为"):
                    meetings.transition(m, action, by=t.staff, note="说明")
                assert Meeting.objects.get(pk=m.pk).status == status
                assert MeetingEvent.objects.filter(meeting=m).count() == before


def test_a_topic_of_another_place_is_not_on_the_agenda(t):
    other = topics.raise_topic(by=t.outsider, title="锦阳社区的事", region=t.city.compound_b)
    with pytest.raises(MeetingError, match="其他地方的议题"):
        joint(t, topics=[other])


def test_an_outsider_sees_and_changes_nothing(t, client):
    m = joint(t)
    with pytest.raises(MeetingError, match="您无权管理这里的会议"):
        meetings.transition(m, "notify", by=t.outsider)
    with pytest.raises(MeetingError, match="您无权管理这里的会议"):
        meetings.convene(
            by=t.outsider,
            kind="parlour",
            region=t.city.compound_a,
            title="x",
            starts_at=timezone.now(),
            venue="y",
        )
    client.force_login(t.outsider)
    assert "红色物业联席会议" not in client.get(reverse("council:staff_meetings")).content.decode()
    assert client.get(reverse("council:staff_meeting", args=[m.pk])).status_code == 404
    for name, args in [
        ("council:staff_meeting_move", [m.pk, "notify"]),
        ("council:staff_meeting_sign_in", [m.pk]),
        ("council:staff_meeting_decide", [m.pk]),
    ]:
        assert client.post(reverse(name, args=args), {"text": "x", "label": "x"}).status_code == 404
    m.refresh_from_db()
    assert m.status == "planned" and MeetingEvent.objects.filter(meeting=m).count() == 1
    assert not MeetingDecision.objects.exists()


def test_staff_convene_from_a_topic_and_run_the_meeting_on_the_pages(
    t, client, django_assert_max_num_queries
):
    client.force_login(t.staff)
    page = client.get(reverse("council:staff_topic", args=[t.topic.pk])).content.decode()
    assert f"/council/staff/meetings/new/?topic={t.topic.pk}" in page
    form = client.get(reverse("council:staff_meeting_new") + f"?topic={t.topic.pk}").content.decode()
    assert "3栋1单元加装电梯" in form
    when = timezone.localtime(timezone.now() + timedelta(days=1)).strftime("%Y-%m-%dT%H:%M")
    r = client.post(
        reverse("council:staff_meeting_new"),
        {
            "kind": "parlour",
            "region": t.city.compound_a.pk,
            "title": "党群会客厅议事：加装电梯",
            "starts_at": when,
            "venue": "小区会客厅",
            "topics": [t.topic.pk],
        },
    )
    m = Meeting.objects.get()
    assert r["Location"] == reverse("council:staff_meeting", args=[m.pk])
    calendar = client.get(reverse("council:staff_meetings")).content.decode()
    assert "党群会客厅议事：加装电梯" in calendar and "小区会客厅" in calendar
    client.post(reverse("council:staff_meeting_move", args=[m.pk, "notify"]))
    client.post(reverse("council:staff_meeting_sign_in", args=[m.pk]), {"label": "王秀英"})
    client.post(reverse("council:staff_meeting_move", args=[m.pk, "hold"]))
    client.post(
        reverse("council:staff_meeting_decide", args=[m.pk]), {"text": "同意加装", "topic": t.topic.pk}
    )
    with django_assert_max_num_queries(25):
        page = client.get(reverse("council:staff_meeting", args=[m.pk])).content.decode()
    assert "王秀英" in page and "同意加装" in page and "已召开" in page
    client.force_login(t.reporter)
    topic_page = client.get(reverse("council:topic", args=[t.topic.pk])).content.decode()
    assert "党群会客厅议事" in topic_page and "小区会客厅" in topic_page and "已决定" in topic_page

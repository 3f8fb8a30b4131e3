"""Talent pool (人才库, 三师进社区): experts of seven kinds serve an area; a community asks for a
consultation, which moves requested → accepted → visited (each visit logged) → closed, or is
declined. The transition table is the rule; every move writes an event row."""

from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import timezone

from doorstep.core.models import Notification
from doorstep.resources import talent
from doorstep.resources.models import ConsultationEvent, ConsultationRequest, Expert, ExpertVisit
from tests import factories

pytestmark = pytest.mark.django_db
S = ConsultationRequest.Status


@pytest.fixture
def staff(city):
    return factories.role("community_staff", city.community_a)


@pytest.fixture
def expert(city, staff):
    user = factories.user("lawyer")
    person = factories.person("陈律师", user=user, phone="13800001111")
    return talent.expert_add(
        factories.role("admin", city.county_a),
        person=person,
        kind=Expert.Kind.LAWYER,
        region=city.county_a,
        organization="袁州律师事务所",
        specialities="物业纠纷",
    )


def test_every_kind_of_expert_of_the_reform():
    assert set(Expert.Kind.values) == {
        "planner",
        "architect",
        "engineer",
        "lawyer",
        "counsellor",
        "emergency",
        "market",
    }


# (status before, action, allowed, status after)
TABLE = [
    (S.REQUESTED, "accept", True, S.ACCEPTED),
    (S.REQUESTED, "decline", True, S.DECLINED),
    (S.REQUESTED, "visit", False, S.REQUESTED),
    (S.REQUESTED, "close", False, S.REQUESTED),
    (S.ACCEPTED, "accept", False, S.ACCEPTED),
    (S.ACCEPTED, "visit", True, S.VISITED),
    (S.ACCEPTED, "decline", True, S.DECLINED),
    (S.ACCEPTED, "close", False, S.ACCEPTED),
    (S.VISITED, "visit", True, S.VISITED),
    (S.VISITED, "close", True, S.CLOSED),
    (S.VISITED, "decline", False, S.VISITED),
    (S.CLOSED, "visit", False, S.CLOSED),
    (S.CLOSED, "accept", False, S.CLOSED),
    (S.DECLINED, "accept", False, S.DECLINED),
]


@pytest.mark.parametrize(("before", "action", "ok", "after"), TABLE)
def test_transition_table(city, staff, expert, before, action, ok, after):
    req = talent.consultation_request(
        staff, expert=expert, community=city.community_a, topic="加装电梯的业主纠纷"
    )
    ConsultationRequest.objects.filter(pk=req.pk).update(status=before)
    events = ConsultationEvent.objects.count()
    args = {"note": "现场查看并解答", "visited_on": timezone.localdate(), "outcome": "给出调解方案"}
    if ok:
        talent.transition(expert.person.user, req, action, **args)
        assert ConsultationEvent.objects.count() == events + 1
        e = ConsultationEvent.objects.latest("id")
        assert (e.action, e.from_status, e.to_status) == (action, before, after)
    else:
        with pytest.raises(ValidationError):
            talent.transition(expert.person.user, req, action, **args)
        assert ConsultationEvent.objects.count() == events
    req.refresh_from_db()
    assert req.status == after


def test_full_path_with_visits_logged(city, staff, expert):
    req = talent.consultation_request(staff, expert=expert, community=city.community_a, topic="物业合同审查")
    assert Notification.objects.filter(recipient=expert.person.user, kind="consultation").count() == 1
    me = expert.person.user
    talent.transition(me, req, "accept")
    with pytest.raises(ValidationError) as exc:  # a visit needs a date, notes and an outcome
        talent.transition(me, req, "visit", visited_on="", note="", outcome="")
    assert set(exc.value.message_dict) == {"visited_on", "note", "outcome"}
    with pytest.raises(ValidationError) as exc:
        talent.transition(
            me, req, "visit", visited_on=timezone.localdate() + timedelta(days=1), note="x", outcome="y"
        )
    assert exc.value.message_dict["visited_on"] == ["走访日期不能晚于今天。"]
    assert ExpertVisit.objects.count() == 0
    talent.transition(
        me, req, "visit", visited_on=timezone.localdate(), note="逐条审阅合同", outcome="修改三条"
    )
    talent.transition(
        staff, req, "visit", visited_on=timezone.localdate(), note="再次答疑", outcome="业主认可"
    )
    talent.transition(staff, req, "close")
    req.refresh_from_db()
    assert req.status == S.CLOSED and req.visits.count() == 2
    assert list(req.events.values_list("action", flat=True)) == [
        "request",
        "accept",
        "visit",
        "visit",
        "close",
    ]


def test_decline_needs_a_reason(city, staff, expert):
    req = talent.consultation_request(staff, expert=expert, community=city.community_a, topic="电梯")
    with pytest.raises(ValidationError) as exc:
        talent.transition(expert.person.user, req, "decline", note=" ")
    assert exc.value.message_dict["note"] == ["请说明原因。"]
    talent.transition(expert.person.user, req, "decline", note="时间冲突")
    assert ConsultationRequest.objects.get().status == S.DECLINED


def test_outsiders_change_nothing(city, staff, expert):
    outsider = factories.role("community_staff", city.community_b)
    with pytest.raises(PermissionDenied):
        talent.consultation_request(outsider, expert=expert, community=city.community_a, topic="越界")
    with pytest.raises(ValidationError):  # the expert serves county A, not community B
        talent.consultation_request(outsider, expert=expert, community=city.community_b, topic="越界")
    req = talent.consultation_request(staff, expert=expert, community=city.community_a, topic="电梯")
    with pytest.raises(PermissionDenied):
        talent.transition(outsider, req, "accept")
    with pytest.raises(PermissionDenied):  # another expert is not this request's expert
        other = factories.user("other-expert")
        talent.transition(other, req, "accept")
    req.refresh_from_db()
    assert req.status == S.REQUESTED and req.events.count() == 1


def test_bad_expert_input_saves_nothing(city, staff):
    person = factories.person("周工程师")
    with pytest.raises(ValidationError) as exc:
        talent.expert_add(staff, person=person, kind="astrologer", region=city.community_a, phone="123")
    assert set(exc.value.message_dict) == {"kind", "phone"}
    talent.expert_add(staff, person=person, kind="engineer", region=city.community_a)
    with pytest.raises(ValidationError):
        talent.expert_add(staff, person=person, kind="engineer", region=city.community_a)
    assert Expert.objects.count() == 1


# --- pages ---------------------------------------------------------------------------------------


def test_staff_page_lists_masked_experts_and_requests(
    client, city, staff, expert, django_assert_max_num_queries
):
    for n in range(5):
        talent.consultation_request(staff, expert=expert, community=city.community_a, topic=f"咨询{n}")
    client.force_login(staff)
    with django_assert_max_num_queries(20):
        page = client.get(reverse("resources:staff_experts"))
    assert page.status_code == 200
    assert "陈**" in page.text and "138****1111" in page.text and "13800001111" not in page.text
    assert "咨询4" in page.text
    r = client.post(
        reverse("resources:staff_experts"),
        {"action": "request", "expert": expert.pk, "community": city.community_a.pk, "topic": ""},
    )
    assert r.status_code == 400 and "请说明咨询事项。" in r.text
    assert ConsultationRequest.objects.count() == 5
    r = client.post(
        reverse("resources:staff_experts"),
        {
            "action": "add",
            "phone": "13900002222",
            "name": "吴规划",
            "kind": "planner",
            "region": city.community_a.pk,
        },
    )
    assert r.status_code == 302 and Expert.objects.filter(kind="planner", person__name="吴规划").exists()


def test_expert_page_and_outsider(client, city, staff, expert):
    req = talent.consultation_request(staff, expert=expert, community=city.community_a, topic="物业费调价")
    client.force_login(expert.person.user)
    page = client.get(reverse("resources:expert_me"))
    assert "物业费调价" in page.text
    r = client.post(reverse("resources:consultation", args=[req.pk]), {"action": "accept"})
    assert r.status_code == 302
    req.refresh_from_db()
    assert req.status == S.ACCEPTED
    outsider = factories.role("community_staff", city.community_b)
    client.force_login(outsider)
    assert client.get(reverse("resources:staff_experts")).status_code == 200
    assert "物业费调价" not in client.get(reverse("resources:staff_experts")).text
    assert client.get(reverse("resources:consultation", args=[req.pk])).status_code == 404
    r = client.post(reverse("resources:consultation", args=[req.pk]), {"action": "decline", "note": "x"})
    assert r.status_code == 404
    req.refresh_from_db()
    assert req.status == S.ACCEPTED
    client.force_login(factories.user("nobody"))
    assert client.get(reverse("resources:staff_experts")).status_code == 403
    assert client.get(reverse("resources:consultation", args=[req.pk])).status_code == 404


def test_admin_lists_only_the_area_read_only(client, city, staff, expert):
    from django.contrib.auth import get_user_model

    mine = talent.consultation_request(staff, expert=expert, community=city.community_a, topic="本区咨询")
    other_staff = factories.role("community_staff", city.community_b)
    far = talent.expert_add(
        other_staff, person=factories.person("锦律师"), kind="lawyer", region=city.community_b
    )
    theirs = talent.consultation_request(
        other_staff, expert=far, community=city.community_b, topic="外区咨询"
    )
    get_user_model().objects.filter(pk=staff.pk).update(is_staff=True)
    client.force_login(staff)
    listing = client.get(reverse("admin:resources_consultationrequest_changelist"))
    assert listing.status_code == 200 and "本区咨询" in listing.text and "外区咨询" not in listing.text
    assert (
        client.get(reverse("admin:resources_consultationrequest_change", args=[mine.pk])).status_code == 200
    )
    assert (
        client.get(reverse("admin:resources_consultationrequest_change", args=[theirs.pk])).status_code == 404
    )
    assert (
        client.post(reverse("admin:resources_consultationrequest_change", args=[mine.pk]), {}).status_code
        == 403
    )

"""Training (实训): sessions train people for a role; enrolment and attendance; who was trained
in which role, per area."""

from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import timezone

from doorstep.resources import training
from doorstep.resources.models import TrainingEnrolment, TrainingSession
from tests import factories

pytestmark = pytest.mark.django_db
R = TrainingSession.Role


@pytest.fixture
def staff(city):
    return factories.role("community_staff", city.community_a)


def session(staff, region, role=R.GRID_WORKER, topic="网格员入户走访实训"):
    return training.session_create(
        staff,
        topic=topic,
        role=role,
        region=region,
        starts_at=timezone.now() - timedelta(days=1),
        trainer="刘老师",
        place_text="网格实训基地",
    )


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"topic": ""}, "topic"),
        ({"role": "astronaut"}, "role"),
        ({"trainer": " "}, "trainer"),
        ({"starts_at": "不知道"}, "starts_at"),
        ({"place_text": ""}, "place"),
    ],
)
def test_bad_sessions_save_nothing(city, staff, changes, field):
    args = {
        "topic": "召集人实训",
        "role": R.CONVENER,
        "region": city.community_a,
        "starts_at": "2030-01-05T09:00",
        "trainer": "刘老师",
        "place_text": "基地",
    }
    args.update(changes)
    with pytest.raises(ValidationError) as exc:
        training.session_create(staff, **args)
    assert field in exc.value.message_dict
    assert TrainingSession.objects.count() == 0


def test_enrol_once_mark_attendance_and_list_who_was_trained(city, staff):
    grid_s = session(staff, city.community_a)
    obs_s = session(staff, city.compound_a, role=R.OBSERVER, topic="观察员履职实训")
    a, b = factories.person("甲网格员"), factories.person("乙观察员")
    ea = training.enrol(staff, grid_s, a)
    with pytest.raises(ValidationError):
        training.enrol(staff, grid_s, a)
    eb = training.enrol(staff, grid_s, b)
    eb2 = training.enrol(staff, obs_s, b)
    with pytest.raises(ValidationError):
        training.mark_attendance(staff, grid_s, [ea.pk, eb2.pk])  # an enrolment of another session
    assert not TrainingEnrolment.objects.filter(attended=True).exists()
    training.mark_attendance(staff, grid_s, [ea.pk])
    training.mark_attendance(staff, obs_s, [eb2.pk])
    rows = {(t.person.name, t.role) for t in training.trained_in_area(staff)}
    assert rows == {("甲网格员", R.GRID_WORKER), ("乙观察员", R.OBSERVER)}
    only_compound = {(t.person.name, t.role) for t in training.trained_in_area(staff, city.compound_a)}
    assert only_compound == {("乙观察员", R.OBSERVER)}
    eb.refresh_from_db()
    assert eb.attended is False
    outsider = factories.role("community_staff", city.community_b)
    assert training.trained_in_area(outsider) == []
    with pytest.raises(PermissionDenied):
        training.mark_attendance(outsider, grid_s, [])
    with pytest.raises(PermissionDenied):
        training.enrol(outsider, grid_s, factories.person("丙"))


def test_pages(client, city, staff, django_assert_max_num_queries):
    for n in range(4):
        s = session(staff, city.community_a, topic=f"实训{n}")
        ids = [training.enrol(staff, s, factories.person(f"学员{n}{k}")).pk for k in range(3)]
        training.mark_attendance(staff, s, ids)
    client.force_login(staff)
    with django_assert_max_num_queries(20):
        page = client.get(reverse("resources:staff_training"))
    assert page.status_code == 200 and "实训3" in page.text and "学*" in page.text
    r = client.post(
        reverse("resources:staff_training"),
        {"topic": "", "role": "grid_worker", "region": city.community_a.pk, "starts_at": "x", "trainer": ""},
    )
    assert r.status_code == 400 and TrainingSession.objects.count() == 4
    s = TrainingSession.objects.get(topic="实训0")
    r = client.post(
        reverse("resources:staff_training_session", args=[s.pk]),
        {"action": "enrol", "phone": "13700001234", "name": "新学员"},
    )
    assert r.status_code == 302 and s.enrolments.count() == 4
    outsider = factories.role("community_staff", city.community_b)
    client.force_login(outsider)
    assert "实训0" not in client.get(reverse("resources:staff_training")).text
    assert client.get(reverse("resources:staff_training_session", args=[s.pk])).status_code == 404
    r = client.post(reverse("resources:staff_training_session", args=[s.pk]), {"action": "attendance"})
    assert r.status_code == 404 and s.enrolments.filter(attended=True).count() == 3


def test_a_reader_cannot_enrol_and_leaves_no_one_behind(client, city, staff):
    from doorstep.territory.models import Person

    s = session(staff, city.community_a)
    reader = factories.role("grid_worker", city.community_a)
    client.force_login(reader)
    assert client.get(reverse("resources:staff_training_session", args=[s.pk])).status_code == 200
    people = Person.objects.count()
    r = client.post(
        reverse("resources:staff_training_session", args=[s.pk]),
        {"action": "enrol", "phone": "13700009999", "name": "新人"},
    )
    assert r.status_code == 400 and "您无权管理辖区以外的事项。" in r.text
    assert Person.objects.count() == people and not s.enrolments.exists()
    r = client.post(
        reverse("resources:staff_training_session", args=[s.pk]),
        {"action": "enrol", "phone": "12", "name": "x"},
    )
    assert r.status_code == 400 and Person.objects.count() == people

"""一月一联建: a co-building unit plans a monthly activity with a community; people sign up (one
place each, up to the capacity), staff take attendance (hours and points credited once), and the
month view tells which units held their activity and which did not."""

from datetime import date, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import timezone

from doorstep.resources import activities, points
from doorstep.resources.models import ActivitySignup, JointActivity, PointEntry
from doorstep.territory.models import Organization
from tests import factories

pytestmark = pytest.mark.django_db
SH = ZoneInfo("Asia/Shanghai")


@pytest.fixture
def staff(city):
    return factories.role("community_staff", city.community_a)


@pytest.fixture
def unit(city):
    return factories.organization("袁州区人民法院党支部", Organization.Kind.CO_BUILDING_UNIT, city.county_a)


def plan(staff, unit, community, *, days=3, capacity=2, **extra):
    extra.setdefault("place_text", "宜阳社区党群服务中心")
    return activities.activity_plan(
        staff,
        unit=unit,
        community=community,
        title=extra.pop("title", "法律进社区"),
        starts_at=timezone.now() + timedelta(days=days),
        capacity=capacity,
        **extra,
    )


def resident(name, region, username=None):
    user = factories.user(username)
    return user, factories.person(name, user=user, home_region=region, phone="")


def test_sign_up_once_within_capacity(city, staff, unit):
    act = plan(staff, unit, city.community_a, capacity=2)
    u1, p1 = resident("王一", city.compound_a)
    u2, _p2 = resident("王二", city.compound_a)
    u3, _p3 = resident("王三", city.compound_a)
    activities.signup(u1, act)
    with pytest.raises(ValidationError) as exc:
        activities.signup(u1, act)
    assert exc.value.messages == ["已报名此活动。"]
    activities.signup(u2, act)
    with pytest.raises(ValidationError) as exc:
        activities.signup(u3, act)
    assert exc.value.messages == ["活动名额已满。"]
    assert ActivitySignup.objects.filter(activity=act).count() == 2
    # withdrawing frees the place, signing up again is a new row
    activities.withdraw(u1, ActivitySignup.objects.get(person=p1))
    activities.signup(u3, act)
    activities.withdraw(u2, ActivitySignup.objects.get(person=_p2))
    activities.signup(u1, act)
    assert ActivitySignup.objects.filter(activity=act, withdrawn_at__isnull=True).count() == 2


@pytest.mark.parametrize(
    ("field", "changes", "message"),
    [
        ("title", {"title": "  "}, "请输入活动名称。"),
        ("capacity", {"capacity": 0}, "名额为 1 到 1000 之间的整数。"),
        ("capacity", {"capacity": "许多"}, "名额为 1 到 1000 之间的整数。"),
        ("starts_at", {"starts_at": "明天"}, "请输入日期和时间，例如 2025-06-01 09:30。"),
        ("place", {"place_text": ""}, "请说明活动地点。"),
        ("hours", {"hours": "-1"}, "时长应在 0 到 1000 小时之间，最多两位小数。"),
        ("community", {"community": "compound"}, "联建活动与社区共同开展。"),
        ("unit", {"unit": "owners"}, "请选择共建单位。"),
    ],
)
def test_bad_plans_are_refused_and_save_nothing(city, staff, unit, field, changes, message):
    args = {
        "unit": unit,
        "community": city.community_a,
        "title": "法律进社区",
        "starts_at": "2030-06-01T09:30",
        "capacity": 20,
        "place_text": "服务中心",
    }
    args.update(changes)
    if args["community"] == "compound":
        args["community"] = city.compound_a
    if args["unit"] == "owners":
        args["unit"] = factories.organization("业委会", Organization.Kind.OWNERS_COMMITTEE, city.compound_a)
    with pytest.raises(ValidationError) as exc:
        activities.activity_plan(staff, **args)
    assert exc.value.message_dict[field] == [message]
    assert JointActivity.objects.count() == 0


def test_outsider_cannot_plan_or_mark(city, staff, unit):
    outsider = factories.role("community_staff", city.community_b)
    with pytest.raises(PermissionDenied):
        plan(outsider, unit, city.community_a)
    act = plan(staff, unit, city.community_a, days=0)
    with pytest.raises(PermissionDenied):
        activities.take_attendance(outsider, act, [])
    with pytest.raises(PermissionDenied):
        activities.cancel(outsider, act, "下雨")
    act.refresh_from_db()
    assert act.held_at is None and act.cancelled_at is None


def test_unit_of_another_county_is_refused(city, staff):
    far = factories.organization("上高县检察院", Organization.Kind.CO_BUILDING_UNIT, city.county_b)
    with pytest.raises(ValidationError) as exc:
        plan(staff, far, city.community_a)
    assert "unit" in exc.value.message_dict


def test_attendance_credits_hours_and_points_once(city, staff, unit):
    act = plan(staff, unit, city.community_a, capacity=5, hours="2", points_each=5)
    u1, p1 = resident("李一", city.compound_a)
    u2, p2 = resident("李二", city.compound_a)
    s1, s2 = activities.signup(u1, act), activities.signup(u2, act)
    with pytest.raises(ValidationError):  # not before the day
        activities.take_attendance(staff, act, [s1.pk])
    JointActivity.objects.filter(pk=act.pk).update(starts_at=timezone.now() - timedelta(hours=1))
    with pytest.raises(ValidationError) as exc:
        activities.take_attendance(staff, act, [s1.pk, 99999])
    assert exc.value.message_dict["present"] == ["未知的报名。"]
    assert PointEntry.objects.count() == 0
    activities.take_attendance(staff, act, [s1.pk])
    activities.take_attendance(staff, act, [s1.pk, s2.pk])  # corrected: both came
    activities.take_attendance(staff, act, [s1.pk, s2.pk])  # again: nothing doubles
    assert points.balance(p1) == points.Balance(points=5, hours=Decimal("2.00"), earned=5)
    assert points.balance(p2).points == 5
    assert PointEntry.objects.filter(source=PointEntry.Source.SERVICE).count() == 2
    with pytest.raises(ValidationError):  # attendance taken: no cancelling
        activities.cancel(staff, act, "下雨")
    with pytest.raises(ValidationError):  # nor signing up
        activities.signup(factories.role("community_staff", city.community_a), act, person=p1)


def test_month_view_shows_who_held_and_who_did_not(city, staff, unit):
    quiet = factories.organization("宜春学院党委", Organization.Kind.CO_BUILDING_UNIT, city.community_a)
    factories.organization("锦阳法庭", Organization.Kind.CO_BUILDING_UNIT, city.community_b)  # elsewhere
    act = plan(staff, unit, city.community_a, days=0)
    JointActivity.objects.filter(pk=act.pk).update(starts_at=timezone.now() - timedelta(minutes=5))
    activities.take_attendance(staff, act, [])
    month = timezone.localdate().replace(day=1)
    rows = {r.unit.name: r for r in activities.month_view(staff, city.community_a, month)}
    assert set(rows) == {unit.name, quiet.name}
    assert rows[unit.name].held and not rows[quiet.name].held and not rows[quiet.name].activities
    last = (month - timedelta(days=1)).replace(day=1)
    rows = {r.unit.name: r for r in activities.month_view(staff, city.community_a, last)}
    # the county court held one with the community before: listed as not held last month
    assert set(rows) == {unit.name, quiet.name} and not any(r.held for r in rows.values())
    with pytest.raises(PermissionDenied):
        activities.month_view(factories.role("community_staff", city.community_b), city.community_a, month)


# --- pages ---------------------------------------------------------------------------------------


def test_resident_signs_up_on_the_phone_page(client, city, staff, unit):
    act = plan(staff, unit, city.community_a, capacity=1)
    other = plan(
        factories.role("community_staff", city.community_b),
        factories.organization("上高法庭", Organization.Kind.CO_BUILDING_UNIT, city.county_b),
        city.community_b,
        title="锦阳的活动",
        days=5,
    )  # not their community
    user, person = resident("赵居民", city.compound_a, "zhao")
    client.force_login(user)
    page = client.get(reverse("resources:my_activities"))
    assert page.status_code == 200 and "法律进社区" in page.text and "锦阳的活动" not in page.text
    r = client.post(reverse("resources:my_activities"), {"action": "signup", "activity": other.pk})
    assert r.status_code == 404
    r = client.post(reverse("resources:my_activities"), {"action": "signup", "activity": act.pk}, follow=True)
    assert "您已报名" in r.text
    assert ActivitySignup.objects.get(activity=act).person == person
    # someone else finds it full
    u2, _ = resident("钱居民", city.compound_a, "qian")
    client.force_login(u2)
    assert "已满" in client.get(reverse("resources:my_activities")).text
    r = client.post(reverse("resources:my_activities"), {"action": "signup", "activity": act.pk})
    assert r.status_code == 400 and "活动名额已满。" in r.text
    assert ActivitySignup.objects.filter(activity=act).count() == 1


def test_staff_pages_list_scope_and_take_attendance(client, city, staff, unit, django_assert_max_num_queries):
    for n in range(4):
        a = plan(staff, unit, city.community_a, title=f"活动{n}", capacity=10)
        for k in range(3):
            activities.signup(staff, a, person=factories.person(f"居民{n}{k}", home_region=city.compound_a))
    client.force_login(staff)
    with django_assert_max_num_queries(20):  # fixed: however many activities and sign-ups
        page = client.get(reverse("resources:staff_activities"))
    assert page.status_code == 200 and "活动3" in page.text and "3/10" in page.text
    act = JointActivity.objects.get(title="活动0")
    JointActivity.objects.filter(pk=act.pk).update(starts_at=timezone.now() - timedelta(hours=1))
    ids = list(act.signups.values_list("pk", flat=True))
    r = client.post(
        reverse("resources:staff_activity", args=[act.pk]), {"action": "attendance", "present": ids[:2]}
    )
    assert r.status_code == 302
    assert act.signups.filter(attended=True).count() == 2 and act.signups.filter(attended=False).count() == 1
    # another community's staff: the list is theirs (empty), the activity is 404 and unchanged
    outsider = factories.role("community_staff", city.community_b)
    client.force_login(outsider)
    assert "活动0" not in client.get(reverse("resources:staff_activities")).text
    assert client.get(reverse("resources:staff_activity", args=[act.pk])).status_code == 404
    r = client.post(reverse("resources:staff_activity", args=[act.pk]), {"action": "cancel", "reason": "x"})
    assert r.status_code == 404
    act.refresh_from_db()
    assert act.cancelled_at is None and act.signups.filter(attended=True).count() == 2
    # a resident without a staff role
    client.force_login(factories.user("plain"))
    assert client.get(reverse("resources:staff_activities")).status_code == 403


def test_staff_plan_form_bad_input_changes_nothing(client, city, staff, unit):
    client.force_login(staff)
    r = client.post(
        reverse("resources:staff_activities"),
        {"unit": unit.pk, "community": city.community_a.pk, "title": "", "starts_at": "x", "capacity": "0"},
    )
    assert r.status_code == 400 and "请输入活动名称。" in r.text
    assert JointActivity.objects.count() == 0
    r = client.post(
        reverse("resources:staff_activities"),
        {
            "unit": unit.pk,
            "community": city.community_a.pk,
            "title": "普法讲座",
            "starts_at": (datetime.now(SH) + timedelta(days=2)).strftime("%Y-%m-%dT%H:%M"),
            "capacity": "30",
            "place_text": "议事厅",
        },
    )
    assert r.status_code == 302
    assert JointActivity.objects.get().title == "普法讲座"
    assert date.today()

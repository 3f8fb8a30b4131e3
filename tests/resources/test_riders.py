"""Riders and couriers: registration on the phone, the QR credential, check-ins at stations."""

from datetime import timedelta

import pytest
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from doorstep.resources import credentials, points, riders
from doorstep.resources.models import CheckIn, Place, PointEntry, Rider, RiderEvent
from doorstep.territory.models import Person
from tests import factories
from tests.resources.factories import place, rider

pytestmark = pytest.mark.django_db
User = get_user_model()


@pytest.fixture
def stations(city):
    a = place(name="都市春天红色驿站")
    b = place(name="锦阳红色驿站", lng=114.50, lat=27.85)
    return a, b


@pytest.mark.parametrize(
    ("phone", "message"),
    [
        ("1391234567", "手机号码应为 11 位"),
        ("12912345678", "手机号码应以 13 至 19 开头"),
        ("1401234567890", "物联网"),
        ("", "请输入手机号码"),
    ],
)
def test_bad_phone_is_refused_in_chinese_and_nothing_saved(stations, phone, message):
    with pytest.raises(ValidationError) as exc:
        rider(stations[0], phone=phone)
    assert message in " ".join(exc.value.message_dict["phone"])
    assert not Rider.objects.exists() and not Person.objects.exists() and not User.objects.exists()


def test_registration_checks_every_field_at_once(stations):
    closed = place(name="旧驿站", closed_on=timezone.localdate())
    with pytest.raises(ValidationError) as exc:
        riders.register(by=None, station=closed, platform="x", kind="y", name="", phone="139", password="1")
    assert set(exc.value.message_dict) == {"name", "phone", "platform", "kind", "station", "password"}
    assert not Rider.objects.exists() and not User.objects.exists()


def test_new_rider_gets_a_login_a_tagged_person_and_an_event(stations):
    r = rider(stations[0], phone="+86 139-1234-5678", roles=["traffic", "sorting"])
    assert r.person.phone == "13912345678" and r.person.masked_phone == "139****5678"
    assert r.person.user.username == "13912345678" and r.person.user.check_password("pw-doorstep-1")
    assert [t.slug for t in r.person.tags.all()] == ["rider"]
    assert r.region == stations[0].region
    assert sorted(r.volunteer_roles.values_list("name", flat=True)) == ["交通安全劝导员", "垃圾分类督导员"]
    assert list(RiderEvent.objects.values_list("action", flat=True)) == ["registered"]


def test_same_number_twice_is_refused(stations):
    rider(stations[0])
    with pytest.raises(ValidationError) as exc:
        rider(stations[0], name="王五")
    assert "已注册" in exc.value.message_dict["phone"][0]
    assert Person.objects.count() == 1


def test_signed_in_resident_reuses_their_person(stations):
    user = factories.user("resident1")
    person = factories.person("赵六", phone="13800001111", user=user, home_region=stations[0].region)
    r = riders.register(by=user, station=stations[0], platform="sf", kind="courier", name="别的名字")
    assert r.person_id == person.pk and Person.objects.count() == 1
    assert Person.objects.get().name == "赵六"
    assert [t.slug for t in person.tags.all()] == ["courier"]
    with pytest.raises(ValidationError) as exc:
        riders.register(by=user, station=stations[0], platform="sf")
    assert "已经登记" in exc.value.messages[0]


# --- the credential ------------------------------------------------------------------------------


def test_code_round_trip_and_qr_svg(stations):
    r = rider(stations[0])
    code = credentials.make_code(r)
    assert riders.rider_for_code(code) == r
    assert riders.rider_for_code(f"  {code.lower()} ") == r  # typed by hand
    svg = credentials.qr_svg(code)
    assert svg.startswith("<svg") and "<path" in svg


@pytest.mark.parametrize(
    ("tamper", "message"),
    [
        (lambda c: c[:-1] + ("A" if c[-1] != "A" else "B"), "已被篡改"),  # signature changed
        (lambda c: c.replace(c.split("-")[1], str(int(c.split("-")[1]) + 1), 1), "已被篡改"),  # other rider
        (lambda c: "hello", "不是骑手凭证"),
        (lambda c: "", "不是骑手凭证"),
    ],
)
def test_tampered_code_is_refused(stations, tamper, message):
    r = rider(stations[0])
    with pytest.raises(ValidationError) as exc:
        riders.rider_for_code(tamper(credentials.make_code(r)))
    assert message in exc.value.messages[0]


def test_revoked_and_replaced_codes_are_refused(stations, city):
    r = rider(stations[0])
    old = credentials.make_code(r)
    staff = factories.role("community_staff", city.community_a)
    r = riders.revoke(r, by=staff, reason="手机丢失")
    with pytest.raises(ValidationError) as exc:
        riders.rider_for_code(credentials.make_code(r))
    assert "已作废" in exc.value.messages[0]
    r = riders.reissue(r, by=staff)
    assert riders.rider_for_code(credentials.make_code(r)) == r
    with pytest.raises(ValidationError):
        riders.rider_for_code(old)
    actions = list(RiderEvent.objects.filter(rider=r).values_list("action", flat=True))
    assert actions == ["registered", "revoked", "reissued"]


def test_staff_of_another_community_cannot_revoke(stations, city):
    r = rider(stations[0])
    outsider = factories.role("community_staff", city.community_b)
    with pytest.raises(PermissionDenied):
        riders.revoke(r, by=outsider)
    assert not Rider.objects.get().credential_revoked


def test_rider_cannot_restore_a_revoked_credential_themselves(stations, city):
    r = rider(stations[0])
    riders.revoke(r, by=factories.role("community_staff", city.community_a))
    with pytest.raises(PermissionDenied):
        riders.reissue(r, by=r.person.user)


# --- check-ins -----------------------------------------------------------------------------------


def test_station_staff_check_a_rider_in_and_the_rider_earns_a_point(stations, city):
    r = rider(stations[0])
    staff = factories.role("grid_worker", city.community_a)
    c = riders.check_in(code=credentials.make_code(r), station=stations[0], by=staff, method="scan")
    assert (c.rider, c.station, c.region, c.by, c.method) == (
        r,
        stations[0],
        stations[0].region,
        staff,
        "scan",
    )
    entry = PointEntry.objects.get()
    assert (entry.person_id, entry.points, entry.source, entry.source_key) == (
        r.person_id,
        1,
        "checkin",
        f"checkin:{c.pk}",
    )
    assert points.balance(r.person).points == 1


@pytest.mark.parametrize(
    ("minutes_later", "station_index", "accepted"),
    [(5, 0, False), (29, 0, False), (31, 0, True), (5, 1, True)],
)
def test_a_second_check_in_within_the_window_is_refused(
    stations, city, minutes_later, station_index, accepted
):
    r = rider(stations[0])
    staff = factories.role("admin", city.city)
    first = timezone.now() - timedelta(hours=1)
    riders.check_in(code=credentials.make_code(r), station=stations[0], by=staff, at=first)
    later = first + timedelta(minutes=minutes_later)
    code, station = credentials.make_code(r), stations[station_index]
    if accepted:
        riders.check_in(code=code, station=station, by=staff, at=later)
        assert CheckIn.objects.count() == 2
    else:
        with pytest.raises(ValidationError) as exc:
            riders.check_in(code=code, station=station, by=staff, at=later)
        assert "已在此签到" in exc.value.message_dict["code"][0]
        assert "30 分钟" in exc.value.message_dict["code"][0]
        assert CheckIn.objects.count() == 1 and PointEntry.objects.count() == 1


def test_staff_of_another_community_cannot_check_in_at_a_station_not_theirs(stations, city):
    r = rider(stations[0])
    outsider = factories.role("community_staff", city.community_b)
    with pytest.raises(PermissionDenied) as exc:
        riders.check_in(code=credentials.make_code(r), station=stations[0], by=outsider)
    assert "辖区" in str(exc.value)
    assert list(riders.checkin_stations(outsider)) == [stations[1]]
    resident = factories.user("resident2")
    with pytest.raises(PermissionDenied):
        riders.check_in(code=credentials.make_code(r), station=stations[0], by=resident)
    assert not CheckIn.objects.exists() and not PointEntry.objects.exists()


def test_rider_of_another_area_may_check_in_at_our_station(stations, city):
    """Riders ride across the city: any station's staff check in any rider at their own station."""
    r = rider(stations[0])
    staff_b = factories.role("community_staff", city.community_b)
    c = riders.check_in(code=credentials.make_code(r), station=stations[1], by=staff_b)
    assert c.region == stations[1].region


def test_a_revoked_code_does_not_check_in(stations, city):
    r = rider(stations[0])
    staff = factories.role("community_staff", city.community_a)
    code = credentials.make_code(r)
    riders.revoke(r, by=staff)
    with pytest.raises(ValidationError) as exc:
        riders.check_in(code=code, station=stations[0], by=staff)
    assert "已作废" in exc.value.message_dict["code"][0]


def test_only_stations_take_check_ins(stations, city):
    r = rider(stations[0])
    shop = place(name="友好商户", kind=Place.Kind.FRIENDLY_BUSINESS)
    with pytest.raises(ValidationError) as exc:
        riders.check_in(code=credentials.make_code(r), station=shop, by=factories.role("admin", city.city))
    assert "station" in exc.value.message_dict


def test_roster_is_scoped_and_reads_in_one_query(stations, city, django_assert_num_queries):
    for i in range(5):
        rider(stations[i % 2], phone=f"1391234560{i}", name=f"骑手{i}")
    staff = factories.role("community_staff", city.community_a)
    list(riders.riders_visible(staff)[:0])  # roles read once
    with django_assert_num_queries(1):
        rows = list(riders.riders_visible(staff))
    assert len(rows) == 3 and all(r.region_id == stations[0].region_id for r in rows)
    outsider = factories.role("community_staff", city.community_b)
    with pytest.raises(Exception):  # noqa: B017 - Http404
        riders.rider_for_staff(outsider, rows[0].pk)


def test_a_rider_who_left_keeps_history_but_not_the_credential(stations, city):
    r = rider(stations[0])
    staff = factories.role("community_staff", city.community_a)
    code = credentials.make_code(r)
    riders.check_in(code=code, station=stations[0], by=staff)
    r = riders.leave(r, by=staff, reason="离开本市")
    with pytest.raises(ValidationError) as exc:
        riders.rider_for_code(credentials.make_code(r))
    assert "已退出登记" in exc.value.messages[0]
    with pytest.raises(ValidationError):
        riders.leave(r, by=staff)
    with pytest.raises(PermissionDenied):
        riders.leave(r, by=factories.role("community_staff", city.community_b))
    assert CheckIn.objects.count() == 1 and points.balance(r.person).points == 1
    assert RiderEvent.objects.filter(rider=r, action="left").count() == 1

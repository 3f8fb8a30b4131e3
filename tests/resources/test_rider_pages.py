"""Rider pages over HTTP: registration, the credential page, the station's check-in page and the
staff console, each checking the response and the database; outsiders see and change nothing."""

import re

import pytest
from django.urls import reverse

from doorstep.resources import credentials
from doorstep.resources.models import CheckIn, PointEntry, Rider
from doorstep.territory.models import Person
from tests import factories
from tests.resources.factories import place, rider

pytestmark = pytest.mark.django_db


@pytest.fixture
def stations(city):
    return place(name="都市春天红色驿站"), place(name="锦阳红色驿站", lng=114.50, lat=27.85)


def _form(station, **over):
    data = {
        "name": "李骑手",
        "phone": "139 1234 5678",
        "password": "spring-rider-2025",
        "kind": "rider",
        "platform": "meituan",
        "station": station.pk,
        "team": "旗行者先锋",
        "roles": ["traffic"],
    }
    data.update(over)
    return data


def test_register_with_a_bad_phone_shows_a_chinese_error_and_saves_nothing(client, stations):
    r = client.post(reverse("resources:rider_register"), _form(stations[0], phone="139123"))
    assert r.status_code == 400
    assert "手机号码应为 11 位" in r.content.decode()
    assert not Rider.objects.exists() and not Person.objects.exists()


def test_register_logs_in_and_shows_the_qr_credential(client, stations):
    r = client.post(reverse("resources:rider_register"), _form(stations[0]), follow=True)
    assert r.redirect_chain[-1][0] == reverse("resources:rider_me")
    page = r.content.decode()
    rider_obj = Rider.objects.get()
    assert credentials.make_code(rider_obj) in page
    assert "<svg" in page and "139****5678" in page and "13912345678" not in page
    assert "交通安全劝导员" in page
    # the register page now sends the rider to their card
    assert client.get(reverse("resources:rider_register")).url == reverse("resources:rider_me")


def test_anonymous_rider_card_leads_to_registration(client, stations):
    assert client.get(reverse("resources:rider_me")).url == reverse("resources:rider_register")


def test_station_staff_check_in_by_typed_code_and_a_repeat_is_refused(client, stations, city):
    r = rider(stations[0])
    staff = factories.role("grid_worker", city.community_a)
    client.force_login(staff)
    url = reverse("resources:checkin")
    assert client.get(url).status_code == 200
    code = credentials.make_code(r).lower()
    ok = client.post(url, {"station": stations[0].pk, "code": f" {code} "})
    assert ok.status_code == 200 and "李*" in ok.content.decode() and "签到" in ok.content.decode()
    again = client.post(url, {"station": stations[0].pk, "code": code})
    assert again.status_code == 400 and "每 30 分钟内只计一次签到" in again.content.decode()
    assert CheckIn.objects.count() == 1 and PointEntry.objects.count() == 1


def test_staff_of_another_community_cannot_check_in_at_our_station(client, stations, city):
    r = rider(stations[0])
    client.force_login(factories.role("community_staff", city.community_b))
    page = client.get(reverse("resources:checkin")).content.decode()
    assert "锦阳红色驿站" in page and "都市春天红色驿站" not in page
    bad = client.post(
        reverse("resources:checkin"), {"station": stations[0].pk, "code": credentials.make_code(r)}
    )
    assert bad.status_code == 400 and "辖区以外" in bad.content.decode()
    assert not CheckIn.objects.exists()


def test_residents_have_no_check_in_page(client, stations):
    client.force_login(factories.user("resident"))
    assert client.get(reverse("resources:checkin")).status_code == 403
    assert client.get(reverse("resources:staff_riders")).status_code == 403
    assert client.get(reverse("resources:staff_points")).status_code == 403


def test_staff_roster_is_scoped_masked_and_reads_few_queries(
    client, stations, city, django_assert_max_num_queries
):
    for i in range(6):
        rider(stations[i % 2], phone=f"1391234560{i}", name=f"骑手{i}")
    client.force_login(factories.role("community_staff", city.community_a))
    with django_assert_max_num_queries(8):
        page = client.get(reverse("resources:staff_riders")).content.decode()
    assert page.count("139****560") == 3
    assert "13912345600" not in page
    other = (
        Rider.objects.filter(region=city.compound_b).first()
        or Rider.objects.exclude(station=stations[0]).first()
    )
    assert client.get(reverse("resources:staff_rider", args=[other.pk])).status_code == 404
    assert client.post(reverse("resources:staff_rider_action", args=[other.pk, "revoke"])).status_code == 404
    assert not Rider.objects.filter(credential_revoked=True).exists()


def test_staff_revoke_from_the_console(client, stations, city):
    r = rider(stations[0])
    client.force_login(factories.role("community_staff", city.community_a))
    client.post(reverse("resources:staff_rider_action", args=[r.pk, "revoke"]), {"reason": "手机丢失"})
    assert Rider.objects.get().credential_revoked


def test_ledger_page_credits_redeems_reverses_and_ranks(client, stations, city):
    r = rider(stations[0])
    client.force_login(factories.role("community_staff", city.community_a))
    url = reverse("resources:staff_points")
    client.post(url, {"action": "earn", "rider": r.pk, "points": "10", "hours": "2", "reason": "交通劝导"})
    bad = client.post(url, {"action": "redeem", "rider": r.pk, "points": "50", "partner": "春天超市"})
    assert bad.status_code == 400 and "积分不足：当前余额为 10 分。" in bad.content.decode()
    client.post(url, {"action": "redeem", "rider": r.pk, "points": "4", "partner": "春天超市"})
    earn = PointEntry.objects.get(kind="earn")
    client.post(url, {"action": "reverse", "entry": earn.pk, "reason": "录错"})
    assert sorted(PointEntry.objects.values_list("points", flat=True)) == [-10, -4, 10]
    page = client.get(url).content.decode()
    assert re.search(r"冲正", page)


def test_ledger_page_of_another_area_writes_nothing(client, stations, city):
    r = rider(stations[0])
    client.force_login(factories.role("community_staff", city.community_b))
    url = reverse("resources:staff_points")
    r2 = client.post(url, {"action": "earn", "rider": r.pk, "points": "10", "reason": "x"})
    assert r2.status_code == 404
    assert not PointEntry.objects.exists()


def test_figures_command_reports_riders_and_members(stations, city, capsys):
    import json

    from django.core.management import call_command

    from doorstep.resources import riders as rider_services

    r = rider(stations[0])
    rider_services.check_in(
        code=credentials.make_code(r), station=stations[0], by=factories.role("admin", city.city)
    )
    call_command(
        "places", "figures", "--from", "2020-01-01", "--to", "2099-12-31", "--region", city.county_a.code
    )
    data = json.loads(capsys.readouterr().out)
    assert data["riders"] == {
        "registered": 1,
        "riders": 1,
        "couriers": 0,
        "new": 1,
        "checkins": 1,
        "riders_checked_in": 1,
    }
    assert data["members"] == {
        "reported": 0,
        "newly_reported": 0,
        "teams": 0,
        "teams_by_kind": {},
        "team_members": 0,
    }


def test_rider_card_reads_a_fixed_number_of_queries(client, stations, city, django_assert_max_num_queries):
    r = rider(stations[0], roles=["traffic", "food"])
    staff = factories.role("admin", city.city)
    from datetime import timedelta

    from django.utils import timezone

    from doorstep.resources import riders as rider_services

    for i in range(8):
        rider_services.check_in(
            code=credentials.make_code(r),
            station=stations[i % 2],
            by=staff,
            at=timezone.now() - timedelta(hours=i + 1),
        )
    client.force_login(r.person.user)
    with django_assert_max_num_queries(14):
        page = client.get(reverse("resources:rider_me"))
    assert page.status_code == 200 and page.content.decode().count("红色驿站</li>") == 8

"""The riders API: station staff check a rider in over HTTP (session and CSRF), a rider reads
their card, figures for a region in scope; errors in the one Chinese error body."""

import json

import pytest
from django.test import Client

from doorstep.resources import credentials
from doorstep.resources.models import CheckIn
from tests import factories
from tests.resources.factories import place, rider

pytestmark = pytest.mark.django_db


@pytest.fixture
def stations(city):
    return place(name="都市春天红色驿站"), place(name="锦阳红色驿站", lng=114.50, lat=27.85)


def _csrf_client(user):
    c = Client(enforce_csrf_checks=True)
    c.force_login(user)
    c.get("/resources/stations/checkin/")  # sets the CSRF cookie
    return c, c.cookies["csrftoken"].value


def test_check_in_over_the_api(stations, city):
    r = rider(stations[0])
    c, token = _csrf_client(factories.role("grid_worker", city.community_a))
    body = {"code": credentials.make_code(r), "station": stations[0].pk}
    res = c.post(
        "/api/v1/resources/checkins",
        json.dumps(body),
        content_type="application/json",
        HTTP_X_CSRFTOKEN=token,
    )
    assert res.status_code == 201, res.content
    assert res.json()["rider"] == "李**" and res.json()["platform"] == "美团"
    again = c.post(
        "/api/v1/resources/checkins",
        json.dumps(body),
        content_type="application/json",
        HTTP_X_CSRFTOKEN=token,
    )
    assert again.status_code == 422 and "每 30 分钟内只计一次签到" in again.json()["message"]
    other = {"code": credentials.make_code(r), "station": stations[1].pk}
    res = c.post(
        "/api/v1/resources/checkins",
        json.dumps(other),
        content_type="application/json",
        HTTP_X_CSRFTOKEN=token,
    )
    assert res.status_code == 403 and "辖区以外" in res.json()["message"]
    assert CheckIn.objects.count() == 1


def test_check_in_needs_the_csrf_token(stations, city):
    r = rider(stations[0])
    c, _token = _csrf_client(factories.role("grid_worker", city.community_a))
    body = {"code": credentials.make_code(r), "station": stations[0].pk}
    res = c.post("/api/v1/resources/checkins", json.dumps(body), content_type="application/json")
    assert res.status_code == 403 and not CheckIn.objects.exists()


def test_rider_card(client, stations):
    r = rider(stations[0])
    assert client.get("/api/v1/resources/riders/me").status_code == 401
    client.force_login(r.person.user)
    data = client.get("/api/v1/resources/riders/me").json()
    assert data["code"] == credentials.make_code(r) and data["name"] == "李**" and data["points"] == 0


def test_figures_in_scope_only(client, stations, city):
    rider(stations[0])
    client.force_login(factories.role("community_staff", city.community_a))
    q = {"region": city.community_a.code, "start": "2020-01-01", "end": "2099-12-31"}
    data = client.get("/api/v1/resources/figures", q).json()
    assert data["riders_registered"] == 1 and data["red_stations"] == 1
    assert client.get("/api/v1/resources/figures", {**q, "region": city.community_b.code}).status_code == 404
    bad = client.get("/api/v1/resources/figures", {**q, "start": "2099-12-31", "end": "2020-01-01"})
    assert bad.status_code == 422

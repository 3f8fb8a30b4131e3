"""POST /api/v1/demands: the intake function as JSON, over HTTP."""

import json

import pytest
from django.test import Client

from doorstep.demands.models import Case, Category, Demand
from tests import factories

URL = "/api/v1/demands"


@pytest.fixture
def resident(city):
    user = factories.user("api-resident")
    factories.person("陈居民", user=user, phone="13907951234", home_region=city.compound_a)
    return user


def post(client, body, **extra):
    return client.post(URL, data=json.dumps(body), content_type="application/json", **extra)


def test_a_resident_sends_a_report_and_gets_its_case(city, resident):
    client = Client()
    client.force_login(resident)
    category = Category.objects.filter(parent__isnull=False).order_by("code").first()
    response = post(
        client,
        {
            "text": "小区门口的路灯坏了一个星期，晚上很黑",
            "lng": 114.38,
            "lat": 27.80,
            "category": category.code,
        },
    )
    assert response.status_code == 201, response.content
    body = response.json()
    demand = Demand.objects.get(number=body["number"])
    assert demand.reporter_user == resident and demand.region == city.compound_a
    assert body["region"] == "都市春天小区" and body["category"]["code"] == category.code
    assert body["case"] == Case.objects.get(demand=demand).number


def test_without_a_category_one_is_suggested(city, resident):
    client = Client()
    client.force_login(resident)
    response = post(client, {"text": "楼下垃圾桶满了好几天没人清运，臭气熏天", "lng": 114.38, "lat": 27.80})
    assert response.status_code == 201, response.content
    assert response.json()["suggested_category"] is not None


@pytest.mark.parametrize(
    "body, field",
    [
        ({"text": "路灯坏了很久了", "channel": "phone"}, "location"),
        ({"text": "", "lng": 114.38, "lat": 27.80}, "text"),
        ({"text": "路灯坏了很久了", "lng": 114.38, "lat": 27.80, "category": "ZZ99"}, "category"),
        ({"text": "路灯坏了很久了", "lng": 114.38, "lat": 27.80, "channel": "hotline"}, "reporter"),
    ],
)
def test_refusals_answer_422_in_chinese_and_save_nothing(city, resident, body, field):
    client = Client()
    client.force_login(resident)
    response = post(client, body)
    assert response.status_code == 422
    errors = response.json()["errors"]
    assert field in errors and any("\u4e00" <= ch <= "\u9fff" for ch in errors[field][0])
    assert not Demand.objects.exists()


def test_anonymous_callers_and_forged_requests_are_refused(city, resident):
    body = {"text": "路灯坏了很久了", "lng": 114.38, "lat": 27.80}
    assert post(Client(), body).status_code == 401
    client = Client(enforce_csrf_checks=True)
    client.force_login(resident)
    assert post(client, body).status_code == 403  # no CSRF token
    secret = "a1b2c3d4" * 4  # the cookie's secret, sent back in the header as the page does
    client.cookies["csrftoken"] = secret
    assert post(client, body, HTTP_X_CSRFTOKEN=secret).status_code == 201
    assert Demand.objects.count() == 1


def test_a_second_send_of_the_same_form_returns_the_first_demand(city, resident):
    client = Client()
    client.force_login(resident)
    body = {"text": "路灯坏了很久了", "lng": 114.38, "lat": 27.80, "idempotency_key": "form-42"}
    first = post(client, body).json()["number"]
    assert post(client, body).json()["number"] == first
    assert Demand.objects.count() == 1

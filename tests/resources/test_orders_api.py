"""Service orders over the JSON API: order, claim, done, rate with the session and CSRF; stable
error codes (422 invalid, 403 forbidden, 404 not_found for outsiders, 409 already_taken or
not_allowed_now), and nothing written on a refusal."""

import json

import pytest
from django.test import Client
from django.utils import translation

from doorstep.resources import orders
from doorstep.resources.models import OrderEvent, PointEntry, ServiceOrder
from tests.resources.test_orders import World

pytestmark = pytest.mark.django_db
S = ServiceOrder.Status


@pytest.fixture(autouse=True)
def chinese():
    with translation.override("zh-hans"):
        yield


@pytest.fixture
def w(city):
    return World(city)


class Api:
    def __init__(self, user):
        self.c = Client(enforce_csrf_checks=True)
        self.c.force_login(user)
        self.c.get("/resources/orders/")  # sets the CSRF cookie
        self.token = self.c.cookies["csrftoken"].value

    def post(self, url, body=None):
        return self.c.post(
            "/api/v1" + url,
            json.dumps(body or {}),
            content_type="application/json",
            HTTP_X_CSRFTOKEN=self.token,
        )

    def get(self, url):
        return self.c.get("/api/v1" + url)


def test_the_whole_loop_over_the_api(w):
    resident, vol = Api(w.resident), Api(w.vol)
    res = resident.post(
        "/resources/orders", {"service": w.service.pk, "need": "帮忙买药", "dwelling": w.home.pk}
    )
    assert res.status_code == 201, res.content
    body = res.json()
    assert body["status"] == "ordered" and body["phone"] == "13800001111"
    assert [e["action"] for e in body["timeline"]] == ["order"]
    pk = body["id"]
    res = vol.post(f"/resources/orders/{pk}/claim")
    assert res.status_code == 200 and res.json()["status"] == "claimed"
    assert res.json()["phone"] == "13800001111"  # the volunteer holding it
    res = vol.post(f"/resources/orders/{pk}/done", {"note": "药已送到", "hours": 1.5})
    assert res.status_code == 200 and res.json()["status"] == "done"
    res = resident.post(f"/resources/orders/{pk}/rate", {"stars": 5, "comment": "谢谢"})
    assert res.status_code == 200 and res.json()["rating"] == 5
    mine = resident.get("/resources/orders/mine").json()
    assert [o["status"] for o in mine] == ["rated"]
    assert PointEntry.objects.get().hours == 1.5


def test_a_second_claim_is_409_already_taken(w):
    o = w.order()
    assert Api(w.vol).post(f"/resources/orders/{o.pk}/claim").status_code == 200
    res = Api(w.vol2).post(f"/resources/orders/{o.pk}/claim")
    # the order is no longer open to vol2: they learn nothing more than "not found"
    assert res.status_code == 404 and res.json()["code"] == "not_found"
    o2 = w.order()
    orders.dispatch(o2, by=w.staff, team=w.team.pk)
    assert Api(w.vol).post(f"/resources/orders/{o2.pk}/claim").status_code == 200
    o3 = w.order()
    vol = Api(w.vol)
    assert vol.post(f"/resources/orders/{o3.pk}/claim").status_code == 200
    res = vol.post(f"/resources/orders/{o3.pk}/claim")
    assert res.status_code == 409 and res.json()["code"] == "already_taken"
    assert res.json()["message"] == "该点单已被其他志愿者接走。"


def test_conflicts_and_bad_input_change_nothing(w):
    resident, vol = Api(w.resident), Api(w.vol)
    cases = [
        ({"service": 999999, "need": "x", "dwelling": w.home.pk}, "service"),
        ({"service": w.service.pk, "need": "  ", "dwelling": w.home.pk}, "need"),
        ({"service": w.service.pk, "need": "x"}, "address"),
    ]
    for body, field in cases:
        res = resident.post("/resources/orders", body)
        assert res.status_code == 422 and res.json()["code"] == "invalid", res.content
        assert field in res.json()["errors"]
    assert not ServiceOrder.objects.exists()
    o = w.order()
    res = vol.post(f"/resources/orders/{o.pk}/done", {"note": "做好了"})
    assert res.status_code == 409 and res.json()["code"] == "not_allowed_now"
    res = resident.post(f"/resources/orders/{o.pk}/rate", {"stars": 5})
    assert res.status_code == 409 and res.json()["code"] == "not_allowed_now"
    orders.claim(o, by=w.vol)
    orders.done(o, by=w.vol, note="好了")
    for stars in (0, 6):
        res = resident.post(f"/resources/orders/{o.pk}/rate", {"stars": stars})
        assert res.status_code == 422 and res.json()["errors"]["stars"] == ["请给 1 到 5 颗星。"]
    assert ServiceOrder.objects.get(pk=o.pk).status == S.DONE
    res = vol.post(f"/resources/orders/{o.pk}/done", {"note": "再来一次"})
    assert res.status_code == 409
    assert PointEntry.objects.count() == 1
    assert OrderEvent.objects.filter(order=o).count() == 3


def test_outsiders_get_404_and_change_nothing(w):
    o = w.order()
    assert Api(w.other_vol).post(f"/resources/orders/{o.pk}/claim").status_code == 404
    assert Api(w.other_resident).post(f"/resources/orders/{o.pk}/rate", {"stars": 1}).status_code == 404
    assert Api(w.other_resident).get("/resources/orders/mine").json() == []
    assert Api(w.resident).post(f"/resources/orders/{o.pk}/claim").status_code == 404
    o.refresh_from_db()
    assert o.status == S.ORDERED and OrderEvent.objects.filter(order=o).count() == 1


def test_the_api_needs_a_login_and_the_csrf_token(w):
    res = Client().get("/api/v1/resources/orders/mine")
    assert res.status_code == 401
    c = Client(enforce_csrf_checks=True)
    c.force_login(w.resident)
    res = c.post(
        "/api/v1/resources/orders",
        json.dumps({"service": w.service.pk, "need": "x", "dwelling": w.home.pk}),
        content_type="application/json",
    )
    assert res.status_code == 403 and res.json()["code"] == "csrf_failed"
    assert not ServiceOrder.objects.exists()


def test_figures_answer_the_orders_of_a_region_and_period(w):
    o = w.order()
    orders.claim(o, by=w.vol)
    orders.done(o, by=w.vol, note="好了")
    orders.rate(o, by=w.resident, stars=4)
    w.order()
    from django.utils import timezone

    today = timezone.localdate().isoformat()
    res = Api(w.staff).get(f"/resources/figures?region={w.city.community_a.code}&start={today}&end={today}")
    assert res.status_code == 200, res.content
    assert res.json()["orders"] == {
        "placed": 2,
        "completed": 1,
        "rated": 1,
        "average_rating": 4.0,
        "on_time": 1,
        "on_time_share": 1.0,
    }
    outside = Api(w.other_staff).get(
        f"/resources/figures?region={w.city.community_a.code}&start={today}&end={today}"
    )
    assert outside.status_code == 404

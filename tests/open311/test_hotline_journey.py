"""A 12345 system with one key files a request over Open311 (with a photo), takes it on and
closes it over the JSON API as its service account, and the Open311 updates feed shows each step;
the desk in between is a person on the case page's service functions."""

import json
from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from doorstep.demands import services
from doorstep.demands.models import CaseEvent, Demand
from doorstep.open311 import keys
from tests.demands.factories import LoopWorld
from tests.demands.photo_samples import jpeg, upload

from .helpers import INSIDE_A, as_json, url

pytestmark = pytest.mark.django_db


def move(raw, number, action, body=None):
    response = Client(HTTP_AUTHORIZATION=f"Bearer {raw}").post(
        f"/api/v1/cases/{number}/{action}", data=json.dumps(body or {}), content_type="application/json"
    )
    assert response.status_code == 200, (action, response.content)
    return response.json()


def test_a_12345_system_files_takes_on_and_closes_its_request(client, place):
    key, raw = keys.create_key(
        name="袁州区12345",
        jurisdictions=["360902"],
        scopes=["read", "submit", "cases"],
        client_kind="hotline",
    )
    w = LoopWorld(place)
    since = (timezone.now() - timedelta(minutes=1)).strftime("%Y-%m-%dT%H:%M:%SZ")
    services_list = as_json(client.get(url("services.json", jurisdiction_id="360902")), "services")
    lamp = next(s for s in services_list if s["service_name"] == "小区路灯")
    (posted,) = as_json(
        client.post(
            url("requests.json"),
            {
                "api_key": raw,
                "jurisdiction_id": "360902",
                "service_code": lamp["service_code"],
                "lat": INSIDE_A[1],
                "long": INSIDE_A[0],
                "description": "市民来电：3栋门口路灯不亮",
                "attribute[ticket]": "12345-20261127-0001",
                "media": upload(jpeg(gps=True), "lamp.jpg"),
            },
        ),
        "post_response",
        201,
    )
    demand = Demand.objects.get(number=posted["service_request_id"])
    case = demand.case
    assert demand.photos.count() == 1 and demand.external_ticket == "12345-20261127-0001"

    assert move(raw, case.number, "accept")["event"]["actor"] == "袁州区12345 (API)"
    case.refresh_from_db()
    services.dispatch(case, w.community_staff, assignee=key.account)  # the desk hands it back
    move(raw, case.number, "sign")
    move(raw, case.number, "feedback", {"text": "已联系物业更换灯泡"})
    assert move(raw, case.number, "verify", {"solved": True, "note": "回访市民满意"})["status"] == "closed"

    feed = as_json(
        client.get(url("servicerequestupdates.json", jurisdiction_id="360902", start_date=since)), "updates"
    )
    assert [u["status"] for u in feed] == ["open"] * 4 + ["closed"]
    assert {u["service_request_id"] for u in feed} == {demand.number}
    events = CaseEvent.objects.filter(case=case).order_by("at", "pk")
    assert [(e.action, str(e.actor) if e.actor else None) for e in events] == [
        ("submit", None),
        ("accept", "袁州区12345 (API)"),
        ("dispatch", str(w.community_staff)),
        ("sign", "袁州区12345 (API)"),
        ("feedback", "袁州区12345 (API)"),
        ("verify", "袁州区12345 (API)"),
    ]

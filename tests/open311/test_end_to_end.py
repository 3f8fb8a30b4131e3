"""An Open311 client following the spec: discover, list services, post a request with a photo,
and follow it to closure through the updates feed while staff move the case through the loop
with the same service functions the case page calls."""

from datetime import timedelta

import pytest
from django.utils import timezone

from doorstep.demands import photos, services
from doorstep.demands.models import Demand
from tests.demands.factories import LoopWorld
from tests.demands.photo_samples import jpeg, upload

from .helpers import INSIDE_A, as_json, as_xml, url

pytestmark = pytest.mark.django_db


def feed(client, since, fmt="json", **extra):
    params = {"jurisdiction_id": "360902", "start_date": since, **extra}
    response = client.get(url(f"servicerequestupdates.{fmt}", **params))
    return as_json(response, "updates") if fmt == "json" else as_xml(response)


def test_a_client_files_a_request_with_a_photo_and_follows_it_to_closure(client, place, key_a):
    _, raw = key_a
    w = LoopWorld(place)
    since = (timezone.now() - timedelta(minutes=1)).strftime("%Y-%m-%dT%H:%M:%SZ")

    # Discover and choose a service.
    discovery = as_json(client.get(url("discovery.json")), "discovery")
    base = discovery["endpoints"][0]["url"]
    assert base.endswith("/open311/v2")
    service_list = as_json(client.get(url("services.json", jurisdiction_id="360902")), "services")
    lamp = next(s for s in service_list if s["service_name"] == "小区路灯")
    definition = as_json(client.get(url(f"services/{lamp['service_code']}.json")), "service_definition")
    assert not any(a["required"] for a in definition["attributes"])

    # Post with a photo.
    response = client.post(
        url("requests.json"),
        {
            "api_key": raw,
            "jurisdiction_id": "360902",
            "service_code": lamp["service_code"],
            "lat": INSIDE_A[1],
            "long": INSIDE_A[0],
            "description": "3栋门口的路灯坏了一周，晚上很黑",
            "media": upload(jpeg(gps=True), "lamp.jpg"),
        },
    )
    (posted,) = as_json(response, "post_response", 201)
    number = posted["service_request_id"]
    (row,) = as_json(client.get(url(f"requests/{number}.json", jurisdiction_id="360902")), "requests")
    assert row["status"] == "open" and row["media_url"] == ""  # staff have not cleared the photo yet
    assert feed(client, since) == []

    # Staff work the case.
    demand = Demand.objects.get(number=number)
    case = demand.case
    photos.publish(demand.photos.get(), w.community_staff)
    services.accept(case, w.community_staff)
    case.refresh_from_db()
    services.dispatch(case, w.community_staff, unit=w.committee, assignee=w.grid_worker)
    case.refresh_from_db()
    services.sign(case, w.grid_worker)
    case.refresh_from_db()
    updates = feed(client, since)
    assert [u["status"] for u in updates] == ["open", "open", "open"]
    assert all(u["service_request_id"] == number for u in updates)
    services.feedback(case, w.grid_worker, text="已更换灯泡，路灯恢复正常")
    case.refresh_from_db()
    services.verify(case, w.community_staff, solved=True)

    # The feed shows each step once, oldest first, ending closed.
    updates = feed(client, since)
    assert [u["status"] for u in updates] == ["open", "open", "open", "open", "closed"]
    ids = [u["update_id"] for u in updates]
    assert len(set(ids)) == len(ids)
    assert [u["updated_datetime"] for u in updates] == sorted(u["updated_datetime"] for u in updates)
    # Our client filed it: it reads the handler's note; the public sees the step only.
    own = feed(client, since, api_key=raw)
    assert "已更换灯泡" in own[3]["description"]
    assert "已更换灯泡" not in updates[3]["description"]
    # Polling on from the last update seen gives only what is newer.
    assert feed(client, updates[-1]["updated_datetime"])[-1]["update_id"] == ids[-1]
    root = feed(client, since, fmt="xml")
    assert root.tag == "service_request_updates"
    assert [u.findtext("status") for u in root.findall("request_update")][-1] == "closed"

    (row,) = as_json(
        client.get(url(f"requests/{number}.json", jurisdiction_id="360902", extensions="true")), "requests"
    )
    assert row["status"] == "closed"
    assert row["media_url"].startswith("http://testserver/demands/report/photo/")
    assert client.get(row["media_url"]).status_code == 200  # the published copy, to anyone
    assert [n["type"] for n in row["notes"]] == ["submit", "accept", "dispatch", "sign", "feedback", "verify"]
    closed = as_json(client.get(url("requests.json", jurisdiction_id="360902", status="closed")), "requests")
    assert [r["service_request_id"] for r in closed] == [number]

import pytest

from .helpers import INSIDE_A, as_json, url

pytestmark = pytest.mark.django_db


def test_post_and_read(client, key_a):
    _, raw = key_a
    r = client.post(
        url("requests.json"),
        {
            "jurisdiction_id": "360902",
            "api_key": raw,
            "service_code": "0607",
            "lat": INSIDE_A[1],
            "long": INSIDE_A[0],
            "description": "小区路灯坏了好几天，晚上很黑",
        },
    )
    print(r.content.decode())
    data = as_json(r, "post_response", 201)
    r = client.get(url("requests.json", jurisdiction_id="360902", extensions="true", api_key=raw))
    print(r.content.decode())
    rows = as_json(r, "requests")
    assert rows[0]["service_request_id"] == data[0]["service_request_id"]
    r = client.get(url("servicerequestupdates.xml", jurisdiction_id="360902"))
    print(r.content.decode())

"""A key limited to one county (袁州区 360902) sees and creates nothing in another (上高县 360923)."""

import pytest

from doorstep.demands.models import Case, Demand
from doorstep.open311 import keys
from doorstep.open311.models import Submission
from tests.demands import factories as df

from .helpers import INSIDE_A, INSIDE_B, as_json, error_json, error_xml, url

pytestmark = pytest.mark.django_db


@pytest.fixture
def other(place):
    """A case in county B with its public step and an Open311 submission."""
    case = df.case(place.compound_b, status=Case.Status.ACCEPTED)
    df.event(case, "accept")
    Submission.objects.create(demand=case.demand, token="b-token")
    return case


def test_key_for_county_a_reads_nothing_of_county_b(client, key_a, other):
    _, raw = key_a
    for fmt, errs in (("json", error_json), ("xml", error_xml)):
        for path in (
            "requests",
            "servicerequestupdates",
            f"requests/{other.demand.number}",
            "tokens/b-token",
        ):
            assert errs(client.get(url(f"{path}.{fmt}", jurisdiction_id="360923", api_key=raw)), 403)
        # The whole city is wider than the key: refused too.
        assert errs(client.get(url(f"requests.{fmt}", jurisdiction_id="360900", api_key=raw)), 403)
    # Through its own county, B's rows are simply not there.
    own = {"jurisdiction_id": "360902", "api_key": raw}
    assert as_json(client.get(url("requests.json", **own)), "requests") == []
    assert (
        as_json(client.get(url("requests.json", service_request_id=other.demand.number, **own)), "requests")
        == []
    )
    assert as_json(client.get(url("servicerequestupdates.json", **own)), "updates") == []
    assert error_json(client.get(url(f"requests/{other.demand.number}.json", **own)), 404)
    assert error_json(client.get(url("tokens/b-token.json", **own)), 404)
    # Within its county, a subdistrict is fine.
    assert client.get(url("requests.json", jurisdiction_id="360902002", api_key=raw)).status_code == 200


def test_key_for_county_a_creates_nothing_in_county_b(client, key_a, place):
    _, raw = key_a
    before = (Demand.objects.count(), Submission.objects.count())
    base = {"api_key": raw, "service_code": "0607", "description": "路灯不亮很多天了"}
    at_b = {"lat": INSIDE_B[1], "long": INSIDE_B[0]}
    assert error_json(client.post(url("requests.json"), {**base, **at_b, "jurisdiction_id": "360923"}), 403)
    assert error_json(client.post(url("requests.json"), {**base, **at_b, "jurisdiction_id": "360900"}), 403)
    assert error_json(client.post(url("requests.json"), {**base, **at_b, "jurisdiction_id": "360902"}), 400)
    by_id = {"address_id": place.compound_b.code, "jurisdiction_id": "360902"}
    assert error_json(client.post(url("requests.json"), {**base, **by_id}), 400)
    by_name = {"address_string": "上高县新城国际小区", "jurisdiction_id": "360902"}
    (row,) = as_json(client.post(url("requests.json"), {**base, **by_name}), "post_response", 201)
    # A name from another county is not looked up there: the request stays with 袁州区's desk.
    assert Demand.objects.get(number=row["service_request_id"]).region.code == "360902"
    assert (Demand.objects.count(), Submission.objects.count()) == (before[0] + 1, before[1] + 1)


def test_key_for_county_b_cannot_touch_county_a(client, key_b):
    _, raw = key_b
    base = {"api_key": raw, "service_code": "0607", "description": "路灯不亮很多天了"}
    at_a = {"lat": INSIDE_A[1], "long": INSIDE_A[0], "jurisdiction_id": "360902"}
    assert error_json(client.post(url("requests.json"), {**base, **at_a}), 403)
    assert Demand.objects.count() == 0


def test_a_key_for_two_counties_works_in_both(client, place):
    _, raw = keys.create_key(name="全市12345", jurisdictions=["360902", "360923"])
    for code in ("360902", "360923"):
        assert client.get(url("requests.json", jurisdiction_id=code, api_key=raw)).status_code == 200

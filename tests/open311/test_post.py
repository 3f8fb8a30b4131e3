"""POST requests: form-encoded, api_key required, one location, attributes, multipart `media`;
the demand is made by the same intake as the phone page (located, categorised, repeats), and
nothing is saved when anything is wrong."""

import pytest

from doorstep.core.coords import wgs84_to_gcj02
from doorstep.demands.models import Case, Demand, Photo
from doorstep.open311.models import Submission
from tests.demands.photo_samples import jpeg, upload

from .helpers import INSIDE_A, INSIDE_B, as_json, as_xml, error_json, error_xml, url

pytestmark = pytest.mark.django_db
TEXT = "小区路灯坏了好几天，晚上很黑"


def form(raw, **extra):
    data = {
        "api_key": raw,
        "jurisdiction_id": "360902",
        "service_code": "0607",
        "lat": str(INSIDE_A[1]),
        "long": str(INSIDE_A[0]),
        "description": TEXT,
    }
    data.update(extra)
    return {k: v for k, v in data.items() if v is not None}


def counts():
    return (Demand.objects.count(), Case.objects.count(), Photo.objects.count(), Submission.objects.count())


def test_post_json_creates_the_demand_and_its_case(client, key_a):
    key, raw = key_a
    response = client.post(
        url("requests.json"),
        form(raw, account_id="u-42", device_id="dev-1", first_name="明", last_name="李", phone="13907951234"),
    )
    (row,) = as_json(response, "post_response", 201)
    demand = Demand.objects.get(number=row["service_request_id"])
    assert demand.channel == "open311"
    assert demand.category.code == "0607"
    assert demand.region.name == "都市春天小区"
    assert demand.contact_name == "李明" and demand.contact_phone == "13907951234"
    assert demand.case.status == Case.Status.SUBMITTED
    assert row["account_id"] == "u-42"
    assert row["token"] == demand.open311.token and demand.open311.key == key
    assert demand.open311.device_id == "dev-1"
    assert demand.number in row["service_notice"]


def test_post_xml(client, key_a):
    _, raw = key_a
    root = as_xml(client.post(url("requests.xml"), form(raw)), 201)
    assert root.tag == "service_requests"
    (request,) = root.findall("request")
    assert Demand.objects.filter(number=request.findtext("service_request_id")).exists()
    assert [c.tag for c in request] == ["service_request_id", "token", "service_notice", "account_id"]


def test_post_with_photos_as_multipart_media(client, key_a):
    _, raw = key_a
    data = form(raw)
    data["media"] = [upload(jpeg(gps=True), "a.jpg"), upload(jpeg(color=(0, 0, 200)), "b.jpg")]
    (row,) = as_json(client.post(url("requests.json"), data), "post_response", 201)
    demand = Demand.objects.get(number=row["service_request_id"])
    photos = list(demand.photos.all())
    assert len(photos) == 2 and not any(p.is_public for p in photos)


def test_a_file_that_is_not_a_picture_saves_nothing(client, key_a):
    _, raw = key_a
    before = counts()
    data = form(raw)
    data["media"] = [upload(jpeg(), "a.jpg"), upload(b"MZ not an image", "b.jpg")]
    problems = error_json(client.post(url("requests.json"), data), 400)
    assert any(p.startswith("media:") for p in problems)
    assert counts() == before


def test_address_id_is_a_compound_code(client, key_a, place):
    _, raw = key_a
    data = form(raw, lat=None, long=None, address_id=place.compound_a.code)
    (row,) = as_json(client.post(url("requests.json"), data), "post_response", 201)
    assert Demand.objects.get(number=row["service_request_id"]).region == place.compound_a


def test_address_string_alone_finds_the_compound_by_name(client, key_a, place):
    _, raw = key_a
    data = form(raw, lat=None, long=None, address_string="袁州区都市春天小区3栋门口")
    (row,) = as_json(client.post(url("requests.json"), data), "post_response", 201)
    demand = Demand.objects.get(number=row["service_request_id"])
    assert demand.region == place.compound_a
    assert demand.address == "袁州区都市春天小区3栋门口"


def test_address_string_with_no_known_name_goes_to_the_jurisdiction(client, key_a, place):
    _, raw = key_a
    data = form(raw, lat=None, long=None, address_string="人民路口公交站")
    (row,) = as_json(client.post(url("requests.json"), data), "post_response", 201)
    assert Demand.objects.get(number=row["service_request_id"]).region == place.county_a


def test_gcj02_coordinates_through_the_attribute(client, key_a):
    _, raw = key_a
    lng, lat = wgs84_to_gcj02(*INSIDE_A)
    data = form(raw, lat=str(lat), long=str(lng), **{"attribute[coordinate_system]": "gcj02"})
    (row,) = as_json(client.post(url("requests.json"), data), "post_response", 201)
    demand = Demand.objects.get(number=row["service_request_id"])
    assert demand.input_system == "gcj02"
    assert abs(demand.lng - INSIDE_A[0]) < 1e-5 and abs(demand.lat - INSIDE_A[1]) < 1e-5


def test_a_12345_ticket_is_kept_and_not_taken_twice(client, key_a):
    _, raw = key_a
    data = form(raw, **{"attribute[ticket]": "YC2026-000123"})
    (row,) = as_json(client.post(url("requests.json"), data), "post_response", 201)
    demand = Demand.objects.get(number=row["service_request_id"])
    assert demand.external_ticket == "YC2026-000123"
    assert demand.open311.attributes == {"ticket": "YC2026-000123"}
    before = counts()
    problems = error_json(client.post(url("requests.json"), data), 400)
    assert any(p.startswith("attribute[ticket]:") and demand.number in p for p in problems)
    assert counts() == before


def test_the_same_person_again_is_flagged_as_a_repeat(client, key_a):
    _, raw = key_a
    first = as_json(client.post(url("requests.json"), form(raw, phone="13907951234")), "post_response", 201)
    again = as_json(client.post(url("requests.json"), form(raw, phone="13907951234")), "post_response", 201)
    demand = Demand.objects.get(number=again[0]["service_request_id"])
    assert demand.repeat_of.number == first[0]["service_request_id"]
    assert first[0]["service_request_id"] in again[0]["service_notice"]


BAD = [
    # (changes, the parameter named in the error)
    ({"service_code": None}, "service_code"),
    ({"service_code": "9999"}, "service_code"),
    ({"service_code": "06"}, "service_code"),  # a major class
    ({"lat": None, "long": None}, "lat/long"),
    ({"long": None}, "lat/long"),
    ({"lat": "abc"}, "lat/long"),
    ({"lat": "95", "long": "114.38"}, "lat/long"),
    ({"description": None}, "description"),
    ({"description": "x" * 4001}, "description"),
    ({"description": "路灯坏了 <script>alert(1)</script>"}, "description"),
    ({"phone": "12345"}, "phone"),
    ({"email": "not-an-address"}, "email"),
    ({"media_url": "javascript:alert(1)"}, "media_url"),
    ({"attribute[colour]": "red"}, "attribute"),
    ({"attribute[coordinate_system]": "utm"}, "attribute[coordinate_system]"),
    ({"lat": None, "long": None, "address_id": "NOPE"}, "address_id"),
    ({"account_id": "a" * 65}, "account_id"),
]


@pytest.mark.parametrize(("changes", "parameter"), BAD)
@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_bad_requests_are_400_and_save_nothing(client, key_a, changes, parameter, fmt):
    _, raw = key_a
    before = counts()
    response = client.post(url(f"requests.{fmt}"), form(raw, **changes))
    problems = error_json(response, 400) if fmt == "json" else error_xml(response, 400)
    assert any(p.startswith(f"{parameter}:") for p in problems), problems
    assert counts() == before


def test_a_point_outside_the_jurisdiction_is_refused(client, key_a):
    _, raw = key_a
    before = counts()
    data = form(raw, lat=str(INSIDE_B[1]), long=str(INSIDE_B[0]))
    problems = error_json(client.post(url("requests.json"), data), 400)
    assert any("袁州区" in p for p in problems)
    assert counts() == before


def test_the_email_is_checked_but_not_kept(client, key_a):
    _, raw = key_a
    (row,) = as_json(
        client.post(url("requests.json"), form(raw, email="li@example.org")), "post_response", 201
    )
    demand = Demand.objects.get(number=row["service_request_id"])
    stored = [str(v) for v in demand.__dict__.values()] + [str(v) for v in demand.open311.__dict__.values()]
    assert not any("li@example.org" in v for v in stored)

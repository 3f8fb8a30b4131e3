"""Discovery, services and service definitions, in both formats, and the spec's error answers."""

import pytest

from doorstep.demands.models import Category

from .helpers import as_json, as_xml, error_json, error_xml, url

pytestmark = pytest.mark.django_db


def test_discovery_json(client, place):
    data = as_json(client.get(url("discovery.json")), "discovery")
    (endpoint,) = data["endpoints"]
    assert endpoint["specification"] == "http://wiki.open311.org/GeoReport_v2"
    assert endpoint["url"] == "http://testserver/open311/v2"
    assert endpoint["formats"] == ["text/xml", "application/json"]
    assert endpoint["type"] == "production"
    assert data["changeset"].endswith("Z")


def test_discovery_xml(client, place):
    root = as_xml(client.get(url("discovery.xml")))
    assert root.tag == "discovery"
    assert [c.tag for c in root] == ["changeset", "contact", "key_service", "endpoints"]
    endpoint = root.find("endpoints/endpoint")
    assert endpoint.findtext("url") == "http://testserver/open311/v2"
    assert [f.text for f in endpoint.findall("formats/format")] == ["text/xml", "application/json"]


def test_services_are_the_active_minor_classes(client, place):
    data = as_json(client.get(url("services.json")), "services")
    minors = Category.objects.filter(active=True, parent__isnull=False, parent__active=True)
    assert [s["service_code"] for s in data] == sorted(minors.values_list("code", flat=True))
    lamp = next(s for s in data if s["service_code"] == "0607")
    assert lamp["service_name"] == "小区路灯"
    assert lamp["group"] == Category.objects.get(code="0607").parent.name
    assert lamp["metadata"] is True and lamp["type"] == "realtime"
    assert not any(s["service_code"] == "06" for s in data)  # a major class is a group


def test_an_inactive_class_is_no_service(client, place):
    Category.objects.filter(code="0607").update(active=False)
    codes = [s["service_code"] for s in as_json(client.get(url("services.json")), "services")]
    assert "0607" not in codes
    assert error_json(client.get(url("services/0607.json")), 404)


def test_services_xml(client, place):
    root = as_xml(client.get(url("services.xml", jurisdiction_id="360902")))
    assert root.tag == "services"
    lamp = next(s for s in root.findall("service") if s.findtext("service_code") == "0607")
    assert [c.tag for c in lamp] == [
        "service_code",
        "service_name",
        "description",
        "metadata",
        "type",
        "keywords",
        "group",
    ]
    assert lamp.findtext("metadata") == "true"


def test_service_definition_both_formats(client, place):
    data = as_json(client.get(url("services/0607.json")), "service_definition")
    assert data["service_code"] == "0607"
    assert [a["code"] for a in data["attributes"]] == ["ticket", "coordinate_system"]
    system = data["attributes"][1]
    assert system["datatype"] == "singlevaluelist"
    assert [v["key"] for v in system["values"]] == ["wgs84", "gcj02", "bd09"]
    root = as_xml(client.get(url("services/0607.xml")))
    assert root.tag == "service_definition"
    attrs = root.findall("attributes/attribute")
    assert [a.findtext("code") for a in attrs] == ["ticket", "coordinate_system"]
    assert [v.findtext("key") for v in attrs[1].findall("values/value")] == ["wgs84", "gcj02", "bd09"]
    assert attrs[0].findtext("required") == "false"


# --- the spec's errors: 404 not found, 403 bad key, 400 anything else -------------------------

ERRORS = [
    # (method, path, params, status)
    ("get", "services/9999.{fmt}", {}, 404),
    ("get", "services/06.{fmt}", {}, 404),  # a major class
    ("get", "services.{fmt}", {"jurisdiction_id": "999999"}, 404),
    ("get", "requests.{fmt}", {}, 400),  # jurisdiction_id needed: we serve several
    ("get", "requests.{fmt}", {"jurisdiction_id": "999999"}, 404),
    ("get", "requests.{fmt}", {"jurisdiction_id": "360902", "status": "pending"}, 400),
    ("get", "requests.{fmt}", {"jurisdiction_id": "360902", "start_date": "yesterday"}, 400),
    (
        "get",
        "requests.{fmt}",
        {
            "jurisdiction_id": "360902",
            "start_date": "2026-01-01T00:00:00Z",
            "end_date": "2026-06-01T00:00:00Z",
        },
        400,
    ),
    (
        "get",
        "requests.{fmt}",
        {
            "jurisdiction_id": "360902",
            "start_date": "2026-02-01T00:00:00Z",
            "end_date": "2026-01-01T00:00:00Z",
        },
        400,
    ),
    ("get", "requests.{fmt}", {"jurisdiction_id": "360902", "page_size": "1001"}, 400),
    ("get", "requests.{fmt}", {"jurisdiction_id": "360902", "page": "0"}, 400),
    ("get", "requests/20260101-0001.{fmt}", {"jurisdiction_id": "360902"}, 404),
    ("get", "requests/20260101-0001.{fmt}", {}, 400),
    ("get", "tokens/abc.{fmt}", {"jurisdiction_id": "360902"}, 404),
    ("get", "servicerequestupdates.{fmt}", {}, 400),
    ("get", "services.{fmt}", {"api_key": "ds_wrong"}, 403),
    ("post", "requests.{fmt}", {"jurisdiction_id": "360902", "service_code": "0607"}, 403),  # no key
    ("post", "requests.{fmt}", {"jurisdiction_id": "360902", "api_key": "ds_wrong"}, 403),
    ("post", "services.{fmt}", {}, 400),  # method
]


@pytest.mark.parametrize("fmt", ["json", "xml"])
@pytest.mark.parametrize(("method", "path", "params", "status"), ERRORS)
def test_error_cases(client, place, fmt, method, path, params, status):
    address = url(path.format(fmt=fmt))
    response = client.get(address, params) if method == "get" else client.post(address, params)
    descriptions = error_json(response, status) if fmt == "json" else error_xml(response, status)
    assert descriptions and all(descriptions)


def test_empty_optional_parameters_are_missing_ones(client, place):
    response = client.get(
        url("requests.json", jurisdiction_id="360902", status="", service_code="", start_date="", page="")
    )
    assert as_json(response, "requests") == []
    # An empty jurisdiction_id is a missing one where it is needed.
    assert error_json(client.get(url("requests.json", jurisdiction_id="")), 400)

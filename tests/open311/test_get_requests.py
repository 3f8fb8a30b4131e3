"""GET requests, requests/{id} and tokens: every filter and limit, paging, extensions, public
data only (the filing client reads back its own request in full), constant query counts."""

from datetime import timedelta

import pytest
from django.utils import timezone

from doorstep.demands.models import Case, Demand
from doorstep.open311.models import Submission
from tests.demands import factories as df

from .helpers import INSIDE_A, as_json, as_xml, error_json, url

pytestmark = pytest.mark.django_db
S = Case.Status
REQUEST_FIELDS = [
    "service_request_id",
    "status",
    "status_notes",
    "service_name",
    "service_code",
    "description",
    "agency_responsible",
    "service_notice",
    "requested_datetime",
    "updated_datetime",
    "expected_datetime",
    "address",
    "address_id",
    "zipcode",
    "lat",
    "long",
    "media_url",
]


@pytest.fixture
def lamp(place):
    from doorstep.demands.models import Category

    return Category.objects.get(code="0607")


def make(place, status=S.SUBMITTED, *, region=None, hours_ago=2, category=None, **extra):
    received = timezone.now() - timedelta(hours=hours_ago)
    case = df.case(
        region or place.compound_a,
        status=status,
        category=category,
        demand_extra={
            "received_at": received,
            "contact_phone": "13907951234",
            "contact_name": "王五",
            **extra,
        },
    )
    Demand.objects.filter(pk=case.demand_id).update(category=case.category)
    return case


def get(client, fmt="json", **params):
    params.setdefault("jurisdiction_id", "360902")
    return client.get(url(f"requests.{fmt}", **params))


def numbers(client, **params) -> list[str]:
    return [r["service_request_id"] for r in as_json(get(client, **params), "requests")]


def test_public_fields_and_no_personal_data(client, place, lamp):
    case = make(place, category=lamp, address="都市春天小区3栋2单元501")
    (row,) = as_json(get(client), "requests")
    assert list(row) == REQUEST_FIELDS
    d = case.demand
    assert row["service_request_id"] == d.number
    assert row["status"] == "open" and row["service_code"] == "0607" and row["service_name"] == "小区路灯"
    assert row["description"] == ""  # the text is the reporter's: not public
    assert row["address"] == "都市春天小区" and row["address_id"] == place.compound_a.code
    # Inside a compound the point is snapped to the public map's ~50 m cell.
    assert (row["lat"], row["long"]) != (d.lat, d.lng)
    assert abs(row["lat"] - d.lat) < 0.0005 and abs(row["long"] - d.lng) < 0.0005
    assert row["requested_datetime"].endswith("Z") and row["expected_datetime"].endswith("Z")
    body = get(client).content.decode() + get(client, fmt="xml", extensions="true").content.decode()
    for secret in ("13907951234", "王五", "3栋2单元501", d.text):
        assert secret not in body


def test_xml_list(client, place):
    make(place)
    root = as_xml(get(client, fmt="xml"))
    assert root.tag == "service_requests"
    (request,) = root.findall("request")
    assert [c.tag for c in request] == REQUEST_FIELDS
    assert request.findtext("status") == "open"


@pytest.mark.parametrize(
    ("status", "expected"),
    [
        (S.SUBMITTED, "open"),
        (S.ACCEPTED, "open"),
        (S.DISPATCHED, "open"),
        (S.HANDLING, "open"),
        (S.WHISTLED, "open"),
        (S.RETURNED, "open"),
        (S.FEEDBACK, "open"),
        (S.CLOSED, "closed"),
        (S.RATED, "closed"),
        (S.NOT_ACCEPTED, "closed"),
        (S.MERGED, "closed"),
    ],
)
def test_status_of_each_case_status(client, place, status, expected):
    case = make(place, status)
    (row,) = as_json(get(client), "requests")
    assert row["status"] == expected
    other = "closed" if expected == "open" else "open"
    assert numbers(client, status=expected) == [case.demand.number]
    assert numbers(client, status=other) == []
    assert numbers(client, status="open,closed") == [case.demand.number]


def test_demands_without_a_case_and_outside_the_territory(client, place):
    pending = df.demand(place.compound_a)
    Demand.objects.filter(pk=pending.pk).update(triage=Demand.Triage.PENDING)
    duplicate = df.demand(place.compound_a)
    Demand.objects.filter(pk=duplicate.pk).update(triage=Demand.Triage.DUPLICATE)
    outside = df.demand(place.county_a)
    Demand.objects.filter(pk=outside.pk).update(triage=Demand.Triage.OUTSIDE)
    rows = {r["service_request_id"]: r["status"] for r in as_json(get(client), "requests")}
    assert rows == {pending.number: "open", duplicate.number: "closed"}
    assert error_json(client.get(url(f"requests/{outside.number}.json", jurisdiction_id="360902")), 404)


def test_service_code_filter_takes_a_comma_list(client, place, lamp):
    a = make(place, category=lamp)
    b = make(place, category=df.category("暴露垃圾", code="T90001"))
    make(place, category=df.category("占道经营", code="T90002"))
    assert numbers(client, service_code="0607") == [a.demand.number]
    assert set(numbers(client, service_code="0607,T90001")) == {a.demand.number, b.demand.number}


def test_dates_default_to_the_last_90_days(client, place):
    recent = make(place, hours_ago=24 * 89)
    make(place, hours_ago=24 * 91)
    assert numbers(client) == [recent.demand.number]


def test_start_and_end_date_on_the_requested_time(client, place):
    now = timezone.now()
    old = make(place, hours_ago=24 * 100)
    make(place, hours_ago=2)
    start = (now - timedelta(days=101)).strftime("%Y-%m-%dT%H:%M:%SZ")
    end = (now - timedelta(days=99)).strftime("%Y-%m-%dT%H:%M:%SZ")
    assert numbers(client, start_date=start, end_date=end) == [old.demand.number]
    # Only a start: the 90 days after it; a time with an offset counts too.
    local = (now - timedelta(days=101)).astimezone(timezone.get_fixed_timezone(480)).isoformat()
    assert numbers(client, start_date=local) == [old.demand.number]


def test_service_request_id_overrides_every_other_filter(client, place):
    a = make(place, S.CLOSED, hours_ago=24 * 200)
    b = make(place)
    found = numbers(client, service_request_id=f"{a.demand.number},{b.demand.number}", status="open")
    assert set(found) == {a.demand.number, b.demand.number}


def test_newest_first_paging_and_at_most_1000(client, place, lamp):
    now = timezone.now()
    Demand.objects.bulk_create(
        Demand(
            number=f"T{n:06d}",
            channel="open311",
            text="路灯不亮",
            region=place.compound_a,
            category=lamp,
            triage=Demand.Triage.PENDING,
            received_at=now - timedelta(minutes=n),
            lat=INSIDE_A[1],
            lng=INSIDE_A[0],
        )
        for n in range(1, 1006)
    )
    rows = as_json(get(client), "requests")
    assert len(rows) == 1000
    assert rows[0]["service_request_id"] == "T000001" and rows[-1]["service_request_id"] == "T001000"
    assert numbers(client, page="2", page_size="1000") == [f"T{n:06d}" for n in range(1001, 1006)]
    assert numbers(client, page="3", page_size="10") == [f"T{n:06d}" for n in range(21, 31)]


def test_list_reads_in_a_constant_number_of_queries(client, place, django_assert_num_queries):
    def one_more(i):
        case = make(place, S.HANDLING, hours_ago=i + 1)
        df.event(case, "accept")
        df.event(case, "dispatch")
        df.photo(case.demand, is_public=True)
        df.photo(case.demand)
        Submission.objects.create(demand=case.demand, token=f"tok{i}", attributes={"ticket": "YC-1"})

    for i in range(3):
        one_more(i)
    # region lookup, subtree, demands, photos (+ events with extensions)
    with django_assert_num_queries(4):
        assert len(as_json(get(client), "requests")) == 3
    with django_assert_num_queries(5):
        assert len(as_json(get(client, extensions="true"), "requests")) == 3
    for i in range(3, 12):
        one_more(i)
    with django_assert_num_queries(5):
        assert len(as_json(get(client, extensions="true"), "requests")) == 12
    with django_assert_num_queries(4):
        as_xml(get(client, fmt="xml"))


def test_extensions_notes_channel_and_published_photos(client, place):
    case = make(place, S.HANDLING)
    df.event(case, "accept", note="网格员张三已到现场")
    df.event(case, "dispatch")
    df.event(case, "remind")  # not a public step
    published = df.photo(case.demand, is_public=True)
    df.photo(case.demand, position=1)  # not cleared by staff yet
    (row,) = as_json(get(client, extensions="true"), "requests")
    assert row["extended_attributes"]["channel"] == "phone"
    assert row["extended_attributes"]["photos"] == [
        f"http://testserver/demands/report/photo/{published.token}/public/"
    ]
    assert row["media_url"] == row["extended_attributes"]["photos"][0]
    assert [n["type"] for n in row["notes"]] == ["submit", "accept", "dispatch"]
    assert "张三" not in str(row)  # staff notes and names are not public
    root = as_xml(get(client, fmt="xml", extensions="true"))
    request = root.find("request")
    assert [n.findtext("type") for n in request.findall("notes/note")] == ["submit", "accept", "dispatch"]
    assert request.findtext("extended_attributes/channel") == "phone"
    assert len(request.findall("extended_attributes/photos/photo")) == 1


def test_detail_is_a_list_of_one_in_both_formats(client, place):
    case = make(place)
    rows = as_json(
        client.get(url(f"requests/{case.demand.number}.json", jurisdiction_id="360902")), "requests"
    )
    assert [r["service_request_id"] for r in rows] == [case.demand.number]
    root = as_xml(client.get(url(f"requests/{case.demand.number}.xml", jurisdiction_id="360902")))
    assert [r.findtext("service_request_id") for r in root.findall("request")] == [case.demand.number]


def test_the_filing_client_reads_its_own_request_in_full(client, key_a, key_b, place):
    key, raw = key_a
    response = client.post(
        url("requests.json"),
        {
            "api_key": raw,
            "jurisdiction_id": "360902",
            "service_code": "0607",
            "lat": INSIDE_A[1],
            "long": INSIDE_A[0],
            "description": "3栋门口路灯不亮",
            "attribute[ticket]": "YC-77",
        },
    )
    (posted,) = as_json(response, "post_response", 201)
    number = posted["service_request_id"]
    detail = url(f"requests/{number}.json", jurisdiction_id="360902", extensions="true")
    (own,) = as_json(client.get(detail + f"&api_key={raw}"), "requests")
    assert own["description"] == "3栋门口路灯不亮"
    assert (own["lat"], own["long"]) == (INSIDE_A[1], INSIDE_A[0])
    assert own["attributes"] == {"ticket": "YC-77"}
    (public,) = as_json(client.get(detail), "requests")
    assert public["description"] == "" and public["attributes"] == {}
    # Another client's key reads the public view.
    other, raw_other = __import__("doorstep.open311.keys", fromlist=["x"]).create_key(
        name="另一平台", jurisdictions=["360902"]
    )
    (seen,) = as_json(client.get(detail + f"&api_key={raw_other}"), "requests")
    assert seen["description"] == ""


def test_tokens(client, key_a):
    _, raw = key_a
    response = client.post(
        url("requests.json"),
        {
            "api_key": raw,
            "jurisdiction_id": "360902",
            "service_code": "0607",
            "lat": INSIDE_A[1],
            "long": INSIDE_A[0],
            "description": "路灯坏了很久",
        },
    )
    (posted,) = as_json(response, "post_response", 201)
    token = posted["token"]
    (row,) = as_json(client.get(url(f"tokens/{token}.json", jurisdiction_id="360902")), "tokens")
    assert row == {"service_request_id": posted["service_request_id"], "token": token}
    root = as_xml(client.get(url(f"tokens/{token}.xml", jurisdiction_id="360902")))
    assert root.find("request/service_request_id").text == posted["service_request_id"]
    assert error_json(client.get(url(f"tokens/{token}.json", jurisdiction_id="360923")), 404)

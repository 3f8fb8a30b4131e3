"""Cases over HTTP: scoped lists with filters and pages, a case with its timeline, the loop's
moves as POST actions, and every refusal with its code."""

from datetime import timedelta

import pytest
from django.utils import timezone

from doorstep.demands import services
from doorstep.demands.models import Case, CaseEvent
from tests.demands import factories as df

from .clients import bearer, chinese, key_for, post, session

pytestmark = pytest.mark.django_db
S = Case.Status


def refused(response, status: int, code: str) -> dict:
    assert response.status_code == status, response.content
    body = response.json()
    assert body["code"] == code and chinese(body["message"]), body
    return body


def numbers(response) -> list[str]:
    assert response.status_code == 200, response.content
    return [row["number"] for row in response.json()["items"]]


@pytest.fixture
def two_counties(w):
    """Three cases in 袁州区 (the loop world's compound) and two in 上高县, of one category."""
    cat = w.category()
    here = [w.report(cat=cat) for _ in range(3)]
    there = [df.case(w.city.compound_b, category=cat) for _ in range(2)]
    return here, there


def test_a_key_limited_to_one_county_sees_nothing_of_another(w, two_counties):
    here, there = two_counties
    client = bearer(key_for(w.county))
    assert sorted(numbers(client.get("/api/v1/cases"))) == sorted(c.number for c in here)
    refused(client.get(f"/api/v1/cases/{there[0].number}"), 404, "not_found")
    assert client.get(f"/api/v1/cases/{here[0].number}").status_code == 200
    demands = client.get("/api/v1/demands").json()["items"]
    assert sorted(d["number"] for d in demands) == sorted(c.demand.number for c in here)
    other = bearer(key_for(w.city.county_b))
    assert sorted(numbers(other.get("/api/v1/cases"))) == sorted(c.number for c in there)


def test_a_user_of_another_community_sees_and_changes_nothing(w, two_counties):
    here, there = two_counties
    client = session(w.outsider)
    assert sorted(numbers(client.get("/api/v1/cases"))) == sorted(c.number for c in there)
    refused(client.get(f"/api/v1/cases/{here[0].number}"), 404, "not_found")
    refused(post(client, f"/api/v1/cases/{here[0].number}/accept"), 404, "not_found")
    here[0].refresh_from_db()
    assert here[0].status == S.SUBMITTED and here[0].version == 0


def test_filters_and_pages(w, two_counties):
    here, _ = two_counties
    services.accept(here[0], w.community_staff)
    client = session(w.leader)
    assert numbers(client.get("/api/v1/cases", {"status": "accepted"})) == [here[0].number]
    assert len(numbers(client.get("/api/v1/cases", {"region": w.compound.code}))) == 3
    assert numbers(client.get("/api/v1/cases", {"region": w.city.compound_b.code})) == []
    assert len(numbers(client.get("/api/v1/cases", {"category": here[0].category.code}))) == 3
    assert len(numbers(client.get("/api/v1/cases", {"category": "T01"}))) == 3  # the major class
    today = timezone.localdate()
    assert len(numbers(client.get("/api/v1/cases", {"received_from": today.isoformat()}))) == 3
    tomorrow = (today + timedelta(days=1)).isoformat()
    assert numbers(client.get("/api/v1/cases", {"received_from": tomorrow})) == []
    first = client.get("/api/v1/cases", {"page_size": 2}).json()
    second = client.get("/api/v1/cases", {"page_size": 2, "page": 2}).json()
    assert first["count"] == second["count"] == 3
    assert len(first["items"]) == 2 and len(second["items"]) == 1
    assert client.get("/api/v1/cases", {"page": 9}).json()["items"] == []
    refused(client.get("/api/v1/cases", {"region": "999999"}), 422, "invalid")
    refused(client.get("/api/v1/cases", {"category": "ZZ99"}), 422, "invalid")


def test_the_case_with_its_timeline_and_the_moves_allowed(w):
    case = w.report()
    services.accept(case, w.community_staff)
    body = session(w.community_staff).get(f"/api/v1/cases/{case.number}").json()
    assert [e["action"] for e in body["timeline"]] == ["submit", "accept"]
    assert body["timeline"][1]["actor"] and body["timeline"][1]["label"] == "立案"
    assert "dispatch" in body["actions"] and "accept" not in body["actions"]
    assert body["version"] == 1 and body["status_label"] == "已立案"
    keyed = bearer(key_for(w.county)).get(f"/api/v1/cases/{case.number}").json()
    assert keyed["actions"] == [] and all(e["actor"] is None for e in keyed["timeline"])
    assert keyed["demand_detail"]["reporter"] == "" and keyed["demand_detail"]["phone"] == ""


def test_the_whole_loop_through_the_api(w):
    case = w.report()
    url = f"/api/v1/cases/{case.number}"
    desk, liaison = session(w.community_staff), session(w.urban_liaison)
    steps = [
        (desk, "accept", {"version": 0}, S.ACCEPTED),
        (desk, "dispatch", {"unit": w.urban.pk}, S.DISPATCHED),
        (liaison, "sign", {}, S.HANDLING),
        (liaison, "feedback", {"text": "已清运"}, S.FEEDBACK),
        (session(w.grid_worker), "verify", {"solved": True}, S.CLOSED),
        (session(w.resident), "rate", {"score": 5, "solved": True, "comment": "很快"}, S.RATED),
    ]
    for client, action, body, status in steps:
        response = post(client, f"{url}/{action}", body)
        assert response.status_code == 200, (action, response.content)
        assert response.json()["status"] == status
    case.refresh_from_db()
    assert case.status == S.RATED and case.unit == w.urban
    actions = list(CaseEvent.objects.filter(case=case).order_by("at", "pk").values_list("action", flat=True))
    assert actions == ["submit", "accept", "dispatch", "sign", "feedback", "verify", "rate"]


def test_a_stale_version_is_409_and_writes_nothing(w):
    case = w.report()
    client = session(w.community_staff)
    assert post(client, f"/api/v1/cases/{case.number}/accept", {"version": 0}).status_code == 200
    body = refused(
        post(client, f"/api/v1/cases/{case.number}/dispatch", {"version": 0}), 409, "stale_version"
    )
    assert "刷新" in body["message"] or "重新" in body["message"] or chinese(body["message"])
    case.refresh_from_db()
    assert case.status == S.ACCEPTED and case.version == 1


def test_a_move_not_allowed_now_is_409(w):
    case = w.report()
    refused(post(session(w.community_staff), f"/api/v1/cases/{case.number}/sign"), 409, "not_allowed_now")
    case.refresh_from_db()
    assert case.status == S.SUBMITTED


def test_a_move_the_caller_may_not_make_is_403(w):
    case = w.report()
    response = post(session(w.grid_worker), f"/api/v1/cases/{case.number}/reject", {"reason": "不属实"})
    refused(response, 403, "forbidden")
    case.refresh_from_db()
    assert case.status == S.SUBMITTED


@pytest.mark.parametrize(
    "action, body, field",
    [
        ("reject", {}, "reason"),
        ("reject", {"reason": ""}, "reason"),
        ("rate", {"score": 9, "solved": True}, "score"),
        ("dispatch", {"unit": 987654}, "unit"),
        ("verify", {"solved": False}, "note"),
    ],
)
def test_bad_bodies_are_422_and_change_nothing(w, action, body, field):
    case = w.report()
    response = refused(
        post(session(w.community_staff), f"/api/v1/cases/{case.number}/{action}", body), 422, "invalid"
    )
    assert field in response["errors"], response
    case.refresh_from_db()
    assert case.version == 0


def test_unknown_case_is_404(w):
    refused(session(w.community_staff).get("/api/v1/cases/AJ000"), 404, "not_found")


def test_lists_read_in_a_fixed_number_of_queries(w, django_assert_max_num_queries):
    """Session: session, user, roles, count, page (+ the scope's subtree); a key: the key, its
    rate, its jurisdictions' subtree, count, page, and the use logged (insert, last used)."""
    for _ in range(3):
        w.report()
    client = session(w.leader)
    client.get("/api/v1/cases")  # warm the session
    for _ in range(12):
        w.report()
    with django_assert_max_num_queries(6):
        response = client.get("/api/v1/cases", {"page_size": 50})
    assert response.json()["count"] == 15
    with django_assert_max_num_queries(6):
        response = client.get("/api/v1/demands", {"page_size": 50})
    assert response.json()["count"] == 15
    key = key_for(w.county)
    with django_assert_max_num_queries(9):
        response = bearer(key).get("/api/v1/cases", {"page_size": 50})
    assert len(response.json()["items"]) == 15
    with django_assert_max_num_queries(6):
        response = client.get("/api/v1/territory/grids")
    assert response.status_code == 200


def test_a_case_reads_in_a_fixed_number_of_queries_however_long_its_timeline(
    w, django_assert_max_num_queries
):
    case = w.report()
    for _ in range(20):
        df.event(case, "remind", by=w.community_staff)
    client = session(w.community_staff)
    client.get("/api/v1/cases")
    with django_assert_max_num_queries(12):
        body = client.get(f"/api/v1/cases/{case.number}").json()
    assert len(body["timeline"]) == 21


def test_a_resident_follows_only_their_own_report_and_its_public_steps(w):
    mine, other = w.report(), w.report(by_resident=False)
    services.accept(mine, w.community_staff)
    CaseEvent.objects.create(
        case=mine, at=timezone.now(), action="remind", to_status=mine.status, public=False
    )
    client = session(w.resident)
    assert numbers(client.get("/api/v1/cases")) == [mine.number]
    refused(client.get(f"/api/v1/cases/{other.number}"), 404, "not_found")
    body = client.get(f"/api/v1/cases/{mine.number}").json()
    assert [e["action"] for e in body["timeline"]] == ["submit", "accept"]
    assert all(e["actor"] is None for e in body["timeline"]) and body["actions"] == []

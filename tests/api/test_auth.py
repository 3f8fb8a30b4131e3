"""Who may call /api/v1/: a page session (CSRF on changes) or an API key (Bearer or X-Api-Key),
and the error body every refusal answers with."""

import pytest
from django.test import Client

from doorstep.open311 import keys
from doorstep.open311.models import ApiKeyUse

from .clients import bearer, chinese, key_for, post, session

pytestmark = pytest.mark.django_db

URL = "/api/v1/cases"


def error(response, status: int, code: str) -> dict:
    assert response.status_code == status, response.content
    body = response.json()
    assert body["code"] == code and chinese(body["message"]), body
    return body


def test_without_a_session_or_key_the_answer_is_401(w):
    error(Client().get(URL), 401, "unauthenticated")
    error(Client().get("/api/v1/territory/regions"), 401, "unauthenticated")


@pytest.mark.parametrize("header", ["HTTP_AUTHORIZATION", "HTTP_X_API_KEY"])
def test_a_key_works_as_bearer_or_x_api_key_and_each_use_is_logged(w, header):
    raw = key_for(w.county)
    value = f"Bearer {raw}" if header == "HTTP_AUTHORIZATION" else raw
    response = Client(**{header: value}).get(URL)
    assert response.status_code == 200, response.content
    use = ApiKeyUse.objects.get()
    assert (use.method, use.endpoint, use.status) == ("GET", URL, 200)


def test_unknown_and_revoked_keys_answer_401(w):
    error(bearer("ds_nothing-like-a-key").get(URL), 401, "invalid_key")
    key, raw = keys.create_key(name="骑手平台", jurisdictions=[w.county], scopes=["read"])
    assert bearer(raw).get(URL).status_code == 200
    keys.revoke_key(key)
    error(bearer(raw).get(URL), 401, "invalid_key")


def test_a_key_without_the_read_scope_is_refused(w):
    error(bearer(key_for(w.county, scopes=["submit"])).get(URL), 403, "scope_missing")


def test_a_key_past_its_rate_answers_429_with_retry_after(w):
    client = bearer(key_for(w.county, rate=2))
    assert client.get(URL).status_code == 200
    assert client.get(URL).status_code == 200
    response = client.get(URL)
    error(response, 429, "rate_limited")
    assert response["Retry-After"] == "60"
    assert list(ApiKeyUse.objects.order_by("pk").values_list("status", flat=True)) == [200, 200, 429]


def test_a_read_only_key_reads_but_cannot_move_cases(w):
    case = w.report()
    error(post(bearer(key_for(w.county)), f"/api/v1/cases/{case.number}/accept"), 403, "scope_missing")
    case.refresh_from_db()
    assert case.status == "submitted"


def test_a_session_changes_only_with_the_csrf_token(w):
    case = w.report()
    client = Client(enforce_csrf_checks=True)
    client.force_login(w.community_staff)
    error(post(client, f"/api/v1/cases/{case.number}/accept"), 403, "csrf_failed")
    case.refresh_from_db()
    assert case.status == "submitted"
    response = post(session(w.community_staff), f"/api/v1/cases/{case.number}/accept")
    assert response.status_code == 200, response.content
    assert response.json()["status"] == "accepted"


def test_a_session_reads_without_csrf(w):
    client = Client(enforce_csrf_checks=True)
    client.force_login(w.community_staff)
    assert client.get(URL).status_code == 200


def test_bad_input_answers_422_with_the_fields(w):
    client = session(w.community_staff)
    body = error(client.get(URL, {"page_size": 1000}), 422, "invalid")
    assert "page_size" in body["errors"]
    body = error(client.get(URL, {"status": "whatever"}), 422, "invalid")
    assert "status" in body["errors"]


def test_a_key_for_the_whole_city_reads_both_counties(w):
    from tests.demands import factories as df

    here, there = w.report(), df.case(w.city.compound_b, category=w.category())
    body = bearer(key_for(w.city.city)).get(URL).json()
    assert {r["number"] for r in body["items"]} == {here.number, there.number}


@pytest.mark.parametrize(
    "method, url, body",
    [
        ("get", "/api/v1/cases?region=%00", None),
        ("get", "/api/v1/territory/regions/36%0009", None),
        ("post", "/api/v1/cases/{number}/reject", '{"reason": "不属实\\u0000"}'),
    ],
)
def test_a_nul_character_anywhere_is_refused_and_nothing_is_stored(w, method, url, body):
    case = w.report()
    client = session(w.community_staff)
    url = url.format(number=case.number)
    if method == "get":
        response = client.get(url)
    else:
        response = client.post(url, data=body, content_type="application/json")
    error(response, 422, "invalid")
    case.refresh_from_db()
    assert case.version == 0

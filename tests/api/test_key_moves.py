"""Case moves made with an API key (a 12345 system): through the key's service account, only the
moves of `keys.CASE_MOVES`, only with the "cases" scope, only on cases of its jurisdictions."""

import importlib
import secrets

import pytest
from django.apps import apps
from django.test import Client

from doorstep.demands.models import Case, CaseEvent
from doorstep.open311 import keys
from doorstep.open311.models import ApiKey, ApiKeyUse, Submission
from doorstep.territory.models import Role

from .clients import bearer, chinese, post, session

pytestmark = pytest.mark.django_db
S = Case.Status


def refused(response, status: int, code: str) -> dict:
    assert response.status_code == status, response.content
    body = response.json()
    assert body["code"] == code and chinese(body["message"]), body
    return body


def hotline(region, scopes=("read", "cases")):
    return keys.create_key(
        name="12345平台", jurisdictions=[region], scopes=scopes, client_kind="hotline", rate_per_minute=600
    )


def transferred(w, key):
    """A case whose request the key filed (as an Open311 POST with it leaves it)."""
    case = w.report()
    Submission.objects.create(demand=case.demand, key=key, token=secrets.token_hex(16))
    return case


def unchanged(case, status=S.SUBMITTED, version=0):
    case.refresh_from_db()
    assert (case.status, case.version) == (status, version)


def test_a_key_with_the_cases_scope_accepts_its_own_transfer_as_its_service_account(w):
    key, raw = hotline(w.county)
    case = transferred(w, key)
    response = post(bearer(raw), f"/api/v1/cases/{case.number}/accept", {"version": 0})
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["status"] == S.ACCEPTED and body["event"]["actor"] == "12345平台 (API)"
    event = CaseEvent.objects.get(case=case, action="accept")
    assert event.actor == key.account and str(event.actor) == "12345平台 (API)"
    unchanged(case, S.ACCEPTED, 1)
    use = ApiKeyUse.objects.get(key=key)
    assert (use.method, use.endpoint, use.status) == ("POST", f"/api/v1/cases/{case.number}/accept", 200)


def test_a_12345_system_follows_its_transfer_to_closure(w):
    """Accept its transfer, be chosen as the handler by the desk, sign, feed back, close."""
    key, raw = hotline(w.county)
    case = transferred(w, key)
    client, url = bearer(raw), f"/api/v1/cases/{case.number}"
    assert post(client, f"{url}/accept").status_code == 200
    desk = post(session(w.community_staff), f"{url}/dispatch", {"assignee": key.account.pk})
    assert desk.status_code == 200, desk.content
    for action, body, status in [
        ("sign", {}, S.HANDLING),
        ("feedback", {"text": "热线已联系物业清运"}, S.FEEDBACK),
        ("verify", {"solved": True, "note": "回访满意"}, S.CLOSED),
    ]:
        response = post(client, f"{url}/{action}", body)
        assert response.status_code == 200, (action, response.content)
        assert response.json()["status"] == status
    rows = CaseEvent.objects.filter(case=case).order_by("at", "pk").values_list("action", "actor")
    account, staff = key.account.pk, w.community_staff.pk
    assert list(rows) == [
        ("submit", None),
        ("accept", account),
        ("dispatch", staff),
        ("sign", account),
        ("feedback", account),
        ("verify", account),
    ]


@pytest.mark.parametrize(
    "action, body",
    [
        ("reject", {"reason": "不属实"}),
        ("dispatch", {}),
        ("merge", {"into": "X1"}),
        ("whistle", {"departments": [1]}),
        ("escalate", {"reason": "超出能力"}),
        ("request_postpone", {"working_days": 2, "reason": "等材料"}),
        ("rate", {"score": 5, "solved": True}),
        ("reopen", {"reason": "没修好"}),
        ("report_in", {"part": 1}),
    ],
)
def test_moves_that_need_a_person_are_refused_to_a_key(w, action, body):
    key, raw = hotline(w.county)
    case = transferred(w, key)
    refused(post(bearer(raw), f"/api/v1/cases/{case.number}/{action}", body), 403, "key_cannot_act")
    unchanged(case)
    assert not CaseEvent.objects.filter(case=case).exclude(action="submit").exists()


@pytest.mark.parametrize(
    "action, body",
    [("accept", {}), ("sign", {}), ("return", {"reason": "不归热线"}), ("verify", {"solved": True})],
)
def test_a_key_moves_only_its_own_transfers_and_the_cases_handed_to_it(w, action, body):
    key, raw = hotline(w.county)
    case = w.report()  # a resident's report of its county, not the key's transfer
    refused(post(bearer(raw), f"/api/v1/cases/{case.number}/{action}", body), 403, "forbidden")
    unchanged(case)


def test_a_read_only_key_stays_read_only(w):
    key, raw = hotline(w.county, scopes=("read", "submit"))
    case = transferred(w, key)
    refused(post(bearer(raw), f"/api/v1/cases/{case.number}/accept"), 403, "scope_missing")
    unchanged(case)
    assert bearer(raw).get(f"/api/v1/cases/{case.number}").status_code == 200
    assert not Role.objects.filter(user=key.account, active=True).exists()


def test_a_key_of_another_county_gets_404_and_changes_nothing(w):
    mine, _ = hotline(w.county)
    case = transferred(w, mine)
    other, raw = hotline(w.city.county_b)
    for action, body in [("accept", {}), ("feedback", {"text": "已办"}), ("verify", {"solved": True})]:
        refused(post(bearer(raw), f"/api/v1/cases/{case.number}/{action}", body), 404, "not_found")
    unchanged(case)
    assert not CaseEvent.objects.filter(case=case).exclude(action="submit").exists()


def test_a_revoked_key_gets_401_and_its_account_is_switched_off(w):
    key, raw = hotline(w.county)
    case = transferred(w, key)
    keys.revoke_key(key)
    refused(post(bearer(raw), f"/api/v1/cases/{case.number}/accept"), 401, "invalid_key")
    unchanged(case)
    key.account.refresh_from_db()
    assert key.account.is_active is False
    assert not Role.objects.filter(user=key.account, active=True).exists()


def test_a_conflicting_change_is_409_and_writes_nothing(w):
    key, raw = hotline(w.county)
    case = transferred(w, key)
    assert post(session(w.community_staff), f"/api/v1/cases/{case.number}/accept").status_code == 200
    refused(post(bearer(raw), f"/api/v1/cases/{case.number}/accept", {"version": 0}), 409, "stale_version")
    refused(post(bearer(raw), f"/api/v1/cases/{case.number}/accept"), 409, "not_allowed_now")
    unchanged(case, S.ACCEPTED, 1)
    assert CaseEvent.objects.filter(case=case, action="accept").count() == 1


def test_the_service_account_cannot_log_in_and_holds_exactly_the_jurisdictions(w):
    key, raw = keys.create_key(
        name="12345平台", jurisdictions=[w.county, w.city.county_b], scopes=["read", "cases"]
    )
    account = key.account
    assert not account.has_usable_password() and not account.is_staff and account.is_active
    assert Client().login(username=account.username, password="") is False
    roles = Role.objects.filter(user=account)
    assert {(r.kind, r.region_id, r.active) for r in roles} == {
        ("grid_worker", w.county.pk, True),
        ("grid_worker", w.city.county_b.pk, True),
    }
    # Even with a session forced on it, the API does not take the account as a person.
    refused(session(account).get("/api/v1/cases"), 401, "unauthenticated")
    # The admin narrows the key: the roles follow.
    key.jurisdictions.set([w.county])
    keys.change_key(key, scopes=["read"])
    assert {(r.region_id, r.active) for r in Role.objects.filter(user=account)} == {(w.county.pk, False)}


def test_a_key_that_moves_cases_also_reads():
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError):
        keys.clean_scopes(["cases"])


def test_the_migration_gives_existing_keys_their_accounts(w):
    key, _ = hotline(w.county)
    old = key.account
    ApiKey.objects.filter(pk=key.pk).update(account=None)
    Role.objects.filter(user=old).delete()
    old.delete()
    migration = importlib.import_module("doorstep.open311.migrations.0002_api_key_accounts")
    migration.make_accounts(apps, None)
    key.refresh_from_db()
    assert str(key.account) == "12345平台 (API)" and not key.account.has_usable_password()
    assert list(Role.objects.filter(user=key.account).values_list("kind", "region", "active")) == [
        ("grid_worker", w.county.pk, True)
    ]


@pytest.mark.parametrize("scopes", [("read",), ("read", "cases")])
def test_outside_the_case_moves_a_key_never_acts(w, rf, scopes):
    """Other routers ask `require_user()` for a vote, a post or "my" page: a key is no person."""
    from doorstep.core.api import ApiError, Caller

    key, _ = hotline(w.county, scopes=scopes)
    who = Caller(key=key, request=rf.post("/api/v1/council/topics/1/support"))
    with pytest.raises(ApiError) as refused:
        who.require_user()
    assert (refused.value.status, refused.value.code) == (403, "key_cannot_act")

"""API keys: shown once and stored as a hash, limited to jurisdictions and scopes, rate-limited,
revocable, every use logged; the `doorstep apikey` command and the admin for city admins."""

import json
from io import StringIO

import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.core.management.base import CommandError
from django.urls import reverse

from doorstep.open311 import keys
from doorstep.open311.models import ApiKey, ApiKeyUse
from doorstep.territory.models import Role
from tests import factories

from .helpers import error_json, error_xml, url

pytestmark = pytest.mark.django_db


def test_a_key_is_stored_as_its_hash_only(key_a):
    key, raw = key_a
    assert raw.startswith("ds_") and len(raw) > 40
    row = ApiKey.objects.get(pk=key.pk)
    assert raw not in {row.key_hash, row.prefix, row.name}
    assert row.key_hash == keys.hash_key(raw) and len(row.key_hash) == 64
    assert raw.startswith(row.prefix)
    assert keys.find_key(raw) == key
    assert keys.find_key(raw + "x") is None
    assert keys.find_key("") is None


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"name": "", "jurisdictions": ["360902"]}, "name"),
        ({"name": "平台", "jurisdictions": ["999999"]}, "jurisdictions"),
        ({"name": "平台", "jurisdictions": []}, "jurisdictions"),
        ({"name": "平台", "jurisdictions": ["360902"], "scopes": ["delete"]}, "scopes"),
        ({"name": "平台", "jurisdictions": ["360902"], "scopes": []}, "scopes"),
        ({"name": "平台", "jurisdictions": ["360902"], "rate_per_minute": 0}, "rate_per_minute"),
    ],
)
def test_bad_keys_are_refused_and_nothing_is_saved(place, kwargs, field):
    with pytest.raises(ValidationError) as exc:
        keys.create_key(**kwargs)
    assert field in exc.value.message_dict
    assert ApiKey.objects.count() == 0


def test_command_prints_the_key_once_and_revokes_it(place):
    out = StringIO()
    call_command(
        "apikey", "create", "某外卖平台", "--jurisdiction", "360902", "--scope", "submit", stdout=out
    )
    made = json.loads(out.getvalue())
    key = keys.find_key(made["key"])
    assert key is not None and key.scopes == ["submit"] == made["scopes"]
    assert made["jurisdictions"] == ["360902"] and made["prefix"] == key.prefix
    listing = StringIO()
    call_command("apikey", "list", stdout=listing)
    assert [k["prefix"] for k in json.loads(listing.getvalue())] == [key.prefix]
    assert made["key"] not in listing.getvalue()
    revoked = StringIO()
    call_command("apikey", "revoke", key.prefix, stdout=revoked)
    assert json.loads(revoked.getvalue())["revoked_at"].endswith("Z")
    assert keys.find_key(made["key"]) is None
    with pytest.raises(CommandError) as exc:
        call_command("apikey", "create", "x", "--jurisdiction", "000000", stdout=StringIO())
    assert exc.value.returncode == 2 and "000000" in str(exc.value)


def test_every_use_is_logged_with_time_endpoint_and_status(client, key_a):
    key, raw = key_a
    client.get(url("services.json", api_key=raw))
    client.get(url("requests/NOPE.json", jurisdiction_id="360902", api_key=raw))
    client.get(url("requests.json", api_key=raw))  # no jurisdiction
    uses = list(ApiKeyUse.objects.filter(key=key).order_by("pk").values_list("method", "endpoint", "status"))
    assert uses == [
        ("GET", "/open311/v2/services.json", 200),
        ("GET", "/open311/v2/requests/NOPE.json", 404),
        ("GET", "/open311/v2/requests.json", 400),
    ]
    assert ApiKeyUse.objects.filter(at__isnull=True).count() == 0
    key.refresh_from_db()
    assert key.last_used_at is not None


def test_rate_limit_per_minute(client, place):
    key, raw = keys.create_key(name="小程序", jurisdictions=["360902"], rate_per_minute=3)
    statuses = [client.get(url("services.json", api_key=raw)).status_code for _ in range(5)]
    assert statuses == [200, 200, 200, 429, 429]
    refused = client.get(url("services.xml", api_key=raw))
    assert refused["Retry-After"] == "60"
    assert "3" in error_xml(refused, 429)[0]
    # Without a key the public reads go on.
    assert client.get(url("services.json")).status_code == 200


def test_a_revoked_key_is_refused_with_403(client, key_a):
    key, raw = key_a
    keys.revoke_key(key)
    assert error_json(client.get(url("services.json", api_key=raw)), 403)
    response = client.post(url("requests.json"), {"api_key": raw, "jurisdiction_id": "360902"})
    assert error_json(response, 403)


def test_a_read_only_key_cannot_submit(client, place):
    _key, raw = keys.create_key(name="只读", jurisdictions=["360902"], scopes=["read"])
    response = client.post(
        url("requests.json"), {"api_key": raw, "jurisdiction_id": "360902", "service_code": "0607"}
    )
    assert error_json(response, 403)


def test_reads_can_require_a_key(client, key_a, settings):
    settings.DOORSTEP_OPEN311_OPEN_READS = False
    _key, raw = key_a
    assert error_json(client.get(url("requests.json", jurisdiction_id="360902")), 403)
    assert client.get(url("requests.json", jurisdiction_id="360902", api_key=raw)).status_code == 200
    submit_only, raw2 = keys.create_key(name="只报", jurisdictions=["360902"], scopes=["submit"])
    assert error_json(client.get(url("requests.json", jurisdiction_id="360902", api_key=raw2)), 403)


# --- the admin: city administrators only ------------------------------------------------------


def staff(user):
    """is_staff follows the roles (the role services keep it in step; here roles are made directly)."""
    user.is_staff = True
    user.save(update_fields=["is_staff"])
    return user


def test_city_admin_makes_a_key_in_the_admin_and_sees_it_once(client, place):
    admin = staff(factories.role("admin", place.city, username="cityadmin"))
    client.force_login(admin)
    response = client.post(
        reverse("admin:open311_apikey_add"),
        {
            "name": "某快递平台",
            "client_kind": "platform",
            "contact": "",
            "jurisdictions": [place.county_a.pk],
            "scopes": ["read", "submit"],
            "rate_per_minute": 30,
        },
        follow=True,
    )
    assert response.status_code == 200
    key = ApiKey.objects.get()
    shown = [str(m) for m in response.context["messages"]]
    raw = next(word for m in shown for word in m.split() if word.startswith("ds_"))
    assert keys.find_key(raw) == key
    assert key.created_by == admin and key.rate_per_minute == 30
    assert list(key.jurisdictions.all()) == [place.county_a]
    page = client.get(reverse("admin:open311_apikey_change", args=[key.pk])).content.decode()
    assert raw not in page
    client.post(
        reverse("admin:open311_apikey_changelist"), {"action": "revoke", "_selected_action": [key.pk]}
    )
    assert keys.find_key(raw) is None


@pytest.mark.parametrize("kind", ["admin_county", "community_staff", "leader"])
def test_others_cannot_open_the_key_admin(client, key_a, kind):
    place = key_a[0].jurisdictions.get().parent  # the city
    if kind == "admin_county":
        user = factories.role("admin", place.children.first(), username="countyadmin")
    else:
        user = factories.role(kind, place, username=kind)
    client.force_login(staff(user))
    key = key_a[0]
    assert client.get(reverse("admin:open311_apikey_change", args=[key.pk])).status_code in {302, 403}
    assert client.get(reverse("admin:open311_apikeyuse_changelist")).status_code in {302, 403}


def test_changing_a_key_in_the_admin_moves_its_service_account_along(client, place, key_a):
    key, _ = key_a
    admin = staff(factories.role("admin", place.city, username="cityadmin"))
    client.force_login(admin)
    url = reverse("admin:open311_apikey_change", args=[key.pk])
    form = {
        "name": key.name,
        "client_kind": key.client_kind,
        "contact": "",
        "jurisdictions": [place.county_a.pk, place.county_b.pk],
        "rate_per_minute": 60,
    }
    refused = client.post(url, {**form, "scopes": ["cases"]})
    assert refused.status_code == 200 and "办理工单的密钥还需要读取权限" in refused.content.decode()
    key.refresh_from_db()
    assert key.scopes == ["read", "submit"]
    assert client.post(url, {**form, "scopes": ["read", "cases"]}).status_code == 302
    key.refresh_from_db()
    assert key.scopes == ["cases", "read"]
    roles = Role.objects.filter(user=key.account)
    assert {(r.kind, r.region_id, r.active) for r in roles} == {
        ("grid_worker", place.county_a.pk, True),
        ("grid_worker", place.county_b.pk, True),
    }

"""API keys in the staff console: city administrators list keys (jurisdictions, scopes, last use,
uses in the last 24 hours and in all), make one (the key shown once, in that answer only) and
revoke one; nobody else sees or changes anything. The writes are open311.keys' own."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from doorstep.open311 import keys
from doorstep.open311.models import ApiKey
from tests import factories

pytestmark = pytest.mark.django_db


@pytest.fixture
def city_admin(city):
    return factories.role("admin", city.city, username="cityadmin")


@pytest.fixture
def platform_key(city):
    key, raw = keys.create_key(name="某外卖平台", jurisdictions=["360902"], scopes=["read", "submit"])
    now = timezone.now()
    for minutes, status in [(5, 200), (30, 201), (60 * 30, 200)]:  # two today, one the day before
        keys.log_use(
            key,
            method="GET",
            endpoint="/open311/v2/requests.json",
            status=status,
            at=now - timedelta(minutes=minutes),
        )
    keys.log_use(
        key, method="GET", endpoint="/open311/v2/requests.json", status=200, at=now - timedelta(minutes=1)
    )
    return key, raw


def test_the_list_shows_jurisdictions_scopes_last_use_and_counts(client, city, city_admin, platform_key):
    key, raw = platform_key
    keys.create_key(name="上高县12345", jurisdictions=["360923"], scopes=["read"], client_kind="hotline")
    client.force_login(city_admin)
    page = client.get(reverse("apikeys:list")).content.decode()
    assert "API 密钥" in page and "某外卖平台" in page and "上高县12345" in page
    assert key.prefix in page and raw not in page
    assert "袁州区" in page and "上高县" in page
    assert "读取诉求" in page and "提交诉求" in page  # the scopes by their Chinese names
    key.refresh_from_db()
    assert timezone.localtime(key.last_used_at).strftime("%Y-%m-%d %H:%M") in page
    assert "3 / 4" in page  # three uses in the last 24 hours, four in all
    assert "0 / 0" in page


def test_a_new_key_is_shown_once_and_works(client, city, city_admin):
    client.force_login(city_admin)
    assert "新建密钥" in client.get(reverse("apikeys:create")).content.decode()
    answer = client.post(
        reverse("apikeys:create"),
        {
            "name": "袁州区12345",
            "client_kind": "hotline",
            "contact": "0795-12345",
            "jurisdictions": [city.county_a.pk],
            "scopes": ["read"],
            "rate_per_minute": 30,
        },
    )
    page = answer.content.decode()
    raw = page.split('id="raw-key"')[1].split(">")[1].split("<")[0]
    key = keys.find_key(raw)
    assert key is not None and key.name == "袁州区12345" and "请立即复制" in page
    assert (key.scopes, key.rate_per_minute, key.client_kind, key.created_by) == (
        ["read"],
        30,
        "hotline",
        city_admin,
    )
    assert list(key.jurisdictions.all()) == [city.county_a]
    assert raw not in client.get(reverse("apikeys:list")).content.decode()


def test_bad_input_is_refused_in_chinese_and_no_key_is_made(client, city, city_admin):
    client.force_login(city_admin)
    answer = client.post(
        reverse("apikeys:create"),
        {"name": "x", "client_kind": "platform", "jurisdictions": [city.county_a.pk], "rate_per_minute": 0},
    )
    page = answer.content.decode()
    assert answer.status_code == 200 and "这个字段是必填项" in page and "确保该值大于或等于1" in page
    assert not ApiKey.objects.exists()


def test_revoking_stops_the_key_at_once(client, city_admin, platform_key):
    key, raw = platform_key
    client.force_login(city_admin)
    answer = client.post(reverse("apikeys:revoke", args=[key.pk]))
    assert answer.status_code == 302
    assert keys.find_key(raw) is None
    key.refresh_from_db()
    assert key.revoked_by == city_admin
    page = client.get(answer["Location"]).content.decode()
    assert "已吊销" in page and "某外卖平台 的密钥已停用" in page


def test_nobody_but_a_city_admin_sees_or_changes_keys(client, city, platform_key):
    key, raw = platform_key
    for user in [
        factories.role("admin", city.county_a, username="countyadmin"),
        factories.role("subdistrict_staff", city.subdistrict_a),
        factories.user("resident"),
    ]:
        client.force_login(user)
        assert client.get(reverse("apikeys:list")).status_code == 404
        assert client.get(reverse("apikeys:create")).status_code == 404
        assert client.post(reverse("apikeys:revoke", args=[key.pk])).status_code == 404
        made = client.post(
            reverse("apikeys:create"),
            {
                "name": "偷",
                "client_kind": "platform",
                "jurisdictions": [city.city.pk],
                "scopes": ["read"],
                "rate_per_minute": 5,
            },
        )
        assert made.status_code == 404
    assert keys.find_key(raw) == key and ApiKey.objects.count() == 1


@pytest.mark.parametrize("n", [1, 10])
def test_the_list_reads_a_constant_number_of_queries(
    client, city, city_admin, n, django_assert_max_num_queries
):
    for i in range(n):
        key, _ = keys.create_key(name=f"平台{i}", jurisdictions=["360902", "360923"], scopes=["read"])
        keys.log_use(key, method="GET", endpoint="/x", status=200)
    client.force_login(city_admin)
    with django_assert_max_num_queries(8):
        page = client.get(reverse("apikeys:list")).content.decode()
    assert page.count("1 / 1") == n


def test_a_key_that_moves_cases_names_its_service_account_and_needs_the_read_scope(client, city, city_admin):
    client.force_login(city_admin)
    data = {
        "name": "袁州区12345",
        "client_kind": "hotline",
        "jurisdictions": [city.county_a.pk],
        "scopes": ["cases"],
        "rate_per_minute": 30,
    }
    refused = client.post(reverse("apikeys:create"), data).content.decode()
    assert "办理工单的密钥还需要读取权限" in refused and not ApiKey.objects.exists()
    page = client.post(reverse("apikeys:create"), {**data, "scopes": ["read", "cases"]}).content.decode()
    key = ApiKey.objects.get()
    assert "服务账号“袁州区12345 (API)”" in page and key.account.is_active
    assert "办理工单" in client.get(reverse("apikeys:list")).content.decode()
    client.post(reverse("apikeys:revoke", args=[key.pk]))
    key.account.refresh_from_db()
    assert key.account.is_active is False

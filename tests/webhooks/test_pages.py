"""The webhook pages of the staff console: for city administrators only (others get a 404 and
change nothing); a new receiver's secret is shown once; the delivery log lists every attempt and
replays a delivery; the log reads a constant number of queries however long it is."""

import pytest
from django.urls import reverse

from doorstep.demands import services as case_services
from doorstep.webhooks import services
from doorstep.webhooks.models import Attempt, Delivery, Subscriber
from tests import factories
from tests.demands.factories import LoopWorld

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(city):
    return LoopWorld(city)


@pytest.fixture
def city_admin(city):
    return factories.role("admin", city.city, username="cityadmin")


@pytest.fixture
def hooked(world):
    """A receiver for 袁州区 and two cases' events waiting to be delivered (no worker runs here)."""
    sub, secret = services.create_subscriber(
        name="袁州区12345", url="https://hotline.yichun.example/hook", jurisdictions=["360902"]
    )
    case = world.report()
    case_services.accept(case, world.community_staff)
    world.report()
    return sub


def outsiders(world, city):
    """A county's admin, a subdistrict's staff, a resident: none is a city administrator."""
    return [
        factories.role("admin", city.county_a, username="countyadmin"),
        world.subdistrict_staff,
        world.resident,
    ]


def test_a_city_admin_sees_receivers_and_the_log_in_chinese(client, city_admin, hooked):
    client.force_login(city_admin)
    page = client.get(reverse("webhooks:list")).content.decode()
    assert "Webhook 接收方" in page and "袁州区12345" in page and "袁州区" in page
    assert "待发送" in page
    # The console nav leads there.
    assert reverse("webhooks:list") in page and reverse("apikeys:list") in page
    log = client.get(reverse("webhooks:log")).content.decode()
    assert "推送记录" in log and log.count("case.submit") == 2 and "case.accept" in log
    detail = client.get(reverse("webhooks:detail", args=[hooked.pk])).content.decode()
    assert "轮换签名密钥" in detail and hooked.url in detail
    assert hooked.secret not in detail  # the secret is never shown again
    waiting = client.get(reverse("webhooks:log"), {"status": "delivered"}).content.decode()
    assert "没有推送记录" in waiting


def test_nobody_but_a_city_admin_sees_or_changes_anything(client, world, city, hooked):
    d = Delivery.objects.filter(subscriber=hooked).first()
    gets = [
        reverse("webhooks:list"),
        reverse("webhooks:log"),
        reverse("webhooks:create"),
        reverse("webhooks:detail", args=[hooked.pk]),
        reverse("webhooks:delivery", args=[d.pk]),
    ]
    posts = [
        reverse("webhooks:replay", args=[d.pk]),
        reverse("webhooks:rotate", args=[hooked.pk]),
        reverse("webhooks:create"),
    ]
    secret = hooked.secret
    for user in outsiders(world, city):
        client.force_login(user)
        assert reverse("webhooks:list") not in client.get(reverse("demands:staff_worklist")).content.decode()
        for url in gets:
            assert client.get(url).status_code == 404, (user, url)
        for url in posts:
            data = {"name": "偷看", "url": "https://peek.yichun.example/x", "jurisdictions": [city.city.pk]}
            assert client.post(url, data).status_code == 404, (user, url)
    assert Delivery.objects.count() == 3 and not Delivery.objects.filter(replay_of__isnull=False).exists()
    hooked.refresh_from_db()
    assert hooked.secret == secret and Subscriber.objects.count() == 1
    client.logout()
    assert client.get(reverse("webhooks:list")).status_code == 302  # to the login page


def test_a_new_receiver_shows_its_secret_once(client, city, city_admin):
    client.force_login(city_admin)
    form = client.get(reverse("webhooks:create")).content.decode()
    assert "新建接收方" in form and "立案" in form  # event types by their Chinese names
    answer = client.post(
        reverse("webhooks:create"),
        {
            "name": "上高县12345",
            "url": "https://hotline.example.cn/doorstep",
            "jurisdictions": [city.county_b.pk],
            "event_types": ["accept", "verify"],
            "active": "on",
        },
    )
    assert answer.status_code == 200
    page = answer.content.decode()
    sub = Subscriber.objects.get()
    assert sub.secret.startswith("whsec_") and sub.secret in page and "请立即复制" in page
    assert (sub.name, sub.event_types, sub.active) == ("上高县12345", ["accept", "verify"], True)
    assert list(sub.jurisdictions.all()) == [city.county_b]
    assert sub.secret not in client.get(reverse("webhooks:detail", args=[sub.pk])).content.decode()


def test_bad_input_is_refused_in_chinese_and_nothing_is_made(client, city, city_admin):
    client.force_login(city_admin)
    answer = client.post(reverse("webhooks:create"), {"name": "", "url": "ftp://x", "jurisdictions": []})
    page = answer.content.decode()
    assert answer.status_code == 200 and "这个字段是必填项" in page
    assert not Subscriber.objects.exists()


def test_a_receiver_is_changed_and_its_secret_rotated_from_its_page(client, city, city_admin, hooked):
    client.force_login(city_admin)
    old = hooked.secret
    answer = client.post(reverse("webhooks:rotate", args=[hooked.pk]))
    hooked.refresh_from_db()
    assert hooked.secret != old and hooked.secret in answer.content.decode()
    assert hooked.previous_secret == old and hooked.previous_until is not None
    client.post(
        reverse("webhooks:detail", args=[hooked.pk]),
        {
            "name": "袁州区热线",
            "url": "https://hotline.yichun.example/v2",
            "jurisdictions": [city.subdistrict_a.pk],
        },
    )
    hooked.refresh_from_db()
    assert (hooked.name, hooked.url, hooked.active) == (
        "袁州区热线",
        "https://hotline.yichun.example/v2",
        False,
    )
    assert list(hooked.jurisdictions.all()) == [city.subdistrict_a]


def test_the_delivery_page_lists_attempts_and_replays(client, city_admin, hooked):
    d = Delivery.objects.filter(subscriber=hooked).order_by("pk").first()
    # Two attempts as the worker logs them (the sending itself is tested against a real receiver).
    Attempt.objects.create(
        delivery=d, number=1, at=d.created_at, status_code=500, response="boom", error="HTTP 500"
    )
    Attempt.objects.create(
        delivery=d, number=2, at=d.created_at, error="timeout after 10 s", duration_ms=10001
    )
    client.force_login(city_admin)
    page = client.get(reverse("webhooks:delivery", args=[d.pk])).content.decode()
    assert "尝试记录" in page and "boom" in page and "timeout after 10 s" in page and "10001" in page
    assert f"evt_{d.event_id}" in page and str(d.uid) in page
    answer = client.post(reverse("webhooks:replay", args=[d.pk]))
    again = Delivery.objects.get(replay_of=d)
    assert answer.status_code == 302 and answer["Location"] == reverse("webhooks:delivery", args=[again.pk])
    assert (again.event_id, again.subscriber_id, again.status) == (d.event_id, d.subscriber_id, "pending")
    assert again.replayed_by.username == "cityadmin"
    assert "已重新发送" in client.get(answer["Location"]).content.decode()


@pytest.mark.parametrize("n", [2, 12])
def test_the_log_reads_a_constant_number_of_queries(
    client, world, city_admin, hooked, n, django_assert_max_num_queries
):
    for _ in range(n):
        world.report()
    client.force_login(city_admin)
    with django_assert_max_num_queries(8):
        page = client.get(reverse("webhooks:log")).content.decode()
    assert page.count("case.submit") == n + 2
    with django_assert_max_num_queries(10):
        client.get(reverse("webhooks:list"))
    with django_assert_max_num_queries(12):
        client.get(reverse("webhooks:detail", args=[hooked.pk]))


def test_the_admin_shows_receivers_and_deliveries_read_only_to_city_admins(client, city, hooked):
    d = Delivery.objects.filter(subscriber=hooked).first()
    Attempt.objects.create(delivery=d, number=1, at=d.created_at, status_code=502, error="HTTP 502")
    superuser = factories.user("root", is_staff=True, is_superuser=True)
    client.force_login(superuser)
    assert client.get(reverse("admin:webhooks_delivery_changelist")).status_code == 200
    page = client.get(reverse("admin:webhooks_delivery_change", args=[d.pk])).content.decode()
    assert "HTTP 502" in page
    sub_page = client.get(reverse("admin:webhooks_subscriber_change", args=[hooked.pk])).content.decode()
    assert hooked.secret not in sub_page
    assert client.get(reverse("admin:webhooks_subscriber_add")).status_code == 403
    county_admin = factories.role(
        "admin",
        city.county_a,
        username="countyadmin",
    )
    county_admin.is_staff = True
    county_admin.save()
    client.force_login(county_admin)
    assert client.get(reverse("admin:webhooks_delivery_changelist")).status_code == 403

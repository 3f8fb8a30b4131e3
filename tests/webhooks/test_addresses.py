"""Webhooks go to public addresses only (no SSRF): refused on save with a Chinese message, and
again at delivery after resolving the name (one failed attempt with the reason, no retries),
unless DOORSTEP_WEBHOOKS_ALLOW_PRIVATE is set."""

import socket

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from doorstep.webhooks import addresses, sending, services
from doorstep.webhooks.models import Attempt, Delivery, Subscriber
from tests import factories
from tests.demands.factories import LoopWorld

pytestmark = pytest.mark.django_db
D = Delivery.Status

ADDRESSES = [
    ("127.0.0.1", "loopback"),
    ("127.8.9.10", "loopback"),
    ("10.0.0.1", "private"),
    ("10.255.1.2", "private"),
    ("172.16.0.1", "private"),
    ("172.31.255.254", "private"),
    ("192.168.1.10", "private"),
    ("169.254.169.254", "link_local"),  # the cloud metadata service
    ("::1", "loopback"),
    ("fc00::1", "private"),
    ("fd12:3456:789a::1", "private"),
    ("fe80::1", "link_local"),
    ("0.0.0.0", "unspecified"),
    ("::", "unspecified"),
    ("224.0.0.251", "multicast"),
    ("ff02::1", "multicast"),
    ("::ffff:127.0.0.1", "loopback"),  # IPv4 mapped into IPv6
    ("100.64.0.1", "not_public"),  # carrier-grade NAT
    ("172.32.0.1", None),  # just outside 172.16.0.0/12
    ("8.8.8.8", None),
    ("223.5.5.5", None),
    ("2400:3200::1", None),
]


@pytest.mark.parametrize("ip, kind", ADDRESSES)
def test_which_addresses_are_refused(ip, kind):
    assert addresses.kind_of(ip) == kind
    host = f"[{ip}]" if ":" in ip else ip
    refusal = addresses.refusal(f"https://{host}:8443/hook")
    if kind is None:
        assert refusal is None
    else:
        assert refusal and "公网" in refusal and ip in refusal, refusal


@pytest.mark.parametrize("host", ["localhost", "LOCALHOST.", "hooks.localhost"])
def test_local_names_are_refused_without_asking_dns(host, monkeypatch):
    monkeypatch.setattr(addresses, "resolve", lambda *a: pytest.fail("no DNS needed"))
    assert "回环" in addresses.refusal(f"http://{host}:8000/hook")


@pytest.mark.parametrize(
    "resolved, refused",
    [(["127.0.0.1"], True), (["93.184.216.34", "10.0.0.5"], True), (["93.184.216.34"], False)],
)
def test_a_name_is_judged_by_every_address_it_resolves_to(monkeypatch, resolved, refused):
    monkeypatch.setattr(addresses, "resolve", lambda host, port=None: resolved)
    assert bool(addresses.refusal("https://hooks.yichun.example/x")) is refused


def test_a_name_that_does_not_resolve_now_is_left_to_the_sending(monkeypatch):
    def fail(*args):
        raise socket.gaierror("Name or service not known")

    monkeypatch.setattr(addresses, "resolve", fail)
    assert addresses.refusal("https://hooks.yichun.example/x") is None


def test_the_setting_allows_private_receivers(settings):
    settings.DOORSTEP_WEBHOOKS_ALLOW_PRIVATE = True
    assert addresses.refusal("http://127.0.0.1:9/hook") is None


@pytest.mark.parametrize(
    "url",
    ["http://127.0.0.1:9/hook", "http://[::1]/x", "https://169.254.169.254/latest", "http://localhost/"],
)
def test_the_console_refuses_a_private_receiver_in_chinese_and_saves_nothing(client, city, url):
    admin = factories.role("admin", city.city, username="cityadmin")
    client.force_login(admin)
    answer = client.post(
        reverse("webhooks:create"),
        {"name": "内网", "url": url, "jurisdictions": [city.county_a.pk], "active": "on"},
    )
    assert answer.status_code == 200
    assert "只能发往公网地址" in answer.content.decode()
    assert not Subscriber.objects.exists()


def test_a_changed_receiver_is_checked_too(city):
    sub, _ = services.create_subscriber(
        name="袁州区12345", url="https://hotline.yichun.example/hook", jurisdictions=["360902"]
    )
    with pytest.raises(ValidationError) as refused:
        services.update_subscriber(
            sub, name="袁州区12345", url="http://192.168.0.8/hook", jurisdictions=["360902"]
        )
    assert "内网" in refused.value.message_dict["url"][0]
    sub.refresh_from_db()
    assert sub.url == "https://hotline.yichun.example/hook"


def test_any_form_of_the_model_refuses_it(city):
    """What the admin's form calls (the admin shows receivers read-only today)."""
    sub = Subscriber(name="x", url="http://10.1.1.1/hook", secret="s")
    with pytest.raises(ValidationError) as refused:
        sub.full_clean(exclude=["secret", "previous_secret"])
    assert "内网" in refused.value.message_dict["url"][0]


def test_a_name_resolving_to_loopback_at_delivery_is_refused_once_and_not_retried(city, monkeypatch):
    sub, _ = services.create_subscriber(
        name="袁州区12345", url="http://hooks.yichun.example:8080/hook", jurisdictions=["360902"]
    )
    monkeypatch.setattr(addresses, "resolve", lambda host, port=None: ["127.0.0.1"])
    LoopWorld(city).report()
    delivery = Delivery.objects.get(subscriber=sub)
    assert services.attempt(delivery.pk) == "failed"
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts) == (D.FAILED, 1)
    assert "127.0.0.1" in delivery.last_error and "公网" in delivery.last_error
    attempt = Attempt.objects.get(delivery=delivery)
    assert not attempt.ok and attempt.status_code is None and "回环" in attempt.error
    assert services.attempt(delivery.pk) == "skipped"  # nothing left to retry
    assert Attempt.objects.filter(delivery=delivery).count() == 1


def test_the_address_actually_reached_is_checked_as_well(receiver, settings):
    """DNS rebinding: whatever the name said before, a connection that lands on 127.0.0.1 is cut."""
    settings.DOORSTEP_WEBHOOKS_ALLOW_PRIVATE = False
    host, port = receiver.server.server_address[:2]
    sock = socket.create_connection((host, port))
    with pytest.raises(addresses.Refused, match="127.0.0.1"):
        addresses.check_peer(sock, "hooks.yichun.example")
    assert sock.fileno() == -1  # closed


def test_a_send_that_lands_on_loopback_is_cut_before_anything_is_sent(receiver, settings, monkeypatch):
    """The name check passed (as a rebinding name would), the connection reached 127.0.0.1."""
    settings.DOORSTEP_WEBHOOKS_ALLOW_PRIVATE = False
    monkeypatch.setattr(addresses, "refusal", lambda url, **kw: None)
    outcome = sending.post(receiver.url, b"{}", {"Content-Type": "application/json"}, 2)
    assert outcome.refused and not outcome.ok and "127.0.0.1" in outcome.error
    assert receiver.received == []

"""On a phone, a city administrator adds a webhook receiver (the secret shown once), watches a
case event reach a real local receiver signed with that secret, replays it from the delivery
log, then makes and revokes an API key in the same console."""

import pytest

from doorstep.demands import services as case_services
from doorstep.open311 import keys
from doorstep.webhooks.models import Delivery
from tests import factories
from tests.demands.factories import LoopWorld
from tests.webhooks.helpers import receiver_verifies, run_worker_until
from tests.webhooks.receiver import Receiver

from .conftest import login

pytestmark = pytest.mark.django_db(transaction=True)


def fits(phone) -> bool:
    return phone.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")


def test_a_city_admin_runs_webhooks_and_keys_on_a_phone(phone, city, settings):
    settings.DOORSTEP_WEBHOOKS_ALLOW_PRIVATE = True  # the receiver listens on 127.0.0.1
    receiver = Receiver().start()
    try:
        world = LoopWorld(city)
        factories.role("admin", city.city, username="cityadmin")
        login(phone, "cityadmin")
        phone.goto(phone.base + "/console/webhooks/")
        phone.get_by_role("link", name="新建接收方").click()
        phone.fill("input[name=name]", "袁州区12345")
        phone.fill("input[name=url]", receiver.url)
        phone.get_by_label("袁州区", exact=True).check()
        phone.get_by_label("立案", exact=True).check()
        phone.get_by_role("button", name="创建并显示签名密钥").click()
        secret = phone.locator("#secret").inner_text().strip()
        assert secret.startswith("whsec_") and fits(phone)

        case = world.report()
        case_services.accept(case, world.community_staff)
        assert run_worker_until(lambda: Delivery.objects.filter(status="delivered").count() == 1)
        body = receiver_verifies(receiver.received[0], secret)
        assert body["type"] == "case.accept" and body["case"]["number"] == case.number

        phone.goto(phone.base + "/console/webhooks/deliveries/")
        row = phone.locator("#deliveries tbody tr").first
        assert "已送达" in row.inner_text() and case.number in row.inner_text() and fits(phone)
        row.locator("a").first.click()
        assert "200" in phone.locator("#attempts").inner_text()
        phone.get_by_role("button", name="重新发送（重发）").click()
        phone.wait_for_selector("text=已重新发送")
        assert run_worker_until(lambda: Delivery.objects.filter(status="delivered").count() == 2)
        again = receiver_verifies(receiver.received[1], secret)
        assert again["event_id"] == body["event_id"] and again["replay"] is True

        phone.goto(phone.base + "/console/keys/new/")
        phone.fill("input[name=name]", "某外卖平台")
        phone.get_by_label("上高县", exact=True).check()
        phone.get_by_label("读取诉求", exact=True).check()
        phone.get_by_role("button", name="创建并显示密钥").click()
        raw = phone.locator("#raw-key").inner_text().strip()
        assert keys.find_key(raw).name == "某外卖平台"
        phone.goto(phone.base + "/console/keys/")
        assert "某外卖平台" in phone.locator("#keys").inner_text() and fits(phone)
        phone.get_by_role("button", name="吊销").click()
        phone.wait_for_selector("text=某外卖平台 的密钥已停用")
        assert keys.find_key(raw) is None
    finally:
        receiver.stop()

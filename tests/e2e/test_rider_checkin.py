"""On a 375-px phone a rider registers at a red station and gets a QR credential; the station's
staff check them in by the code; the rider sees the check-in and the point it earned."""

import pytest

from doorstep.resources.models import CheckIn, PointEntry, Rider
from doorstep.resources.riders import ensure_default_roles
from tests import factories
from tests.e2e.conftest import login
from tests.resources.factories import place


@pytest.fixture
def station(city):
    # An earlier browser test's flush empties the table the migration seeded.
    ensure_default_roles()
    place(name="锦阳红色驿站", lng=114.50, lat=27.85)
    return place(name="都市春天红色驿站")


def no_sideways_scroll(pg):
    assert pg.evaluate("document.documentElement.scrollWidth") <= 375


def test_rider_registers_on_a_phone_and_is_checked_in_by_qr_code(phone, browser, live_server, station, city):
    phone.goto(phone.base + "/resources/riders/register/")
    assert phone.locator("h1").inner_text() == "骑手、快递员登记"
    no_sideways_scroll(phone)
    # a bad number first: a Chinese error, nothing saved
    phone.fill("#r-name", "李骑手")
    phone.fill("#r-phone", "139 1234 567")
    phone.fill("#r-password", "spring-rider-2025")
    phone.select_option("#r-platform", "meituan")
    phone.select_option("#r-station", str(station.pk))
    phone.fill("#r-team", "旗行者先锋一队")
    phone.check("input[name=roles][value=traffic]")
    phone.click("#r-submit")
    phone.wait_for_selector("#phone-error")
    assert "手机号码应为 11 位" in phone.locator("#phone-error").inner_text()
    assert not Rider.objects.exists()
    # the form kept what was typed; correct the number
    assert phone.input_value("#r-name") == "李骑手"
    phone.fill("#r-phone", "139 1234 5678")
    phone.fill("#r-password", "spring-rider-2025")
    phone.click("#r-submit")
    phone.wait_for_selector("#rider-qr svg")
    assert phone.locator("h1").inner_text() == "我的骑手凭证"
    code = phone.locator("#rider-code").inner_text().strip()
    assert code.startswith("DSR-")
    box = phone.locator("#rider-qr svg").bounding_box()
    assert box["width"] >= 120 and box["x"] + box["width"] <= 375
    assert "139****5678" in phone.content() and "13912345678" not in phone.locator("main").inner_text()
    no_sideways_scroll(phone)

    # the station's staff on their phone
    factories.role("grid_worker", city.community_a, username="yz-staff")
    staff = browser.new_context(locale="zh-CN", viewport={"width": 375, "height": 740}, is_mobile=True)
    try:
        desk = staff.new_page()
        desk.set_default_timeout(15_000)
        desk.base = live_server.url
        login(desk, "yz-staff")
        desk.goto(desk.base + "/resources/stations/checkin/")
        desk.wait_for_selector("body[data-checkin-ready]")
        assert desk.locator("#c-station option:checked").inner_text().startswith("都市春天红色驿站")
        desk.fill("#c-code", code.lower())  # typed by hand, any case
        desk.click("#c-submit")
        desk.wait_for_selector("#checkin-ok")
        assert "李*" in desk.locator("#checkin-ok").inner_text()
        assert "美团" in desk.locator("#checkin-ok").inner_text()
        no_sideways_scroll(desk)
        # the same code again at once is refused in Chinese
        desk.fill("#c-code", code)
        desk.click("#c-submit")
        desk.wait_for_selector("#checkin-error")
        assert "每 30 分钟内只计一次签到" in desk.locator("#checkin-error").inner_text()
    finally:
        staff.close()
    assert CheckIn.objects.count() == 1
    assert PointEntry.objects.get().points == 1

    # the rider sees the check-in and the point
    phone.reload()
    phone.wait_for_selector("#my-checkins")
    assert "都市春天红色驿站" in phone.locator("#my-checkins").inner_text()
    assert phone.locator("#points-balance").inner_text() == "1"

"""群众点单 on 375-px phones: a resident finds the red station of their compound, orders its
errand service; a volunteer of the community's team claims it and marks it done with a photo;
the resident sees the timeline and rates it five stars. Points are credited once."""

from io import BytesIO

from PIL import Image

from doorstep.resources.models import OrderPhoto, PointEntry, ServiceOrder
from tests.e2e.conftest import login
from tests.resources.test_orders import World


def no_sideways_scroll(pg):
    assert pg.evaluate("document.documentElement.scrollWidth") <= 375


def phone_context(browser, live_server):
    ctx = browser.new_context(
        locale="zh-CN", viewport={"width": 375, "height": 740}, is_mobile=True, has_touch=True
    )
    pg = ctx.new_page()
    pg.set_default_timeout(15_000)
    pg.base = live_server.url
    return ctx, pg


def photo_bytes() -> bytes:
    buf = BytesIO()
    Image.new("RGB", (64, 48), (30, 120, 200)).save(buf, "JPEG")
    return buf.getvalue()


def test_a_resident_orders_a_volunteer_claims_and_completes_the_resident_rates(
    phone, browser, live_server, city, settings, tmp_path
):
    settings.MEDIA_ROOT = str(tmp_path)
    w = World(city)
    login(phone, "resident1")
    # find the place near home
    phone.goto(phone.base + "/resources/near/")
    phone.fill("#near-q", "都市春天")
    phone.click("#near-search")
    phone.wait_for_selector("#near-results")
    phone.locator("#near-results .near-item h3 a", has_text="都市春天红色驿站").click()
    phone.wait_for_selector("h1")
    assert phone.locator("h1").inner_text() == "都市春天红色驿站"
    no_sideways_scroll(phone)
    phone.locator("a.order-link").first.click()
    phone.wait_for_selector("#order-form")
    assert phone.locator("h1").inner_text() == "我要点单"
    no_sideways_scroll(phone)
    # an empty need first: a Chinese error, nothing saved
    phone.click("#o-submit")
    phone.wait_for_selector("#need-error")
    assert phone.locator("#need-error").inner_text() == "请说明需要什么服务。"
    assert not ServiceOrder.objects.exists()
    phone.fill("#o-need", "帮忙买一袋米送上楼")
    phone.click("#o-submit")
    phone.wait_for_selector("#order-status")
    assert phone.locator("#order-status").inner_text() == "待接单"
    assert "已点单" in phone.locator("#order-timeline").inner_text()
    no_sideways_scroll(phone)
    order = ServiceOrder.objects.get()
    assert order.need == "帮忙买一袋米送上楼" and order.dwelling == w.home

    # the volunteer on their phone
    ctx, vol = phone_context(browser, live_server)
    try:
        login(vol, "vol1")
        vol.goto(vol.base + "/resources/volunteer/orders/")
        vol.locator("#open-orders a", has_text="代买代办").click()
        vol.wait_for_selector("#claim-submit")
        assert "138****1111" in vol.locator("#order-phone").inner_text()  # masked until taken
        no_sideways_scroll(vol)
        vol.click("#claim-submit")
        vol.wait_for_selector("#done-form")
        assert vol.locator("#order-phone").inner_text() == "13800001111"
        vol.fill("#d-note", "米已送到三楼")
        vol.fill("#d-hours", "1.5")
        vol.set_input_files(
            "#d-photos", files=[{"name": "rice.jpg", "mimeType": "image/jpeg", "buffer": photo_bytes()}]
        )
        vol.click("#done-submit")
        vol.wait_for_selector("#order-done-note")
        assert vol.locator("#order-status").inner_text() == "已完成"
        assert vol.locator(".order-photos img").count() == 1
        no_sideways_scroll(vol)
    finally:
        ctx.close()
    assert OrderPhoto.objects.filter(order=order).count() == 1

    # the resident rates it
    phone.goto(phone.base + f"/resources/orders/{order.pk}/")
    phone.wait_for_selector("#rate-form")
    assert "米已送到三楼" in phone.locator("#order-done-note").inner_text()
    assert phone.locator(".order-photos img").evaluate("img => img.naturalWidth") > 0
    phone.check("#rate-form input[name=stars][value='5']")
    phone.fill("#r-comment", "很及时，谢谢")
    phone.click("#rate-submit")
    phone.wait_for_selector("#order-rating")
    assert phone.locator("#order-status").inner_text() == "已评价"
    assert "★★★★★" in phone.locator("#order-rating").inner_text()
    timeline = phone.locator("#order-timeline").inner_text()
    for label in ("已点单", "已接单", "已完成", "已评价"):
        assert label in timeline
    no_sideways_scroll(phone)
    # my orders lists it; the volunteer earned points and hours once
    phone.goto(phone.base + "/resources/orders/")
    assert "代买代办" in phone.locator("#my-orders").inner_text()
    entry = PointEntry.objects.get()
    assert entry.person == w.vol_person and str(entry.hours) == "1.50"
    order.refresh_from_db()
    assert (order.status, order.rating) == ("rated", 5)

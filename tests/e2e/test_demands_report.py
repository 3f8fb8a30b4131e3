"""The phone report (随手拍) in a real browser on a 375-px phone: a photo and a map tap give a
number; a fake image is refused with nothing saved; "me too" on a similar report nearby."""

import re
from io import BytesIO
from pathlib import Path

import pytest
from PIL import Image

from doorstep.demands.models import Demand, Follow, Photo
from tests.demands import photo_samples as samples
from tests.demands.intake_helpers import FAST_HASHERS, build_place, phone_report, snapshot
from tests.e2e.conftest import login


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return Path(settings.MEDIA_ROOT)


@pytest.fixture
def place(city, settings):
    settings.PASSWORD_HASHERS = FAST_HASHERS  # five logins to make: no need for slow hashing here
    return build_place(city)


def open_report_page(phone):
    login(phone, "resident")
    phone.goto(phone.base + "/demands/report/")
    phone.wait_for_selector("#rp-map.map-ready")


def describe(page, text):
    """Type the description and wait for the category suggestions it brings (the test server
    shares one in-memory database connection between its threads: one request at a time)."""
    page.fill("#rp-text", text)
    page.wait_for_selector("#rp-chips .rp-chip")


def tap_map_centre(phone):
    phone.locator("#rp-map").scroll_into_view_if_needed()  # the top bar may push it below the fold
    box = phone.locator("#rp-map").bounding_box()
    phone.mouse.click(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    phone.wait_for_selector("#rp-nearby .rp-place")


def test_report_with_a_photo_and_a_map_tap_gives_a_number(phone, place, media):
    open_report_page(phone)
    photo = samples.jpeg(3000, 2000, gps=True)
    phone.set_input_files(
        "#rp-album", files=[{"name": "IMG_0001.jpg", "mimeType": "image/jpeg", "buffer": photo}]
    )
    phone.wait_for_selector("#rp-thumbs li img")
    assert "KB" in phone.locator("#rp-thumbs li").inner_text()

    tap_map_centre(phone)
    assert "都市春天小区" in phone.locator("#rp-nearby").inner_text()
    describe(phone, "小区3栋门口的路灯坏了一个星期，晚上很黑")
    # suggestions arrive while typing; tapping one chooses it
    phone.locator("#rp-chips .rp-chip", has_text="小区路灯").click()
    assert phone.locator("#rp-category option:checked").inner_text() == "小区路灯"
    width = phone.evaluate("document.documentElement.scrollWidth")
    assert width <= 375, f"page is {width}px wide on a 375px screen"

    phone.click("#rp-submit")
    phone.wait_for_url(re.compile(r"/demands/report/thanks/"))
    number = phone.locator("#rp-number").inner_text().strip()
    demand = Demand.objects.get()
    assert number == demand.number and re.fullmatch(r"\d{8}-\d{4}", number)
    assert demand.region == place.city.compound_a and demand.category == place.lamp
    assert demand.input_system == "wgs84"
    stored = Photo.objects.get(demand=demand)
    sent = stored.original.read()
    assert max(Image.open(BytesIO(sent)).size) == 1600  # made small in the browser
    assert not samples.has_gps(sent)  # the canvas carries no EXIF either
    assert phone.evaluate("document.documentElement.scrollWidth") <= 375


def test_a_fake_image_is_refused_and_nothing_is_saved(phone, place, media):
    open_report_page(phone)
    before = snapshot(media)
    phone.set_input_files(
        "#rp-album",
        files=[{"name": "IMG_0002.jpg", "mimeType": "image/jpeg", "buffer": b"not a picture\n" * 50}],
    )
    phone.wait_for_selector("#rp-thumbs li.raw")
    tap_map_centre(phone)
    describe(phone, "路灯坏了，请尽快修理")
    phone.click("#rp-submit")
    phone.wait_for_selector('[data-errors-for="photos"] .error')
    assert "第 1 张照片：这个文件不是图片" in phone.locator('[data-errors-for="photos"]').inner_text()
    assert "没有提交成功" in phone.locator("#rp-status").inner_text()
    assert phone.input_value("#rp-text") == "路灯坏了，请尽快修理"  # the form is still filled
    assert "/demands/report/" in phone.url and "thanks" not in phone.url
    assert snapshot(media) == before


def test_me_too_on_a_similar_report_nearby(phone, place):
    other = phone_report(
        place, by=place.rider, channel=Demand.Channel.RIDER, text="小区路灯不亮，晚上看不见路"
    )
    phone.context.grant_permissions(["geolocation"])
    phone.context.set_geolocation({"longitude": 114.3801, "latitude": 27.8001, "accuracy": 12})
    open_report_page(phone)
    phone.click("#rp-locate")  # the phone's own position (WGS-84)
    phone.wait_for_selector("#rp-nearby .rp-similar")
    assert "误差约 12 米" in phone.locator("#rp-where").inner_text()
    item = phone.locator(f"#similar-{other.number}")
    assert "小区路灯" in item.inner_text()
    item.get_by_role("button", name="我也遇到了").click()
    phone.wait_for_selector(f"#similar-{other.number} .badge.official")
    assert "共有 1 人" in item.inner_text()
    other.refresh_from_db()
    assert other.me_too_count == 1
    assert Follow.objects.filter(demand=other, user=place.resident, me_too=True).exists()
    assert Demand.objects.count() == 1  # no new report was needed
    assert phone.evaluate("document.documentElement.scrollWidth") <= 375


def test_a_tap_on_gcj02_tiles_is_sent_as_gcj02_and_stored_as_wgs84(phone, place, settings):
    settings.DOORSTEP_TILE_URL = "http://tiles.example.invalid/{z}/{x}/{y}.png"
    settings.DOORSTEP_TILE_SYSTEM = "gcj02"
    blank = BytesIO()
    Image.new("RGB", (256, 256), (235, 240, 245)).save(blank, "PNG")
    phone.route(
        "http://tiles.example.invalid/**",
        lambda route: route.fulfill(body=blank.getvalue(), content_type="image/png"),
    )
    open_report_page(phone)
    tap_map_centre(phone)  # the map opens on the compound's centre, drawn in GCJ-02
    assert phone.input_value("input[name=system]") == "gcj02"
    tapped = float(phone.input_value("input[name=lng]")), float(phone.input_value("input[name=lat]"))
    assert tapped[0] > 114.384  # GCJ-02 is about 500 m east of WGS-84 here
    assert "都市春天小区" in phone.locator("#rp-nearby").inner_text()
    describe(phone, "小区路灯坏了好几天")
    phone.click("#rp-submit")
    phone.wait_for_url(re.compile(r"/demands/report/thanks/"))
    demand = Demand.objects.get()
    assert demand.input_system == "gcj02" and (demand.input_lng, demand.input_lat) == pytest.approx(tapped)
    assert (demand.lng, demand.lat) == pytest.approx((114.38, 27.80), abs=0.0003)  # the centre, in WGS-84
    assert demand.region == place.city.compound_a


def test_staff_enter_a_12345_transfer(page, place):
    login(page, "yiyang")
    page.goto(page.base + "/demands/report/staff/")
    page.select_option("#rp-channel", "hotline")
    page.fill("input[name=external_ticket]", "GD20251008-0042")
    page.fill("input[name=contact_name]", "王先生")
    page.fill("input[name=contact_phone]", "139 0795 1234")
    page.select_option("#rp-region", label="都市春天小区")
    page.wait_for_selector("#rp-map.map-ready")
    page.focus("#rp-map")
    page.keyboard.press("Enter")  # marks the map's centre: the community's, inside the compound
    page.wait_for_selector("#rp-nearby .rp-place")
    describe(page, "来电反映小区3栋门口路灯不亮")
    page.select_option("#rp-category", label="小区路灯")
    page.click("#rp-submit")
    page.wait_for_url(re.compile(r"/demands/report/thanks/"))
    assert "诉求已保存" in page.locator("main").inner_text()
    demand = Demand.objects.get()
    assert (demand.channel, demand.external_ticket, demand.contact_phone) == (
        "hotline",
        "GD20251008-0042",
        "13907951234",
    )
    assert demand.region == place.city.compound_a and demand.entered_by == place.desk
    assert (demand.lng, demand.lat) == pytest.approx((114.38, 27.80), abs=1e-4)
    # the same ticket again: refused on the page, the form stays filled
    page.get_by_role("link", name="再录入一条").click()
    page.select_option("#rp-channel", "hotline")
    page.fill("input[name=external_ticket]", "GD20251008-0042")
    page.select_option("#rp-region", label="都市春天小区")
    describe(page, "同一张工单又来了，小区路灯不亮")
    page.click("#rp-submit")
    page.wait_for_selector('[data-errors-for="external_ticket"] .error')
    assert "已经录入过" in page.locator('[data-errors-for="external_ticket"]').inner_text()
    assert page.input_value("#rp-text") == "同一张工单又来了，小区路灯不亮"
    assert Demand.objects.count() == 1


def test_a_lost_answer_keeps_the_form_and_sending_again_makes_one_report(phone, place, media):
    """The server saves the report but the phone never hears back (the network drops): the page
    says so and keeps everything; pressing send again gives the same number, not a second report."""
    open_report_page(phone)
    phone.set_input_files(
        "#rp-album",
        files=[{"name": "IMG_0003.jpg", "mimeType": "image/jpeg", "buffer": samples.jpeg(800, 600)}],
    )
    phone.wait_for_selector("#rp-thumbs li img")
    tap_map_centre(phone)
    describe(phone, "小区路灯坏了好几天")

    def lose_the_answer(route):
        if route.request.method == "POST":
            route.fetch()  # the server gets it and saves it …
            route.abort("connectionreset")  # … and the answer is lost on the way back
        else:
            route.continue_()

    phone.route(re.compile(r".*/demands/report/$"), lose_the_answer)
    phone.click("#rp-submit")
    phone.wait_for_function("document.querySelector('#rp-status').textContent.includes('网络不畅')")
    assert Demand.objects.count() == 1
    assert phone.input_value("#rp-text") == "小区路灯坏了好几天"
    assert phone.locator("#rp-thumbs li img").count() == 1
    assert phone.is_enabled("#rp-submit")

    phone.unroute(re.compile(r".*/demands/report/$"))
    phone.click("#rp-submit")
    phone.wait_for_url(re.compile(r"/demands/report/thanks/"))
    demand = Demand.objects.get()
    assert phone.locator("#rp-number").inner_text().strip() == demand.number
    assert Photo.objects.filter(demand=demand).count() == 1

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


def tap_map_centre(phone):
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
    phone.fill("#rp-text", "小区3栋门口的路灯坏了一个星期，晚上很黑")
    phone.select_option("#rp-category", label="小区路灯")
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
    phone.fill("#rp-text", "路灯坏了，请尽快修理")
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

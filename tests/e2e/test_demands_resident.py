"""The resident's side in real browsers: staff black out a licence plate by drawing on the photo
(mouse on a desktop, a finger on a phone) and publish it; the public map on a 375-px phone
shows reports without personal data; following a report from its public page."""

from io import BytesIO
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from PIL import Image

from doorstep.demands import photos
from doorstep.demands.models import Demand, Follow, Photo
from tests.demands.intake_helpers import FAST_HASHERS, build_place, phone_report
from tests.e2e.conftest import login

W, H = 1200, 900


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return Path(settings.MEDIA_ROOT)


@pytest.fixture
def place(city, settings):
    settings.PASSWORD_HASHERS = FAST_HASHERS
    return build_place(city)


def white_photo() -> SimpleUploadedFile:
    buffer = BytesIO()
    Image.new("RGB", (W, H), (255, 255, 255)).save(buffer, "JPEG", quality=95)
    return SimpleUploadedFile("car.jpg", buffer.getvalue(), content_type="image/jpeg")


def public_copy(photo: Photo) -> Image.Image:
    photo.refresh_from_db()
    with photo.public.storage.open(photo.public.name, "rb") as f:
        return Image.open(BytesIO(f.read())).convert("RGB")


def dark(img: Image.Image, x: float, y: float) -> bool:
    """Whether the public copy is black at (x, y) given in the original's pixels."""
    return sum(img.getpixel((int(x * img.width / W), int(y * img.height / H)))) < 80


def fits(pg, width=375):
    w = pg.evaluate("document.documentElement.scrollWidth")
    assert w <= width, f"page is {w}px wide on a {width}px screen"


def open_redaction(pg, photo):
    login(pg, "yiyang")
    pg.goto(pg.base + f"/demands/redact/{photo.token}/")
    pg.wait_for_function("document.getElementById('redact-image').complete")
    pg.wait_for_selector("#redact-stage[data-ready]", state="attached")  # drawing listens
    return pg.locator("#redact-image").bounding_box()


def test_staff_draw_a_box_with_the_mouse_and_publish(page, place):
    demand = phone_report(place, photos=[white_photo()])
    photo = demand.photos.get()
    original = photo.original.read()
    box = open_redaction(page, photo)
    # Drag from a quarter to a half of the picture: a plate at (300, 225)–(600, 450).
    page.mouse.move(box["x"] + box["width"] * 0.25, box["y"] + box["height"] * 0.25)
    page.mouse.down()
    page.mouse.move(box["x"] + box["width"] * 0.4, box["y"] + box["height"] * 0.4, steps=4)
    page.mouse.move(box["x"] + box["width"] * 0.5, box["y"] + box["height"] * 0.5, steps=4)
    page.mouse.up()
    assert page.locator(".redact-box").count() == 1
    assert "已画 1 个新遮挡框" in page.locator("#redact-count").inner_text()
    page.click("#redact-publish")
    page.wait_for_selector("ul.messages:not(.calendar-warning) li")
    assert "照片已公开" in page.locator("ul.messages:not(.calendar-warning)").inner_text()
    photo.refresh_from_db()
    assert photo.redacted and photo.is_public
    img = public_copy(photo)
    assert dark(img, 450, 337) and dark(img, 310, 235) and dark(img, 590, 440)
    assert not dark(img, 250, 180) and not dark(img, 650, 500) and not dark(img, 100, 800)
    with photo.original.storage.open(photo.original.name, "rb") as f:
        assert f.read() == original  # the original is untouched

    # Anyone now sees the redacted copy on the public page; the original stays private.
    page.context.clear_cookies()
    page.goto(page.base + f"/demands/r/{demand.number}/")
    img_src = page.locator(".photos img").first.get_attribute("src")
    assert photo.token in img_src
    assert page.request.get(page.base + f"/demands/report/photo/{photo.token}/original/").status in (403, 404)


def test_staff_draw_with_a_finger_on_a_phone(phone, place):
    demand = phone_report(place, photos=[white_photo()])
    photo = demand.photos.get()
    box = open_redaction(phone, photo)
    fits(phone)
    stage = phone.locator("#redact-stage")
    x0, y0 = box["x"] + box["width"] * 0.6, box["y"] + box["height"] * 0.6
    x1, y1 = box["x"] + box["width"] * 0.9, box["y"] + box["height"] * 0.8
    common = {"pointerId": 7, "pointerType": "touch", "isPrimary": True, "bubbles": True, "button": 0}
    stage.dispatch_event("pointerdown", {**common, "clientX": x0, "clientY": y0})
    stage.dispatch_event("pointermove", {**common, "clientX": (x0 + x1) / 2, "clientY": (y0 + y1) / 2})
    stage.dispatch_event("pointermove", {**common, "clientX": x1, "clientY": y1})
    stage.dispatch_event("pointerup", {**common, "clientX": x1, "clientY": y1})
    assert phone.locator(".redact-box").count() == 1
    phone.click("#redact-save")
    phone.wait_for_selector("ul.messages:not(.calendar-warning) li")
    photo.refresh_from_db()
    assert photo.redacted and not photo.is_public  # saved, not yet shown to anyone
    img = public_copy(photo)
    assert dark(img, W * 0.75, H * 0.7) and not dark(img, W * 0.3, H * 0.3)
    # Undo and clear work before saving; publishing then needs no new box. The page came back
    # with a message above the picture: measure it again once drawing listens.
    phone.wait_for_selector("#redact-stage[data-ready]", state="attached")
    phone.wait_for_function("document.getElementById('redact-image').complete")
    box = phone.locator("#redact-image").bounding_box()
    x0, y0 = box["x"] + box["width"] * 0.1, box["y"] + box["height"] * 0.1
    stage.dispatch_event("pointerdown", {**common, "clientX": x0, "clientY": y0})
    stage.dispatch_event("pointerup", {**common, "clientX": x0 + 60, "clientY": y0 + 60})
    assert phone.locator(".redact-box").count() == 1
    phone.click("#redact-undo")
    assert phone.locator(".redact-box").count() == 0
    phone.click("#redact-publish")
    phone.wait_for_selector("text=照片已公开")
    photo.refresh_from_db()
    assert photo.is_public


def test_public_map_on_a_phone_shows_reports_without_personal_data(phone, place):
    demand = phone_report(place, text="3栋李四家门口的路灯坏了，电话13800138000")
    staff = place.desk
    published = photos.save_photos(demand, [white_photo()])[0]
    photos.publish(published, staff)
    hard = phone_report(place, text="小区想加装电梯，大家意见不一")
    Demand.objects.filter(pk=hard.pk).update(triage=Demand.Triage.HARD, received_at=timezone.now())
    hard.case.delete()

    phone.goto(phone.base + "/demands/map/")
    phone.wait_for_selector("#report-map[data-loaded]")
    phone.wait_for_selector("#map-list li")
    listing = phone.locator("#map-list").inner_text()
    assert "小区路灯" in listing and "转议事协商" in listing
    assert "都市春天小区" in listing
    page_text = phone.locator("body").inner_text()
    for secret in ("李四", "13800138000", "138****8000", "3栋", "门口的路灯坏了"):
        assert secret not in page_text, secret
    fits(phone)
    # The filter narrows the points without a page load.
    phone.select_option("select[name=stage]", "deliberation")
    phone.wait_for_function("document.querySelectorAll('#map-list li').length === 1")
    assert "转议事协商" in phone.locator("#map-list").inner_text()
    phone.select_option("select[name=stage]", "")
    phone.wait_for_function("document.querySelectorAll('#map-list li').length === 2")
    # A list item opens the report's public page, with the published photo and no description.
    phone.locator(f'#map-list a[href$="/{demand.number}/"]').click()
    phone.wait_for_url(f"**/demands/r/{demand.number}/")
    body = phone.locator("body").inner_text()
    assert "小区路灯" in body and "李四" not in body and "13800138000" not in body
    assert published.token in phone.locator(".photos img").first.get_attribute("src")
    fits(phone)


def test_a_neighbour_follows_a_report_and_says_me_too(phone, place):
    demand = phone_report(
        place, by=place.rider, channel=Demand.Channel.RIDER, text="小区路灯不亮，晚上看不见路"
    )
    login(phone, "resident")
    phone.goto(phone.base + f"/demands/r/{demand.number}/")
    phone.click("#follow")
    phone.wait_for_selector("#unfollow")
    assert Follow.objects.filter(demand=demand, user=place.resident, me_too=False).exists()
    phone.click("#me-too")
    phone.wait_for_selector("#counts")
    assert "也遇到此问题的邻居：1" in phone.locator("#counts").inner_text()
    assert phone.locator("#me-too").count() == 0
    phone.goto(phone.base + "/demands/following/")
    assert demand.number in phone.locator("#followed-reports").inner_text()
    assert "我也遇到了" in phone.locator("#followed-reports").inner_text()
    fits(phone)
    phone.locator("#followed-reports button", has_text="取消关注").click()
    phone.wait_for_selector("text=您还没有关注任何诉求")
    demand.refresh_from_db()
    assert demand.me_too_count == 0

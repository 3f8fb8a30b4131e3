"""The whole walk in real browsers: a resident on a 375-px phone reports a broken lamp with a
photo (the phone page), the community desk accepts and dispatches it to the grid worker on the
staff case page, the grid worker signs for it and reports the result, the resident confirms it
is solved (which closes it), sees the timeline and rates it."""

import re
from pathlib import Path

import pytest

from doorstep.demands.models import Case, Demand, Rating
from tests.demands import photo_samples as samples
from tests.demands.intake_helpers import FAST_HASHERS, build_place
from tests.e2e.conftest import login


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return Path(settings.MEDIA_ROOT)


@pytest.fixture
def place(city, settings):
    settings.PASSWORD_HASHERS = FAST_HASHERS
    return build_place(city)


def fits(pg, width=375):
    w = pg.evaluate("document.documentElement.scrollWidth")
    assert w <= width, f"page is {w}px wide on a {width}px screen"


def staff_step(page, case: Case, action: str, fill=None):
    """On the staff case page: press the action's button, fill its form, send it."""
    page.goto(page.base + f"/demands/cases/{case.pk}/")
    page.click(f'#case .actions [data-action="{action}"]')
    form = page.locator(f'form[data-action-form="{action}"]')
    form.wait_for()
    if fill:
        fill(form)
    version = case.version
    form.locator("button[type=submit]").click()
    page.wait_for_function(
        f"document.querySelector('#case') && document.querySelector('#case').dataset.version !== '{version}'"
    )
    case.refresh_from_db()
    return case


def test_a_report_walks_from_the_phone_to_closure_and_rating(phone, page, place):
    # 1. The resident reports on the phone page: a photo, a tap on the map, a description.
    login(phone, "resident")
    phone.goto(phone.base + "/demands/report/")
    phone.wait_for_selector("#rp-map.map-ready")
    phone.set_input_files(
        "#rp-album",
        files=[
            {"name": "IMG_2031.jpg", "mimeType": "image/jpeg", "buffer": samples.jpeg(2400, 1800, gps=True)}
        ],
    )
    phone.wait_for_selector("#rp-thumbs li img")
    phone.locator("#rp-map").scroll_into_view_if_needed()  # the top bar may push it below the fold
    box = phone.locator("#rp-map").bounding_box()
    phone.mouse.click(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    phone.wait_for_selector("#rp-nearby .rp-place")
    phone.fill("#rp-text", "小区2栋旁边的路灯坏了一个多星期，晚上老人出门很危险")
    phone.select_option("#rp-category", label="小区路灯")
    phone.click("#rp-submit")
    phone.wait_for_url(re.compile(r"/demands/report/thanks/"))
    number = phone.locator("#rp-number").inner_text().strip()
    demand = Demand.objects.get(number=number)
    case = Case.objects.get(demand=demand)
    assert case.status == Case.Status.SUBMITTED and demand.photos.count() == 1

    # The resident finds it under My reports, with its stage and deadline.
    phone.goto(phone.base + "/demands/mine/")
    item = phone.locator("#my-reports li", has_text=number)
    assert "已收到，待受理" in item.inner_text()
    fits(phone)

    # 2. The community desk accepts it and dispatches it to the grid worker (staff pages).
    login(page, "yiyang")
    staff_step(page, case, "accept")
    assert case.status == Case.Status.ACCEPTED
    staff_step(
        page,
        case,
        "dispatch",
        lambda f: f.locator("select[name=assignee]").select_option(str(place.grid_worker.pk)),
    )
    assert case.status == Case.Status.DISPATCHED and case.assignee == place.grid_worker

    # 3. The grid worker signs for it and reports the result.
    page.context.clear_cookies()
    login(page, "gridworker")
    staff_step(page, case, "sign")
    assert case.status == Case.Status.HANDLING
    staff_step(
        page,
        case,
        "feedback",
        lambda f: f.locator("textarea[name=text]").fill("已更换灯泡，路灯恢复正常照明"),
    )
    assert case.status == Case.Status.FEEDBACK

    # 4. The resident confirms it is solved: the case closes.
    phone.goto(phone.base + f"/demands/mine/{number}/")
    assert "问题解决了吗？" in phone.locator("#verify").inner_text()
    assert "已更换灯泡，路灯恢复正常照明" in phone.locator("#timeline").inner_text()
    fits(phone)
    phone.locator("#verify").get_by_role("button", name="已解决").click()
    phone.wait_for_selector("#rate")
    assert "感谢确认，诉求已结案" in phone.locator("ul.messages:not(.calendar-warning)").inner_text()
    case.refresh_from_db()
    assert case.status == Case.Status.CLOSED

    # 5. The timeline tells the story, staff by their unit and never by name; then the rating.
    timeline = phone.locator("#timeline").inner_text()
    for step in (
        "提交诉求",
        "已立案",
        "已派遣至承办单位",
        "承办单位已签收",
        "已反馈处置结果",
        "结果核查通过，已结案",
    ):
        assert step in timeline, step
    assert "gridworker" not in timeline and "yiyang" not in timeline
    assert "宜阳社区" in timeline
    phone.locator('label[for="score-5"]').click()
    phone.locator("#rate .choices label", has_text="已解决").click()
    phone.fill("#rate textarea[name=comment]", "修得很快，谢谢网格员")
    fits(phone)
    phone.locator("#rate button[type=submit]").click()
    phone.wait_for_selector("#rating")
    assert "感谢您的评价" in phone.locator("ul.messages:not(.calendar-warning)").inner_text()
    assert phone.locator("#rating .stars-shown").inner_text() == "★★★★★"
    assert "已评价" in phone.locator("#timeline").inner_text()
    assert phone.locator("#reopen").count() == 1  # reopening is still offered within the window
    fits(phone)
    case.refresh_from_db()
    rating = Rating.objects.get(case=case)
    assert case.status == Case.Status.RATED
    assert (rating.score, rating.solved, rating.comment, rating.by) == (
        5,
        True,
        "修得很快，谢谢网格员",
        place.resident,
    )

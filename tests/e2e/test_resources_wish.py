"""On 375-px phones a child's micro-wish goes from posted (by community staff) → reviewed and
published → claimed by a volunteer → fulfilled → thanked; the public wall never shows the
child's name, the guardian's phone or the address."""

import pytest

from doorstep.resources.models import PointEntry, Wish
from tests import factories
from tests.e2e.conftest import login

SECRETS = ("王小明", "小明", "王芳", "13800001111", "3栋2单元")
PUBLIC_TEXT = "小学生，10岁，想要一套绘本"


@pytest.fixture
def cast(city):
    factories.role("community_staff", city.community_a, username="wish-staff")
    user = factories.user("wish-volunteer")
    factories.person("赵志愿", user=user, home_region=city.compound_a)
    return city


def phone_page(browser, live_server, username=None):
    context = browser.new_context(
        locale="zh-CN", viewport={"width": 375, "height": 740}, is_mobile=True, has_touch=True
    )
    pg = context.new_page()
    pg.set_default_timeout(15_000)
    pg.base = live_server.url
    if username:
        login(pg, username)
    return context, pg


def no_sideways_scroll(pg):
    assert pg.evaluate("document.documentElement.scrollWidth") <= 375


def wall_is_clean(pg):
    pg.goto(pg.base + "/resources/wishes/")
    assert pg.locator("h1").inner_text() == "微心愿墙"
    html = pg.content()
    for secret in SECRETS:
        assert secret not in html, secret
    no_sideways_scroll(pg)
    return html


def test_a_childs_wish_from_posted_to_thanked(phone, browser, live_server, cast):
    public = phone  # an anonymous visitor's phone
    staff_ctx, staff = phone_page(browser, live_server, "wish-staff")
    vol_ctx, volunteer = phone_page(browser, live_server, "wish-volunteer")
    try:
        # staff post the child's wish; a bad phone first: a Chinese error, nothing saved
        staff.goto(staff.base + "/resources/wishes/post/")
        assert staff.locator("h1").inner_text() == "提交微心愿"
        no_sideways_scroll(staff)
        staff.select_option("#w-region", label="都市春天小区")
        staff.fill("#w-text", "王小明想要一套绘本")
        staff.select_option("#w-category", "books")
        staff.select_option("#w-group", "pupil")
        staff.fill("#w-name", "王小明")
        staff.fill("#w-age", "10")
        staff.fill("#w-guardian", "王芳")
        staff.fill("#w-guardian-phone", "138 0000")
        staff.fill("#w-address", "都市春天小区3栋2单元501")
        staff.click("#w-submit")
        staff.wait_for_selector("#phone-error")
        assert "手机号码" in staff.locator("#phone-error").inner_text()
        assert not Wish.objects.exists()
        staff.fill("#w-guardian-phone", "138 0000 1111")
        staff.click("#w-submit")
        staff.wait_for_selector("#review-form")
        assert staff.locator("#f-beneficiary_name").inner_text() == "王**"
        assert "138****1111" in staff.locator("#f-guardian_phone").inner_text()
        no_sideways_scroll(staff)
        wall_is_clean(public)
        assert PUBLIC_TEXT not in public.content()

        # review: a text naming the child is refused; then the public text and delivery details
        staff.fill("#r-public", "王小明想要绘本")
        staff.fill("#r-place", "宜阳社区党群服务中心")
        staff.fill("#r-contact", "社区刘老师")
        staff.fill("#r-phone", "0795-3260000")
        staff.click("#review-btn")
        staff.wait_for_selector("#public-error")
        assert "公开内容不得出现姓名" in staff.locator("#public-error").inner_text()
        staff.fill("#r-public", PUBLIC_TEXT)
        staff.click("#review-btn")
        staff.wait_for_selector("#publish-btn")
        staff.click("#publish-btn")
        staff.wait_for_selector("#wish-status:has-text('已发布')")
        html = wall_is_clean(public)
        assert PUBLIC_TEXT in html

        # the volunteer claims on the wall and sees where to deliver, not who the child is
        wish = Wish.objects.get()
        volunteer.goto(volunteer.base + "/resources/wishes/")
        card = volunteer.locator(f"#wish-{wish.pk}")
        assert PUBLIC_TEXT in card.inner_text()
        card.locator(".claim-btn").click()
        volunteer.wait_for_selector(f"#claimed-{wish.pk}")
        mine = volunteer.locator(f"#claimed-{wish.pk}").inner_text()
        assert "宜阳社区党群服务中心" in mine and "社区刘老师" in mine and "0795-3260000" in mine
        for secret in SECRETS:
            assert secret not in volunteer.content(), secret
        no_sideways_scroll(volunteer)
        assert f"wish-{wish.pk}" not in wall_is_clean(public)

        # fulfilled with a note and hours
        form = volunteer.locator(f"#claimed-{wish.pk} .fulfil-form")
        form.locator("textarea[name=note]").fill("绘本已送到社区党群服务中心")
        form.locator("input[name=hours]").fill("1.5")
        form.locator(".fulfil-btn").click()
        volunteer.wait_for_selector(f"#claimed-{wish.pk} .status:has-text('已实现')")
        assert PointEntry.objects.get().hours == 1.5
        html = wall_is_clean(public)
        assert PUBLIC_TEXT in public.locator("#wish-done").inner_text()

        # staff record the guardian's thanks
        staff.goto(staff.base + f"/resources/staff/wishes/{wish.pk}/")
        staff.fill("#t-thanks", "谢谢志愿者，孩子很喜欢")
        staff.click("#thank-btn")
        staff.wait_for_selector("#wish-status:has-text('已致谢')")
        history = staff.locator("#history").inner_text()
        for step in ("已提交", "已发布到心愿墙", "已认领", "已实现", "已记录感谢"):
            assert step in history
        no_sideways_scroll(staff)
        wall_is_clean(public)
    finally:
        staff_ctx.close()
        vol_ctx.close()
    assert Wish.objects.get().status == Wish.Status.THANKED

"""On 375-px phones: community staff plan a co-building unit's monthly joint activity (一月一联建),
a resident signs up on their phone, the activity takes place and staff take attendance; the
attendee earns the activity's hours and points, and the month view says the unit held it."""

from datetime import timedelta

from django.utils import timezone

from doorstep.resources.models import ActivitySignup, JointActivity, PointEntry
from doorstep.territory.models import Organization
from tests import factories
from tests.e2e.conftest import login


def phone_page(browser, live_server, username):
    context = browser.new_context(
        locale="zh-CN", viewport={"width": 375, "height": 740}, is_mobile=True, has_touch=True
    )
    pg = context.new_page()
    pg.set_default_timeout(15_000)
    pg.base = live_server.url
    login(pg, username)
    return context, pg


def test_sign_up_and_attendance_on_phones(browser, live_server, city):
    factories.role("community_staff", city.community_a, username="act-staff")
    factories.organization("袁州区法院党支部", Organization.Kind.CO_BUILDING_UNIT, city.county_a)
    user = factories.user("act-resident")
    person = factories.person("钱居民", user=user, home_region=city.compound_a)
    staff_ctx, staff = phone_page(browser, live_server, "act-staff")
    res_ctx, resident = phone_page(browser, live_server, "act-resident")
    try:
        staff.goto(staff.base + "/resources/staff/activities/")
        assert "联建活动" in staff.locator("h1").inner_text()
        staff.fill("#plan-form input[name=title]", "法律进社区")
        when = timezone.localtime() + timedelta(days=2)
        staff.fill("#plan-form input[name=starts_at]", when.strftime("%Y-%m-%dT%H:%M"))
        staff.fill("#plan-form input[name=capacity]", "1")
        staff.fill("#plan-form input[name=place_text]", "宜阳社区党群服务中心")
        staff.fill("#plan-form input[name=hours]", "2")
        staff.fill("#plan-form input[name=points]", "3")
        staff.click("#plan-form button[type=submit]")
        staff.wait_for_selector("#places-left")
        activity = JointActivity.objects.get(title="法律进社区")

        resident.goto(resident.base + "/resources/activities/")
        assert resident.locator("h1").inner_text() == "联建活动"
        assert resident.evaluate("document.documentElement.scrollWidth") <= 375
        resident.locator("#coming").get_by_role("button", name="报名").click()
        resident.wait_for_selector("#my-signups")
        assert "法律进社区" in resident.locator("#my-signups").inner_text()
        assert "暂无报名" not in resident.locator("#my-signups").inner_text()
        assert ActivitySignup.objects.get(activity=activity).person == person

        # the day comes
        JointActivity.objects.filter(pk=activity.pk).update(starts_at=timezone.now() - timedelta(minutes=30))
        staff.goto(staff.base + f"/resources/staff/activities/{activity.pk}/")
        staff.locator("#signups input[name=present]").check()
        staff.click("#attendance-btn")
        staff.wait_for_selector("text=出勤已登记")
        signup = ActivitySignup.objects.get(activity=activity)
        assert signup.attended is True
        entry = PointEntry.objects.get(person=person)
        assert (entry.points, str(entry.hours)) == (3, "2.00")

        staff.goto(staff.base + "/resources/staff/activities/")
        assert "已开展" in staff.locator("#month").inner_text()
    finally:
        staff_ctx.close()
        res_ctx.close()

"""In a real browser: community staff reveal a phone with a reason; the administrator sees the log."""

from doorstep.core.models import PiiAccess
from doorstep.territory.people import services
from tests import factories
from tests.e2e.conftest import login


def test_staff_reveal_a_phone_with_a_reason_and_the_log_row_appears(page, city):
    root = factories.user("root", is_superuser=True)
    services.grant_role(root, factories.user("yiyang"), "community_staff", city.community_a)
    services.grant_role(root, factories.user("county_admin"), "admin", city.county_a)
    person = factories.person(
        "张三", phone="13812341234", id_number="11010519491231002X", home_region=city.compound_a
    )

    login(page, "yiyang")
    page.goto(page.base + f"/territory/people/{person.pk}/")
    phone_cell = page.locator("#pii-phone")
    assert "138****1234" in phone_cell.inner_text()
    assert "13812341234" not in page.content()
    phone_cell.get_by_role("link", name="查看").click()
    reason = phone_cell.locator("input[name=reason]")
    reason.wait_for()
    # An empty reason is refused by the form itself; a real one shows the number once.
    reason.fill("回访报修结果")
    phone_cell.get_by_role("button", name="查看").click()
    page.locator("#pii-phone .revealed").wait_for()
    assert phone_cell.locator(".revealed").inner_text() == "13812341234"
    assert "已记录" in phone_cell.inner_text()
    row = PiiAccess.objects.get()
    assert (row.user.username, row.field, row.reason) == ("yiyang", "phone", "回访报修结果")

    # Reloading shows the masked value again: the reveal was for once.
    page.reload()
    assert "13812341234" not in page.content()

    page.get_by_role("button", name="退出", exact=True).click()
    page.wait_for_load_state()
    login(page, "county_admin")
    page.goto(page.base + f"/territory/people/{person.pk}/")
    log = page.locator("#access-log")
    assert "yiyang" in log.inner_text()
    assert "回访报修结果" in log.inner_text()
    assert "手机号" in log.inner_text()

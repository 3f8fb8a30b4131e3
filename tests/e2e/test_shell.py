"""The site shell in a real browser: Chinese by default, English on request, staff login."""

from tests import factories
from tests.e2e.conftest import login


def test_login_in_chinese_then_switch_to_english(page, city):
    factories.role("community_staff", city.community_a, username="yiyang")
    page.goto(page.base + "/login/")
    assert page.locator("h1").inner_text() == "工作人员登录"
    login(page, "yiyang")
    assert "宜阳社区" in page.content()
    assert "锦阳社区" not in page.content()
    page.click("button[name=language][value=en]")
    page.wait_for_load_state()
    assert page.locator("h1").inner_text() == "Territory"

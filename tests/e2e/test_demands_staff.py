"""The staff console for cases in a real browser: keyboard work on the worklist and the case
page, the department liaison reporting in, the lists on a phone."""

from datetime import timedelta

from django.utils import timezone

from doorstep.demands.models import Case, WhistlePart
from doorstep.territory.models import Organization
from tests import factories
from tests.demands import factories as df
from tests.e2e.conftest import login

S = Case.Status


def keys_ready(page) -> None:
    """Wait until the page's shortcuts listen (its deferred script has run)."""
    page.wait_for_selector("html[data-keys-ready]", state="attached")


def focused(page) -> str:
    return page.evaluate("document.activeElement && (document.activeElement.textContent || '').trim()")


def test_community_staff_accepts_and_dispatches_with_the_keyboard(page, city):
    factories.role("community_staff", city.community_a, username="yiyang")
    dept = factories.organization("袁州区城市管理局", Organization.Kind.DEPARTMENT, city.county_a)
    soon = timezone.now() + timedelta(hours=2)
    first = df.case(city.compound_a, number="AJ-E2E-1", text="小区门口垃圾堆了三天", accept_due=soon)
    df.case(city.compound_a, number="AJ-E2E-2", text="楼道灯坏了", accept_due=soon + timedelta(hours=5))

    login(page, "yiyang")
    page.goto(page.base + "/demands/cases/")
    page.wait_for_selector("tr[data-case='AJ-E2E-1']")
    keys_ready(page)

    # j moves to the first row, x selects it, b goes to the bulk action: accept it
    page.keyboard.press("j")
    assert focused(page) == "AJ-E2E-1"
    page.keyboard.press("x")
    assert page.locator("tr[data-case='AJ-E2E-1'] input[name=case]").is_checked()
    page.keyboard.press("b")
    page.wait_for_function("document.activeElement.matches('[data-bulk-action]')")
    page.keyboard.press("ArrowDown")  # "立案", the first action
    assert page.locator("[data-bulk-action]").input_value() == "accept"
    page.keyboard.press("Tab")  # the unit and merge fields are hidden for "accept": the button
    assert focused(page) == "执行"
    page.keyboard.press("Enter")
    page.wait_for_selector("[data-results] li.ok[data-result='AJ-E2E-1']")
    assert page.locator("tr[data-case='AJ-E2E-1']").count() == 0  # gone from "to accept"
    first.refresh_from_db()
    assert first.status == S.ACCEPTED

    # 2 switches to "to dispatch"; Enter opens the case; d opens the dispatch form
    page.keyboard.press("2")
    page.wait_for_selector("tr[data-case='AJ-E2E-1']")
    keys_ready(page)
    page.keyboard.press("j")
    page.keyboard.press("Enter")
    page.wait_for_selector("h1:has-text('AJ-E2E-1')")
    keys_ready(page)
    page.keyboard.press("d")
    unit = page.locator("#action-panel select[name=unit]")
    unit.wait_for()
    page.wait_for_function("document.activeElement && document.activeElement.name === 'unit'")
    page.keyboard.press("ArrowDown")
    assert unit.input_value() == str(dept.pk)
    page.keyboard.press("Tab")  # the person in charge (optional)
    page.keyboard.press("Tab")  # the button
    page.keyboard.press("Enter")
    page.wait_for_selector("[data-status='dispatched']")
    assert "袁州区城市管理局" in page.locator("#case").inner_text()
    first.refresh_from_db()
    assert first.status == S.DISPATCHED and first.unit_id == dept.pk

    # ? shows the shortcuts
    page.keyboard.press("?")
    assert page.locator("#keys").get_attribute("open") is not None


def test_shortcut_forms_close_with_escape_and_keep_the_buttons_in_reach(page, city):
    factories.role("community_staff", city.community_a, username="yiyang")
    case = df.case(city.compound_a, number="AJ-E2E-3")
    login(page, "yiyang")
    page.goto(page.base + f"/demands/cases/{case.pk}/")
    keys_ready(page)
    page.keyboard.press("n")  # do not accept: the reason field gets the focus
    page.wait_for_function("document.activeElement && document.activeElement.name === 'reason'")
    page.keyboard.type("不属于本社区")
    page.keyboard.press("Escape")
    page.wait_for_function("!document.querySelector('#action-panel form')")
    assert page.evaluate("document.activeElement.dataset.action") == "reject"


def test_a_department_liaison_reports_in_on_a_whistled_case(page, city):
    dept = factories.organization("袁州区城市管理局", Organization.Kind.DEPARTMENT, city.county_a)
    other = factories.organization("袁州区市场监督管理局", Organization.Kind.DEPARTMENT, city.county_a)
    factories.role("department_liaison", city.county_a, username="chengguan", organization=dept)
    case = df.case(city.compound_a, status=S.WHISTLED, number="AJ-E2E-W", text="占道经营堵塞消防通道")
    ours = df.whistle_part(case, dept, task="清理占道摊点")
    df.whistle_part(case, other, task="查处无照经营")

    login(page, "chengguan")
    page.get_by_role("link", name="工单").first.click()
    page.get_by_role("link", name="本部门工作台").click()
    row = page.locator("tr[data-part-row='AJ-E2E-W']")
    assert "清理占道摊点" in row.inner_text() and "报到时限" in row.inner_text()
    row.get_by_role("button", name="报到").click()
    page.wait_for_selector("tr[data-part-row='AJ-E2E-W'] a:has-text('完成本部门事项')")
    ours.refresh_from_db()
    assert ours.status == WhistlePart.Status.REPORTED

    # the case page shows our part reported and the other department still summoned
    page.locator("tr[data-part-row='AJ-E2E-W'] a.case-link").click()
    parts = page.locator("table.parts-table")
    assert "已报到" in parts.locator("tr[data-part='袁州区城市管理局']").inner_text()
    assert "已吹哨召集" in parts.locator("tr[data-part='袁州区市场监督管理局']").inner_text()


def test_the_worklist_and_the_case_fit_a_375px_phone(phone, city):
    factories.role("community_staff", city.community_a, username="yiyang")
    case = df.case(city.compound_a, number="AJ-PHONE", text="电梯停运两天，老人上下楼困难，请尽快维修" * 3)
    login(phone, "yiyang")
    phone.goto(phone.base + "/demands/cases/")
    phone.wait_for_selector("tr[data-case='AJ-PHONE']")
    assert phone.evaluate("document.documentElement.scrollWidth") <= 375
    phone.goto(phone.base + f"/demands/cases/{case.pk}/")
    phone.wait_for_selector("#case-map.map-ready")
    assert phone.evaluate("document.documentElement.scrollWidth") <= 375

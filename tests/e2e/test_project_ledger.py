"""A project in real browsers: staff make an elevator project from a resident's demand, keep its
ledger and a milestone, deliver it; the resident who asked reads the notice on a 375-px phone and
opens the delivered project's page."""

from doorstep.projects.models import LedgerLine, Project
from tests.e2e.conftest import login
from tests.projects.world import world


def fits(pg, width=375):
    w = pg.evaluate("document.documentElement.scrollWidth")
    assert w <= width, f"page is {w}px wide on a {width}px screen"


def test_staff_deliver_an_elevator_project_and_the_reporter_is_told(page, phone, db):
    w = world()
    for u in (w.staff, w.reporter):
        u.set_password("pw-doorstep-1")
        u.save()

    login(page, w.staff.username)
    page.goto(page.base + "/projects/lists/")
    page.wait_for_selector("#waiting")
    page.click(f"#waiting li:has-text('{w.demand.number}') >> text=立项")
    page.wait_for_selector("#project-form")
    assert page.is_visible(f"text={w.demand.number}")
    page.fill("input[name=title]", "3栋1单元加装电梯")
    page.click("#project-form button[type=submit]")
    page.wait_for_selector("text=项目已立项，请添加账目和节点。")
    project = Project.objects.get()
    assert page.inner_text("#status") == "已立项"

    # Two account lines: the city's subsidy, and the owners' share which runs over its budget.
    for kind, item, budget, spent in [
        ("政策账", "市级加装电梯补助", "200000", "200000"),
        ("经济账", "业主按楼层分摊", "330,000.00", "341250.50"),
    ]:
        page.select_option("#line-form select[name=kind]", label=kind)
        page.fill("#line-form input[name=item]", item)
        page.fill("#line-form input[name=budget]", budget)
        page.fill("#line-form input[name=spent]", spent)
        page.click("#line-form button[type=submit]")
        page.wait_for_selector("text=账目已添加。")
    total = page.inner_text("#ledger-total")
    assert "530000.00" in total and "541250.50" in total and "-11250.50" in total
    assert "超出预算 11250.50 元" in page.inner_text("#over-budget")
    assert page.is_visible("#ledger tr.over >> text=业主按楼层分摊")

    # Bad input: a clear Chinese error, nothing saved.
    page.select_option("#line-form select[name=kind]", label="资源账")
    page.fill("#line-form input[name=item]", "共建单位设计")
    page.fill("#line-form input[name=budget]", "15000.123")
    page.click("#line-form button[type=submit]")
    page.wait_for_selector("text=最多两位小数")
    assert LedgerLine.objects.filter(project=project).count() == 2

    page.fill("#milestone-form input[name=title]", "电梯安装完成并通过验收")
    page.fill("#milestone-form input[name=planned_date]", "2026-06-30")
    page.fill("#milestone-form input[name=progress]", "100")
    page.click("#milestone-form button[type=submit]")
    page.wait_for_selector("text=节点已添加。")
    assert "100%" in page.inner_text("#milestones")

    for label in ("批准立项", "开工实施", "交付"):
        page.click(f"form.action-form button:text-is('{label}')")
        page.wait_for_selector(f"text=已完成：{label}。")
    assert page.inner_text("#status") == "已交付"
    page.set_viewport_size({"width": 375, "height": 740})  # the staff page works on a phone too
    page.reload()
    page.wait_for_selector("#ledger")
    fits(page)

    # The resident who asked reads the notice on the phone and opens the project.
    login(phone, w.reporter.username)
    phone.goto(phone.base + "/inbox/")
    notice = phone.locator(
        "text=办好了：您反映的诉求所对应的项目“3栋1单元加装电梯”（都市春天小区）已完成交付。"
    )
    notice.wait_for()
    fits(phone)
    notice.click()
    phone.wait_for_selector("#public-project")
    assert "3栋1单元加装电梯" in phone.inner_text("h1")
    assert "530000.00" in phone.inner_text("#ledger-total")
    assert "电梯安装完成并通过验收" in phone.inner_text("#public-project")
    fits(phone)

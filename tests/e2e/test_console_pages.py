"""The console and the public card in a real browser: drill-down, maps, masking, phone layout."""

import re

from tests import factories
from tests.e2e.conftest import login


def test_tree_drill_down_swaps_the_panel_and_keeps_history(page, city):
    factories.furnished_compound(city.compound_a)
    factories.role("leader", city.county_a, username="yuanzhou")
    login(page, "yuanzhou")
    page.goto(page.base + "/territory/")
    page.wait_for_selector("#tree-panel")
    assert page.locator("#tree-panel tbody tr").count() == 1
    page.evaluate("window.__sameDocument = true")  # survives only if the page is not reloaded

    page.get_by_role("link", name="袁州区").click()
    page.wait_for_selector("#tree-panel h2:has-text('袁州区')")
    page.get_by_role("link", name="秀江街道").click()
    page.wait_for_selector("#tree-panel h2:has-text('秀江街道')")
    page.get_by_role("link", name="宜阳社区").click()
    page.wait_for_selector("#tree-panel h2:has-text('宜阳社区')")
    assert page.evaluate("window.__sameDocument") is True  # htmx swapped the panel in place
    assert re.search(rf"/territory/r/{city.community_a.pk}/$", page.url)
    row = page.locator("#tree-panel tbody tr", has_text="都市春天小区")
    assert row.locator("[data-figure=buildings]").inner_text() == "2"
    assert row.locator("[data-figure=dwellings]").inner_text() == "4"
    # keyboard focus moved to the new heading
    page.wait_for_function("document.activeElement && document.activeElement.matches('#tree-panel h2')")

    # breadcrumbs lead back up, also by swapping
    page.locator(".crumbs").get_by_role("link", name="秀江街道").click()
    page.wait_for_selector("#tree-panel h2:has-text('秀江街道')")
    page.go_back()
    page.wait_for_selector("#tree-panel h2:has-text('宜阳社区')")

    # a compound row opens the compound page
    page.get_by_role("link", name="都市春天小区").first.click()
    page.wait_for_selector("h1:has-text('都市春天小区')")


def test_tree_works_without_javascript(browser, live_server, city):
    factories.role("leader", city.county_a, username="nojs")
    context = browser.new_context(locale="zh-CN", java_script_enabled=False)
    pg = context.new_page()
    pg.base = live_server.url
    login(pg, "nojs")
    pg.goto(live_server.url + "/territory/")
    pg.get_by_role("link", name="袁州区").click()
    pg.wait_for_load_state()
    assert f"/territory/r/{city.county_a.pk}/" in pg.url
    assert "秀江街道" in pg.locator("#tree-panel").inner_text()
    context.close()


def test_compound_map_draws_the_boundary_polygon(page, city):
    factories.furnished_compound(city.compound_a)
    factories.role("community_staff", city.community_a, username="yiyang")
    login(page, "yiyang")
    page.goto(page.base + f"/territory/compound/{city.compound_a.pk}/")
    page.wait_for_selector("#compound-map.map-ready")
    # Leaflet draws polygons and circle markers as SVG paths: the compound, the grid, two buildings
    paths = page.locator("#compound-map path.leaflet-interactive")
    assert paths.count() == 4
    compound_path = page.locator('#compound-map path[stroke="#c8161d"]')
    assert compound_path.count() == 1
    box = compound_path.bounding_box()
    assert box["width"] > 20 and box["height"] > 20
    # offline: no tile images requested without a tile URL
    assert page.locator("#compound-map img.leaflet-tile").count() == 0


def test_public_card_fits_a_375px_phone(phone, city):
    factories.furnished_compound(city.compound_a)
    phone.goto(phone.base + f"/c/{city.compound_a.code}/")
    phone.wait_for_selector("h1:has-text('都市春天小区')")
    width = phone.evaluate("document.documentElement.scrollWidth")
    assert width <= 375, f"page is {width}px wide on a 375px screen"
    text = phone.locator("main").inner_text()
    assert "宜春安居物业服务有限公司" in text and "0795-3271234" in text
    assert "王**" in text and "王建国" not in text and "13800138000" not in text


def test_console_pages_fit_a_375px_phone(phone, city):
    f = factories.furnished_compound(city.compound_a)
    factories.role("community_staff", city.community_a, username="yiyang")
    login(phone, "yiyang")
    for path in (
        "/territory/",
        f"/territory/r/{city.community_a.pk}/",
        f"/territory/compound/{city.compound_a.pk}/",
        f"/territory/grid/{f.grid.pk}/",
        "/territory/search/?q=李",
        f"/territory/coverage/{city.community_a.pk}/",
    ):
        phone.goto(phone.base + path)
        width = phone.evaluate("document.documentElement.scrollWidth")
        assert width <= 375, f"{path} is {width}px wide on a 375px screen"


def test_person_search_shows_masked_values_only(page, city):
    factories.furnished_compound(city.compound_a)
    factories.role("community_staff", city.community_a, username="yiyang")
    login(page, "yiyang")
    page.goto(page.base + "/territory/search/")
    page.fill("#q", "+86 138 0013 8000")
    page.keyboard.press("Enter")
    page.wait_for_selector("#search-results [data-result]")
    results = page.locator("#search-results").inner_text()
    assert "李*" in results and "138****8000" in results and "110105********002X" in results
    assert "都市春天小区" in results
    assert "李四" not in results and "13800138000" not in results and "11010519491231002X" not in results
    assert "q=%2B86" in page.url or "q=+86" in page.url  # the search is in the address bar

    page.fill("#q", "11010519491231002x")
    page.keyboard.press("Enter")
    page.wait_for_selector("#search-results:has-text('按身份证号码精确查找')")
    assert page.locator("#search-results [data-result]").inner_text() == "李*"

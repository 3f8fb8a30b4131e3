"""Compound and grid pages: everything at the compound, names masked, scoped."""

import json

import pytest
from django.urls import reverse

from tests import factories


@pytest.fixture
def furnished(city):
    return factories.furnished_compound(city.compound_a)


@pytest.fixture
def yiyang(client, city):
    client.force_login(factories.role("community_staff", city.community_a))
    return client


def section(html: str, heading_id: str) -> str:
    start = html.index(f'id="{heading_id}"')
    return html[start : html.find("</section>", start)]


def test_compound_page_shows_buildings_with_their_facts(yiyang, city, furnished):
    html = yiyang.get(reverse("territory:compound", args=[city.compound_a.pk])).content.decode()
    assert "<h1>都市春天小区</h1>" in html
    buildings = section(html, "h-buildings")
    assert "2 栋楼" in buildings and "4 户" in buildings
    row1 = buildings[buildings.index(">1栋<") :].split("</tr>")[0]
    assert [c.split("<")[0] for c in row1.split('">')[1:]][:5] == ["6", "2", "无", "3"]
    row2 = buildings[buildings.index(">2栋<") :].split("</tr>")[0]
    assert "18" in row2 and "有" in row2


def test_compound_page_shows_grid_workers_masked(yiyang, city, furnished):
    html = yiyang.get(reverse("territory:compound", args=[city.compound_a.pk])).content.decode()
    grids = section(html, "h-grids")
    assert furnished.grid.name in grids
    assert "网格长：王**" in grids and "网格员：欧阳**" in grids
    for full in ("王建国", "欧阳小红", "赵敏", "钱多多", "孙大伟", "李四", "13907950001", "13800138000"):
        assert full not in html


def test_compound_page_shows_organisations(yiyang, city, furnished):
    html = yiyang.get(reverse("territory:compound", args=[city.compound_a.pk])).content.decode()
    orgs = section(html, "h-orgs")
    assert "都市春天小区党支部" in orgs and "党支部" in orgs
    assert "1栋党小组" in orgs and "楼栋党小组" in orgs
    assert "都市春天小区业主委员会" in orgs
    assert "2023-05-01" in orgs and "2028-04-30" in orgs  # the committee's term
    assert "主任：赵*" in orgs and "成员：钱**" in orgs
    assert "宜春安居物业服务有限公司" in orgs and "0795-3271234" in orgs


def test_compound_page_shows_property_history_newest_first(yiyang, city, furnished):
    html = yiyang.get(reverse("territory:compound", args=[city.compound_a.pk])).content.decode()
    history = section(html, "h-service")
    assert history.index("市场化") < history.index("自管")
    assert "2021-07-01" in history and "2018-01-01" in history and "2021-06-30" in history
    current = history[history.index('class="current"') :].split("</tr>")[0]
    assert "宜春安居物业服务有限公司" in current and "至今" in current


def test_compound_page_shows_the_five_seats(yiyang, city, furnished):
    html = yiyang.get(reverse("territory:compound", args=[city.compound_a.pk])).content.decode()
    joint = section(html, "h-joint")
    for seat in ("社区党组织", "物业服务企业", "业主委员会", "共建单位", "居民代表"):
        assert seat in joint
    assert joint.count("<tr>") == 6  # header and five seats
    assert "宜阳社区党委" in joint and "市法院机关党支部" in joint and "孙**" in joint


def test_joint_body_with_an_empty_seat_says_vacant(yiyang, city, furnished):
    furnished.joint_body.seats.filter(seat="co_building_unit").delete()
    html = yiyang.get(reverse("territory:compound", args=[city.compound_a.pk])).content.decode()
    joint = section(html, "h-joint")
    assert joint.count("<tr>") == 6 and "空缺" in joint


def test_compound_page_shows_public_department_contacts(yiyang, city, furnished):
    police = furnished.contact.department
    factories.department_contact(police, "吴警官", "0795-0000000", compound=city.compound_a, is_public=False)
    factories.department_contact(police, "郑队长", "0795-3999999", grid=furnished.grid, title="消防专员")
    html = yiyang.get(reverse("territory:compound", args=[city.compound_a.pk])).content.decode()
    contacts = section(html, "h-contacts")
    assert "宜春市公安局袁州分局" in contacts and "0795-3210110" in contacts and "社区民警" in contacts
    assert "0795-3999999" in contacts  # stationed in the compound's grid
    assert "0795-0000000" not in contacts  # not public


def test_compound_page_map_data_holds_boundary_buildings_and_grid(yiyang, city, furnished):
    html = yiyang.get(reverse("territory:compound", args=[city.compound_a.pk])).content.decode()
    assert "leaflet/leaflet.js" in html and "web/map.js" in html
    start = html.index('id="compound-map-data"')
    data = json.loads(html[html.index(">", start) + 1 : html.index("</script>", start)])
    kinds = {layer["kind"]: layer for layer in data["layers"]}
    assert kinds["compound"]["geometry"] == city.compound_a.boundary
    assert kinds["grid"]["geometry"]["type"] == "Polygon"
    assert {p["label"] for p in data["points"]} == {"1栋", "2栋"}
    assert 'data-tiles=""' in html  # no TILE_URL: no tiles requested


def test_compound_page_uses_the_tile_url_when_set(yiyang, city, settings):
    settings.DOORSTEP_TILE_URL = "http://tiles.example.invalid/{z}/{x}/{y}.png"
    html = yiyang.get(reverse("territory:compound", args=[city.compound_a.pk])).content.decode()
    assert 'data-tiles="http://tiles.example.invalid/{z}/{x}/{y}.png"' in html


def test_an_empty_compound_page_still_renders(yiyang, city):
    html = yiyang.get(reverse("territory:compound", args=[city.compound_a.pk])).content.decode()
    assert "尚未成立红色物业五方联席机制" in html
    assert "没有楼栋记录" in html


def test_grid_page(yiyang, city, furnished):
    police = furnished.contact.department
    factories.department_contact(police, "郑队长", "0795-3999999", grid=furnished.grid, title="消防专员")
    html = yiyang.get(reverse("territory:grid", args=[furnished.grid.pk])).content.decode()
    assert f"<h1>{furnished.grid.name}</h1>" in html
    assert "居民网格" in html
    for duty in ("党建", "综治", "消防"):
        assert f'<span class="tag">{duty}</span>' in html
    assert reverse("territory:compound", args=[city.compound_a.pk]) in html
    assert "网格长：王**" in html and "王建国" not in html
    contacts = section(html, "h-contacts")
    assert "郑队长" in contacts and "0795-3999999" in contacts and "消防专员" in contacts
    assert "grid-map-data" in html


def test_dedicated_grid_is_marked(yiyang, city):
    g = factories.grid(city.community_a, name="宜春学院专属网格", kind="school", duties=["governance"])
    html = yiyang.get(reverse("territory:grid", args=[g.pk])).content.decode()
    assert "学校专属网格" in html and "专属网格" in html
    assert "该网格没有覆盖小区" in html


@pytest.mark.parametrize("page", ["compound", "grid", "community"])
def test_outsider_of_another_community_gets_404(client, city, furnished, page):
    client.force_login(factories.role("community_staff", city.community_b))
    url = {
        "compound": reverse("territory:compound", args=[city.compound_a.pk]),
        "grid": reverse("territory:grid", args=[furnished.grid.pk]),
        "community": reverse("territory:region", args=[city.community_a.pk]),
    }[page]
    assert client.get(url).status_code == 404


def test_compound_url_with_a_non_compound_region_is_404(yiyang, city):
    assert yiyang.get(reverse("territory:compound", args=[city.community_a.pk])).status_code == 404


def test_grid_and_compound_pages_need_login(client, city, furnished):
    for url in (
        reverse("territory:compound", args=[city.compound_a.pk]),
        reverse("territory:grid", args=[furnished.grid.pk]),
    ):
        assert client.get(url).status_code == 302


def test_compound_level_role_sees_its_compound_but_no_link_to_the_community_grid(client, city, furnished):
    client.force_login(factories.role("property_staff", city.compound_a))
    html = client.get(reverse("territory:compound", args=[city.compound_a.pk])).content.decode()
    assert furnished.grid.name in html
    assert reverse("territory:grid", args=[furnished.grid.pk]) not in html
    assert client.get(reverse("territory:grid", args=[furnished.grid.pk])).status_code == 404

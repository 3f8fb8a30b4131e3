"""The territory tree: drill-down with counts over each subtree, scoped, with an htmx panel."""

import re

import pytest
from django.urls import reverse

from tests import factories


@pytest.fixture
def furnished(city):
    return factories.furnished_compound(city.compound_a)


def figures(row: str) -> dict[str, str]:
    """The figures of a tree row by name: {"sub_regions": "1", "compounds": "1", …}."""
    return {k: v.strip() for k, v in re.findall(r'data-figure="(\w+)">([^<]*)<', row)}


def row_text(html: str, name: str) -> str:
    """The text of the table row whose heading is `name`."""
    start = html.index(f">{name}</a>")
    return html[start : html.index("</tr>", start)]


STAFF_URLS = [
    ("territory:tree", None),
    ("territory:region", "community_a"),
    ("territory:compound", "compound_a"),
    ("territory:search", None),
    ("territory:coverage", None),
]


@pytest.mark.parametrize(("name", "arg"), STAFF_URLS)
def test_anonymous_users_are_sent_to_login(client, city, name, arg):
    url = reverse(name, args=[getattr(city, arg).pk] if arg else [])
    response = client.get(url)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("web:login"))


def test_tree_starts_at_the_top_of_the_users_scope(client, city, furnished):
    client.force_login(factories.role("community_staff", city.community_a))
    html = client.get(reverse("territory:tree")).content.decode()
    assert "宜阳社区" in html
    assert "锦阳社区" not in html and "宜春市" not in html.split("<main")[1]
    assert "区域" in html  # Chinese by default


def test_row_shows_level_code_marking_and_counts(client, city, furnished):
    factories.person("张三", home_region=city.community_a)  # a resident recorded at community level
    client.force_login(factories.role("leader", city.city))
    html = client.get(reverse("territory:region", args=[city.city.pk])).content.decode()
    row = row_text(html, "袁州区")
    # level, official code with its mark
    assert "县（市、区）" in row and "360902" in row and "官方" in row
    assert figures(row) == {
        "sub_regions": "1",
        "compounds": "1",
        "grids": "1",
        "buildings": "2",
        "dwellings": "4",
        "residents": "2",  # one living in the compound, one recorded at the community
        "coverage": "100.00%",
    }
    assert "(1/1)" in row
    other = row_text(html, "上高县")
    assert figures(other) == {
        "sub_regions": "1",
        "compounds": "1",
        "grids": "0",
        "buildings": "0",
        "dwellings": "0",
        "residents": "0",
        "coverage": "0.00%",
    }
    assert "(0/1)" in other


def test_local_codes_are_marked_local(client, city, furnished):
    client.force_login(factories.role("community_staff", city.community_a))
    html = client.get(reverse("territory:region", args=[city.community_a.pk])).content.decode()
    row = row_text(html, "都市春天小区")
    assert city.compound_a.code in row and "本地" in row


def test_coverage_in_the_tree_follows_the_service_dates(client, city):
    factories.property_service(city.compound_a, "public_welfare", "2020-01-01", end="2020-12-31")
    factories.property_service(city.compound_b, "none", "2019-01-01")
    client.force_login(factories.role("leader", city.city))
    html = client.get(reverse("territory:region", args=[city.city.pk])).content.decode()
    assert "(0/1)" in row_text(html, "袁州区")  # ended last year
    assert "(0/1)" in row_text(html, "上高县")  # "none" is not coverage


def test_drill_down_with_htmx_returns_only_the_panel(client, city, furnished):
    client.force_login(factories.role("subdistrict_staff", city.subdistrict_a))
    url = reverse("territory:region", args=[city.community_a.pk])
    partial = client.get(url, headers={"HX-Request": "true"})
    body = partial.content.decode()
    assert partial.status_code == 200
    assert body.lstrip().startswith('<section id="tree-panel"')
    assert "<html" not in body
    assert "都市春天小区" in body
    assert "HX-Request" in partial["Vary"]
    # breadcrumbs back up to the top of the scope, themselves drillable with htmx
    assert f'hx-get="{reverse("territory:region", args=[city.subdistrict_a.pk])}"' in body
    assert "袁州区" not in body  # above the user's scope


def test_drill_down_without_javascript_is_a_whole_page(client, city, furnished):
    client.force_login(factories.role("subdistrict_staff", city.subdistrict_a))
    url = reverse("territory:region", args=[city.community_a.pk])
    html = client.get(url).content.decode()
    assert "<html" in html and 'id="tree-panel"' in html
    assert f'href="{reverse("territory:compound", args=[city.compound_a.pk])}"' in html
    # a history restore (back button after a swap) gets the whole page too
    restore = client.get(url, headers={"HX-Request": "true", "HX-History-Restore-Request": "true"})
    assert "<html" in restore.content.decode()


def test_community_page_lists_its_grids_with_masked_workers(client, city, furnished):
    client.force_login(factories.role("community_staff", city.community_a))
    html = client.get(reverse("territory:region", args=[city.community_a.pk])).content.decode()
    assert furnished.grid.name in html
    assert reverse("territory:grid", args=[furnished.grid.pk]) in html
    assert "王**" in html and "欧阳**" in html
    assert "王建国" not in html and "欧阳小红" not in html


def test_asking_for_a_compound_in_the_tree_goes_to_the_compound_page(client, city):
    client.force_login(factories.role("community_staff", city.community_a))
    response = client.get(reverse("territory:region", args=[city.compound_a.pk]))
    assert response.status_code == 302
    assert response["Location"] == reverse("territory:compound", args=[city.compound_a.pk])


@pytest.mark.parametrize("target", ["community_a", "subdistrict_a", "compound_a", "city"])
def test_outsider_of_another_community_gets_404(client, city, furnished, target):
    client.force_login(factories.role("community_staff", city.community_b))
    response = client.get(reverse("territory:region", args=[getattr(city, target).pk]))
    assert response.status_code == 404


def test_user_without_a_role_sees_an_empty_tree(client, city):
    client.force_login(factories.user())
    html = client.get(reverse("territory:tree")).content.decode()
    assert "您的权限范围内没有内容" in html


def test_console_menu_is_for_staff_only(client, city):
    client.force_login(factories.role("community_staff", city.community_a))
    html = client.get(reverse("territory:tree")).content.decode()
    assert (
        f'href="{reverse("territory:search")}"' in html and f'href="{reverse("territory:coverage")}"' in html
    )
    client.force_login(factories.user())  # a login without a staff role, such as a resident
    html = client.get(reverse("territory:tree")).content.decode()
    assert f'href="{reverse("territory:search")}"' not in html

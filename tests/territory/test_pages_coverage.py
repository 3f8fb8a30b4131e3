"""The property-coverage table: per child region, old compounds, covered, rate, by mode, at a day."""

import re
from datetime import date

import pytest
from django.urls import reverse
from django.utils import timezone

from doorstep.territory import property as prop
from doorstep.territory import selectors
from doorstep.territory.models import Region, Role
from tests import factories

L = Region.Level


def figures(html: str, region: Region) -> dict[str, str]:
    start = html.index(f'data-region="{region.pk}"')
    row = html[start : html.index("</tr>", start)]
    return {k: v.strip() for k, v in re.findall(r'data-figure="(\w+)">(?:<strong>)?([^<]*)<', row)}


@pytest.fixture
def county(city):
    """袁州区 with two communities: 宜阳 (4 old compounds, 1 new) and a second one (2 old)."""
    other = factories.region("凤凰社区", L.COMMUNITY, city.subdistrict_a)
    yiyang = city.community_a
    compounds = [city.compound_a] + [
        factories.region(f"老小区{i}", L.COMPOUND, yiyang, is_old_compound=True) for i in range(3)
    ]
    new = factories.region("新建小区", L.COMPOUND, yiyang, is_old_compound=False)
    f1 = factories.region("凤凰一区", L.COMPOUND, other, is_old_compound=True)
    f2 = factories.region("凤凰二区", L.COMPOUND, other, is_old_compound=True)
    # Before 2022 only one old compound had a company; by 2024 most are covered.
    factories.property_service(compounds[0], "market", "2018-01-01")
    factories.property_service(compounds[1], "none", "2018-01-01", end="2022-06-30")
    factories.property_service(compounds[1], "public_welfare", "2022-07-01")
    factories.property_service(compounds[2], "self_managed", "2023-01-01")
    factories.property_service(new, "market", "2020-01-01")  # not old: never counted
    factories.property_service(f1, "public_welfare", "2021-03-01")
    return {"yiyang": yiyang, "other": other, "compounds": compounds, "new": new, "f1": f1, "f2": f2}


@pytest.fixture
def leader(client, city):
    client.force_login(factories.role("leader", city.county_a))
    return client


@pytest.mark.parametrize(
    ("on", "yiyang", "other"),
    [
        # day, (old, covered, rate, market, public welfare, self-managed, none) per community
        ("2019-12-31", ("4", "1", "25.00%", "1", "0", "0", "3"), ("2", "0", "0.00%", "0", "0", "0", "2")),
        ("2022-07-01", ("4", "2", "50.00%", "1", "1", "0", "2"), ("2", "1", "50.00%", "0", "1", "0", "1")),
        ("2024-06-30", ("4", "3", "75.00%", "1", "1", "1", "1"), ("2", "1", "50.00%", "0", "1", "0", "1")),
    ],
)
def test_table_per_community_at_a_day(leader, city, county, on, yiyang, other):
    html = leader.get(
        reverse("territory:coverage_region", args=[city.subdistrict_a.pk]), {"on": on}
    ).content.decode()
    keys = (
        "compounds",
        "covered",
        "rate",
        "mode_market",
        "mode_public_welfare",
        "mode_self_managed",
        "mode_none",
    )
    got = figures(html, county["yiyang"])
    assert tuple(got[k] for k in keys) == yiyang
    got = figures(html, county["other"])
    assert tuple(got[k] for k in keys) == other


def test_before_and_after(leader, city, county):
    url = reverse("territory:coverage_region", args=[city.subdistrict_a.pk])
    html = leader.get(url, {"on": "2024-06-30", "before": "2019-12-31"}).content.decode()
    got = figures(html, county["yiyang"])
    assert (got["rate_before"], got["rate"], got["change"]) == ("25.00%", "75.00%", "+50.00")
    assert "2019-12-31" in html and "2024-06-30" in html
    total = html[html.index("<tfoot>") : html.index("</tfoot>")]
    assert 'data-figure="rate_before">16.67%' in total and "66.67%" in total  # 1/6 → 4/6


def test_default_day_is_today(leader, city, county):
    html = leader.get(reverse("territory:coverage_region", args=[city.subdistrict_a.pk])).content.decode()
    assert f'name="on" value="{timezone.localdate().isoformat()}"' in html
    assert figures(html, county["yiyang"])["rate"] == "75.00%"


def test_compounds_are_rows_at_community_level_and_link_to_their_page(leader, city, county):
    html = leader.get(reverse("territory:coverage_region", args=[county["yiyang"].pk])).content.decode()
    assert reverse("territory:compound", args=[county["compounds"][0].pk]) in html
    assert f'data-region="{county["new"].pk}"' not in html  # not an old compound


def test_coverage_start_page_goes_to_the_top_of_scope(leader, city):
    response = leader.get(reverse("territory:coverage"), {"on": "2024-01-01"})
    assert response.status_code == 302
    assert (
        response["Location"]
        == reverse("territory:coverage_region", args=[city.county_a.pk]) + "?on=2024-01-01"
    )


def test_user_with_two_areas_gets_one_row_per_area(client, city, county):
    u = factories.role("leader", city.community_a)
    Role.objects.create(user=u, kind="leader", region=city.community_b)
    client.force_login(u)
    html = client.get(reverse("territory:coverage")).content.decode()
    assert figures(html, city.community_a)["rate"] == "75.00%"
    assert figures(html, city.community_b)["compounds"] == "1"


def test_outsider_gets_404(client, city, county):
    client.force_login(factories.role("community_staff", city.community_b))
    assert client.get(reverse("territory:coverage_region", args=[city.subdistrict_a.pk])).status_code == 404
    assert client.get(reverse("territory:coverage_region", args=[county["yiyang"].pk])).status_code == 404


def test_tree_coverage_agrees_with_the_coverage_function(city, county):
    """The tree's coverage column and territory.property.coverage use the same rule."""
    u = factories.role("leader", city.city)
    for on in (date(2019, 12, 31), date(2022, 7, 1), date(2024, 6, 30)):
        for row in selectors.tree_rows(u, city.subdistrict_a, on):
            expected = prop.coverage(Region.objects.get(pk=row.region.pk), on)
            assert (row.old_compounds, row.covered_old_compounds) == (expected.compounds, expected.covered)
            assert row.coverage_rate == expected.rate


def test_coverage_page_query_count_does_not_grow(leader, city, county, django_assert_max_num_queries):
    url = (
        reverse("territory:coverage_region", args=[city.subdistrict_a.pk])
        + "?on=2024-06-30&before=2019-12-31"
    )
    with django_assert_max_num_queries(16) as small:
        leader.get(url)
    for n in range(5):
        com = factories.region(f"加建社区{n}", L.COMMUNITY, city.subdistrict_a)
        for m in range(4):
            c = factories.region(f"加建{n}-{m}", L.COMPOUND, com, is_old_compound=True)
            factories.property_service(c, "market", "2020-01-01")
    with django_assert_max_num_queries(16) as large:
        leader.get(url)
    assert len(large.captured_queries) == len(small.captured_queries)

"""The pages read in a fixed number of queries, however large the tree below them is."""

from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from doorstep.territory.models import Building, Dwelling, Person, Region
from tests import factories

L = Region.Level


def grow(community: Region, compounds: int, buildings: int = 2, rooms: int = 3) -> None:
    """Add compounds with buildings, dwellings, a resident per dwelling, a grid and a service."""
    lng, lat = community.centroid_lng, community.centroid_lat
    for i in range(compounds):
        c = factories.region(
            f"{community.name}{i}号小区",
            L.COMPOUND,
            community,
            center=(lng, lat),
            half=0.001,
            is_old_compound=i % 2 == 0,
        )
        bs = Building.objects.bulk_create(
            Building(compound=c, number=f"{b}栋", lng=lng, lat=lat) for b in range(buildings)
        )
        ds = Dwelling.objects.bulk_create(
            Dwelling(building=b, room=f"{r}01", exclusive_area=Decimal("90.00"))
            for b in bs
            for r in range(rooms)
        )
        Person.objects.bulk_create(Person(name=f"居民{d.pk}", home_region=c) for d in ds)
        g = factories.grid(community)
        g.compounds.add(c)
        if i % 3:
            factories.property_service(c, "market", "2020-01-01")


def small_tree(city):
    factories.furnished_compound(city.compound_a)


def larger_tree(city):
    """More of everything: regions, compounds, buildings, people, and more at compound_a itself."""
    cmp = city.compound_a
    for n in range(3, 9):
        b = factories.building(cmp, f"{n}栋", lng=114.38, lat=27.80)
        factories.dwelling(b, "101")
    police = cmp.department_contacts.first().department
    for n in range(3):
        g = factories.grid(
            city.community_a, name=f"加密网格{n}", boundary=factories.square(114.38, 27.80, 0.002)
        )
        g.compounds.add(cmp)
        factories.grid_member(g, factories.person(f"网格员{n}"), "worker")
        factories.department_contact(police, f"民警{n}", "0795-1234567", grid=g)
        org = factories.organization(f"第{n}党小组", "party_group", cmp)
        factories.membership(org, factories.person(f"组长{n}"), "leader")
    factories.property_service(cmp, "public_welfare", "2010-01-01", end="2017-12-31")
    grow(city.community_a, 6)
    grow(city.community_b, 4)
    for n in range(3):
        sub = factories.region(f"新街道{n}", L.SUBDISTRICT, city.county_a, center=(114.39, 27.81), half=0.01)
        for m in range(2):
            com = factories.region(f"新社区{n}{m}", L.COMMUNITY, sub, center=(114.39, 27.81), half=0.005)
            grow(com, 3)


def count_queries(client, url) -> int:
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    assert response.status_code == 200, url
    return len(ctx.captured_queries)


PAGES = {
    "tree top": lambda city: reverse("territory:tree"),
    "city": lambda city: reverse("territory:region", args=[city.city.pk]),
    "county": lambda city: reverse("territory:region", args=[city.county_a.pk]),
    "community": lambda city: reverse("territory:region", args=[city.community_a.pk]),
    "compound": lambda city: reverse("territory:compound", args=[city.compound_a.pk]),
    "grid": lambda city: reverse("territory:grid", args=[city.compound_a.covering_grids.first().pk]),
    "search": lambda city: reverse("territory:search") + "?q=居民",
    "public card": lambda city: reverse("public_card", args=[city.compound_a.code]),
}
# The most queries any page may take; the same bound holds for the small and the larger tree.
MAX_QUERIES = 16


# A county leader cannot open the city page (outside their scope), so that pair is left out.
CASES = [
    (page, role_at)
    for role_at in ("city", "county_a")
    for page in PAGES
    if (page, role_at) != ("city", "county_a")
]


@pytest.mark.parametrize(("page", "role_at"), CASES)
def test_query_count_does_not_grow_with_the_tree(client, city, django_assert_max_num_queries, page, role_at):
    client.force_login(factories.role("leader", getattr(city, role_at)))
    small_tree(city)
    url = PAGES[page](city)
    with django_assert_max_num_queries(MAX_QUERIES):
        small = count_queries(client, url)
    larger_tree(city)
    with django_assert_max_num_queries(MAX_QUERIES):
        large = count_queries(client, url)
    assert large == small, f"{page}: {small} queries on the small tree, {large} on the larger one"


def test_larger_tree_counts_add_up(client, city):
    small_tree(city)
    larger_tree(city)
    client.force_login(factories.role("leader", city.city))
    html = client.get(reverse("territory:region", args=[city.city.pk])).content.decode()
    start = html.index(">袁州区</a>")
    row = html[start : html.index("</tr>", start)]
    # compound_a + 6 grown in community_a + 3×2×3 in the new subdistricts
    assert 'data-figure="compounds">25<' in row
    assert 'data-figure="buildings">' + str(2 + 6 + 24 * 2) + "<" in row
    assert 'data-figure="dwellings">' + str(4 + 6 + 24 * 6) + "<" in row

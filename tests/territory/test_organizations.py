"""Organisation services: the five-level party structure, committees, companies, the joint body."""

from datetime import date

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from doorstep.territory import organizations as orgs
from doorstep.territory.models import JointBodySeat, Organization, OrgMembership, Ownership, Region
from tests import factories

K = Organization.Kind
L = Region.Level
P = OrgMembership.Position


@pytest.fixture
def place(city):
    """The small city plus a grid, buildings and dwellings in compound A, and the party tree down to level 5."""
    grid = factories.grid(city.community_a, name="宜阳一网格")
    grid.compounds.add(city.compound_a)
    other_grid = factories.grid(city.community_b, name="锦阳一网格")
    b1 = factories.building(city.compound_a, "1栋")
    b2 = factories.building(city.compound_b, "1栋")
    d1 = factories.dwelling(b1, "101")
    d2 = factories.dwelling(b1, "102")
    d3 = factories.dwelling(b2, "101")
    create = orgs.create_party_organization
    pwc = create("秀江街道党工委", K.PARTY_WORKING_COMMITTEE, region=city.subdistrict_a)
    pwc_b = create("锦阳街道党工委", K.PARTY_WORKING_COMMITTEE, region=city.subdistrict_b)
    community = create("宜阳社区党委", K.PARTY_COMMITTEE, parent=pwc, region=city.community_a)
    community_b = create("锦阳社区党委", K.PARTY_COMMITTEE, parent=pwc_b, region=city.community_b)
    branch = create("都市春天小区党支部", K.PARTY_BRANCH, parent=community, region=city.compound_a)
    group = create("1栋党小组", K.PARTY_GROUP, parent=branch, building=b1)
    return {
        **vars(city),
        "grid": grid,
        "other_grid": other_grid,
        "b1": b1,
        "b2": b2,
        "d1": d1,
        "d2": d2,
        "d3": d3,
        "pwc": pwc,
        "pwc_b": pwc_b,
        "community": community,
        "party_b": community_b,
        "branch": branch,
        "group": group,
    }


def test_the_five_levels(place):
    grid_branch = orgs.create_party_organization(
        "宜阳一网格党支部", K.PARTY_BRANCH, parent=place["community"], grid=place["grid"]
    )
    household = orgs.create_party_organization(
        "党员中心户", K.CENTER_HOUSEHOLD, parent=place["group"], dwelling=place["d1"]
    )
    b3 = factories.building(place["compound_a"], "3栋")
    grid_group = orgs.create_party_organization("3栋党小组", K.PARTY_GROUP, parent=grid_branch, building=b3)
    assert [
        orgs.party_level(o) for o in (place["pwc"], place["community"], place["branch"], grid_branch)
    ] == [
        1,
        2,
        3,
        3,
    ]
    assert orgs.party_level(place["group"]) == orgs.party_level(grid_group) == 4
    assert orgs.party_level(household) == 5
    assert household.region == place["compound_a"] and household.building == place["b1"]
    assert grid_branch.region == place["community_a"] and grid_branch.grid == place["grid"]


# (name, kind, parent key, attachment (key of place, what), expected error code)
REFUSALS = [
    ("wrong kind for a subdistrict", K.PARTY_BRANCH, "pwc", ("subdistrict_a", "region"), "level"),
    ("committee has no parent", K.PARTY_WORKING_COMMITTEE, "pwc", ("subdistrict_a", "region"), "parent"),
    ("community needs a parent", K.PARTY_COMMITTEE, None, ("community_b", "region"), "parent"),
    ("community under the wrong subdistrict", K.PARTY_COMMITTEE, "pwc", ("community_b", "region"), "outside"),
    ("community parent skips a level", K.PARTY_COMMITTEE, "branch", ("community_a", "region"), "parent"),
    ("compound branch under a committee", K.PARTY_BRANCH, "pwc", ("compound_a", "region"), "parent"),
    ("compound outside the community", K.PARTY_BRANCH, "community", ("compound_b", "region"), "outside"),
    ("grid outside the community", K.PARTY_BRANCH, "community", ("other_grid", "grid"), "outside"),
    ("group on a compound", K.PARTY_GROUP, "branch", ("compound_a", "region"), "level"),
    ("group under a community", K.PARTY_GROUP, "community", ("b1", "building"), "parent"),
    ("building in another compound", K.PARTY_GROUP, "branch", ("b2", "building"), "outside"),
    ("household on a building", K.CENTER_HOUSEHOLD, "group", ("b1", "building"), "level"),
    ("household in another building", K.CENTER_HOUSEHOLD, "group", ("d3", "dwelling"), "outside"),
    ("household under a branch", K.CENTER_HOUSEHOLD, "branch", ("d1", "dwelling"), "parent"),
    ("second community organisation", K.PARTY_GENERAL_BRANCH, "pwc", ("community_a", "region"), "duplicate"),
    ("second compound branch", K.PARTY_BRANCH, "community", ("compound_a", "region"), "duplicate"),
    ("a party body on a county", K.PARTY_COMMITTEE, None, ("county_a", "region"), "attachment"),
    ("not a party kind", K.VOLUNTEER_ORG, None, ("community_a", "region"), "kind"),
]


@pytest.mark.parametrize(("case", "kind", "parent", "attach", "code"), REFUSALS, ids=[r[0] for r in REFUSALS])
def test_party_structure_is_enforced(place, case, kind, parent, attach, code):
    key, what = attach
    before = Organization.objects.count()
    with pytest.raises(ValidationError) as err:
        orgs.create_party_organization(
            "新组织", kind, parent=place[parent] if parent else None, **{what: place[key]}
        )
    assert err.value.code == code, case
    assert str(err.value.messages[0])
    assert Organization.objects.count() == before


def test_attach_to_exactly_one_place(place):
    with pytest.raises(ValidationError) as err:
        orgs.create_party_organization(
            "x", K.PARTY_BRANCH, parent=place["community"], region=place["compound_a"], grid=place["grid"]
        )
    assert err.value.code == "attachment"


def test_errors_are_translated(place):
    with pytest.raises(ValidationError) as err:
        orgs.create_party_organization("x", K.PARTY_GROUP, parent=place["community"], building=place["b1"])
    assert "小区（网格）党支部" in err.value.messages[0]


def test_structure_counts_per_level_in_one_query(place, django_assert_num_queries):
    orgs.create_party_organization(
        "党员中心户", K.CENTER_HOUSEHOLD, parent=place["group"], dwelling=place["d1"]
    )
    orgs.create_party_organization(
        "党员中心户2", K.CENTER_HOUSEHOLD, parent=place["group"], dwelling=place["d2"]
    )
    orgs.create_party_organization(
        "网格党支部", K.PARTY_BRANCH, parent=place["community"], grid=place["grid"]
    )
    with django_assert_num_queries(1):
        city_wide = orgs.party_structure(place["city"])
    assert city_wide.counts == {1: 2, 2: 2, 3: 2, 4: 1, 5: 2}
    assert orgs.party_structure(place["community_a"]).counts == {2: 1, 3: 2, 4: 1, 5: 2}
    assert orgs.party_structure(place["compound_a"]).counts == {3: 1, 4: 1, 5: 2}
    assert orgs.party_structure(place["county_b"]).counts == {1: 1, 2: 1}
    levels = orgs.party_structure(place["city"]).levels
    assert [n for _lvl, _name, n in levels] == [2, 2, 2, 1, 2]
    assert levels[0][1] == "街道党工委"


# --- committees ------------------------------------------------------------------------------


def owners(compound, n, start=0):
    """n people who each own a dwelling in the compound."""
    building = factories.building(compound, f"{start + 10}栋")
    people = []
    for i in range(n):
        d = factories.dwelling(building, f"{start + i + 101}")
        p = factories.person(f"业主{start + i}", home_region=compound)
        Ownership.objects.create(dwelling=d, person=p)
        people.append(p)
    return people


def seats(people, director=0):
    return [(p, P.DIRECTOR if i == director else P.MEMBER) for i, p in enumerate(people)]


def test_owners_committee_elected(city):
    people = owners(city.compound_a, 5)
    committee = orgs.create_committee(
        city.compound_a, members=seats(people), term_start=date(2024, 1, 1), term_end=date(2028, 12, 31)
    )
    assert committee.name == "都市春天小区业主委员会"
    assert committee.memberships.count() == 5
    assert committee.memberships.get(position=P.DIRECTOR).person == people[0]
    assert orgs.committee_on(city.compound_a, date(2025, 1, 1)) == committee
    assert orgs.committee_on(city.compound_a, date(2029, 1, 1)) is None


@pytest.mark.parametrize(
    ("case", "kind", "n", "director", "start", "end", "code"),
    [
        ("four members", K.OWNERS_COMMITTEE, 4, 0, date(2024, 1, 1), date(2028, 1, 1), "members"),
        ("six members (even)", K.OWNERS_COMMITTEE, 6, 0, date(2024, 1, 1), date(2028, 1, 1), "members"),
        ("thirteen members", K.OWNERS_COMMITTEE, 13, 0, date(2024, 1, 1), date(2028, 1, 1), "members"),
        ("no director", K.OWNERS_COMMITTEE, 5, None, date(2024, 1, 1), date(2028, 1, 1), "positions"),
        ("term over five years", K.OWNERS_COMMITTEE, 5, 0, date(2024, 1, 1), date(2029, 1, 2), "term"),
        ("term ends first", K.OWNERS_COMMITTEE, 5, 0, date(2024, 1, 1), date(2023, 1, 1), "term"),
        (
            "management committee of two",
            K.PROPERTY_MANAGEMENT_COMMITTEE,
            2,
            0,
            date(2024, 1, 1),
            date(2026, 1, 1),
            "members",
        ),
        ("not a committee", K.VOLUNTEER_ORG, 5, 0, date(2024, 1, 1), date(2026, 1, 1), "kind"),
    ],
)
def test_committee_rules(city, case, kind, n, director, start, end, code):
    people = owners(city.compound_a, n)
    with pytest.raises(ValidationError) as err:
        orgs.create_committee(
            city.compound_a, kind=kind, members=seats(people, director), term_start=start, term_end=end
        )
    assert err.value.code == code, case
    assert not Organization.objects.filter(region=city.compound_a).exists()


def test_five_years_exactly_is_allowed(city):
    orgs.create_committee(
        city.compound_a,
        members=seats(owners(city.compound_a, 5)),
        term_start=date(2024, 2, 29),
        term_end=date(2029, 2, 28),
    )


def test_owners_committee_members_must_own_in_the_compound(city):
    people = owners(city.compound_a, 4) + owners(city.compound_b, 1, start=50)
    with pytest.raises(ValidationError) as err:
        orgs.create_committee(
            city.compound_a, members=seats(people), term_start=date(2024, 1, 1), term_end=date(2028, 1, 1)
        )
    assert err.value.code == "not_owner"
    assert "业主50"[0] in err.value.messages[0]


def test_management_committee_members_need_not_own(city):
    staff = [factories.person(f"社区干部{i}") for i in range(3)]
    pmc = orgs.create_committee(
        city.compound_a,
        kind=K.PROPERTY_MANAGEMENT_COMMITTEE,
        members=seats(staff),
        term_start=date(2024, 1, 1),
        term_end=date(2026, 12, 31),
    )
    assert pmc.name == "都市春天小区物业管理委员会"


def test_one_committee_in_office_at_a_time(city):
    people = owners(city.compound_a, 7)
    old = orgs.create_committee(
        city.compound_a, members=seats(people[:5]), term_start=date(2020, 1, 1), term_end=date(2024, 12, 31)
    )
    with pytest.raises(ValidationError) as err:
        orgs.create_committee(
            city.compound_a,
            members=seats(people[2:]),
            term_start=date(2024, 6, 1),
            term_end=date(2029, 5, 31),
        )
    assert err.value.code == "overlap"
    orgs.end_committee(old, date(2024, 5, 31))
    new = orgs.create_committee(
        city.compound_a, members=seats(people[2:]), term_start=date(2024, 6, 1), term_end=date(2029, 5, 31)
    )
    assert orgs.committee_on(city.compound_a, date(2024, 5, 31)) == old
    assert orgs.committee_on(city.compound_a, date(2024, 6, 1)) == new
    assert set(old.memberships.values_list("term_end", flat=True)) == {date(2024, 5, 31)}


def test_outsider_cannot_set_up_a_committee(city):
    people = owners(city.compound_a, 5)
    with pytest.raises(PermissionDenied):
        orgs.create_committee(
            city.compound_a,
            members=seats(people),
            term_start=date(2024, 1, 1),
            term_end=date(2028, 1, 1),
            by=factories.role("community_staff", city.community_b),
        )


# --- property companies and the N ------------------------------------------------------------


@pytest.fixture
def sponsors(city):
    return {
        "subdistrict office": factories.organization("秀江街道办事处", K.DEPARTMENT, city.subdistrict_a),
        "residents committee": factories.organization(
            "宜阳社区居委会", K.RESIDENTS_COMMITTEE, city.community_a
        ),
        "state enterprise": factories.organization("宜春城投集团", K.STATE_ENTERPRISE, city.city),
        "county department": factories.organization("袁州区住建局", K.DEPARTMENT, city.county_a),
        "volunteers": factories.organization("志愿者协会", K.VOLUNTEER_ORG, city.community_a),
    }


@pytest.mark.parametrize("sponsor", ["subdistrict office", "residents committee", "state enterprise"])
def test_public_welfare_company_with_its_sponsor(city, sponsors, sponsor):
    company = orgs.create_property_company(
        "公益物业", region=city.subdistrict_a, mode="public_welfare", sponsor=sponsors[sponsor]
    )
    assert (company.kind, company.company_mode, company.sponsor) == (
        K.PROPERTY_COMPANY,
        "public_welfare",
        sponsors[sponsor],
    )


@pytest.mark.parametrize(
    ("mode", "sponsor", "credit_code", "code"),
    [
        ("public_welfare", None, "", "sponsor"),
        ("public_welfare", "county department", "", "sponsor"),
        ("public_welfare", "volunteers", "", "sponsor"),
        ("market", "subdistrict office", "", "sponsor"),
        ("cooperative", None, "", "mode"),
        ("market", None, "91350100M000100Y44", "credit_code"),
        ("market", None, "91350100M00010", "credit_code"),
    ],
)
def test_property_company_rules(city, sponsors, mode, sponsor, credit_code, code):
    with pytest.raises(ValidationError) as err:
        orgs.create_property_company(
            "物业", region=city.county_a, mode=mode, sponsor=sponsors.get(sponsor), credit_code=credit_code
        )
    assert err.value.code == code


def test_credit_code_check_character():
    # The example printed in GB 32100-2015's explanatory material.
    assert orgs.clean_credit_code("91350100m000100y43") == "91350100M000100Y43"


@pytest.mark.parametrize(
    ("kind", "ok"),
    [
        (K.CO_BUILDING_UNIT, True),
        (K.RESIDENT_UNIT, True),
        (K.VOLUNTEER_ORG, True),
        (K.PLATFORM, True),
        (K.DEVELOPER, True),
        (K.PARTY_BRANCH, False),
        (K.OWNERS_COMMITTEE, False),
        (K.PROPERTY_COMPANY, False),
        (K.JOINT_BODY, False),
    ],
)
def test_the_n_bodies(city, kind, ok):
    if ok:
        assert orgs.create_organization("单位", kind, region=city.community_a).kind == kind
    else:
        with pytest.raises(ValidationError):
            orgs.create_organization("单位", kind, region=city.community_a)


def test_station_belongs_to_a_platform(city):
    platform = orgs.create_organization("同城外卖平台", K.PLATFORM, region=city.city)
    station = orgs.create_organization("秀江站", K.STATION, region=city.subdistrict_a, parent=platform)
    assert station.parent == platform
    with pytest.raises(ValidationError):
        orgs.create_organization("秀江站2", K.STATION, region=city.subdistrict_a, parent=station)


# --- five-party joint body -------------------------------------------------------------------


@pytest.fixture
def five(place):
    city_compound = place["compound_a"]
    people = owners(city_compound, 5)
    committee = orgs.create_committee(
        city_compound, members=seats(people), term_start=date(2024, 1, 1), term_end=date(2028, 12, 31)
    )
    return {
        "party": place["community"],
        "property_company": orgs.create_property_company("春和物业", region=place["county_a"], mode="market"),
        "owners_committee": committee,
        "co_building_unit": orgs.create_organization(
            "区法院机关党总支", K.CO_BUILDING_UNIT, region=place["county_a"]
        ),
        "residents": people[1],
        "place": place,
        "director": people[0],
    }


def test_joint_body_has_exactly_the_five_seats(five):
    place = five.pop("place")
    director = five.pop("director")
    body = orgs.create_joint_body(place["compound_a"], representatives={"owners_committee": director}, **five)
    assert body.kind == K.JOINT_BODY and body.name == "都市春天小区红色物业五方联席会"
    by_seat = {s.seat: s for s in body.seats.all()}
    assert set(by_seat) == set(JointBodySeat.Seat.values) and len(by_seat) == 5
    assert by_seat["party"].organization == five["party"]
    assert (
        by_seat["residents"].organization is None and by_seat["residents"].representative == five["residents"]
    )
    assert by_seat["owners_committee"].representative == director
    with pytest.raises(ValidationError) as err:
        orgs.create_joint_body(place["compound_a"], **five)
    assert err.value.code == "duplicate"


@pytest.mark.parametrize(
    ("seat", "wrong"),
    [
        ("party", "branch"),  # the compound branch is not the community party organisation
        ("party", "party_b"),  # another community's
        ("property_company", "co_building_unit"),
        ("owners_committee", "property_company"),
        ("co_building_unit", "property_company"),
        ("residents", "stranger"),
    ],
)
def test_joint_body_seat_must_be_of_the_right_kind(five, seat, wrong):
    place = five.pop("place")
    five.pop("director")
    stand_ins = {
        "branch": place["branch"],
        "party_b": place["party_b"],
        "stranger": factories.person("外人", home_region=place["compound_b"]),
        **five,
    }
    five[seat] = stand_ins[wrong]
    with pytest.raises(ValidationError) as err:
        orgs.create_joint_body(place["compound_a"], **five)
    assert err.value.code == "seat"
    assert not Organization.objects.filter(kind=K.JOINT_BODY).exists()
    assert not JointBodySeat.objects.exists()


def test_another_compounds_committee_cannot_sit(five):
    place = five.pop("place")
    five.pop("director")
    other = orgs.create_committee(
        place["compound_b"],
        kind=K.PROPERTY_MANAGEMENT_COMMITTEE,
        members=seats([factories.person(f"干部{i}") for i in range(3)]),
        term_start=date(2024, 1, 1),
        term_end=date(2026, 1, 1),
    )
    five["owners_committee"] = other
    with pytest.raises(ValidationError):
        orgs.create_joint_body(place["compound_a"], **five)

"""Property service per compound over time, and coverage of old compounds at any date."""

from datetime import date
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from doorstep.territory import property as prop
from doorstep.territory.models import Organization, PropertyService, Region
from doorstep.territory.organizations import create_property_company
from tests import factories

K = Organization.Kind
M = PropertyService.Mode
L = Region.Level


@pytest.fixture
def companies(city):
    office = factories.organization("秀江街道办事处", K.DEPARTMENT, city.subdistrict_a)
    return {
        "market": create_property_company("春和物业", region=city.county_a, mode="market"),
        "public_welfare": create_property_company(
            "秀江公益物业", region=city.subdistrict_a, mode="public_welfare", sponsor=office
        ),
        "committee": factories.organization(
            "都市春天小区业主委员会",
            K.OWNERS_COMMITTEE,
            city.compound_a,
            term_start=date(2022, 1, 1),
            term_end=date(2026, 12, 31),
        ),
        "other_committee": factories.organization(
            "新城国际小区业主委员会", K.OWNERS_COMMITTEE, city.compound_b, term_start=date(2022, 1, 1)
        ),
        "volunteers": factories.organization("志愿者协会", K.VOLUNTEER_ORG, city.county_a),
        "old_committee": factories.organization(
            "旧业委会",
            K.OWNERS_COMMITTEE,
            city.compound_a,
            term_start=date(2015, 1, 1),
            term_end=date(2019, 12, 31),
        ),
    }


@pytest.mark.parametrize(
    ("mode", "company", "code"),
    [
        ("market", None, "company"),
        ("market", "volunteers", "company"),
        ("market", "public_welfare", "company_mode"),
        ("public_welfare", "market", "company_mode"),
        ("public_welfare", None, "company"),
        ("none", "market", "company"),
        ("self_managed", "market", "company"),
        ("self_managed", "other_committee", "company"),  # another compound's committee
        ("self_managed", "old_committee", "company"),  # not in office on the start day
        ("weekly", None, "mode"),
    ],
)
def test_change_is_refused_with_a_reason(city, companies, mode, company, code):
    with pytest.raises(ValidationError) as err:
        prop.change_property_service(city.compound_a, mode, companies.get(company), start=date(2024, 3, 1))
    assert err.value.code == code
    assert not PropertyService.objects.exists()


@pytest.mark.parametrize(
    ("mode", "company"),
    [
        ("market", "market"),
        ("public_welfare", "public_welfare"),
        ("self_managed", "committee"),
        ("self_managed", None),
        ("none", None),
    ],
)
def test_each_mode_accepts_its_company(city, companies, mode, company):
    period = prop.change_property_service(
        city.compound_a, mode, companies.get(company), start=date(2024, 3, 1)
    )
    assert (period.mode, period.company, period.end) == (mode, companies.get(company), None)


def test_property_service_only_per_compound(city, companies):
    with pytest.raises(ValidationError) as err:
        prop.change_property_service(city.community_a, "market", companies["market"], start=date(2024, 1, 1))
    assert err.value.code == "compound"


def test_a_change_closes_the_current_period_the_day_before(city, companies):
    cmp = city.compound_a
    first = prop.change_property_service(cmp, "none", start=date(2015, 1, 1))
    second = prop.change_property_service(cmp, "market", companies["market"], start=date(2023, 6, 1))
    third = prop.change_property_service(
        cmp, "public_welfare", companies["public_welfare"], start=date(2025, 1, 1)
    )
    first.refresh_from_db()
    second.refresh_from_db()
    assert first.end == date(2023, 5, 31)
    assert second.end == date(2024, 12, 31)
    assert third.end is None
    assert prop.service_on(cmp, date(2023, 5, 31)) == first
    assert prop.service_on(cmp, date(2023, 6, 1)) == second
    assert prop.service_on(cmp, date(2030, 1, 1)) == third
    assert prop.service_on(cmp, date(2014, 12, 31)) is None


@pytest.mark.parametrize("start", [date(2023, 6, 1), date(2023, 5, 1)])
def test_no_change_back_in_time(city, companies, start):
    prop.change_property_service(city.compound_a, "market", companies["market"], start=date(2023, 6, 1))
    with pytest.raises(ValidationError) as err:
        prop.change_property_service(city.compound_a, "none", start=start)
    assert err.value.code == "start"
    assert PropertyService.objects.get().end is None


def test_same_service_again_is_not_a_change(city, companies):
    prop.change_property_service(city.compound_a, "market", companies["market"], start=date(2023, 6, 1))
    with pytest.raises(ValidationError) as err:
        prop.change_property_service(city.compound_a, "market", companies["market"], start=date(2024, 6, 1))
    assert err.value.code == "unchanged"


def test_outsider_cannot_change_a_compound(city, companies):
    outsider = factories.role("community_staff", city.community_b)
    with pytest.raises(PermissionDenied):
        prop.change_property_service(city.compound_a, "none", start=date(2024, 1, 1), by=outsider)
    insider = factories.role("community_staff", city.community_a)
    assert prop.change_property_service(city.compound_a, "none", start=date(2024, 1, 1), by=insider)


@pytest.fixture
def ten_old_compounds(city, companies):
    """Ten old compounds in community A (compound A among them) and one new one.

    On 2023-01-01: 1 market → 10 %. Now: 2 market, 1 public welfare, 3 self-managed → 60 %.
    """
    compounds = [city.compound_a] + [
        factories.region(f"老小区{i}", L.COMPOUND, city.community_a, is_old_compound=True) for i in range(9)
    ]
    new = factories.region("新小区", L.COMPOUND, city.community_a, is_old_compound=False)
    Region.objects.filter(pk=city.compound_b.pk).update(is_old_compound=False)
    change = prop.change_property_service
    for c in compounds:
        change(c, "none", start=date(2010, 1, 1))
    change(compounds[1], "market", companies["market"], start=date(2020, 5, 1))
    change(compounds[2], "market", companies["market"], start=date(2024, 5, 1))
    change(compounds[3], "public_welfare", companies["public_welfare"], start=date(2024, 9, 1))
    change(compounds[0], "self_managed", companies["committee"], start=date(2024, 3, 1))
    for c in compounds[4:6]:
        change(c, "self_managed", start=date(2025, 2, 1))
    change(new, "market", companies["market"], start=date(2019, 1, 1))
    return compounds


@pytest.mark.parametrize(
    ("on", "covered", "rate", "market", "public_welfare", "self_managed"),
    [
        (date(2023, 1, 1), 1, Decimal("10.00"), 1, 0, 0),
        (date(2024, 8, 31), 3, Decimal("30.00"), 2, 0, 1),
        (date(2026, 1, 1), 6, Decimal("60.00"), 2, 1, 3),
    ],
)
def test_coverage_at_a_date(city, ten_old_compounds, on, covered, rate, market, public_welfare, self_managed):
    for region in (city.city, city.county_a, city.community_a):
        cov = prop.coverage(region, on)
        assert (cov.compounds, cov.covered, cov.rate) == (10, covered, rate), region
        assert cov.count(M.MARKET) == market
        assert cov.count(M.PUBLIC_WELFARE) == public_welfare
        assert cov.count(M.SELF_MANAGED) == self_managed
        assert cov.count(M.NONE) == 10 - covered


def test_coverage_of_all_compounds_counts_new_ones(city, ten_old_compounds):
    cov = prop.coverage(city.city, date(2026, 1, 1), old_only=False)
    # + the new compound in community A and compound B (no service recorded: counted as none).
    assert (cov.compounds, cov.covered, cov.rate) == (12, 7, Decimal("58.33"))


def test_coverage_of_a_single_compound_and_an_empty_region(city, ten_old_compounds):
    assert prop.coverage(city.compound_a, date(2026, 1, 1)).rate == Decimal("100.00")
    empty = prop.coverage(city.county_b, date(2026, 1, 1))
    assert (empty.compounds, empty.covered, empty.rate) == (0, 0, Decimal("0.00"))


def test_coverage_is_one_query_whatever_the_size(city, ten_old_compounds, django_assert_num_queries):
    with django_assert_num_queries(1):
        prop.coverage(city.city, date(2026, 1, 1))
    for i in range(30):
        c = factories.region(f"更多老小区{i}", L.COMPOUND, city.community_b, is_old_compound=True)
        prop.change_property_service(c, "self_managed", start=date(2024, 1, 1))
    with django_assert_num_queries(1):
        cov = prop.coverage(city.city, date(2026, 1, 1))
    assert (cov.compounds, cov.covered) == (40, 36)


def test_coverage_table_rows_per_child_in_scope(city, ten_old_compounds, django_assert_max_num_queries):
    leader = factories.role("leader", city.city)
    with django_assert_max_num_queries(3):
        rows = prop.coverage_table(leader, city.city, date(2026, 1, 1))
    assert [(r.region.name, r.compounds, r.covered, r.rate) for r in rows] == [
        ("袁州区", 10, 6, Decimal("60.00")),
        ("上高县", 0, 0, Decimal("0.00")),
    ]
    before = prop.coverage_table(leader, city.community_a, date(2023, 1, 1))
    assert len(before) == 10 and sum(r.covered for r in before) == 1

    staff_b = factories.role("community_staff", city.community_b)
    assert prop.coverage_table(staff_b, city.city, date(2026, 1, 1)) == []
    assert prop.coverage_table(factories.user(), city.city, date(2026, 1, 1)) == []


def test_service_history_is_scoped(city, companies):
    prop.change_property_service(city.compound_a, "none", start=date(2015, 1, 1))
    prop.change_property_service(city.compound_a, "market", companies["market"], start=date(2023, 6, 1))
    insider = factories.role("community_staff", city.community_a)
    outsider = factories.role("community_staff", city.community_b)
    assert [p.mode for p in prop.service_history(insider, city.compound_a)] == ["market", "none"]
    assert prop.service_history(outsider, city.compound_a) == []

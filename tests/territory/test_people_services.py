"""Registering and editing people: ID numbers and phones checked and normalised, scope enforced."""

from datetime import date

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from doorstep.core.pii import lookup_hash
from doorstep.territory.models import Organization, PartyMembership, Person, PersonTag
from doorstep.territory.people import services
from tests import factories


@pytest.fixture
def staff(city):
    return factories.role("community_staff", city.community_a, username="yiyang")


@pytest.mark.parametrize(
    ("given", "stored", "born", "gender"),
    [
        ("11010519491231002x", "11010519491231002X", date(1949, 12, 31), "F"),
        ("440524188001010014", "440524188001010014", date(1880, 1, 1), "M"),
        ("513101198201130014", "513101198201130014", date(1982, 1, 13), "M"),
        ("370101190102039973", "370101190102039973", date(1901, 2, 3), "M"),
        (" 34052419800101001X ", "34052419800101001X", date(1980, 1, 1), "M"),
    ],
)
def test_id_number_is_normalised_and_gives_birth_date_and_gender(city, staff, given, stored, born, gender):
    p = services.create_person(staff, name="李四", id_number=given, home_region=city.compound_a)
    p.refresh_from_db()
    assert p.id_number == stored
    assert p.id_number_hash == lookup_hash(stored)
    assert (p.birth_date, p.gender) == (born, gender)


@pytest.mark.parametrize(
    ("given", "stored"),
    [
        ("138 1234 1234", "13812341234"),
        ("+86 138-1234-1234", "13812341234"),
        ("008613812341234", "13812341234"),
    ],
)
def test_phone_is_stored_as_eleven_digits(city, staff, given, stored):
    p = services.create_person(staff, name="王五", phone=given, home_region=city.compound_a)
    assert Person.objects.get(pk=p.pk).phone == stored


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("id_number", "110105194912310021"),  # wrong check character
        ("id_number", "110105194902300020"),  # 30 February
        ("phone", "1381234123"),  # ten digits
        ("phone", "14012345678901"),  # IoT number
        ("name", "  "),
    ],
)
def test_bad_input_is_refused_with_a_chinese_message(city, staff, field, value):
    fields = {"name": "赵六", "home_region": city.compound_a, field: value}
    with pytest.raises(ValidationError) as exc:
        services.create_person(staff, **fields)
    assert field in exc.value.message_dict
    assert any("\u4e00" <= ch <= "\u9fff" for ch in " ".join(exc.value.message_dict[field]))
    assert not Person.objects.exists()


def test_duplicate_id_number_is_refused_whatever_its_case(city, staff):
    services.create_person(staff, name="甲", id_number="11010519491231002X", home_region=city.compound_a)
    with pytest.raises(ValidationError) as exc:
        services.create_person(staff, name="乙", id_number="11010519491231002x", home_region=city.compound_a)
    assert "id_number" in exc.value.message_dict
    assert Person.objects.count() == 1


def test_updating_a_person_keeps_their_own_id_number(city, staff):
    p = services.create_person(staff, name="甲", id_number="11010519491231002X", home_region=city.compound_a)
    services.update_person(p, staff, id_number="11010519491231002x", phone="13900001111")
    p.refresh_from_db()
    assert (p.id_number, p.phone) == ("11010519491231002X", "13900001111")


def test_writes_outside_the_scope_are_refused(city, staff):
    with pytest.raises(PermissionDenied):
        services.create_person(staff, name="外人", home_region=city.compound_b)
    other = factories.person("外人", home_region=city.compound_b)
    with pytest.raises(PermissionDenied):
        services.update_person(other, staff, phone="13900001111")
    mine = services.create_person(staff, name="本人", home_region=city.compound_a)
    with pytest.raises(PermissionDenied):
        services.update_person(mine, staff, home_region=city.compound_b)
    other.refresh_from_db()
    assert other.phone == ""
    assert Person.objects.get(pk=mine.pk).home_region == city.compound_a


@pytest.mark.parametrize("kind", ["leader", "department_liaison", "property_staff", "committee_member"])
def test_roles_that_do_not_keep_the_roster_cannot_register_people(city, kind):
    region = {"leader": city.city, "department_liaison": city.county_a}.get(kind, city.compound_a)
    by = factories.role(kind, region)
    with pytest.raises(PermissionDenied):
        services.create_person(by, name="某人", home_region=city.compound_a)


def test_tags_and_party_membership(city, staff):
    PersonTag.objects.create(slug="rider", name="外卖骑手")
    PersonTag.objects.create(slug="courier", name="快递员")
    p = services.create_person(staff, name="骑手", home_region=city.compound_a, tags=["rider"])
    assert [t.slug for t in p.tags.all()] == ["rider"]
    services.set_tags(staff, p, ["rider", "courier"])
    assert sorted(t.slug for t in p.tags.all()) == ["courier", "rider"]
    with pytest.raises(ValidationError):
        services.set_tags(staff, p, ["astronaut"])

    branch = factories.organization("都市春天小区党支部", Organization.Kind.PARTY_BRANCH, city.compound_a)
    m = services.set_party_membership(
        staff,
        p,
        branch,
        status=PartyMembership.Status.IN_SERVICE,
        reports_to=city.community_a,
        reported_on=date(2024, 3, 1),
    )
    assert (m.organization, m.reports_to, m.reported_on) == (branch, city.community_a, date(2024, 3, 1))
    services.set_party_membership(staff, p, branch, status=PartyMembership.Status.FLOATING)
    m.refresh_from_db()
    assert (m.status, m.reports_to) == ("floating", None)

    company = factories.organization("物业公司", Organization.Kind.PROPERTY_COMPANY, city.compound_a)
    with pytest.raises(ValidationError):
        services.set_party_membership(staff, p, company)
    with pytest.raises(ValidationError):
        services.set_party_membership(staff, p, branch, reports_to=city.compound_a)

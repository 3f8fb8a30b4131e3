"""A resident sees what is held about them, downloads it, and has it erased (PIPL)."""

import json
from datetime import date

import pytest
from django.urls import reverse

from doorstep.core.models import PiiAccess, User
from doorstep.territory.models import (
    Household,
    HouseholdMember,
    Organization,
    OrgMembership,
    Ownership,
    PartyMembership,
    Person,
    PersonTag,
    Role,
)
from doorstep.territory.people import services
from tests import factories

ID = "11010519491231002X"
PHONE = "13812341234"


@pytest.fixture
def resident(city):
    """张三 lives in 都市春天小区, owns and lives in 1栋101, is a party member and a volunteer."""
    login = factories.user("zhangsan")
    p = factories.person("张三", phone=PHONE, id_number=ID, home_region=city.compound_a, user=login)
    p.birth_date = date(1949, 12, 31)
    p.save()
    p.tags.add(PersonTag.objects.create(slug="volunteer", name="志愿者"))
    home = factories.dwelling(factories.building(city.compound_a), room="101", area="89.50")
    Ownership.objects.create(
        dwelling=home, person=p, registered_on=date(2010, 5, 1), certificate_no="赣2010001"
    )
    hh = Household.objects.create(dwelling=home, head=p)
    HouseholdMember.objects.create(household=hh, person=p, relation="head")
    branch = factories.organization("都市春天小区党支部", Organization.Kind.PARTY_BRANCH, city.compound_a)
    PartyMembership.objects.create(
        person=p, organization=branch, status="retired", reports_to=city.community_a
    )
    committee = factories.organization("都市春天业委会", Organization.Kind.OWNERS_COMMITTEE, city.compound_a)
    OrgMembership.objects.create(organization=committee, person=p, position="member")
    return p


def test_my_data_page_lists_what_is_held(client, resident):
    client.force_login(resident.user)
    page = client.get(reverse("territory:people:me")).content.decode()
    for text in (
        "张三",
        "138****1234",
        "110105********002X",
        "志愿者",
        "89.50",
        "都市春天小区党支部",
        "都市春天业委会",
    ):
        assert text in page, text
    assert PHONE not in page  # the page masks; the download holds it in full


def test_a_login_without_a_person_sees_a_plain_message(client, city):
    client.force_login(factories.user("nobody"))
    assert "没有关联" in client.get(reverse("territory:people:me")).content.decode()


def test_export_holds_everything_unmasked_and_is_logged(client, city, resident):
    staff = factories.role("community_staff", city.community_a, username="yiyang")
    services.reveal(staff, resident, "phone", "回访")
    client.force_login(resident.user)
    response = client.post(reverse("territory:people:export"))
    assert response["Content-Type"].startswith("application/json")
    assert "attachment" in response["Content-Disposition"]
    data = json.loads(response.content)
    assert data["person"]["name"] == "张三"
    assert data["person"]["phone"] == PHONE
    assert data["person"]["id_number"] == ID
    assert data["person"]["birth_date"] == "1949-12-31"
    assert data["person"]["tags"] == ["志愿者"]
    assert data["ownerships"][0]["exclusive_area"] == "89.50"
    assert data["ownerships"][0]["certificate_no"] == "赣2010001"
    assert len(data["households"]) == 1
    assert data["party_membership"]["organization"] == "都市春天小区党支部"
    assert data["party_membership"]["reports_to"] == "宜阳社区"
    assert [m["organization"] for m in data["memberships"]] == ["都市春天业委会"]
    assert [(a["by"], a["field"], a["reason"]) for a in data["data_accesses"]] == [
        ("yiyang", "phone", "回访")
    ]
    log = PiiAccess.objects.filter(field="export").get()
    assert (log.user, log.subject_id) == (resident.user, str(resident.pk))


def test_export_needs_post(client, resident):
    client.force_login(resident.user)
    assert client.get(reverse("territory:people:export")).status_code == 405
    assert not PiiAccess.objects.exists()


def test_erase_asks_for_confirmation_first(client, resident):
    client.force_login(resident.user)
    url = reverse("territory:people:erase")
    assert "确认" in client.get(url).content.decode()
    client.post(url, {})
    resident.refresh_from_db()
    assert resident.anonymised_at is None and resident.name == "张三"


def test_erase_anonymises_but_keeps_what_others_rely_on(client, city, resident):
    Role.objects.create(user=resident.user, kind="committee_member", region=city.compound_a)
    client.force_login(resident.user)
    response = client.post(reverse("territory:people:erase"), {"confirm": "yes"})
    assert response.status_code == 302
    p = Person.objects.get(pk=resident.pk)
    assert p.anonymised_at is not None
    assert p.name == services.ANONYMOUS_NAME
    assert (p.phone, p.id_number, p.id_number_hash, p.birth_date, p.gender) == ("", "", "", None, "")
    assert not p.tags.exists()
    assert not PartyMembership.objects.filter(person=p).exists()
    # Ownership history and committee terms stay, pointing at the anonymous person.
    assert Ownership.objects.get().person == p
    assert OrgMembership.objects.get().person == p
    login = User.objects.get(pk=resident.user_id)
    assert not login.is_active and not login.has_usable_password()
    assert "zhangsan" not in login.username
    assert not Role.objects.filter(user=login, active=True).exists()
    assert PiiAccess.objects.filter(field="anonymise", subject_id=str(p.pk)).exists()
    # The login no longer works and the session ended.
    assert client.get(reverse("territory:people:me")).status_code == 302
    assert not client.login(username="zhangsan", password="pw-doorstep-1")
    # The ID number may be registered again (the hash was cleared).
    staff = factories.role("community_staff", city.community_a)
    services.create_person(staff, name="新人", id_number=ID, home_region=city.compound_a)


def test_erased_person_disappears_from_staff_views(client, city, resident):
    services.anonymise_person(resident.user, resident)
    staff = factories.role("community_staff", city.community_a)
    client.force_login(staff)
    assert client.get(reverse("territory:people:detail", args=[resident.pk])).status_code == 404


def test_staff_cannot_erase_someone_else_unless_admin(city, resident):
    from django.core.exceptions import PermissionDenied

    with pytest.raises(PermissionDenied):
        services.anonymise_person(factories.role("community_staff", city.community_a), resident)
    services.anonymise_person(factories.role("admin", city.county_a), resident, reason="本人书面申请")
    assert Person.objects.get(pk=resident.pk).anonymised_at is not None

"""The Django admin, scoped by roles: staff see and change only their area; PII stays masked."""

import pytest
from django.urls import reverse

from doorstep.core.models import PiiAccess, User
from doorstep.territory.models import Building, Person, Role
from doorstep.territory.people import services
from tests import factories

ID_A = "11010519491231002X"
PHONE_A = "13812341234"


@pytest.fixture
def world(city):
    """Staff and residents in community A (宜阳社区) and community B (锦阳社区)."""
    staff_a = factories.user("yiyang")
    staff_b = factories.user("jinyang")
    root = factories.user("root", is_superuser=True, is_staff=True)
    services.grant_role(root, staff_a, "community_staff", city.community_a)
    services.grant_role(root, staff_b, "community_staff", city.community_b)
    alice = factories.person("张三", phone=PHONE_A, id_number=ID_A, home_region=city.compound_a)
    bob = factories.person(
        "李四", phone="13900001111", id_number="440524188001010014", home_region=city.compound_b
    )
    return {
        "city": city,
        "staff_a": User.objects.get(pk=staff_a.pk),
        "staff_b": User.objects.get(pk=staff_b.pk),
        "root": root,
        "alice": alice,
        "bob": bob,
        "building_a": factories.building(city.compound_a, "1栋"),
        "building_b": factories.building(city.compound_b, "9栋"),
    }


def url(name, *args):
    return reverse(f"admin:{name}", args=args)


def test_staff_with_roles_can_use_the_admin(client, world):
    assert world["staff_a"].is_staff and not world["staff_a"].is_superuser
    client.force_login(world["staff_a"])
    index = client.get(url("index"))
    assert index.status_code == 200
    assert url("territory_person_changelist") in index.content.decode()


def test_person_list_is_scoped_and_masked(client, world, django_assert_max_num_queries):
    for i in range(10):
        factories.person(f"王{i}", phone=f"1380000{i:04d}", home_region=world["city"].compound_a)
    client.force_login(world["staff_a"])
    with django_assert_max_num_queries(15):
        page = client.get(url("territory_person_changelist")).content.decode()
    assert "张*" in page and "138****1234" in page and "110105********002X" in page
    assert PHONE_A not in page and ID_A not in page
    assert "李*" not in page and "440524" not in page


def test_search_by_id_number_goes_through_the_hash(client, world):
    client.force_login(world["staff_a"])
    found = client.get(url("territory_person_changelist"), {"q": "11010519491231002x"}).content.decode()
    assert "张*" in found
    by_phone = client.get(url("territory_person_changelist"), {"q": "+86 138 1234 1234"}).content.decode()
    assert "张*" in by_phone
    other = client.get(url("territory_person_changelist"), {"q": "440524188001010014"}).content.decode()
    assert "李*" not in other  # the other community's person is not found


def test_person_form_never_shows_the_stored_phone_or_id(client, world):
    client.force_login(world["staff_a"])
    page = client.get(url("territory_person_change", world["alice"].pk)).content.decode()
    assert PHONE_A not in page and ID_A not in page
    assert "138****1234" in page


def test_person_form_normalises_and_refuses_duplicates(client, world):
    client.force_login(world["staff_a"])
    data = {
        "name": "王五",
        "gender": "",
        "home_region": world["city"].compound_a.pk,
        "new_phone": "+86 139-0000-2222",
    }
    response = client.post(url("territory_person_add"), {**data, "new_id_number": "11010519491231002x"})
    assert response.status_code == 200  # redisplayed with an error: that ID is registered
    assert not Person.objects.filter(name="王五").exists()
    response = client.post(url("territory_person_add"), {**data, "new_id_number": "513101198201130014"})
    assert response.status_code == 302
    wang = Person.objects.get(name="王五")
    assert (wang.phone, wang.id_number, str(wang.birth_date), wang.gender) == (
        "13900002222",
        "513101198201130014",
        "1982-01-13",
        "M",
    )


def test_out_of_scope_objects_are_not_found_and_not_changed(client, world):
    client.force_login(world["staff_a"])
    bob, building_b = world["bob"], world["building_b"]
    assert client.get(url("territory_person_change", bob.pk)).status_code == 404
    assert client.post(url("territory_person_change", bob.pk), {"name": "改名"}).status_code == 404
    assert client.post(url("territory_person_delete", bob.pk), {"post": "yes"}).status_code == 404
    assert client.get(url("territory_building_change", building_b.pk)).status_code == 404
    bob.refresh_from_db()
    assert bob.name == "李四"
    assert Building.objects.filter(pk=building_b.pk).exists()


def test_foreign_key_choices_are_limited_to_the_scope(client, world):
    client.force_login(world["staff_a"])
    city = world["city"]
    response = client.post(
        url("territory_building_add"),
        {"compound": city.compound_b.pk, "number": "99栋", "floors": 6, "stairwell_units": 1},
    )
    assert response.status_code == 200
    assert not Building.objects.filter(number="99栋").exists()
    response = client.post(
        url("territory_building_add"),
        {"compound": city.compound_a.pk, "number": "99栋", "floors": 6, "stairwell_units": 1},
    )
    assert response.status_code == 302
    # Moving a building of A to a compound of B is refused the same way.
    response = client.post(
        url("territory_building_change", world["building_a"].pk),
        {"compound": city.compound_b.pk, "number": "1栋", "floors": 6, "stairwell_units": 1},
    )
    assert response.status_code == 200
    assert Building.objects.get(pk=world["building_a"].pk).compound == city.compound_a


def test_autocomplete_offers_only_objects_in_scope(client, world):
    client.force_login(world["staff_a"])
    response = client.get(
        reverse("admin:autocomplete"),
        {"app_label": "territory", "model_name": "building", "field_name": "compound", "term": ""},
    )
    names = {r["text"] for r in response.json()["results"]}
    assert "都市春天小区" in names and "新城国际小区" not in names


def test_bulk_delete_refuses_a_selection_outside_the_delete_scope(client, world, city):
    leader_worker = factories.role("leader", city.city, username="mayor")
    Role.objects.create(user=leader_worker, kind="grid_worker", region=city.community_a)
    User.objects.filter(pk=leader_worker.pk).update(is_staff=True)
    client.force_login(leader_worker)
    # The leader sees B's households (view) but deletes only where a grid worker (A).
    from doorstep.territory.models import Household

    home_b = factories.dwelling(world["building_b"])
    hh_b = Household.objects.create(dwelling=home_b)
    changelist = client.get(url("territory_household_changelist")).content.decode()
    assert str(hh_b.dwelling) in changelist
    response = client.post(
        url("territory_household_changelist"),
        {"action": "delete_selected", "_selected_action": [hh_b.pk], "post": "yes"},
    )
    assert response.status_code in (403, 302)
    assert Household.objects.filter(pk=hh_b.pk).exists()
    assert client.get(url("territory_household_delete", hh_b.pk)).status_code == 403


def test_leader_sees_but_cannot_change(client, world, city):
    leader = factories.role("leader", city.county_a, username="county")
    User.objects.filter(pk=leader.pk).update(is_staff=True)
    client.force_login(leader)
    page = client.get(url("territory_person_change", world["alice"].pk))
    assert page.status_code == 200
    assert PHONE_A not in page.content.decode() and "张三" not in page.content.decode()
    response = client.post(url("territory_person_change", world["alice"].pk), {"name": "改名"})
    assert response.status_code == 403
    assert Person.objects.get(pk=world["alice"].pk).name == "张三"
    assert client.get(url("territory_person_change", world["bob"].pk)).status_code == 404


def test_access_log_is_read_only_and_scoped(client, world, city):
    services.reveal(world["staff_a"], world["alice"], "phone", "回访A")
    services.reveal(world["staff_b"], world["bob"], "phone", "回访B")
    admin_a = factories.user("admin_a")
    services.grant_role(world["root"], admin_a, "admin", city.county_a)
    client.force_login(User.objects.get(pk=admin_a.pk))
    page = client.get(url("core_piiaccess_changelist")).content.decode()
    assert "回访A" in page and "回访B" not in page
    row = PiiAccess.objects.get(reason="回访A")
    assert client.post(url("core_piiaccess_change", row.pk), {"reason": "改"}).status_code == 403
    assert client.post(url("core_piiaccess_delete", row.pk), {"post": "yes"}).status_code == 403
    assert client.get(url("core_piiaccess_add")).status_code == 403
    assert PiiAccess.objects.get(pk=row.pk).reason == "回访A"
    # Community staff do not read the log in the admin.
    client.force_login(world["staff_a"])
    assert client.get(url("core_piiaccess_changelist")).status_code == 403


def test_granting_roles_in_the_admin_follows_the_grant_rule(client, world, city):
    newcomer = factories.user("newcomer")
    client.force_login(world["staff_a"])
    ok = client.post(
        url("territory_role_add"),
        {"user": newcomer.pk, "kind": "grid_worker", "region": city.community_a.pk, "active": "on"},
    )
    assert ok.status_code == 302
    role = Role.objects.get(user=newcomer)
    assert User.objects.get(pk=newcomer.pk).is_staff
    refused = client.post(
        url("territory_role_add"),
        {"user": newcomer.pk, "kind": "admin", "region": city.community_a.pk, "active": "on"},
    )
    assert refused.status_code == 200
    elsewhere = client.post(
        url("territory_role_add"),
        {"user": newcomer.pk, "kind": "grid_worker", "region": city.community_b.pk, "active": "on"},
    )
    assert elsewhere.status_code == 200
    assert Role.objects.filter(user=newcomer).count() == 1
    # Revoking is unticking "active".
    assert client.post(url("territory_role_change", role.pk), {}).status_code == 302
    role.refresh_from_db()
    assert not role.active
    assert not User.objects.get(pk=newcomer.pk).is_staff


def test_user_admin_hides_superusers_and_staff_of_other_areas(client, world):
    client.force_login(world["staff_a"])
    page = client.get(url("core_user_changelist")).content.decode()
    assert "yiyang" in page and "jinyang" not in page and ">root<" not in page
    assert client.get(url("core_user_change", world["root"].pk)).status_code == 404
    assert client.get(url("core_user_change", world["staff_b"].pk)).status_code == 404
    form = client.get(url("core_user_change", world["staff_a"].pk)).content.decode()
    assert 'name="is_superuser"' not in form


def test_superuser_sees_everything(client, world):
    client.force_login(world["root"])
    page = client.get(url("territory_person_changelist")).content.decode()
    assert "张*" in page and "李*" in page
    assert client.get(url("territory_person_change", world["bob"].pk)).status_code == 200


def test_roster_exports_logged_per_region_show_in_the_access_log(client, world, city):
    from doorstep.territory.people.selectors import access_log_visible

    for region in (city.community_a, city.community_b):
        PiiAccess.objects.create(
            user=world["root"],
            subject_type="territory.Region",
            subject_id=str(region.pk),
            subject_label=region.name,
            field="name,phone",
            reason="台账导出",
        )
    admin_a = factories.user("admin_a")
    services.grant_role(world["root"], admin_a, "admin", city.county_a)
    labels = set(access_log_visible(User.objects.get(pk=admin_a.pk)).values_list("subject_label", flat=True))
    assert labels == {"宜阳社区"}


def test_party_membership_form_explains_what_is_wrong(client, world, city):
    from doorstep.territory.models import Organization, PartyMembership

    company = factories.organization("物业公司", Organization.Kind.PROPERTY_COMPANY, city.compound_a)
    branch = factories.organization("党支部", Organization.Kind.PARTY_BRANCH, city.compound_a)
    client.force_login(world["staff_a"])
    data = {"person": world["alice"].pk, "status": "in_service", "reports_to": city.community_a.pk}
    page = client.post(url("territory_partymembership_add"), {**data, "organization": company.pk})
    assert page.status_code == 200 and "请选择党组织" in page.content.decode()
    ok = client.post(
        url("territory_partymembership_add"), {**data, "organization": branch.pk, "reported_on": ""}
    )
    assert ok.status_code == 302
    membership = PartyMembership.objects.get(person=world["alice"])
    assert membership.reported_on is not None  # 双报到 dated today when not given

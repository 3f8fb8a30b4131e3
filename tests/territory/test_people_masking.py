"""Masking and revealing: values masked by default; a reveal needs the right role, scope and reason."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from doorstep.core.models import PiiAccess
from doorstep.core.pii import mask_id_number, mask_name, mask_phone
from doorstep.territory.models import Role
from doorstep.territory.people import services
from tests import factories

ID = "11010519491231002X"
PHONE = "13812341234"


@pytest.mark.parametrize(
    ("masker", "value", "masked"),
    [
        (mask_phone, "13812341234", "138****1234"),
        (mask_id_number, "11010519491231002X", "110105********002X"),
        (mask_id_number, "440524188001010014", "440524********0014"),
        (mask_name, "张三", "张*"),
        (mask_name, "王小明", "王**"),
        (mask_name, "欧阳娜娜", "欧阳**"),
        (mask_phone, "", ""),
    ],
)
def test_masking_vectors(masker, value, masked):
    assert masker(value) == masked


@pytest.fixture
def resident(city):
    return factories.person("张三", phone=PHONE, id_number=ID, home_region=city.compound_a)


def _role(city, kind):
    region = {
        "grid_worker": city.community_a,
        "community_staff": city.community_a,
        "subdistrict_staff": city.subdistrict_a,
        "department_liaison": city.county_a,
        "property_staff": city.compound_a,
        "committee_member": city.compound_a,
        "leader": city.county_a,
        "admin": city.county_a,
    }[kind]
    return factories.role(kind, region)


# Which role kind may reveal which field of a person living in its scope.
REVEAL_TABLE = [
    ("grid_worker", {"name", "phone"}),
    ("community_staff", {"name", "phone", "id_number"}),
    ("subdistrict_staff", {"name", "phone"}),
    ("admin", {"name", "phone", "id_number"}),
    ("leader", set()),
    ("department_liaison", set()),
    ("property_staff", set()),
    ("committee_member", set()),
]


@pytest.mark.parametrize(("kind", "allowed"), REVEAL_TABLE)
@pytest.mark.parametrize("field", ["name", "phone", "id_number"])
def test_reveal_table(city, resident, kind, allowed, field):
    user = _role(city, kind)
    if field in allowed:
        value = services.reveal(user, resident, field, "回访诉求办理结果")
        assert value == {"name": "张三", "phone": PHONE, "id_number": ID}[field]
        row = PiiAccess.objects.get()
        assert (row.user, row.subject_id, row.field, row.reason) == (
            user,
            str(resident.pk),
            field,
            "回访诉求办理结果",
        )
        assert row.subject_label == "张*"
    else:
        with pytest.raises(PermissionDenied):
            services.reveal(user, resident, field, "想看看")
        assert not PiiAccess.objects.exists()


def test_reveal_outside_scope_is_refused(city):
    outsider = factories.person("李四", phone=PHONE, home_region=city.compound_b)
    staff = _role(city, "community_staff")
    with pytest.raises(PermissionDenied):
        services.reveal(staff, outsider, "phone", "回访")
    assert not PiiAccess.objects.exists()


def test_a_wide_view_role_does_not_lend_reveal_rights_elsewhere(city):
    """A leader over the city who is grid worker in community A reveals only in community A."""
    user = factories.role("leader", city.city)
    Role.objects.create(user=user, kind="grid_worker", region=city.community_a)
    here = factories.person("甲", phone=PHONE, home_region=city.compound_a)
    there = factories.person("乙", phone="13900001111", home_region=city.compound_b)
    assert services.reveal(user, here, "phone", "走访") == PHONE
    with pytest.raises(PermissionDenied):
        services.reveal(user, there, "phone", "走访")


@pytest.mark.parametrize("reason", ["", "   "])
def test_reveal_needs_a_reason(city, resident, reason):
    staff = _role(city, "community_staff")
    with pytest.raises(ValidationError):
        services.reveal(staff, resident, "phone", reason)
    assert not PiiAccess.objects.exists()


def test_unknown_field_cannot_be_revealed(city, resident):
    with pytest.raises(PermissionDenied):
        services.reveal(_role(city, "admin"), resident, "birth_date", "x")


def test_detail_page_shows_masked_values_and_show_buttons_by_role(client, city, resident):
    grid_worker = _role(city, "grid_worker")
    client.force_login(grid_worker)
    url = reverse("territory:people:detail", args=[resident.pk])
    page = client.get(url).content.decode()
    assert "张*" in page and "138****1234" in page and "110105********002X" in page
    assert PHONE not in page and ID not in page and "张三" not in page
    assert "1949-12-31" not in page  # the masked middle of the ID number
    assert reverse("territory:people:reveal", args=[resident.pk, "phone"]) in page
    assert reverse("territory:people:reveal", args=[resident.pk, "id_number"]) not in page
    assert "access-log" not in page  # only administrators see who viewed


def test_reveal_page_asks_for_a_reason_then_shows_the_value_once(client, city, resident):
    staff = _role(city, "community_staff")
    client.force_login(staff)
    url = reverse("territory:people:reveal", args=[resident.pk, "phone"])
    form = client.get(url, headers={"HX-Request": "true"}).content.decode()
    assert 'name="reason"' in form and PHONE not in form
    empty = client.post(url, {"reason": " "}, headers={"HX-Request": "true"}).content.decode()
    assert PHONE not in empty and "请说明查看原因" in empty
    shown = client.post(url, {"reason": "核实报修地址"}, headers={"HX-Request": "true"}).content.decode()
    assert PHONE in shown
    assert PiiAccess.objects.get().reason == "核实报修地址"
    # Without htmx the same URL is a full page.
    full = client.post(url, {"reason": "再次回访"}).content.decode()
    assert PHONE in full and "<html" in full


def test_refused_reveal_is_403_and_out_of_scope_is_404(client, city, resident):
    client.force_login(_role(city, "leader"))
    assert (
        client.post(
            reverse("territory:people:reveal", args=[resident.pk, "phone"]), {"reason": "x"}
        ).status_code
        == 403
    )
    client.force_login(factories.role("community_staff", city.community_b))
    assert client.get(reverse("territory:people:detail", args=[resident.pk])).status_code == 404
    assert (
        client.post(
            reverse("territory:people:reveal", args=[resident.pk, "phone"]), {"reason": "x"}
        ).status_code
        == 404
    )
    assert not PiiAccess.objects.exists()


def test_admin_sees_the_access_log_on_the_detail_page(client, city, resident, django_assert_max_num_queries):
    staff = _role(city, "community_staff")
    for i in range(5):
        services.reveal(staff, resident, "phone", f"回访{i}")
    client.force_login(_role(city, "admin"))
    with django_assert_max_num_queries(20):
        page = client.get(reverse("territory:people:detail", args=[resident.pk])).content.decode()
    assert "access-log" in page
    assert "回访4" in page and "回访0" in page

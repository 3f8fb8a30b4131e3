"""The category tree: the seed table, its rules, and who may edit it in the admin.

The classes come from ../shared/domain/cases.md (event classes 01–05 with their minor classes,
the component classes, the residential classes the 春天里 article names) with the local limits
given there as defaults.
"""

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from doorstep.demands import categories
from doorstep.demands.models import Category
from tests import factories

pytestmark = pytest.mark.django_db

# cases.md, "Categories": major class → the minor classes it names.
EVENT_CLASSES = [
    (
        "01",
        "市容环境",
        ["私搭乱建", "暴露垃圾", "积存垃圾渣土", "道路不洁", "水域不洁", "绿地脏乱", "废弃车辆", "油烟污染"],
    ),
    ("02", "宣传广告", ["非法小广告", "违章张贴悬挂广告牌匾", "占道广告牌", "广告招牌破损"]),
    ("03", "施工管理", ["施工扰民", "工地扬尘", "施工废弃料", "施工占道", "无证掘路"]),
    ("04", "突发事件", ["路面塌陷", "自来水管破裂", "燃气管道破裂", "下水道堵塞或破损", "道路积水"]),
    (
        "05",
        "街面秩序",
        ["无照经营游商", "店外经营", "机动车乱停放", "非机动车乱停放", "乱堆物堆料", "商业噪音", "露天烧烤"],
    ),
]
COMPONENT_MAJORS = ["公用设施", "道路交通", "市容环境", "园林绿化", "其他设施"]
COMPONENT_EXAMPLES = ["井盖", "路灯", "垃圾箱"]
# The residential classes the article and the issue name.
RESIDENTIAL = [
    "加装电梯",
    "电梯故障",
    "充电桩",
    "外墙脱落",
    "化粪池堵塞",
    "楼道亮灯",
    "油烟扰民",
    "物业服务",
    "停车",
    "消防通道",
]


def minors_by_name() -> dict[str, Category]:
    return {c.name: c for c in Category.objects.filter(parent__isnull=False).select_related("parent")}


# --- the seed ------------------------------------------------------------------------------------


def test_seed_is_loaded_by_migrate():
    rows = categories.seed_table()
    assert Category.objects.count() == len(rows)
    assert Category.objects.filter(parent__isnull=True).count() == sum(1 for r in rows if r.parent is None)
    assert len(rows) > 60


def test_seed_is_idempotent():
    before = list(Category.objects.order_by("pk").values())
    assert categories.seed_categories() == 0
    assert list(Category.objects.order_by("pk").values()) == before


def test_seed_leaves_an_edited_table_alone():
    """Once admins have changed the table, migrate never puts the seed back over their work."""
    Category.objects.filter(code="0102").update(handle_limit=1, handle_unit="working_days")
    Category.objects.filter(parent__code="05").delete()
    assert categories.seed_categories() == 0
    assert Category.objects.get(code="0102").handle_limit == 1
    assert not Category.objects.filter(parent__code="05").exists()


def test_seed_fills_an_empty_table_in_a_few_queries(django_assert_max_num_queries):
    Category.objects.filter(parent__isnull=False).delete()
    Category.objects.all().delete()
    with django_assert_max_num_queries(6):
        created = categories.seed_categories()
    assert created == len(categories.seed_table()) == Category.objects.count()
    # Every minor class sits under its major class.
    for c in Category.objects.filter(parent__isnull=False).select_related("parent"):
        assert c.code.startswith(c.parent.code)


@pytest.mark.parametrize(("code", "major", "minors"), EVENT_CLASSES)
def test_every_event_class_of_cases_md_is_present(code, major, minors):
    parent = Category.objects.get(code=code)
    assert parent.name == major and parent.parent_id is None
    assert set(minors) <= set(parent.children.values_list("name", flat=True))


def test_component_and_residential_classes_are_present():
    component_majors = Category.objects.filter(parent__isnull=True, code__startswith="C")
    assert sorted(component_majors.values_list("name", flat=True)) == sorted(COMPONENT_MAJORS)
    names = minors_by_name()
    for name in COMPONENT_EXAMPLES:
        assert names[name].code.startswith("C"), name
    for name in RESIDENTIAL:
        assert name in names, name
    assert "小区路灯" in names  # the compound's own lamps, besides the street lamps (路灯)


# cases.md, "Deadlines (local examples)".
@pytest.mark.parametrize(
    ("name", "low", "high", "unit"),
    [
        ("暴露垃圾", 4, 4, "working_hours"),
        ("道路不洁", 2, 5, "working_hours"),
        ("私搭乱建", 15, 20, "working_days"),  # 违法搭建
    ],
)
def test_local_example_limits_are_the_defaults(name, low, high, unit):
    c = minors_by_name()[name]
    assert c.handle_unit == unit
    assert low <= c.handle_limit <= high


@pytest.mark.parametrize(
    ("name", "urgent"),
    [("燃气管道破裂", True), ("路面塌陷", True), ("电梯故障", True), ("非法小广告", False)],
)
def test_urgent_flag(name, urgent):
    c = minors_by_name()[name]
    assert c.urgent is urgent
    if urgent:  # urgent classes are accepted within the hour
        assert (c.accept_limit, c.accept_unit) == (1, "hours")


@pytest.mark.parametrize(
    ("name", "department"),
    [
        ("暴露垃圾", "城管"),
        ("燃气管道破裂", "燃气"),
        ("自来水管破裂", "供水"),
        ("消防通道", "消防"),
        ("电梯故障", "市监"),
        ("高空抛物", "公安"),
        ("加装电梯", "住建"),
    ],
)
def test_responsible_department(name, department):
    assert minors_by_name()[name].department_kind == department


def test_every_minor_class_is_complete():
    for c in Category.objects.filter(parent__isnull=False):
        categories.validate_category(c)  # limits positive, radius set, department named where needed
        assert c.keywords.strip(), c.name


# --- the rules of an edit ----------------------------------------------------------------------


def build(**fields) -> Category:
    base = {
        "code": "0109",
        "name": "焚烧垃圾",
        "parent": Category.objects.get(code="01"),
        "responsible_level": "department",
        "department_kind": "城管",
    }
    return Category(**{**base, **fields})


@pytest.mark.parametrize(
    ("fields", "field", "message"),
    [
        ({"parent_code": "0101"}, "parent", "必须"),
        ({"code": "0709"}, "code", "01"),
        ({"accept_limit": 0}, "accept_limit", "大于零"),
        ({"handle_limit": 0}, "handle_limit", "大于零"),
        ({"duplicate_radius_m": 0}, "duplicate_radius_m", "米"),
        ({"department_kind": ""}, "department_kind", "部门"),
    ],
)
def test_invalid_edits_are_refused(fields, field, message):
    if "parent_code" in fields:
        fields = {"parent": Category.objects.get(code=fields.pop("parent_code")), "code": "010101", **fields}
    with pytest.raises(ValidationError) as exc:
        categories.validate_category(build(**fields))
    assert field in exc.value.message_dict
    assert message in " ".join(exc.value.message_dict[field])


def test_a_major_class_with_minor_classes_cannot_move_under_another():
    major = Category.objects.get(code="02")
    major.parent = Category.objects.get(code="01")
    with pytest.raises(ValidationError) as exc:
        categories.validate_category(major)
    assert "parent" in exc.value.message_dict


def test_a_valid_new_minor_class_is_saved_with_tidy_keywords():
    c = categories.save_category(build(keywords="焚烧，烧垃圾\n 冒黑烟 \n焚烧"))
    assert c.pk and c.parent.code == "01"
    assert c.keywords == "焚烧\n烧垃圾\n冒黑烟"


def test_the_tree_is_read_in_one_query(django_assert_num_queries):
    with django_assert_num_queries(1):
        tree = categories.category_tree()
        names = [(major.name, [c.name for c in minors]) for major, minors in tree]
    assert names[0][0] == "市容环境" and "暴露垃圾" in names[0][1]
    assert all(minors for _major, minors in tree)


# --- the admin: city-wide settings, edited by administrators only -----------------------------------


def change_post(c: Category, **changes) -> dict:
    data = {
        "code": c.code,
        "name": c.name,
        "parent": c.parent_id or "",
        "active": "on" if c.active else "",
        "responsible_level": c.responsible_level,
        "department_kind": c.department_kind,
        "accept_limit": c.accept_limit,
        "accept_unit": c.accept_unit,
        "respond_limit": c.respond_limit,
        "respond_unit": c.respond_unit,
        "handle_limit": c.handle_limit,
        "handle_unit": c.handle_unit,
        "urgent": "on" if c.urgent else "",
        "duplicate_radius_m": c.duplicate_radius_m,
        "keywords": c.keywords,
    }
    data.update(changes)
    return {k: v for k, v in data.items() if v != ""}


def staff_login(client, kind, region):
    user = factories.role(kind, region, username=f"cat_{kind}_{region.pk}")
    user.is_staff = True
    user.save(update_fields=["is_staff"])
    client.force_login(user)
    return user


def test_city_administrator_edits_a_class(client, city):
    staff_login(client, "admin", city.city)
    c = Category.objects.get(code="0102")
    url = reverse("admin:demands_category_change", args=[c.pk])
    assert client.get(url).status_code == 200
    response = client.post(
        url, change_post(c, handle_limit=1, handle_unit="working_days", keywords="垃圾\n臭")
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    c.refresh_from_db()
    assert (c.handle_limit, c.handle_unit, c.keywords) == (1, "working_days", "垃圾\n臭")


def test_the_admin_form_explains_what_is_wrong(client, city):
    staff_login(client, "admin", city.city)
    c = Category.objects.get(code="0102")
    url = reverse("admin:demands_category_change", args=[c.pk])
    response = client.post(url, change_post(c, handle_limit=0, parent=Category.objects.get(code="0101").pk))
    assert response.status_code == 200
    body = response.content.decode()
    assert "时限必须大于零" in body
    c.refresh_from_db()
    assert c.handle_limit == 4
    # A minor class cannot be picked as a parent at all: only major classes are offered.
    assert response.context["adminform"].form.fields["parent"].queryset.filter(code="0101").count() == 0


@pytest.mark.parametrize(
    ("kind", "where"), [("admin", "county_a"), ("community_staff", "community_a"), ("leader", "city")]
)
def test_other_staff_read_but_do_not_change(client, city, kind, where):
    staff_login(client, kind, getattr(city, where))
    c = Category.objects.get(code="0102")
    url = reverse("admin:demands_category_change", args=[c.pk])
    assert client.get(reverse("admin:demands_category_changelist")).status_code == 200
    assert client.get(url).status_code == 200  # read-only view
    response = client.post(url, change_post(c, handle_limit=99))
    assert response.status_code == 403
    assert client.post(reverse("admin:demands_category_add"), change_post(c, code="0199")).status_code == 403
    assert (
        client.post(reverse("admin:demands_category_delete", args=[c.pk]), {"post": "yes"}).status_code == 403
    )
    c.refresh_from_db()
    assert c.handle_limit == 4
    assert not Category.objects.filter(code="0199").exists()


def test_grid_workers_do_not_see_categories_in_the_admin(client, city):
    staff_login(client, "grid_worker", city.community_a)
    response = client.get(reverse("admin:demands_category_changelist"))
    assert response.status_code in {302, 403}

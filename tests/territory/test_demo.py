"""The Yichun demo city (`doorstep demo`): named places, codes, boundaries, people, logins, figures.

The city is built once for the module (a few seconds) and deleted again at the end.
"""

import io
from dataclasses import replace
from datetime import date
from decimal import Decimal

import pytest
import shapely
from django.core.management import CommandError, call_command
from django.db.models import Count
from shapely.geometry import Point, shape

from doorstep.core.ids import parse_id_number
from doorstep.core.models import User
from doorstep.core.phones import normalize_phone
from doorstep.territory import organizations as orgs
from doorstep.territory import property as prop
from doorstep.territory.demo import DEMO_PASSWORD, build_demo, reset_demo
from doorstep.territory.demo.builder import SCALES
from doorstep.territory.models import (
    DepartmentContact,
    Dwelling,
    Grid,
    GridMember,
    Household,
    JointBodySeat,
    Organization,
    Ownership,
    Person,
    PropertyService,
    Region,
    Role,
)

K = Organization.Kind
L = Region.Level
NOW = date(2026, 1, 1)


@pytest.fixture(scope="module")
def demo(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock():
        reset_demo()
        result = build_demo("demo")
        yield result
        reset_demo()


pytestmark = pytest.mark.django_db


def chain(region: Region) -> list[str]:
    return [r.name for r in Region.objects.ancestors(region)][::-1]


COUNTIES = [
    ("360902", "袁州区"),
    ("360921", "奉新县"),
    ("360922", "万载县"),
    ("360923", "上高县"),
    ("360924", "宜丰县"),
    ("360925", "靖安县"),
    ("360926", "铜鼓县"),
    ("360981", "丰城市"),
    ("360982", "樟树市"),
    ("360983", "高安市"),
]


def test_city_and_counties_have_their_real_codes(demo):
    city = Region.objects.get(code="360900")
    assert (city.name, city.level, city.code_is_official, city.parent) == ("宜春市", L.CITY, True, None)
    counties = list(
        Region.objects.filter(level=L.COUNTY).order_by("code").values_list("code", "name", "parent")
    )
    assert counties == [(code, name, city.pk) for code, name in COUNTIES]
    assert Region.objects.filter(level=L.COUNTY, code_is_official=False).count() == 0


SUBDISTRICTS = [
    ("360902001", "灵泉街道", "袁州区"),
    ("360902002", "秀江街道", "袁州区"),
    ("360902004", "湛郎街道", "袁州区"),
    ("360902005", "珠泉街道", "袁州区"),
    ("360902006", "化成街道", "袁州区"),
    ("360902007", "官园街道", "袁州区"),
    ("360902008", "下浦街道", "袁州区"),
    ("360902009", "凤凰街道", "袁州区"),
    ("360902010", "金园街道", "袁州区"),
    ("360902011", "新康府街道", "袁州区"),
    ("360921100", "冯川镇", "奉新县"),
    ("360922001", "康乐街道", "万载县"),
    ("360923001", "敖阳街道", "上高县"),
    ("360923002", "锦阳街道", "上高县"),
    ("360924100", "新昌镇", "宜丰县"),
    ("360925100", "双溪镇", "靖安县"),
    ("360926100", "永宁镇", "铜鼓县"),
    ("360981002", "剑光街道", "丰城市"),
    ("360981006", "河洲街道", "丰城市"),
    ("360981007", "剑南街道", "丰城市"),
    ("360981008", "孙渡街道", "丰城市"),
    ("360981009", "尚庄街道", "丰城市"),
    ("360981010", "龙津洲街道", "丰城市"),
    ("360982001", "淦阳街道", "樟树市"),
    ("360982002", "鹿江街道", "樟树市"),
    ("360982003", "福城街道", "樟树市"),
    ("360982004", "大桥街道", "樟树市"),
    ("360982005", "张家山街道", "樟树市"),
    ("360983001", "瑞州街道", "高安市"),
    ("360983002", "筠阳街道", "高安市"),
]


def test_subdistricts_and_seat_towns_have_statistical_codes(demo):
    rows = list(
        Region.objects.filter(level=L.SUBDISTRICT)
        .order_by("code")
        .values_list("code", "name", "parent__name", "code_is_official", "kind")
    )
    assert [r[:3] for r in rows] == SUBDISTRICTS
    assert all(r[3] for r in rows)
    assert {r[1]: r[4] for r in rows}["冯川镇"] == "town"


# name, expected ancestors (nearest first), official code or None for a local code
NAMED = [
    ("宜阳社区", ["秀江街道", "袁州区", "宜春市"], None),
    ("锦阳社区", ["锦阳街道", "上高县", "宜春市"], None),
    ("坪垅湖社区", ["剑光街道", "丰城市", "宜春市"], None),
    ("清华社区", ["双溪镇", "靖安县", "宜春市"], None),
    ("崇文社区", ["新昌镇", "宜丰县", "宜春市"], None),
    ("迎恩社区", ["瑞州街道", "高安市", "宜春市"], None),
    ("封溪社区", ["淦阳街道", "樟树市", "宜春市"], "360982001004"),
    ("明珠社区", ["珠泉街道", "袁州区", "宜春市"], "360902005006"),
    ("新苑社区", ["化成街道", "袁州区", "宜春市"], "360902006003"),
    ("桂花社区", ["新昌镇", "宜丰县", "宜春市"], "360924100004"),
    ("都市春天小区", ["宜阳社区", "秀江街道", "袁州区", "宜春市"], None),
    ("新城国际小区", ["锦阳社区", "锦阳街道", "上高县", "宜春市"], None),
    ("丰城天下小区", ["坪垅湖社区", "剑光街道", "丰城市", "宜春市"], None),
    ("清华苑小区", ["清华社区", "双溪镇", "靖安县", "宜春市"], None),
    ("崇文小区", ["崇文社区", "新昌镇", "宜丰县", "宜春市"], None),
    ("迎恩小区", ["迎恩社区", "瑞州街道", "高安市", "宜春市"], None),
    ("封溪小区", ["封溪社区", "淦阳街道", "樟树市", "宜春市"], None),
    ("明珠花园", ["明珠社区", "珠泉街道", "袁州区", "宜春市"], None),
    ("新苑小区", ["新苑社区", "化成街道", "袁州区", "宜春市"], None),
    ("桂花苑", ["桂花社区", "新昌镇", "宜丰县", "宜春市"], None),
]


@pytest.mark.parametrize(("name", "ancestors", "code"), NAMED, ids=[n[0] for n in NAMED])
def test_every_named_place_exists_in_its_place(demo, name, ancestors, code):
    region = Region.objects.get(name=name)
    assert chain(region) == ancestors
    if code:
        assert (region.code, region.code_is_official) == (code, True)
    else:
        assert not region.code_is_official
        assert region.code.startswith(region.parent.code + "-")
    assert region.boundary and region.centroid_lng and region.geometry_version >= 1


def test_named_community_facts(demo):
    assert Region.objects.get(name="新苑社区").population == 8808
    for name in ("都市春天小区", "新城国际小区", "丰城天下小区"):
        compound = Region.objects.get(name=name)
        assert compound.is_old_compound and compound.is_model_compound, name
    assert Region.objects.get(name="宜阳社区").children.count() >= 8
    assert (
        Region.objects.filter(level=L.COMPOUND, is_model_compound=True).count()
        == SCALES["demo"].model_compounds
    )


def test_runda_party_branch_in_fenghuang(demo):
    runda = Organization.objects.select_related("grid", "region", "parent").get(name="润达党支部")
    assert runda.kind == K.PARTY_BRANCH and orgs.party_level(runda) == 3
    assert runda.grid.kind == Grid.Kind.COMMERCIAL and runda.grid.name == "润达商业专属网格"
    assert chain(runda.region)[0] == "凤凰街道"
    assert runda.parent.region == runda.region and orgs.party_level(runda.parent) == 2


def test_boundaries_nest_and_do_not_overlap(demo):
    regions = list(
        Region.objects.values("pk", "parent_id", "level", "boundary", "centroid_lng", "centroid_lat")
    )
    shapes = {r["pk"]: shape(r["boundary"]) for r in regions}
    siblings: dict = {}
    for r in regions:
        geom = shapes[r["pk"]]
        assert geom.is_valid and geom.area > 0
        assert geom.contains(Point(r["centroid_lng"], r["centroid_lat"])), r["pk"]
        if r["parent_id"]:
            assert shapes[r["parent_id"]].contains(geom), r["pk"]
        siblings.setdefault(r["parent_id"], []).append(geom)
    for group in siblings.values():
        tree = shapely.STRtree(group)
        for i, geom in enumerate(group):
            hits = [j for j in tree.query(geom, predicate="intersects") if j != i]
            assert not hits
    yuanzhou = Region.objects.get(code="360902")
    assert abs(yuanzhou.centroid_lng - 114.40) < 0.05 and abs(yuanzhou.centroid_lat - 27.81) < 0.05


def test_grids_lie_in_their_community_and_cover_its_compounds(demo):
    for grid in Grid.objects.select_related("community").prefetch_related("compounds"):
        area = shape(grid.boundary)
        assert shape(grid.community.boundary).contains(area), grid.code
        for compound in grid.compounds.all():
            assert compound.parent_id == grid.community_id
            assert area.contains(shape(compound.boundary)), (grid.code, compound.name)
    assert Grid.objects.filter(kind=Grid.Kind.SCHOOL, name="袁河小学专属网格").exists()
    kinds = set(Grid.objects.values_list("kind", flat=True))
    assert {"residential", "school", "commercial"} <= kinds
    merged = Grid.objects.filter(kind=Grid.Kind.RESIDENTIAL).first()
    assert len(merged.duties) >= 3


def test_every_residential_grid_has_a_worker_and_a_leader(demo):
    per_grid = dict(
        GridMember.objects.filter(grid__kind=Grid.Kind.RESIDENTIAL)
        .values_list("grid")
        .annotate(n=Count("position", distinct=True))
    )
    residential = Grid.objects.filter(kind=Grid.Kind.RESIDENTIAL).count()
    assert len(per_grid) == residential and set(per_grid.values()) == {2}


def test_departments_are_stationed_with_public_contacts(demo):
    assert (
        Organization.objects.filter(kind=K.DEPARTMENT, region__level=L.COUNTY)
        .values("region")
        .annotate(n=Count("pk"))
        .filter(n__gte=10)
        .count()
        == 10
    )
    yiyang = Region.objects.get(name="宜阳社区")
    stationed = set(
        DepartmentContact.objects.filter(grid__community=yiyang).values_list("department__name", flat=True)
    )
    assert {"袁州区城市管理局", "袁州区市场监督管理局", "袁州区公安局", "袁州区消防救援大队"} <= stationed
    for contact in DepartmentContact.objects.all()[:50]:
        assert normalize_phone(contact.public_phone) == contact.public_phone and contact.is_public


def test_synthetic_people_have_valid_numbers_that_belong_to_nobody(demo):
    numbers = []
    for person in Person.objects.all()[:3000]:
        parsed = parse_id_number(person.id_number)
        assert parsed.number == person.id_number and person.id_number.startswith("360999")
        assert parsed.birth_date == person.birth_date and parsed.gender == person.gender
        if person.phone:
            assert normalize_phone(person.phone) == person.phone and person.phone.startswith("1990")
        numbers.append(person.id_number)
    assert len(set(numbers)) == len(numbers)
    assert Person.objects.values("id_number_hash").annotate(n=Count("pk")).filter(n__gt=1).count() == 0


def test_ownership_covers_co_owners_multi_unit_owners_and_developers(demo):
    assert Ownership.objects.values("dwelling").annotate(n=Count("pk")).filter(n__gt=1).exists()
    assert (
        Ownership.objects.filter(person__isnull=False)
        .values("person")
        .annotate(n=Count("dwelling", distinct=True))
        .filter(n__gt=1)
        .exists()
    )
    unsold = Ownership.objects.filter(is_developer_unsold=True)
    assert unsold.exists()
    assert set(unsold.values_list("organization__kind", flat=True)) == {K.DEVELOPER}
    assert not unsold.filter(person__isnull=False).exists()
    assert not Household.objects.filter(dwelling__ownerships__is_developer_unsold=True).exists()
    area = Dwelling.objects.first().exclusive_area
    assert isinstance(area, Decimal) and area == area.quantize(Decimal("0.01"))
    assert Dwelling.objects.filter(use=Dwelling.Use.COMMERCIAL).exists()
    assert Household.objects.filter(members__relation="child").exists()


def test_coverage_matches_the_article(demo):
    city = Region.objects.get(code="360900")
    before = prop.coverage(city, date(2023, 1, 1))
    now = prop.coverage(city, NOW)
    assert (before.compounds, before.covered, before.rate) == (139, 12, Decimal("8.63"))
    assert (now.compounds, now.covered, now.rate) == (139, 84, Decimal("60.43"))
    assert (now.count("public_welfare"), now.count("market"), now.count("self_managed")) == (10, 42, 32)


def test_property_history_has_no_overlaps(demo):
    periods = list(
        PropertyService.objects.order_by("compound_id", "start").values_list("compound_id", "start", "end")
    )
    for (c1, _s1, e1), (c2, s2, _e2) in zip(periods, periods[1:], strict=False):
        if c1 == c2:
            assert e1 is not None and e1 < s2
    xincheng = Region.objects.get(name="新城国际小区")
    history = list(xincheng.property_services.order_by("start"))
    assert [p.mode for p in history] == ["market", "market"] and history[0].company != history[1].company
    public = PropertyService.objects.filter(mode="public_welfare", end__isnull=True).select_related("company")
    assert all(p.company.sponsor_id for p in public)
    dushi = prop.service_on(Region.objects.get(name="都市春天小区"), NOW)
    assert (
        dushi.company.name == "秀江街道公益物业服务中心" and dushi.company.sponsor.region.name == "秀江街道"
    )


def test_committees_party_structure_and_joint_bodies(demo):
    committees = Organization.objects.filter(kind__in=orgs.COMMITTEE_KINDS, region__is_old_compound=True)
    assert committees.count() == SCALES["demo"].committees
    assert (
        Organization.objects.filter(kind=K.PARTY_BRANCH, region__level=L.COMPOUND).count()
        == SCALES["demo"].committee_party_orgs
    )
    for committee in committees.filter(kind=K.OWNERS_COMMITTEE)[:20]:
        members = list(committee.memberships.all())
        assert len(members) in (5, 7, 9, 11)
        assert sum(m.position == "director" for m in members) == 1
    structure = orgs.party_structure(Region.objects.get(code="360900"))
    assert structure.counts[1] == 30 and structure.counts[2] == 33
    assert all(structure.counts[level] > 0 for level in (3, 4, 5))
    bodies = Organization.objects.filter(kind=K.JOINT_BODY).select_related("region")
    assert {"都市春天小区", "新城国际小区", "丰城天下小区"} <= {b.region.name for b in bodies}
    assert all(b.region.is_model_compound for b in bodies)
    for body in bodies:
        assert sorted(body.seats.values_list("seat", flat=True)) == sorted(JointBodySeat.Seat.values)


LOGINS = [
    ("demo-admin", "admin", "宜春市"),
    ("demo-leader", "leader", "宜春市"),
    ("demo-subdistrict", "subdistrict_staff", "秀江街道"),
    ("demo-community", "community_staff", "宜阳社区"),
    ("demo-grid", "grid_worker", "宜阳社区"),
    ("demo-chengguan", "department_liaison", "袁州区"),
    ("demo-property", "property_staff", "都市春天小区"),
    ("demo-committee", "committee_member", "都市春天小区"),
]


@pytest.mark.parametrize(("username", "kind", "where"), LOGINS, ids=[login[0] for login in LOGINS])
def test_a_login_for_each_role(demo, username, kind, where):
    user = User.objects.get(username=username)
    assert user.is_staff
    assert Role.objects.filter(user=user, kind=kind, region__name=where).exists()


def test_login_details(demo):
    assert User.objects.get(username="demo-admin").check_password(DEMO_PASSWORD)
    grid_role = Role.objects.get(user__username="demo-grid")
    assert grid_role.grid.community.name == "宜阳社区" and grid_role.user.person.grid_posts.exists()
    assert Role.objects.get(user__username="demo-chengguan").organization.name == "袁州区城市管理局"
    committee_role = Role.objects.get(user__username="demo-committee")
    assert committee_role.organization.kind == K.OWNERS_COMMITTEE
    assert committee_role.organization.memberships.filter(person__user__username="demo-committee").exists()
    resident = User.objects.get(username="demo-resident")
    assert not resident.is_staff and not resident.roles.exists()
    assert resident.person.home_region.name == "都市春天小区"
    assert resident.person.ownerships.filter(dwelling__building__compound__name="都市春天小区").exists()
    volunteer = User.objects.get(username="demo-volunteer")
    assert not volunteer.is_staff and not volunteer.roles.exists()
    assert volunteer.person.home_region.name == "都市春天小区" and volunteer.person != resident.person
    assert [login.username for login in demo.logins] == [u for u, _k, _w in LOGINS] + [
        "demo-resident",
        "demo-volunteer",
    ]


def test_running_again_duplicates_nothing(demo):
    again = build_demo("demo")
    assert not again.built
    assert again.counts == demo.counts
    assert User.objects.filter(username__startswith="demo-").count() == 10


def test_command_prints_summary_and_logins(demo, settings):
    settings.DEBUG = True
    out = io.StringIO()
    call_command("demo", stdout=out)
    text = out.getvalue()
    assert "8.63 %" in text and "60.43 %" in text
    assert DEMO_PASSWORD in text
    for username, _kind, _where in LOGINS:
        assert username in text
    assert "demo-resident" in text and "demo-volunteer" in text


def _fingerprint():
    return (
        sorted(Grid.objects.values_list("code", "name", "kind")),
        sorted(Organization.objects.values_list("name", "kind", "region__code")),
        sorted(PropertyService.objects.values_list("compound__code", "mode", "company__name", "start")),
    )


def test_reset_rebuilds_the_same_city(demo, settings):
    settings.DEBUG = True
    before = _fingerprint()
    out = io.StringIO()
    call_command("demo", "--reset", stdout=out)
    assert "演示城市" in out.getvalue()
    assert build_demo("demo").counts == demo.counts
    assert Region.objects.filter(name="都市春天小区").count() == 1
    # New database ids, the same city.
    assert _fingerprint() == before


def test_a_city_not_built_by_the_demo_gets_no_logins(demo, settings):
    settings.DEBUG = True
    Organization.objects.filter(name="袁州区城市管理局").delete()
    out = io.StringIO()
    call_command("demo", stdout=out)
    assert "没有演示账号" in out.getvalue()


def test_command_refuses_production(demo, settings):
    settings.DEBUG = False
    with pytest.raises(CommandError):
        call_command("demo", stdout=io.StringIO())


def test_seed_scale_with_fewer_dwellings_has_the_article_figures(demo):
    """The seed scale's organisations and property figures, built with fewer homes so the test
    stays quick (the full seed scale takes about 15 s of CPU). Runs inside the test's
    transaction: the demo city is back afterwards."""
    reset_demo()
    seed = replace(SCALES["seed"], new_compounds=0, dwellings=100)
    result = build_demo(seed)
    counts = result.counts
    assert result.built and result.scale == "seed"
    assert (counts["residential_grids"], counts["dedicated_grids"]) == (1925, 682)
    assert (counts["compounds"], counts["old_compounds"], counts["committees"]) == (492, 492, 404)
    assert counts["joint_bodies"] == 30
    compound_branches = Organization.objects.filter(kind=K.PARTY_BRANCH, region__level=L.COMPOUND)
    assert compound_branches.count() == 330
    assert set(compound_branches.values_list("region__is_old_compound", flat=True)) == {True}
    city = Region.objects.get(code="360900")
    before, now = prop.coverage(city, date(2023, 1, 1)), prop.coverage(city, NOW)
    assert (before.covered, before.rate) == (42, Decimal("8.54"))
    assert (now.covered, now.rate) == (297, Decimal("60.37"))
    assert (now.count("public_welfare"), now.count("market"), now.count("self_managed")) == (34, 151, 112)
    assert {login.username for login in result.logins} >= {"demo-admin", "demo-resident"}

"""The permission matrix: an outsider neither sees nor changes anything of another community.

Every role kind holds its role inside county A (袁州区, around 宜阳社区). Community B (锦阳社区,
in county B) is "another community" for all of them. For each kind, on the staff pages and in
the admin, everything of community B is 404 (or 403, or the admin's login page for logins
without admin rights), nothing of B shows up in lists or searches, and after every GET, POST
and delete attempt the database rows of community B are exactly as before. The same pages for
the kind's own community open, so the denials are not an accident of broken pages.
"""

from dataclasses import dataclass
from datetime import date

import pytest
from django.forms.models import model_to_dict
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from doorstep.core.models import PiiAccess, User
from doorstep.territory import models as m
from doorstep.territory.people import rules
from tests import factories

# Where each kind's role sits (all inside county A) and what organisation it names.
ROLE_AT = {
    "grid_worker": "community_a",
    "community_staff": "community_a",
    "subdistrict_staff": "subdistrict_a",
    "department_liaison": "county_a",
    "property_staff": "compound_a",
    "committee_member": "compound_a",
    "leader": "county_a",
    "admin": "county_a",
}
KINDS = list(ROLE_AT)


@dataclass
class Community:
    """One community's worth of every territory model."""

    community: m.Region
    compound: m.Region
    building: m.Building
    dwelling: m.Dwelling
    ownership: m.Ownership
    household: m.Household
    householdmember: m.HouseholdMember
    grid: m.Grid
    gridmember: m.GridMember
    departmentcontact: m.DepartmentContact
    organization: m.Organization
    orgmembership: m.OrgMembership
    jointbodyseat: m.JointBodySeat
    propertyservice: m.PropertyService
    person: m.Person
    partymembership: m.PartyMembership
    role: m.Role
    access: PiiAccess
    department: m.Organization
    company: m.Organization


def build(city, side: str, phone: str, id_number: str) -> Community:
    community = getattr(city, f"community_{side}")
    compound = getattr(city, f"compound_{side}")
    county = getattr(city, f"county_{side}")
    K = m.Organization.Kind
    building = factories.building(compound, f"{side}1栋")
    dwelling = factories.dwelling(building, "101", "88.00")
    person = factories.person(f"居民{side}", phone=phone, id_number=id_number, home_region=compound)
    household = m.Household.objects.create(dwelling=dwelling, head=person)
    grid = factories.grid(community, name=f"{side}网格")
    grid.compounds.add(compound)
    branch = factories.organization(f"{side}党支部", K.PARTY_BRANCH, compound)
    body = factories.organization(f"{side}五方联席", K.JOINT_BODY, compound)
    department = factories.organization(f"{side}城管局", K.DEPARTMENT, county)
    company = factories.organization(f"{side}物业公司", K.PROPERTY_COMPANY, compound)
    worker = factories.user(f"worker_{side}")
    return Community(
        community=community,
        compound=compound,
        building=building,
        dwelling=dwelling,
        ownership=m.Ownership.objects.create(
            dwelling=dwelling, person=person, registered_on=date(2015, 1, 1)
        ),
        household=household,
        householdmember=m.HouseholdMember.objects.create(household=household, person=person, relation="head"),
        grid=grid,
        gridmember=m.GridMember.objects.create(grid=grid, person=person),
        departmentcontact=m.DepartmentContact.objects.create(
            department=department, compound=compound, name="联络员", public_phone="0795-1234567"
        ),
        organization=branch,
        orgmembership=m.OrgMembership.objects.create(organization=branch, person=person),
        jointbodyseat=m.JointBodySeat.objects.create(body=body, seat="party", organization=branch),
        propertyservice=m.PropertyService.objects.create(
            compound=compound, mode="market", company=company, start=date(2020, 1, 1)
        ),
        person=person,
        partymembership=m.PartyMembership.objects.create(
            person=person, organization=branch, reports_to=community
        ),
        role=m.Role.objects.create(user=worker, kind="grid_worker", region=community),
        access=PiiAccess.objects.create(
            user=worker,
            subject_type="territory.person",
            subject_id=str(person.pk),
            field="phone",
            reason="回访",
        ),
        department=department,
        company=company,
    )


@pytest.fixture
def world(city):
    own = build(city, "a", "13800000001", "11010519491231002X")
    other = build(city, "b", "13900000002", "440524188001010014")
    return city, own, other


def login_as(client, city, own: Community, kind: str) -> User:
    extra = {}
    if kind == "department_liaison":
        extra["organization"] = own.department
    if kind == "property_staff":
        extra["organization"] = own.company
    user = factories.role(kind, getattr(city, ROLE_AT[kind]), username=f"as_{kind}", **extra)
    # is_staff follows the roles (grant_role keeps it in step; here the role was made directly).
    User.objects.filter(pk=user.pk).update(is_staff=kind in rules.STAFF_KINDS)
    user.refresh_from_db()
    client.force_login(user)
    return user


def snapshot(side: Community) -> dict:
    """Every field of every row of one community, to prove nothing changed."""
    rows = {}
    for name in Community.__dataclass_fields__:
        obj = getattr(side, name)
        fresh = type(obj)._default_manager.filter(pk=obj.pk).first()
        rows[name] = None if fresh is None else model_to_dict(fresh)
    rows["tags"] = sorted(side.person.tags.values_list("pk", flat=True))
    rows["accesses"] = PiiAccess.objects.count()
    return rows


DENIED = {403, 404}


def assert_denied(response, what: str) -> None:
    """404/403, or (for a login without admin rights) the admin's login page."""
    if response.status_code == 302:
        assert "/admin/login/" in response["Location"], what
    else:
        assert response.status_code in DENIED, f"{what}: {response.status_code}"


# --- Staff pages -----------------------------------------------------------------------------------

# (url name, the object of a community the URL points at, extra query). Every staff URL in
# doorstep/territory/urls.py that names an object is here; test_every_staff_url_is_in_the_matrix
# fails when a new one is added without a row.
OBJECT_PAGES = [
    ("territory:region", "community", None),
    ("territory:region", "compound", None),
    ("territory:compound", "compound", None),
    ("territory:grid", "grid", None),
    ("territory:coverage_region", "community", None),
    ("territory:people:detail", "person", None),
    ("territory:people:reveal", "person", "phone"),
    ("territory:people:reveal", "person", "id_number"),
]
# Pages without an object: lists and searches that must not show the other community.
LIST_PAGES = [
    ("territory:tree", {}),
    ("territory:coverage", {}),
    ("territory:search", {"q": "居民b"}),
    ("territory:search", {"q": "13900000002"}),
    ("territory:search", {"q": "440524188001010014"}),
    ("territory:roster:page", {}),
]
# A resident's own pages act on the logged-in user only: no object of anyone else to reach.
SELF_PAGES = {"territory:people:me", "territory:people:export", "territory:people:erase"}
# The roster workbook's blank template holds no data; import and export have their own test below.
ROSTER_PAGES = {"territory:roster:template", "territory:roster:import", "territory:roster:export"}


def page_url(name: str, obj, extra) -> str:
    args = [obj.pk] + ([extra] if extra else [])
    return reverse(name, args=args)


def _names(patterns, prefix=""):
    for p in patterns:
        if isinstance(p, URLResolver):
            ns = f"{prefix}{p.namespace}:" if p.namespace else prefix
            yield from _names(p.url_patterns, ns)
        elif isinstance(p, URLPattern) and p.name:
            yield prefix + p.name


def test_every_staff_url_is_in_the_matrix():
    territory = [n for n in _names(get_resolver().url_patterns) if n.startswith("territory:")]
    covered = {n for n, _, _ in OBJECT_PAGES} | {n for n, _ in LIST_PAGES} | SELF_PAGES | ROSTER_PAGES
    assert set(territory) <= covered, sorted(set(territory) - covered)


@pytest.mark.parametrize("kind", KINDS)
def test_pages_of_another_community(client, world, kind):
    city, own, other = world
    login_as(client, city, own, kind)
    before = snapshot(other)
    for name, key, extra in OBJECT_PAGES:
        url = page_url(name, getattr(other, key), extra)
        assert_denied(client.get(url), f"GET {name} {key}")
        assert_denied(client.post(url, {"reason": "好奇"}), f"POST {name} {key}")
    for name, query in LIST_PAGES:
        response = client.get(reverse(name), query, follow=True)
        if response.status_code == 403:
            continue  # the page is not for this kind at all
        assert response.status_code == 200, name
        body = response.content.decode()
        for leak in ("锦阳社区", "新城国际小区", "居*b", "139****0002", "440524********0014"):
            assert leak not in body, f"{name} {query} shows {leak}"
        assert reverse("territory:people:detail", args=[other.person.pk]) not in body
    assert snapshot(other) == before


@pytest.mark.parametrize("kind", KINDS)
def test_pages_of_own_community_open(client, world, kind):
    city, own, other = world
    login_as(client, city, own, kind)
    for name, key, extra in OBJECT_PAGES:
        if name == "territory:people:reveal":
            continue  # depends on the kind: see tests/territory/test_people_masking.py
        obj = getattr(own, key)
        if name == "territory:region" and key == "community" and ROLE_AT[kind] == "compound_a":
            continue  # a compound-level role does not see the community above it
        if name in {"territory:coverage_region", "territory:grid"} and ROLE_AT[kind] == "compound_a":
            continue
        assert client.get(page_url(name, obj, extra), follow=True).status_code == 200, (name, key)


def _roster_of(region) -> bytes:
    """The other community's buildings as its own staff would download them, one floor count changed."""
    import io

    from openpyxl import load_workbook

    from doorstep.territory.roster import services as roster

    out = io.BytesIO()
    roster.export_roster(out, user=None, region=region)
    book = load_workbook(io.BytesIO(out.getvalue()))
    for other_sheet in book.worksheets:
        if other_sheet.title not in {"说明", "楼栋"} and other_sheet.max_row > 2:
            other_sheet.delete_rows(3, other_sheet.max_row)  # keep the hint and header rows
    sheet = book["楼栋"]
    changed = False
    col = None
    for row in sheet.iter_rows():
        cells = [str(c.value or "").rstrip("*") for c in row]
        if "层数" in cells:
            col = cells.index("层数")
        elif col is not None and "b1栋" in cells:
            row[col].value = 33
            changed = True
    assert changed, "the exported roster has the building"
    edited = io.BytesIO()
    book.save(edited)
    return edited.getvalue()


@pytest.mark.parametrize("kind", KINDS)
def test_roster_of_another_community(client, world, kind):
    """Neither exporting the other community's roster nor importing changes into it works."""
    from django.core.files.uploadedfile import SimpleUploadedFile

    city, own, other = world
    workbook = _roster_of(other.community)
    login_as(client, city, own, kind)
    before = snapshot(other)
    export = client.post(reverse("territory:roster:export"), {"region": other.community.pk})
    assert export.status_code in {400, 403}, export.status_code
    assert "attachment" not in export.get("Content-Disposition", "")
    upload = SimpleUploadedFile("roster.xlsx", workbook, "application/octet-stream")
    response = client.post(reverse("territory:roster:import"), {"file": upload})
    assert response.status_code in {400, 403, 422}, response.status_code
    assert snapshot(other) == before
    assert m.Building.objects.get(pk=other.building.pk).floors != 33


def test_the_same_roster_change_works_for_the_community_s_own_staff(client, world):
    """So the refusals above are about scope, not about a broken workbook."""
    from django.core.files.uploadedfile import SimpleUploadedFile

    city, own, other = world
    workbook = _roster_of(other.community)
    client.force_login(factories.role("community_staff", other.community, username="jinyang"))
    upload = SimpleUploadedFile("roster.xlsx", workbook, "application/octet-stream")
    assert client.post(reverse("territory:roster:import"), {"file": upload}).status_code == 200
    assert m.Building.objects.get(pk=other.building.pk).floors == 33


# --- The admin -----------------------------------------------------------------------------------

ADMIN_MODELS = [
    ("territory", "region", "compound"),
    ("territory", "building", "building"),
    ("territory", "dwelling", "dwelling"),
    ("territory", "ownership", "ownership"),
    ("territory", "household", "household"),
    ("territory", "householdmember", "householdmember"),
    ("territory", "grid", "grid"),
    ("territory", "gridmember", "gridmember"),
    ("territory", "departmentcontact", "departmentcontact"),
    ("territory", "organization", "organization"),
    ("territory", "orgmembership", "orgmembership"),
    ("territory", "jointbodyseat", "jointbodyseat"),
    ("territory", "propertyservice", "propertyservice"),
    ("territory", "person", "person"),
    ("territory", "partymembership", "partymembership"),
    ("territory", "role", "role"),
    ("core", "piiaccess", "access"),
]


def admin_url(app, model, action, obj=None):
    args = [obj.pk] if obj is not None else []
    return reverse(f"admin:{app}_{model}_{action}", args=args)


def test_every_regional_model_is_in_the_admin_matrix():
    from django.contrib import admin

    in_matrix = {f"{app}.{model}" for app, model, _ in ADMIN_MODELS}
    registered = {
        model._meta.label_lower
        for model in admin.site._registry
        if model._meta.app_label == "territory" and model._meta.model_name != "persontag"
    }
    assert registered <= in_matrix, sorted(registered - in_matrix)


@pytest.mark.parametrize("kind", KINDS)
def test_admin_of_another_community(client, world, kind):
    city, own, other = world
    login_as(client, city, own, kind)
    before = snapshot(other)
    for app, model, key in ADMIN_MODELS:
        obj = getattr(other, key)
        listing = client.get(admin_url(app, model, "changelist"))
        if listing.status_code == 200:
            assert admin_url(app, model, "change", obj) not in listing.content.decode(), model
        else:
            assert_denied(listing, f"{model} changelist")
        assert_denied(client.get(admin_url(app, model, "change", obj)), f"{model} change GET")
        post = {k: v for k, v in model_to_dict(obj).items() if v is not None and not isinstance(v, list)}
        post.update({"name": "被改了", "number": "被改了", "reason": "被改了", "active": ""})
        assert_denied(client.post(admin_url(app, model, "change", obj), post), f"{model} change POST")
        assert_denied(client.get(admin_url(app, model, "delete", obj)), f"{model} delete GET")
        assert_denied(
            client.post(admin_url(app, model, "delete", obj), {"post": "yes"}), f"{model} delete POST"
        )
        assert_denied(client.get(admin_url(app, model, "history", obj)), f"{model} history")
        bulk = client.post(
            admin_url(app, model, "changelist"),
            {"action": "delete_selected", "_selected_action": [obj.pk], "post": "yes"},
        )
        assert bulk.status_code in {200, 302, 403}, model
    # The other community's logins cannot be reached either.
    worker_b = other.role.user
    assert_denied(client.get(reverse("admin:core_user_change", args=[worker_b.pk])), "user change")
    assert_denied(
        client.post(
            reverse("admin:auth_user_password_change", args=[worker_b.pk]),
            {"password1": "x-Secret-123456", "password2": "x-Secret-123456"},
        ),
        "user password",
    )
    assert snapshot(other) == before
    assert User.objects.get(pk=worker_b.pk).check_password("pw-doorstep-1")


@pytest.mark.parametrize("kind", KINDS)
def test_admin_of_own_community_follows_the_rights_table(client, world, kind):
    """The same admin pages for the kind's own area open exactly where rules.ADMIN_RIGHTS says."""
    city, own, other = world
    user = login_as(client, city, own, kind)
    rights = rules.ADMIN_RIGHTS.get(kind, {})
    for app, model, key in ADMIN_MODELS:
        obj = getattr(own, key)
        response = client.get(admin_url(app, model, "change", obj))
        label = f"{app}.{model}"
        if "view" in rights.get(label, ()) and _role_covers(user, obj, key, own):
            assert response.status_code == 200, (kind, model, response.status_code)
        else:
            assert_denied(response, f"{kind} {model}")


def _role_covers(user, obj, key, own) -> bool:
    """A compound-level role does not cover the community, its grid or the community's roles."""
    role = m.Role.objects.get(user=user)
    if role.region.level < m.Region.Level.COMPOUND:
        return True
    return key not in {"grid", "gridmember", "role", "departmentcontact"} or (
        key == "departmentcontact" and obj.compound_id == role.region_id
    )


# Spot checks in words, so the table above is not only checked against itself.
SPOT_CHECKS = [
    ("community_staff", "territory", "person", "change", 200),
    ("grid_worker", "territory", "household", "change", 200),
    ("grid_worker", "territory", "role", "changelist", 403),
    ("leader", "territory", "building", "change", 200),
    ("leader", "core", "piiaccess", "changelist", 403),
    ("admin", "core", "piiaccess", "changelist", 200),
    ("department_liaison", "territory", "person", "changelist", 302),
    ("committee_member", "territory", "building", "changelist", 302),
]


@pytest.mark.parametrize(("kind", "app", "model", "action", "status"), SPOT_CHECKS)
def test_admin_spot_checks(client, world, kind, app, model, action, status):
    city, own, other = world
    login_as(client, city, own, kind)
    key = next(k for a, mo, k in ADMIN_MODELS if (a, mo) == (app, model))
    obj = getattr(own, key) if action == "change" else None
    assert client.get(admin_url(app, model, action, obj)).status_code == status


# --- Demands: the staff side of the case loop ------------------------------------------------------
# Every staff URL of the case loop (doorstep/demands/urls_staff.py, names demands:staff_...) that
# names an object is here; test_every_demands_staff_url_is_in_the_matrix fails when one is missing.


@dataclass
class CaseSide:
    """One community's case: whistled to its department, with a request for more time."""

    case: object
    demand: object
    part: object
    postponement: object


def build_case(side: Community, text: str) -> CaseSide:
    from tests.demands import factories as demand_factories

    case = demand_factories.case(
        side.compound,
        status="whistled",
        text=text,
        demand_extra={"reporter": side.person, "contact_phone": side.person.phone},
    )
    part = demand_factories.whistle_part(case, side.department)
    postponement = demand_factories.postponement(case, side.role.user)
    return CaseSide(case=case, demand=case.demand, part=part, postponement=postponement)


def _case_actions() -> list[str]:
    from doorstep.demands.views.staff_forms import SPECS

    return sorted(SPECS)


CASE_OBJECT_PAGES = [
    ("demands:staff_case", "case", None),
    *[("demands:staff_case_action", "case", action) for action in _case_actions()],
    ("demands:staff_case_category", "case", None),
    ("demands:staff_case_reveal", "case", "phone"),
    ("demands:staff_case_reveal", "case", "name"),
    ("demands:staff_part_action", "part", "report_in"),
    ("demands:staff_part_action", "part", "part_done"),
]
CASE_LIST_PAGES = [
    ("demands:staff_worklist", None, {}),
    *[
        ("demands:staff_worklist_tab", tab, {})
        for tab in ("accept", "dispatch", "mine", "due_soon", "overdue", "whistled", "returned", "all")
    ],
    ("demands:staff_worklist_tab", "all", {"q": "锦阳"}),
    ("demands:staff_department", None, {}),
]
CASE_POST_ONLY = {"demands:staff_bulk"}  # tested below with the other community's rows
CASE_POST_FORMS = {"demands:staff_case_category"}  # GET is 405 for everyone: nothing to read


@pytest.fixture
def case_world(world):
    city, own, other = world
    return (
        city,
        own,
        other,
        build_case(own, "宜阳社区的诉求：路灯坏了"),
        build_case(other, "锦阳社区的诉求：井盖丢了"),
    )


def case_snapshot(side: CaseSide) -> dict:
    from doorstep.demands.models import CaseEvent, Photo

    rows = {}
    for name in CaseSide.__dataclass_fields__:
        obj = getattr(side, name)
        fresh = type(obj)._default_manager.filter(pk=obj.pk).first()
        rows[name] = None if fresh is None else model_to_dict(fresh)
    rows["events"] = CaseEvent.objects.filter(case=side.case).count()
    rows["photos"] = Photo.objects.filter(demand=side.demand).count()
    rows["accesses"] = PiiAccess.objects.count()
    return rows


def test_every_demands_staff_url_is_in_the_matrix():
    staff = [n for n in _names(get_resolver().url_patterns) if n.startswith("demands:staff_")]
    covered = {n for n, _, _ in CASE_OBJECT_PAGES} | {n for n, _, _ in CASE_LIST_PAGES} | CASE_POST_ONLY
    assert set(staff) <= covered, sorted(set(staff) - covered)


def _case_url(name: str, obj, extra) -> str:
    return reverse(name, args=[obj.pk] + ([extra] if extra else []))


# What any form of the case pages could send: a reason, a unit, departments, a result …
CASE_POST = {
    "version": "0",
    "reason": "好奇",
    "note": "好奇",
    "text": "已处理",
    "result": "已处理",
    "working_days": "3",
    "score": "5",
    "solved": "yes",
    "category": "1",
}


@pytest.mark.parametrize("kind", KINDS)
def test_case_pages_of_another_community(client, case_world, kind):
    city, own, other, own_case, other_case = case_world
    login_as(client, city, own, kind)
    before = case_snapshot(other_case)
    post = {**CASE_POST, "unit": other.department.pk, "departments": [other.department.pk]}
    post["part"] = other_case.part.pk
    for name, key, extra in CASE_OBJECT_PAGES:
        url = _case_url(name, getattr(other_case, key), extra)
        got = client.get(url)
        if not (name in CASE_POST_FORMS and got.status_code == 405):
            assert_denied(got, f"GET {name} {extra}")
        assert_denied(client.post(url, post), f"POST {name} {extra}")
    for name, arg, query in CASE_LIST_PAGES:
        response = client.get(reverse(name, args=[arg] if arg else []), query)
        if response.status_code == 403:
            continue  # the page is not for this kind at all
        assert response.status_code == 200, name
        body = response.content.decode()
        for leak in (other_case.case.number, "锦阳社区的诉求", "新城国际小区", "139****0002"):
            assert leak not in body, f"{name} {arg} {query} shows {leak}"
    bulk = client.post(
        reverse("demands:staff_bulk"),
        {"action": "accept", "case": [other_case.case.pk], f"v{other_case.case.pk}": "0"},
    )
    assert bulk.status_code in {200, 403}
    assert other_case.case.number not in bulk.content.decode()
    merge = client.post(
        reverse("demands:staff_bulk"),
        {"action": "merge", "case": [own_case.case.pk], "into": other_case.case.number},
    )
    assert merge.status_code in {200, 403}
    assert case_snapshot(other_case) == before


# Kinds that read a case of their own area: by region, or (liaison, property staff) because it
# is whistled to their department or lies in a compound their company serves.
CASE_READERS = {
    "grid_worker",
    "community_staff",
    "subdistrict_staff",
    "department_liaison",
    "property_staff",
    "leader",
    "admin",
}


@pytest.mark.parametrize("kind", KINDS)
def test_case_pages_of_own_community_open(client, case_world, kind):
    city, own, other, own_case, other_case = case_world
    login_as(client, city, own, kind)
    response = client.get(reverse("demands:staff_case", args=[own_case.case.pk]))
    if kind in CASE_READERS:
        assert response.status_code == 200, kind
        assert "宜阳社区的诉求" in response.content.decode()
    else:
        assert response.status_code == 404, kind
    worklist = client.get(reverse("demands:staff_worklist_tab", args=["all"]))
    if kind in CASE_READERS:
        assert own_case.case.number in worklist.content.decode(), kind
    else:
        assert worklist.status_code == 403, kind

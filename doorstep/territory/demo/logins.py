"""A demo login for each role, over the places the article names.

All share one documented password (DEMO_PASSWORD). Staff logins get `is_staff` so the admin
opens for them (what they see there is still limited by their role's scope); the resident has
no staff role but a Person record of their own, as a resident would.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.contrib.auth.hashers import make_password
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from doorstep.core.models import User
from doorstep.territory import organizations as org_services
from doorstep.territory import property as property_services
from doorstep.territory.models import (
    Grid,
    GridMember,
    HouseholdMember,
    Organization,
    OrgMembership,
    Region,
    Role,
)

DEMO_PASSWORD = "chuntian-demo"
Kind = Role.Kind


@dataclass(frozen=True)
class Login:
    username: str
    role: str  # Role.Kind value, or "resident" / "volunteer" (PEOPLE)
    display_name: str
    where: str  # the region the role is held over, shown in the table


# Username, role, display name. The order is the order of the printed table.
LOGINS = (
    ("demo-admin", Kind.ADMIN, "演示管理员"),
    ("demo-leader", Kind.LEADER, "市领导（演示）"),
    ("demo-subdistrict", Kind.SUBDISTRICT_STAFF, "秀江街道干部（演示）"),
    ("demo-community", Kind.COMMUNITY_STAFF, "宜阳社区书记（演示）"),
    ("demo-grid", Kind.GRID_WORKER, "宜阳社区网格员（演示）"),
    ("demo-chengguan", Kind.DEPARTMENT_LIAISON, "袁州区城管联络员（演示）"),
    ("demo-property", Kind.PROPERTY_STAFF, "物业公司员工（演示）"),
    ("demo-committee", Kind.COMMITTEE_MEMBER, "都市春天小区业委会委员（演示）"),
    ("demo-resident", "resident", "都市春天小区居民（演示）"),
    ("demo-volunteer", "volunteer", "宜阳跑腿办志愿者（演示）"),
)
# Logins of people, not staff: no role, no admin, the resident pages only.
PEOPLE = ("resident", "volunteer")
USERNAMES = tuple(username for username, _k, _n in LOGINS)
ROLE_LABEL = dict(Kind.choices) | {"resident": _("resident"), "volunteer": _("volunteer")}


def ensure_logins() -> list[Login]:
    """Create whatever demo logins are missing (passwords are set only when a login is created)."""
    today = timezone.localdate()
    city = Region.objects.get(code="360900")
    yuanzhou = Region.objects.get(code="360902")
    xiujiang = Region.objects.get(code="360902002")
    yiyang = Region.objects.get(name="宜阳社区", parent=xiujiang)
    dushi = Region.objects.get(name="都市春天小区", parent=yiyang)
    grid = Grid.objects.filter(community=yiyang, kind=Grid.Kind.RESIDENTIAL).order_by("code").first()
    chengguan = Organization.objects.get(
        kind=Organization.Kind.DEPARTMENT, region=yuanzhou, name="袁州区城市管理局"
    )
    service = property_services.service_on(dushi, today)
    committee = org_services.committee_on(dushi, today)
    committee_people = list(
        OrgMembership.objects.filter(organization=committee)
        .order_by("pk")
        .values_list("person_id", flat=True)
    )
    worker = (
        GridMember.objects.filter(grid=grid, position=GridMember.Position.WORKER)
        .select_related("person")
        .first()
    )
    leader = (
        GridMember.objects.filter(grid=grid, position=GridMember.Position.LEADER)
        .select_related("person")
        .first()
    )
    # The resident: a household head who owns and lives in 都市春天小区 and sits on no committee.
    resident = (
        HouseholdMember.objects.filter(
            relation=HouseholdMember.Relation.HEAD,
            household__dwelling__building__compound=dushi,
            person__ownerships__dwelling__building__compound=dushi,
        )
        .exclude(person_id__in=committee_people)
        .select_related("person")
        .order_by("pk")
        .first()
    )
    # The volunteer (the errands team's member in the demo's service orders): another household
    # head of the compound, on no committee.
    volunteer = (
        HouseholdMember.objects.filter(
            relation=HouseholdMember.Relation.HEAD, household__dwelling__building__compound=dushi
        )
        .exclude(person_id__in=committee_people)
        .exclude(person_id=resident.person_id if resident else None)
        .select_related("person")
        .order_by("pk")
        .first()
    )

    # (region, organisation, grid, person) per role.
    places = {
        Kind.ADMIN: (city, None, None, None),
        Kind.LEADER: (city, None, None, None),
        Kind.SUBDISTRICT_STAFF: (xiujiang, None, None, None),
        Kind.COMMUNITY_STAFF: (yiyang, None, None, leader.person if leader else None),
        Kind.GRID_WORKER: (yiyang, None, grid, worker.person if worker else None),
        Kind.DEPARTMENT_LIAISON: (yuanzhou, chengguan, None, None),
        Kind.PROPERTY_STAFF: (dushi, service.company if service else None, None, None),
        Kind.COMMITTEE_MEMBER: (dushi, committee, None, _person(committee_people[1:2])),
        "resident": (dushi, None, None, resident.person if resident else None),
        "volunteer": (dushi, None, None, volunteer.person if volunteer else None),
    }
    hashed = None
    rows = []
    for username, kind, display in LOGINS:
        region, org, role_grid, person = places[kind]
        user = User.objects.filter(username=username).first()
        if user is None:
            hashed = hashed or make_password(DEMO_PASSWORD)
            user = User.objects.create(
                username=username,
                display_name=display,
                password=hashed,
                is_staff=kind not in PEOPLE,
                is_superuser=kind == Kind.ADMIN,
            )
        if kind not in PEOPLE:
            Role.objects.get_or_create(
                user=user, kind=kind, region=region, defaults={"organization": org, "grid": role_grid}
            )
        if person is not None and person.user_id is None and not hasattr(user, "person"):
            person.user = user
            person.save(update_fields=["user", "updated_at"])
        where = region.name
        if kind == Kind.PROPERTY_STAFF and org is not None:
            where = _property_roles(user, org, today) or where
        elif org is not None:
            where = f"{region.name} · {org.name}"
        elif role_grid is not None:
            where = f"{region.name} · {role_grid.name}"
        rows.append(Login(username, kind, display, where))
    return rows


def _person(ids):
    from doorstep.territory.models import Person

    return Person.objects.filter(pk__in=ids).first() if ids else None


def _property_roles(user, company: Organization, today) -> str:
    """Property staff hold a role over every compound their company serves today."""
    compounds = list(
        Region.objects.filter(
            property_services__company=company,
            property_services__start__lte=today,
            property_services__end__isnull=True,
        ).order_by("code")
    )
    for compound in compounds:
        Role.objects.get_or_create(
            user=user, kind=Kind.PROPERTY_STAFF, region=compound, defaults={"organization": company}
        )
    return f"{company.name}（{'、'.join(c.name for c in compounds)}）" if compounds else ""

"""Who someone is to a case (the actor kinds the transition table speaks of), and who to tell.

A staff role counts over the case when it is held over the case's region or a region above it
(its scope is the subtree), with three narrower rules: a grid worker whose role names a grid
counts for that grid's cases only; a department liaison counts only for cases handled by their
department or whistled to it; property staff count only for cases of the compounds their
company serves (or handed to their company). The demand's reporter (its reporter login, or
the login of its reporter's person record) is "reporter"; a superuser is "admin".
"""

from contextlib import contextmanager
from contextvars import ContextVar

from django.contrib.auth import get_user_model
from django.core.exceptions import ObjectDoesNotExist
from django.db.models import Q
from django.utils import timezone

from doorstep.territory.models import Organization, PropertyService, Region, Role

R = Role.Kind
L = Region.Level
# Role kinds that count over the case's region (and its ancestors).
REGION_KINDS = frozenset({R.GRID_WORKER, R.COMMUNITY_STAFF, R.SUBDISTRICT_STAFF, R.LEADER, R.ADMIN})


# A round of the worker looks up the same regions and role holders for case after case: inside
# `remembering()` those lookups are kept for the round (roles do not change within a minute).
_memo: ContextVar[dict | None] = ContextVar("doorstep_actors_memo", default=None)


@contextmanager
def remembering():
    token = _memo.set({})
    try:
        yield
    finally:
        _memo.reset(token)


def _remembered(key, compute):
    memo = _memo.get()
    if memo is None:
        return compute()
    if key not in memo:
        memo[key] = compute()
    return memo[key]


def _path(case) -> tuple[list[int], dict[int, int]]:
    """The ids of the case's region and the regions above it (city first) and their levels;
    cached on the case object, a small query per level the first time."""
    cached = getattr(case, "_region_path", None)
    if cached is not None and cached[0] == case.region_id:
        return cached[1], cached[2]
    ids, levels = [], {}
    pk = case.region_id
    while pk is not None and pk not in levels and len(ids) < 16:
        row = _remembered(
            ("region", pk),
            lambda pk=pk: Region.objects.filter(pk=pk).values_list("parent_id", "level").first(),
        )
        if row is None:
            break
        ids.append(pk)
        levels[pk] = row[1]
        pk = row[0]
    ids.reverse()
    case._region_path = (case.region_id, ids, levels)
    return ids, levels


def path_ids(case) -> list[int]:
    return _path(case)[0]


def path_levels(case) -> dict[int, int]:
    return _path(case)[1]


def _serves(company_id: int, region_ids: list[int], on=None) -> bool:
    on = on or timezone.localdate()
    return (
        PropertyService.objects.filter(company_id=company_id, compound_id__in=region_ids, start__lte=on)
        .filter(Q(end__isnull=True) | Q(end__gte=on))
        .exists()
    )


def _person_id(user) -> int | None:
    """The person record of a login (cached on the user object by Django)."""
    try:
        return user.person.pk
    except ObjectDoesNotExist:
        return None


def actor_kinds(user, case) -> frozenset[str]:
    """The actor kinds `user` holds over `case` (empty for an outsider)."""
    if user is None or not getattr(user, "is_authenticated", False):
        return frozenset()
    kinds: set[str] = set()
    if user.is_superuser:
        kinds.add("admin")
    demand = case.demand
    if demand.reporter_user_id == user.pk or (demand.reporter_id and demand.reporter_id == _person_id(user)):
        kinds.add("reporter")
    roles = list(Role.objects.filter(user=user, active=True).only("kind", "region", "organization", "grid"))
    if not roles:
        return frozenset(kinds)
    ids = set(path_ids(case))
    part_departments = None
    for role in roles:
        if role.kind == R.DEPARTMENT_LIAISON:
            if not role.organization_id:
                continue
            if role.organization_id == case.unit_id:
                kinds.add(role.kind)
                continue
            if part_departments is None:
                part_departments = set(case.whistle_parts.values_list("department_id", flat=True))
            if role.organization_id in part_departments:
                kinds.add(role.kind)
        elif role.kind == R.PROPERTY_STAFF:
            if not role.organization_id:
                continue
            if role.organization_id == case.unit_id or (
                role.region_id in ids and _serves(role.organization_id, list(ids))
            ):
                kinds.add(role.kind)
        elif role.kind in REGION_KINDS and role.region_id in ids:
            if role.kind == R.GRID_WORKER and role.grid_id and case.grid_id and role.grid_id != case.grid_id:
                continue
            kinds.add(role.kind)
    return frozenset(kinds)


# --- who to tell -------------------------------------------------------------------------------


def _users(q: Q) -> list:
    User = get_user_model()
    return list(User.objects.filter(is_active=True).filter(q).distinct().order_by("pk"))


def role_users(kinds, *, region_ids=None, organization=None) -> list:
    """Active logins holding an active role of these kinds (over these regions / for this org)."""
    key = (
        "roles",
        tuple(sorted(kinds)),
        tuple(region_ids) if region_ids is not None else None,
        getattr(organization, "pk", organization),
    )
    return list(_remembered(key, lambda: _role_users(kinds, region_ids, organization)))


def _role_users(kinds, region_ids, organization) -> list:
    q = Q(roles__active=True, roles__kind__in=list(kinds))
    if region_ids is not None:
        q &= Q(roles__region__in=list(region_ids))
    if organization is not None:
        q &= Q(roles__organization=organization)
    return _users(q)


def _nearest(case, kinds, levels=None) -> list:
    """Holders of `kinds` over the case, those at the deepest region first found."""
    path = path_ids(case)
    regions = path_levels(case)
    for pk in reversed(path):
        if levels is not None and regions.get(pk) not in levels:
            continue
        found = role_users(kinds, region_ids=[pk])
        if found:
            return found
    return []


def followers(case) -> list:
    """The reporter (with a login) and everyone following the demand."""
    User = get_user_model()
    demand = case.demand
    q = Q(follows__demand=demand)
    if demand.reporter_user_id:
        q |= Q(pk=demand.reporter_user_id)
    if demand.reporter_id:
        q |= Q(person=demand.reporter_id)  # a caller whose person record has a login
    return list(User.objects.filter(q, is_active=True).distinct().order_by("pk"))


def unit_staff(case) -> list:
    """The people who handle the case now: the assignee, or the unit's staff."""
    if case.assignee_id:
        return [case.assignee]
    unit = case.unit
    if unit is not None and unit.kind == Organization.Kind.DEPARTMENT and case.level == "department":
        return role_users([R.DEPARTMENT_LIAISON], organization=unit)
    if unit is not None and unit.kind == Organization.Kind.PROPERTY_COMPANY:
        return role_users([R.PROPERTY_STAFF], organization=unit)
    return desk_staff(case)


def desk_staff(case) -> list:
    """The staff of the case's level: community staff, subdistrict staff, or county leaders."""
    if case.level in ("subdistrict",):
        return _nearest(case, [R.SUBDISTRICT_STAFF], {L.SUBDISTRICT}) or _nearest(case, [R.LEADER, R.ADMIN])
    if case.level in ("county", "department"):
        return _nearest(case, [R.LEADER], {L.COUNTY}) or _nearest(case, [R.LEADER, R.ADMIN])
    return _nearest(case, [R.COMMUNITY_STAFF], {L.COMMUNITY}) or _nearest(
        case, [R.SUBDISTRICT_STAFF, R.LEADER, R.ADMIN]
    )


# Who approves more time: community staff for a grid's case, subdistrict staff above that.
APPROVERS = {
    "grid": frozenset({R.COMMUNITY_STAFF, R.SUBDISTRICT_STAFF, R.LEADER, R.ADMIN, "admin"}),
}
APPROVERS_ABOVE = frozenset({R.SUBDISTRICT_STAFF, R.LEADER, R.ADMIN, "admin"})


def approver_kinds(case) -> frozenset[str]:
    return APPROVERS.get(case.level, APPROVERS_ABOVE)


def supervisors(case) -> list:
    """The people who decide a postponement request for the case."""
    if case.level == "grid":
        found = _nearest(case, [R.COMMUNITY_STAFF], {L.COMMUNITY})
        if found:
            return found
    return _nearest(case, [R.SUBDISTRICT_STAFF], {L.SUBDISTRICT}) or _nearest(case, [R.LEADER, R.ADMIN])


def liaisons(department: Organization) -> list:
    return role_users([R.DEPARTMENT_LIAISON], organization=department)

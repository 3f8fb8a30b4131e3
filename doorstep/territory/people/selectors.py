"""Scoped reads of people, roles and the personal-data access log. Every function takes the user."""

from datetime import date

from django.db.models import CharField, Q, QuerySet
from django.db.models.functions import Cast
from django.http import Http404
from django.utils import timezone

from doorstep.core.models import PiiAccess
from doorstep.core.scoping import EVERYTHING, NOTHING, Scope
from doorstep.territory.models import Person, Region, Role
from doorstep.territory.selectors import people_visible, subtree_ids

from . import rules

PERSON_SUBJECT = "territory.person"
REGION_SUBJECT = "territory.region"
_ROLES_ATTR = "_doorstep_active_roles"
_KIND_SCOPES_ATTR = "_doorstep_kind_scopes"


def active_roles(user) -> list[Role]:
    """The user's active roles with their regions, read once per request."""
    if user is None or not user.is_authenticated:
        return []
    roles = getattr(user, _ROLES_ATTR, None)
    if roles is None:
        roles = list(Role.objects.filter(user=user, active=True).select_related("region"))
        setattr(user, _ROLES_ATTR, roles)
    return roles


def forget(user) -> None:
    """Drop the per-request caches after the user's roles changed."""
    for attr in (_ROLES_ATTR, _KIND_SCOPES_ATTR, "_doorstep_scope"):
        if hasattr(user, attr):
            delattr(user, attr)


def scope_for_kinds(user, kinds: frozenset[str]) -> Scope:
    """The union of the subtrees of the user's roles whose kind is in `kinds`.

    Superusers have everything; a role over a root region (the city) covers everything.
    """
    if user is None or not user.is_authenticated or not user.is_active:
        return NOTHING
    if user.is_superuser:
        return EVERYTHING
    cache = getattr(user, _KIND_SCOPES_ATTR, None)
    if cache is None:
        cache = {}
        setattr(user, _KIND_SCOPES_ATTR, cache)
    key = frozenset(kinds)
    if key in cache:
        return cache[key]
    region_ids: set[int] = set()
    held = set()
    everything = False
    for role in active_roles(user):
        if role.kind not in key:
            continue
        held.add(role.kind)
        if role.region.parent_id is None:
            everything = True
        else:
            region_ids |= subtree_ids(role.region)
    scope = Scope(
        everything=everything,
        region_ids=frozenset() if everything else frozenset(region_ids),
        role_kinds=frozenset(held),
    )
    cache[key] = scope
    return scope


def has_root_kind(user, kinds: frozenset[str]) -> bool:
    """True for a superuser or a holder of one of `kinds` over a whole root region."""
    return scope_for_kinds(user, kinds).everything


# --- Personal data -----------------------------------------------------------------------------


def can_reveal(user, person: Person, field: str) -> bool:
    kinds = rules.REVEAL.get(field)
    if not kinds or person.anonymised_at is not None:
        return False
    return scope_for_kinds(user, kinds).covers_region(person.home_region_id)


def revealable_fields(user, person: Person) -> set[str]:
    return {f for f in rules.REVEAL if can_reveal(user, person, f)}


def can_write_person(user, region_id: int | None) -> bool:
    return scope_for_kinds(user, rules.PEOPLE_WRITE).covers_region(region_id)


def can_read_access_log(user, person: Person) -> bool:
    return scope_for_kinds(user, rules.ACCESS_LOG_READ).covers_region(person.home_region_id)


def person_for_staff(user, pk: int) -> Person:
    """A person in the user's scope (Http404 otherwise: out of scope is the same as absent)."""
    qs = people_visible(user).select_related("home_region", "home_region__parent", "user")
    qs = qs.prefetch_related("tags")
    try:
        return qs.get(pk=pk)
    except (Person.DoesNotExist, ValueError):
        raise Http404 from None


def access_log(person: Person) -> QuerySet[PiiAccess]:
    """Who viewed, exported or erased this person's data, newest first."""
    return PiiAccess.objects.filter(subject_type=PERSON_SUBJECT, subject_id=str(person.pk)).select_related(
        "user"
    )


def labelled(rows) -> list[PiiAccess]:
    """Access-log rows with a readable `field_label` (name, phone, export …)."""
    rows = list(rows)
    for row in rows:
        row.field_label = rules.ACCESS_LABELS.get(row.field, row.field)
    return rows


def access_log_visible(user) -> QuerySet[PiiAccess]:
    """Access-log rows an administrator may read: about people living in their scope, and about
    regions in their scope (full roster exports are logged per region)."""
    scope = scope_for_kinds(user, rules.ACCESS_LOG_READ)
    qs = PiiAccess.objects.select_related("user")
    if scope.everything:
        return qs
    if scope.is_empty:
        return qs.none()
    people = (
        scope.filter(Person.objects.all(), "home_region").annotate(sid=Cast("pk", CharField())).values("sid")
    )
    regions = [str(pk) for pk in sorted(scope.region_ids)]
    return qs.filter(
        Q(subject_type__in=[PERSON_SUBJECT, "territory.Person"], subject_id__in=people)
        | Q(subject_type__in=[REGION_SUBJECT, "territory.Region"], subject_id__in=regions)
    )


def age_on(birth_date: date | None, on: date | None = None) -> int | None:
    if birth_date is None:
        return None
    on = on or timezone.localdate()
    return on.year - birth_date.year - ((on.month, on.day) < (birth_date.month, birth_date.day))


# --- Roles ---------------------------------------------------------------------------------------


def can_grant(user, kind: str, region: Region) -> bool:
    """The GRANTABLE rule: a role of a granting kind over a region containing `region`."""
    if user is None or not user.is_authenticated or not user.is_active:
        return False
    if user.is_superuser:
        return True
    granting = frozenset(k for k, grantable in rules.GRANTABLE.items() if kind in grantable)
    return scope_for_kinds(user, granting).covers_region(region.pk)


def roles_visible(user) -> QuerySet[Role]:
    """Roles held over regions in the user's scope of granting kinds (who works where)."""
    scope = scope_for_kinds(user, frozenset(rules.GRANTABLE))
    return scope.filter(Role.objects.select_related("user", "region", "organization", "grid"), "region")


# --- Residents' own data -----------------------------------------------------------------------


def own_person(user) -> Person | None:
    """The person record of a logged-in resident (None when the login has none)."""
    if user is None or not user.is_authenticated:
        return None
    try:
        person = (
            Person.objects.select_related("home_region", "party_membership__organization")
            .select_related("party_membership__reports_to")
            .prefetch_related("tags")
            .get(user=user)
        )
    except Person.DoesNotExist:
        return None
    return None if person.anonymised_at else person


def own_records(person: Person) -> dict:
    """Everything held about a person, for their own "my data" page and export."""
    from doorstep.territory.models import (
        HouseholdMember,
        JointBodySeat,
        OrgMembership,
        Ownership,
    )

    memberships = HouseholdMember.objects.filter(person=person).select_related(
        "household__dwelling__building__compound"
    )
    ownerships = Ownership.objects.filter(person=person).select_related("dwelling__building__compound")
    org_memberships = OrgMembership.objects.filter(person=person).select_related("organization")
    grid_posts = person.grid_posts.select_related("grid")
    seats = JointBodySeat.objects.filter(representative=person).select_related("body")
    roles = (
        Role.objects.filter(user=person.user).select_related("region", "organization", "grid")
        if person.user_id
        else Role.objects.none()
    )
    try:
        party = person.party_membership
    except Person.party_membership.RelatedObjectDoesNotExist:
        party = None
    return {
        "households": list(memberships),
        "ownerships": list(ownerships),
        "org_memberships": list(org_memberships),
        "grid_posts": list(grid_posts),
        "joint_seats": list(seats),
        "party": party,
        "roles": list(roles),
        "accesses": labelled(access_log(person)),
    }

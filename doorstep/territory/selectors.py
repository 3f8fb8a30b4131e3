"""Scoped reads of the territory. Every function that returns rows takes the user."""

from django.db.models import Count, QuerySet

from doorstep.core.scoping import EVERYTHING, NOTHING, Scope

from .models import Grid, Person, Region, Role

_CACHE_ATTR = "_doorstep_scope"


def subtree_ids(region: Region | int) -> set[int]:
    """The ids of a region and everything below it (one recursive query)."""
    pk = region.pk if isinstance(region, Region) else region
    return set(Region.objects.descendants(pk, include_self=True).values_list("pk", flat=True))


def scope_for(user) -> Scope:
    """The scope of a user's active roles, cached on the user object for the request."""
    if user is None or not user.is_authenticated:
        return NOTHING
    cached = getattr(user, _CACHE_ATTR, None)
    if cached is not None:
        return cached
    if user.is_superuser:
        scope = EVERYTHING
    else:
        roles = list(Role.objects.filter(user=user, active=True).select_related("region"))
        region_ids: set[int] = set()
        everything = False
        for role in roles:
            if role.region.parent_id is None:
                everything = True
                break
            region_ids |= subtree_ids(role.region)
        scope = Scope(
            everything=everything,
            region_ids=frozenset(region_ids),
            organization_ids=frozenset(r.organization_id for r in roles if r.organization_id),
            role_kinds=frozenset(r.kind for r in roles),
        )
    setattr(user, _CACHE_ATTR, scope)
    return scope


def regions_visible(user) -> QuerySet[Region]:
    return scope_for(user).filter(Region.objects.all(), "pk")


def grids_visible(user) -> QuerySet[Grid]:
    return scope_for(user).filter(Grid.objects.all(), "community")


def people_visible(user) -> QuerySet[Person]:
    return scope_for(user).filter(Person.objects.filter(anonymised_at__isnull=True), "home_region")


def region_children_with_counts(user, parent: Region | None) -> QuerySet[Region]:
    """Children of a region (or the roots) visible to the user, with counts for drill-down."""
    scope = scope_for(user)
    qs = regions_visible(user)
    if parent is not None:
        qs = qs.filter(parent=parent)
    elif scope.everything:
        qs = qs.filter(parent__isnull=True)
    else:
        # The tops of the user's scope: visible regions whose parent is not visible.
        qs = qs.exclude(parent__in=sorted(scope.region_ids))
    return qs.annotate(child_count=Count("children", distinct=True)).order_by("code")

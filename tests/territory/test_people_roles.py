"""Granting roles: who may grant what, where; scope is the region subtree; is_staff follows."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from doorstep.territory import selectors as territory_selectors
from doorstep.territory.models import Organization, Role
from doorstep.territory.people import services
from tests import factories

# (granter kind, granter region, kind granted, region granted, allowed)
GRANT_TABLE = [
    ("admin", "city", "leader", "county_b", True),
    ("admin", "county_a", "admin", "county_a", True),
    ("admin", "county_a", "community_staff", "community_b", False),  # outside the admin's county
    ("subdistrict_staff", "subdistrict_a", "community_staff", "community_a", True),
    ("subdistrict_staff", "subdistrict_a", "subdistrict_staff", "subdistrict_a", True),  # at their own level
    ("subdistrict_staff", "subdistrict_a", "leader", "subdistrict_a", False),  # above their own kind
    ("subdistrict_staff", "subdistrict_a", "community_staff", "community_b", False),
    ("community_staff", "community_a", "grid_worker", "community_a", True),
    ("community_staff", "community_a", "committee_member", "compound_a", True),
    ("community_staff", "community_a", "subdistrict_staff", "subdistrict_a", False),
    ("community_staff", "community_a", "admin", "community_a", False),
    ("community_staff", "community_a", "grid_worker", "community_b", False),
    ("grid_worker", "community_a", "grid_worker", "community_a", False),
    ("leader", "city", "grid_worker", "community_a", False),
    ("department_liaison", "county_a", "grid_worker", "community_a", False),
]


@pytest.mark.parametrize(("by_kind", "by_at", "kind", "at", "allowed"), GRANT_TABLE)
def test_grant_table(city, by_kind, by_at, kind, at, allowed):
    extra = {}
    if by_kind == "department_liaison":
        extra["organization"] = factories.organization("城管局", Organization.Kind.DEPARTMENT, city.county_a)
    by = factories.role(by_kind, getattr(city, by_at), **extra)
    target = factories.user("newcomer")
    if allowed:
        role = services.grant_role(by, target, kind, getattr(city, at))
        assert role.active and role.user == target
    else:
        with pytest.raises(PermissionDenied):
            services.grant_role(by, target, kind, getattr(city, at))
        assert not Role.objects.filter(user=target).exists()


def test_superuser_grants_anything(city):
    root = factories.user("root", is_superuser=True, is_staff=True)
    services.grant_role(root, factories.user("mayor"), "leader", city.city)


@pytest.mark.parametrize(
    ("kind", "at", "field"),
    [
        ("community_staff", "compound_a", "region"),  # community staff work over a community
        ("committee_member", "community_a", "region"),
        ("department_liaison", "county_a", "organization"),  # must name the department
        ("property_staff", "compound_a", "organization"),  # must name the company
    ],
)
def test_grant_checks_level_and_organisation(city, kind, at, field):
    root = factories.user("root", is_superuser=True)
    with pytest.raises(ValidationError) as exc:
        services.grant_role(root, factories.user(), kind, getattr(city, at))
    assert field in exc.value.message_dict


def test_scope_is_the_subtree_and_is_staff_follows_roles(city):
    by = factories.role("community_staff", city.community_a)
    worker = factories.user("gridworker")
    assert not worker.is_staff
    role = services.grant_role(by, worker, "grid_worker", city.community_a)
    worker.refresh_from_db()
    assert worker.is_staff
    visible = set(territory_selectors.regions_visible(worker).values_list("pk", flat=True))
    assert visible == {city.community_a.pk, city.compound_a.pk}
    services.revoke_role(by, role)
    worker.refresh_from_db()
    assert not worker.is_staff
    assert not territory_selectors.regions_visible(worker).exists()
    # Granting again re-activates the same row.
    services.grant_role(by, worker, "grid_worker", city.community_a)
    assert Role.objects.filter(user=worker).count() == 1


def test_revoke_follows_the_grant_rule(city):
    worker = factories.role("grid_worker", city.community_b)
    role = Role.objects.get(user=worker)
    with pytest.raises(PermissionDenied):
        services.revoke_role(factories.role("community_staff", city.community_a), role)
    role.refresh_from_db()
    assert role.active

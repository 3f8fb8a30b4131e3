"""The Yichun demo city: `build_demo()` behind the `doorstep demo` command.

Idempotent: if the city (code 360900) exists, nothing is rebuilt and only missing demo logins
are added; `reset=True` first deletes the demo city and everything in it, then builds anew.
The data is synthetic apart from the real division names and codes (see `places.py`).
"""

from __future__ import annotations

from dataclasses import dataclass

from django.core.exceptions import ObjectDoesNotExist
from django.db import transaction
from django.db.models import Q

from doorstep.core.models import User
from doorstep.territory.models import (
    Dwelling,
    Grid,
    Household,
    HouseholdMember,
    Organization,
    Ownership,
    PartyMembership,
    Person,
    PersonTag,
    PropertyService,
    Region,
    Role,
)

from .builder import SCALES, Builder, Scale, scale_named, summary_counts
from .logins import DEMO_PASSWORD, LOGINS, USERNAMES, Login, ensure_logins

CITY_CODE = "360900"

__all__ = [
    "CITY_CODE",
    "DEMO_PASSWORD",
    "LOGINS",
    "SCALES",
    "DemoResult",
    "Login",
    "Scale",
    "build_demo",
    "demo_exists",
    "reset_demo",
]


@dataclass
class DemoResult:
    built: bool  # False when the city was already there
    scale: str  # the scale built, or found
    logins: list[Login]
    counts: dict[str, int]


def demo_exists() -> bool:
    return Region.objects.filter(code=CITY_CODE).exists()


def existing_scale() -> str:
    """Which scale the database holds: seed scale has the article's 1,925 residential grids."""
    residential = Grid.objects.filter(kind=Grid.Kind.RESIDENTIAL).count()
    return "seed" if residential >= SCALES["seed"].residential_grids else "demo"


def build_demo(
    scale: str | Scale = "demo", *, dwellings: int | None = None, reset: bool = False
) -> DemoResult:
    """Build the demo city unless it is there; `scale` is a name in SCALES or a Scale of one's own."""
    if reset:
        reset_demo()
    if not isinstance(scale, Scale):
        scale = scale_named(scale, dwellings)
    built = False
    if not demo_exists():
        Builder(scale).build()
        built = True
    try:
        with transaction.atomic():
            logins = ensure_logins()
    except ObjectDoesNotExist:
        # A city 360900 that `doorstep demo` did not build (an imported roster): no demo logins.
        logins = []
    return DemoResult(
        built=built, scale=scale.name if built else existing_scale(), logins=logins, counts=summary_counts()
    )


@transaction.atomic
def reset_demo() -> None:
    """Delete the demo city 360900 with everything in it, and the demo logins.

    Rows that protect what they point to (PROTECT foreign keys) are removed first; another
    app's rows that still protect a region stop the reset with ProtectedError, and nothing is
    deleted.
    """
    city = Region.objects.filter(code=CITY_CODE).first()
    User.objects.filter(username__in=USERNAMES).delete()
    if city is None:
        return
    regions = Region.objects.descendants(city, include_self=True).values("pk")
    compounds = Region.objects.filter(pk__in=regions, level=Region.Level.COMPOUND).values("pk")
    orgs = Organization.objects.filter(region__in=regions)
    people = Person.objects.filter(home_region__in=regions)
    # Leaves first, by query: the big tables then need no collecting of related rows.
    HouseholdMember.objects.filter(household__dwelling__building__compound__in=compounds).delete()
    Ownership.objects.filter(
        Q(dwelling__building__compound__in=compounds) | Q(organization__in=orgs)
    ).delete()
    Role.objects.filter(region__in=regions).delete()
    PartyMembership.objects.filter(Q(organization__in=orgs) | Q(person__in=people)).delete()
    PropertyService.objects.filter(Q(compound__in=compounds) | Q(company__in=orgs)).delete()
    Person.tags.through.objects.filter(person__in=people).delete()
    _delete(Household.objects.filter(dwelling__building__compound__in=compounds))
    orgs.delete()
    Grid.objects.filter(community__in=regions).delete()
    _delete(Dwelling.objects.filter(building__compound__in=compounds))
    _delete(people)
    city.delete()
    PersonTag.objects.filter(
        people__isnull=True, slug__in=["rider", "courier", "governance_partner"]
    ).delete()


def _delete(qs) -> None:
    """Delete with one statement when no row anywhere still points at these rows (any app's
    foreign keys are checked); otherwise let Django collect and cascade as usual."""
    model = qs.model
    links = [(rel.related_model, rel.field.name) for rel in model._meta.related_objects]
    links += [(f.remote_field.through, f.m2m_field_name()) for f in model._meta.many_to_many]
    for related, name in links:
        if related.objects.filter(**{f"{name}__in": qs.values("pk")}).exists():
            qs.delete()
            return
    qs._raw_delete(qs.db)

"""A compound with a building of two stairwell units, owners with logins, and the staff around it."""

from dataclasses import dataclass, field
from decimal import Decimal

from django.contrib.auth import get_user_model

from doorstep.territory.models import Building, Dwelling, Organization, Ownership, Person, Role
from tests import factories


@dataclass
class VoteWorld:
    city: factories.SmallCity
    building: Building
    staff: object  # community staff of the compound's community
    committee: object  # an owners' committee member of the compound
    outsider: object  # community staff of another community
    units: dict[str, Dwelling] = field(default_factory=dict)  # "1-101" → dwelling
    owners: dict[str, object] = field(default_factory=dict)  # owner name → login


def owner(name: str, *dwellings: Dwelling, login: bool = True):
    """A person owning the dwellings (each alone), with a login unless told otherwise."""
    user = factories.user() if login else None
    person = Person.objects.create(name=name, user=user)
    for d in dwellings:
        Ownership.objects.create(dwelling=d, person=person)
    return user


def vote_world(city=None, units_per_stairwell=6, area="100.00") -> VoteWorld:
    city = city or factories.small_city()
    b = factories.building(city.compound_a, "3栋", stairwell_units=2, floors=6)
    world = VoteWorld(
        city=city,
        building=b,
        staff=factories.role(Role.Kind.COMMUNITY_STAFF, city.community_a),
        committee=factories.role(Role.Kind.COMMITTEE_MEMBER, city.compound_a),
        outsider=factories.role(Role.Kind.COMMUNITY_STAFF, city.community_b),
    )
    for su in (1, 2):
        for i in range(units_per_stairwell):
            room = f"{i // 2 + 1}0{i % 2 + 1}"
            world.units[f"{su}-{room}"] = Dwelling.objects.create(
                building=b, stairwell_unit=su, room=room, floor=i // 2 + 1, exclusive_area=Decimal(area)
            )
    return world


def many_owners(world: VoteWorld, stairwell_unit: int = 1) -> dict[str, object]:
    """One owner with a login for every unit of a stairwell unit; returns label → login."""
    User = get_user_model()
    labels = [k for k in world.units if k.startswith(f"{stairwell_unit}-")]
    users = User.objects.bulk_create([User(username=f"owner-{stairwell_unit}-{k}") for k in labels])
    people = Person.objects.bulk_create(
        [Person(name=f"业主{k}", user=u) for k, u in zip(labels, users, strict=True)]
    )
    Ownership.objects.bulk_create(
        [Ownership(dwelling=world.units[k], person=p) for k, p in zip(labels, people, strict=True)]
    )
    return dict(zip(labels, users, strict=True))


def developer(world: VoteWorld, *labels: str) -> Organization:
    org = factories.organization("春天置业", "developer", world.city.compound_a)
    for k in labels:
        Ownership.objects.create(dwelling=world.units[k], organization=org, is_developer_unsold=True)
    return org

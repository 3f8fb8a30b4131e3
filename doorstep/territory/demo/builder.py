"""Build the Yichun demo city (`doorstep demo`).

Two scales share one builder: `demo` (every named place, a few thousand dwellings, seconds)
and `seed` (the article's scale — 1,925 + 682 grids, 404 committees, 330 party organisations,
492 old compounds — for benchmarks). Mass rows go in with bulk_create, the biggest tables
through `bulk.FastTable`; the article's named bodies (five-party joint bodies, 新城国际小区's
change of property company) go through the services, so the demo exercises the same rules as
the product.

Everything is deterministic (a fixed random seed): two builds on one day give the same city
(birth dates count back from the day of the build, so ages stay plausible).
"""

from __future__ import annotations

import random
from collections import defaultdict

from django.db import transaction
from django.db.models import Count
from django.utils import timezone

from doorstep.core.models import User
from doorstep.territory import organizations as org_services
from doorstep.territory.models import Building, Dwelling, Grid, Household, Organization, Person, Region

from . import layout, places
from .bodies import BodiesPart
from .bulk import FastTable, finish
from .common import BEFORE, SCALES, SEED, CompoundPlan, K, L, Scale, scale_named
from .homes import HomesPart
from .people import PeopleFactory
from .regions import RegionsPart

__all__ = ["BEFORE", "SCALES", "Builder", "Scale", "scale_named", "summary_counts"]


class Builder(RegionsPart, HomesPart, BodiesPart):
    """One build of the city; the parts (regions, homes, bodies) fill in the steps of `build`."""

    def __init__(self, scale: Scale):
        self.scale = scale
        self.rng = random.Random(SEED)
        self.today = timezone.localdate()
        self.people = PeopleFactory(random.Random(SEED + 1))
        self.regions: dict[str, Region] = {}  # code → region
        self.by_name: dict[str, Region] = {}  # unique names (named places) → region
        self.compounds: list[CompoundPlan] = []
        self.community_rects: dict[int, layout.Rect] = {}
        self.grids: dict[int, list[Grid]] = defaultdict(list)  # community id → residential grids
        self.dedicated: dict[int, list[Grid]] = defaultdict(list)
        self.party: dict[int, Organization] = {}  # region id → its level-1/2 party organisation
        self.compound_branch: dict[int, Organization] = {}
        self.departments: dict[tuple[str, str], Organization] = {}  # (county code, key) → dept
        self.co_building: dict[str, list[Organization]] = defaultdict(list)  # county code → units
        self.person_table = FastTable(
            Person,
            ["name", "gender", "phone", "id_number", "id_number_hash", "birth_date", "home_region"],
            ids=True,
        )
        self._order: dict[int, int] = {}  # community id → index, for spreading grid counts
        self._runda_placed = False

    # -- entry ------------------------------------------------------------------------------

    @transaction.atomic
    def build(self) -> Region:
        self.regions_and_boundaries()
        self.grid_layer()
        self.organisations()
        self.homes()
        self.committees_and_party()
        self.property_history()
        self.joint_bodies()
        self.contacts_and_workers()
        self.riders()
        self.party_members()
        finish(Person, Dwelling, Household)
        from doorstep.territory import locate

        locate.invalidate()
        return self.regions[places.CITY[0]]


def summary_counts() -> dict[str, int]:
    """Counts for the printed summary (a handful of aggregate queries)."""
    levels = dict(Region.objects.values_list("level").annotate(n=Count("pk")).order_by())
    grids = dict(Grid.objects.values_list("kind").annotate(n=Count("pk")).order_by())
    return {
        "counties": levels.get(L.COUNTY, 0),
        "subdistricts": levels.get(L.SUBDISTRICT, 0),
        "communities": levels.get(L.COMMUNITY, 0),
        "compounds": levels.get(L.COMPOUND, 0),
        "old_compounds": Region.objects.filter(level=L.COMPOUND, is_old_compound=True).count(),
        "residential_grids": grids.get(Grid.Kind.RESIDENTIAL, 0),
        "dedicated_grids": sum(n for k, n in grids.items() if k != Grid.Kind.RESIDENTIAL),
        "buildings": Building.objects.count(),
        "dwellings": Dwelling.objects.count(),
        "people": Person.objects.count(),
        "households": Household.objects.count(),
        "committees": Organization.objects.filter(
            kind__in=org_services.COMMITTEE_KINDS, region__is_old_compound=True
        ).count(),
        "joint_bodies": Organization.objects.filter(kind=K.JOINT_BODY).count(),
        "users": User.objects.count(),
    }

"""What the demo builder's parts share: the scales, the plan of each compound, small helpers."""

from __future__ import annotations

import random
from dataclasses import dataclass, field, replace
from datetime import date, timedelta
from typing import NamedTuple

from doorstep.territory.models import Building, Organization, OrgMembership, PropertyService, Region

from . import layout

K = Organization.Kind
L = Region.Level
Mode = PropertyService.Mode
Pos = OrgMembership.Position

SEED = 20250101
BASELINE_SURVEY = date(2016, 1, 1)  # first recorded property-service period of old compounds
BEFORE = date(2023, 1, 1)  # before the reform's property drive (coverage 8.63 % in the article)
REFORM_FROM, REFORM_TO = date(2023, 3, 1), date(2025, 9, 30)
BATCH = 2000


@dataclass(frozen=True)
class Scale:
    name: str
    old_compounds: int
    new_compounds: int
    public_welfare: int  # old compounds served by public-welfare companies now
    market: int  # … by market companies now
    self_managed: int  # … self-managed by their committee now
    covered_before: int  # old compounds covered on BEFORE
    committees: int  # owners' committees / property management committees in old compounds
    committee_party_orgs: int  # compound party branches set up with them
    model_compounds: int
    residential_grids: int | None  # None: 3 per community
    dedicated_grids: int
    market_companies: int
    dwellings: int
    fengxin_riders: int
    seed_communities: bool  # communities per subdistrict from places.County.seed_communities

    @property
    def covered_now(self) -> int:
        return self.public_welfare + self.market + self.self_managed


SCALES = {
    # 139 old compounds: 12 covered before (8.63 %), 84 now (60.43 %) — the article's figures exactly.
    "demo": Scale(
        name="demo",
        old_compounds=139,
        new_compounds=40,
        public_welfare=10,
        market=42,
        self_managed=32,
        covered_before=12,
        committees=114,
        committee_party_orgs=93,
        model_compounds=6,
        residential_grids=None,
        dedicated_grids=20,
        market_companies=20,
        dwellings=2500,
        fengxin_riders=50,
        seed_communities=False,
    ),
    # The article's counts: 34 + 151 + 112 = 297 of 492 old compounds covered (60.37 %); 42 before
    # (8.54 % — 8.63 % and 60.4 % cannot both be exact on one whole number of compounds).
    "seed": Scale(
        name="seed",
        old_compounds=492,
        new_compounds=700,
        public_welfare=34,
        market=151,
        self_managed=112,
        covered_before=42,
        committees=404,
        committee_party_orgs=330,
        model_compounds=30,
        residential_grids=1925,
        dedicated_grids=682,
        market_companies=190,
        dwellings=50000,
        fengxin_riders=500,
        seed_communities=True,
    ),
}


def scale_named(name: str, dwellings: int | None = None) -> Scale:
    scale = SCALES[name]
    return replace(scale, dwellings=dwellings) if dwellings else scale


class Someone(NamedTuple):
    """A synthetic person already queued for insertion: what later steps need of them."""

    pk: int
    name: str
    gender: str
    birth_date: date


class Home(NamedTuple):
    pk: int
    building_id: int
    stairwell_unit: int
    room: str
    use: str


@dataclass
class CompoundPlan:
    region: Region
    community: Region
    old: bool
    model: bool
    rect: layout.Rect
    weight: float = 1.0
    buildings: list[Building] = field(default_factory=list)
    dwellings: list[Home] = field(default_factory=list)
    owners: list[Someone] = field(default_factory=list)  # person owners, for committees
    developer: Organization | None = None
    party_heads: list[tuple[Someone, Home]] = field(default_factory=list)


def unique_name(rng: random.Random, words, suffix: str, used: set[str], prefix: str = "") -> str:
    """A name from the word pool not used yet; when the pool runs dry, two words together."""
    for _ in range(100):
        name = f"{prefix}{rng.choice(words)}{suffix}"
        if name not in used:
            used.add(name)
            return name
    for _ in range(10000):
        first, second = rng.sample(words, 2)
        name = f"{prefix}{first}{second}{suffix}"
        if name not in used:
            used.add(name)
            return name
    raise ValueError("name pool exhausted")


def day_between(rng: random.Random, start: date, end: date) -> date:
    return start + timedelta(days=rng.randint(0, (end - start).days))

"""Build the Yichun demo city (`doorstep demo`).

Two scales share one builder: `demo` (every named place, a few thousand dwellings, seconds)
and `seed` (the article's scale — 1,925 + 682 grids, 404 committees, 330 party organisations,
492 old compounds — for benchmarks). Mass rows go in with bulk_create; the article's named
bodies (five-party joint bodies, 新城国际小区's change of property company) go through the
services, so the demo exercises the same rules as the product.

Everything is deterministic (a fixed random seed): two builds give the same city.
"""

from __future__ import annotations

import random
from collections import defaultdict
from dataclasses import dataclass, field, replace
from datetime import date, timedelta
from decimal import Decimal
from typing import NamedTuple

from django.db import transaction
from django.db.models import Count
from django.utils import timezone

from doorstep.core.models import User
from doorstep.core.pii import lookup_hash
from doorstep.territory import organizations as org_services
from doorstep.territory import property as property_services
from doorstep.territory.models import (
    Building,
    DepartmentContact,
    Dwelling,
    Grid,
    GridMember,
    Household,
    HouseholdMember,
    JointBodySeat,
    Organization,
    OrgMembership,
    Ownership,
    PartyMembership,
    Person,
    PersonTag,
    PropertyService,
    Region,
)

from . import layout, places
from .bulk import FastTable, finish
from .people import PeopleFactory

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


class Builder:
    def __init__(self, scale: Scale, stdout=None):
        self.scale = scale
        self.rng = random.Random(SEED)
        self.today = timezone.localdate()
        self.people = PeopleFactory(random.Random(SEED + 1))
        self.out = stdout
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
        self.rider_count = 0
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

    def log(self, message: str) -> None:
        if self.out is not None:
            self.out.write(message)

    # -- regions ------------------------------------------------------------------------------

    def _region(self, *, name, level, kind, code, parent, official, geom, centre, **extra) -> Region:
        region = Region(
            name=name,
            level=level,
            kind=kind,
            code=code,
            parent=parent,
            code_is_official=official,
            boundary=geom,
            centroid_lng=centre[0],
            centroid_lat=centre[1],
            geometry_version=1,
            **extra,
        )
        return region

    def _bulk_regions(self, regions: list[Region]) -> list[Region]:
        created = Region.objects.bulk_create(regions, batch_size=BATCH)
        for r in created:
            self.regions[r.code] = r
        return created

    def regions_and_boundaries(self) -> None:
        rng, scale = self.rng, self.scale
        code, name, kind, centre = places.CITY
        county_rects = {c.code: layout.square(c.center, c.half) for c in places.COUNTIES}
        city_geom = _hull([layout.shrink(r, -0.15) for r in county_rects.values()])
        city = self._region(
            name=name,
            level=L.CITY,
            kind=kind,
            code=code,
            parent=None,
            official=True,
            geom=city_geom,
            centre=centre,
            population=5007702,
        )
        city.save()
        self.regions[code] = city

        counties = [
            self._region(
                name=c.name,
                level=L.COUNTY,
                kind=c.kind,
                code=c.code,
                parent=city,
                official=True,
                geom=layout.polygon(county_rects[c.code]),
                centre=layout.center(county_rects[c.code]),
            )
            for c in places.COUNTIES
        ]
        self._bulk_regions(counties)

        sub_rects: dict[str, layout.Rect] = {}
        subdistricts = []
        for c in places.COUNTIES:
            cells = layout.grid_cells(county_rects[c.code], len(c.subdistricts), gap=0.03)
            for (scode, sname, skind), rect in zip(c.subdistricts, cells, strict=True):
                sub_rects[scode] = rect
                subdistricts.append(
                    self._region(
                        name=sname,
                        level=L.SUBDISTRICT,
                        kind=skind,
                        code=scode,
                        parent=self.regions[c.code],
                        official=True,
                        geom=layout.polygon(rect),
                        centre=layout.center(rect),
                    )
                )
        self._bulk_regions(subdistricts)

        # Communities: the named ones, then synthetic ones up to the scale's count.
        named_by_sub: dict[str, list[places.NamedCommunity]] = defaultdict(list)
        for nc in places.NAMED_COMMUNITIES:
            named_by_sub[nc.subdistrict].append(nc)
        used_names: set[str] = set()
        communities = []
        for c in places.COUNTIES:
            for scode, _sname, _skind in c.subdistricts:
                named = named_by_sub[scode]
                if scale.seed_communities:
                    count = max(c.seed_communities, len(named))
                else:
                    count = max(1, len(named)) + (2 if scode == "360902002" else 0)
                entries = [(nc.name, nc.code, nc.population) for nc in named]
                used_names.update(nc.name for nc in named)
                while len(entries) < count:
                    entries.append((_unique(rng, places.COMMUNITY_WORDS, "社区", used_names), None, None))
                cells = layout.grid_cells(sub_rects[scode], count, gap=0.05)
                local = 0
                for (cname, ccode, population), rect in zip(entries, cells, strict=True):
                    if ccode is None:
                        local += 1
                        ccode = f"{scode}-{local:03d}"
                    region = self._region(
                        name=cname,
                        level=L.COMMUNITY,
                        kind=Region.Kind.COMMUNITY,
                        code=ccode,
                        parent=self.regions[scode],
                        official=len(ccode) == 12 and ccode.isdigit(),
                        geom=layout.polygon(rect),
                        centre=layout.center(rect),
                        population=population or rng.randint(3000, 12000),
                    )
                    communities.append((region, rect))
        self._bulk_regions([r for r, _ in communities])
        for region, rect in communities:
            self.community_rects[region.pk] = rect
        self.by_name.update(
            {nc.name: self.regions[_find_code(self.regions, nc)] for nc in places.NAMED_COMMUNITIES}
        )
        self._compounds([r for r, _ in communities], used_names)

    def _compounds(self, communities: list[Region], used_names: set[str]) -> None:
        """Decide how many compounds each community holds, which are old, then lay them out."""
        rng, scale = self.rng, self.scale
        named = {nc.name: nc for nc in places.NAMED_COMMUNITIES}
        used_names.update(c for nc in places.NAMED_COMMUNITIES for c in nc.compounds)
        total = scale.old_compounds + scale.new_compounds
        per: dict[int, list[tuple[str, bool]]] = {c.pk: [] for c in communities}  # (name or "", named?)
        for c in communities:
            for cname in named.get(c.name, places.NamedCommunity("", "", None)).compounds:
                per[c.pk].append((cname, True))
            if not per[c.pk]:
                per[c.pk].append(("", False))
        yiyang = self.by_name["宜阳社区"].pk
        while len(per[yiyang]) < places.YIYANG_COMPOUNDS:
            per[yiyang].append(("", False))
        placed = sum(len(v) for v in per.values())
        ids = [c.pk for c in communities]
        for _ in range(total - placed):
            per[rng.choice(ids)].append(("", False))

        # Old or new: named compounds and the model compounds are old; the rest drawn at random.
        slots = [(cid, i) for cid, lst in per.items() for i in range(len(lst))]
        named_slots = [s for s in slots if per[s[0]][s[1]][1]]
        others = [s for s in slots if not per[s[0]][s[1]][1]]
        rng.shuffle(others)
        old_slots = set(named_slots) | set(others[: scale.old_compounds - len(named_slots)])
        named_models = [s for s in named_slots if per[s[0]][s[1]][0] in places.NAMED_MODEL_COMPOUNDS]
        other_old = [s for s in others[: scale.old_compounds - len(named_slots)]]
        model_slots = set(named_models + other_old[: scale.model_compounds - len(named_models)])

        by_id = {c.pk: c for c in communities}
        regions = []
        for cid, lst in per.items():
            community = by_id[cid]
            grid_count = self._residential_grid_count(community, len(communities))
            dedicated = self._dedicated_grid_count(community, len(communities))
            rect = self.community_rects[cid]
            res_zone, _band = layout.split_band(rect, 0.18) if dedicated else (rect, None)
            strips = layout.columns(res_zone, grid_count)
            per_strip: dict[int, list[int]] = defaultdict(list)
            for i in range(len(lst)):
                per_strip[i % grid_count].append(i)
            rects: dict[int, layout.Rect] = {}
            for s, members in per_strip.items():
                for i, r in zip(members, layout.rows(strips[s], len(members), gap=0.12), strict=True):
                    rects[i] = r
            for i, (cname, _is_named) in enumerate(lst):
                old = (cid, i) in old_slots
                model = (cid, i) in model_slots
                if not cname:
                    cname = self._compound_name(old, used_names)
                used_names.add(cname)
                geom = layout.cut_corner(rects[i], rng.randrange(4))
                region = self._region(
                    name=cname,
                    level=L.COMPOUND,
                    kind=Region.Kind.COMPOUND,
                    code=f"{community.code}-{i + 1:03d}",
                    parent=community,
                    official=False,
                    geom=geom,
                    centre=layout.polygon_centroid(geom),
                    is_old_compound=old,
                    is_model_compound=model,
                    built_year=rng.randint(1986, 2004) if old else rng.randint(2007, 2022),
                    address=f"{community.parent.parent.name}{community.parent.name}{community.name}",
                )
                regions.append(region)
                self.compounds.append(
                    CompoundPlan(
                        region=region,
                        community=community,
                        old=old,
                        model=model,
                        rect=rects[i],
                        weight=(4.0 if model else 1.0) if old else 4.0,
                    )
                )
        self._bulk_regions(regions)
        for plan in self.compounds:
            if plan.region.name in places.NAMED_MODEL_COMPOUNDS or any(
                plan.region.name in nc.compounds for nc in places.NAMED_COMMUNITIES
            ):
                self.by_name[plan.region.name] = plan.region

    def _compound_name(self, old: bool, used: set[str]) -> str:
        rng = self.rng
        for _ in range(200):
            if old and rng.random() < 0.25:
                name = rng.choice(places.OLD_UNITS) + "宿舍"
            elif old:
                name = rng.choice(places.COMPOUND_WORDS) + rng.choice(places.OLD_SUFFIXES)
            else:
                name = rng.choice(places.COMPOUND_WORDS) + rng.choice(places.NEW_SUFFIXES)
            if name not in used:
                return name
        return _unique(rng, places.COMPOUND_WORDS, rng.choice(places.NEW_SUFFIXES), used)

    def _community_index(self, community: Region) -> int:
        return self._order.setdefault(community.pk, len(self._order))

    def _residential_grid_count(self, community: Region, count: int) -> int:
        total = self.scale.residential_grids
        if total is None:
            return 4 if community.name == "宜阳社区" else 3
        i = self._community_index(community)
        return total // count + (1 if i < total % count else 0)

    def _dedicated_grid_count(self, community: Region, count: int) -> int:
        total = self.scale.dedicated_grids
        i = self._community_index(community)
        return total // count + (1 if i < total % count else 0)

    # -- grids --------------------------------------------------------------------------------

    DUTY_SETS = (
        ["party", "governance", "urban", "civil", "fire"],
        ["party", "governance", "urban", "civil", "fire", "market", "safety"],
        ["party", "governance", "civil", "fire", "emergency"],
    )
    DEDICATED_KINDS = (
        (Grid.Kind.SCHOOL, "学校", ["party", "governance", "safety", "fire"]),
        (Grid.Kind.HOSPITAL, "医院", ["party", "governance", "safety", "fire"]),
        (Grid.Kind.MARKET, "农贸市场", ["governance", "market", "urban", "fire"]),
        (Grid.Kind.ENTERPRISE, "企业", ["party", "safety", "environment", "fire"]),
        (Grid.Kind.COMMERCIAL, "商圈", ["party", "market", "urban", "fire"]),
        (Grid.Kind.PARK, "园区", ["party", "safety", "environment", "emergency"]),
    )

    def grid_layer(self) -> None:
        rng = self.rng
        communities = [r for r in self.regions.values() if r.level == L.COMMUNITY]
        count = len(communities)
        by_community: dict[int, list[CompoundPlan]] = defaultdict(list)
        for plan in self.compounds:
            by_community[plan.community.pk].append(plan)
        schools = defaultdict(list)
        for scode, sname in places.SCHOOLS:
            schools[scode].append(sname)
        grids: list[Grid] = []
        covers: list[tuple[Grid, list[Region]]] = []
        for community in communities:
            n_res = self._residential_grid_count(community, count)
            n_ded = self._dedicated_grid_count(community, count)
            rect = self.community_rects[community.pk]
            res_zone, band = layout.split_band(rect, 0.18) if n_ded else (rect, None)
            strips = layout.columns(res_zone, n_res)
            plans = by_community[community.pk]
            for g, strip in enumerate(strips):
                grid = Grid(
                    code=f"{community.code}-W{g + 1:02d}",
                    name=f"{community.name}第{g + 1}网格",
                    kind=Grid.Kind.RESIDENTIAL,
                    duties=rng.choice(self.DUTY_SETS),
                    community=community,
                    boundary=layout.polygon(strip),
                    centroid_lng=layout.center(strip)[0],
                    centroid_lat=layout.center(strip)[1],
                    geometry_version=1,
                )
                grids.append(grid)
                self.grids[community.pk].append(grid)
                covers.append((grid, [p.region for i, p in enumerate(plans) if i % n_res == g]))
            if n_ded:
                for d, cell in enumerate(layout.columns(band, n_ded, gap=0.05)):
                    kind, label, duties = self._dedicated_kind(community, d, schools)
                    grid = Grid(
                        code=f"{community.code}-Z{d + 1:02d}",
                        name=label if label.endswith("网格") else f"{community.name}{label}专属网格",
                        kind=kind,
                        duties=duties,
                        community=community,
                        boundary=layout.polygon(cell),
                        centroid_lng=layout.center(cell)[0],
                        centroid_lat=layout.center(cell)[1],
                        geometry_version=1,
                    )
                    grids.append(grid)
                    self.dedicated[community.pk].append(grid)
        Grid.objects.bulk_create(grids, batch_size=BATCH)
        through = Grid.compounds.through
        through.objects.bulk_create(
            [through(grid_id=g.pk, region_id=r.pk) for g, regions in covers for r in regions],
            batch_size=BATCH,
        )

    def _dedicated_kind(self, community: Region, index: int, schools) -> tuple[str, str, list[str]]:
        sub_code = community.parent.code
        if community.parent.name == "凤凰街道" and index == 0 and not self._runda_placed:
            self._runda_placed = True
            return Grid.Kind.COMMERCIAL, "润达商业专属网格", ["party", "market", "urban", "fire"]
        if schools.get(sub_code):
            name = schools[sub_code].pop(0)
            return Grid.Kind.SCHOOL, f"{name}专属网格", ["party", "governance", "safety", "fire"]
        kind, label, duties = self.DEDICATED_KINDS[(index + community.pk) % len(self.DEDICATED_KINDS)]
        return kind, label, duties

    # -- organisations ------------------------------------------------------------------------

    def _orgs(self, orgs: list[Organization]) -> list[Organization]:
        return Organization.objects.bulk_create(orgs, batch_size=BATCH)

    def organisations(self) -> None:
        rng = self.rng
        city = self.regions[places.CITY[0]]
        counties = [self.regions[c.code] for c in places.COUNTIES]
        subdistricts = [r for r in self.regions.values() if r.level == L.SUBDISTRICT]
        communities = [r for r in self.regions.values() if r.level == L.COMMUNITY]

        # Departments (10+ per county) and co-building units.
        depts, units = [], []
        for county in counties:
            for key, dname, _duties in places.DEPARTMENTS:
                org = Organization(
                    name=f"{county.name}{dname}",
                    kind=K.DEPARTMENT,
                    region=county,
                    phone=self.people.phone(True),
                )
                depts.append(org)
                self.departments[(county.code, key)] = org
            for uname in places.CO_BUILDING_UNITS:
                org = Organization(name=f"{county.name}{uname}", kind=K.CO_BUILDING_UNIT, region=county)
                units.append(org)
                self.co_building[county.code].append(org)
        offices = {
            s.pk: Organization(
                name=f"{s.name}办事处" if s.kind == "subdistrict" else f"{s.name}人民政府",
                kind=K.DEPARTMENT,
                region=s,
                phone=self.people.phone(True),
            )
            for s in subdistricts
        }
        residents_committees = {
            c.pk: Organization(name=f"{c.name}居民委员会", kind=K.RESIDENTS_COMMITTEE, region=c)
            for c in communities
        }
        soe = Organization(name="宜春市城市建设投资发展集团", kind=K.STATE_ENTERPRISE, region=city)
        platforms = [
            Organization(name="外卖平台宜春城市站", kind=K.PLATFORM, region=city),
            Organization(name="即时配送平台宜春城市站", kind=K.PLATFORM, region=city),
            Organization(name="宜春快递物流行业协会", kind=K.PLATFORM, region=city),
        ]
        volunteers = [
            Organization(name="红木莲·春暖春城志愿服务总队", kind=K.VOLUNTEER_ORG, region=city),
            Organization(name="旗行者先锋志愿服务队", kind=K.VOLUNTEER_ORG, region=self.regions["360921"]),
        ]
        for cname in ("宜阳社区", "崇文社区"):
            c = self.by_name[cname]
            for team in ("跑腿办", "邻里帮", "圆梦队", "解忧团"):
                volunteers.append(Organization(name=f"{c.name}{team}", kind=K.VOLUNTEER_ORG, region=c))
        developers = [
            Organization(
                name=f"{county.name[:2]}{rng.choice(places.COMPANY_WORDS)}置业有限公司",
                kind=K.DEVELOPER,
                region=county,
            )
            for county in counties
        ]
        self._orgs(
            depts
            + units
            + list(offices.values())
            + list(residents_committees.values())
            + [soe]
            + platforms
            + volunteers
            + developers
        )
        stations = [
            Organization(name=f"{county.name}配送站", kind=K.STATION, region=county, parent=platforms[i % 2])
            for i, county in enumerate(counties)
        ]
        self._orgs(stations)
        developer_of = {county.pk: dev for county, dev in zip(counties, developers, strict=True)}
        for plan in self.compounds:
            if not plan.old:
                plan.developer = developer_of[plan.community.parent.parent_id]

        # Resident units: schools and hospitals in their dedicated grids; 润达商业.
        resident_units = []
        for grids in self.dedicated.values():
            for g in grids:
                if g.kind in (Grid.Kind.SCHOOL, Grid.Kind.HOSPITAL, Grid.Kind.COMMERCIAL):
                    uname = g.name.replace("专属网格", "")
                    resident_units.append(
                        Organization(name=uname, kind=K.RESIDENT_UNIT, region=g.community, grid=g)
                    )
        self._orgs(resident_units)

        # Party structure, levels 1 and 2.
        level1 = {
            s.pk: Organization(
                name=f"{s.name}党工委" if s.kind == "subdistrict" else f"{s.name}党委",
                kind=K.PARTY_WORKING_COMMITTEE,
                region=s,
            )
            for s in subdistricts
        }
        self._orgs(list(level1.values()))
        level2 = {}
        for c in communities:
            kind = (
                K.PARTY_GENERAL_BRANCH
                if c.name == "崇文社区"
                else rng.choice([K.PARTY_COMMITTEE, K.PARTY_COMMITTEE, K.PARTY_GENERAL_BRANCH])
            )
            if c.name in ("宜阳社区", "锦阳社区"):
                kind = K.PARTY_COMMITTEE
            suffix = {K.PARTY_COMMITTEE: "党委", K.PARTY_GENERAL_BRANCH: "党总支"}[kind]
            level2[c.pk] = Organization(
                name=f"{c.name}{suffix}", kind=kind, region=c, parent=level1[c.parent_id]
            )
        self._orgs(list(level2.values()))
        self.party.update(level1)
        self.party.update(level2)

        # Property companies: public welfare (sponsored) and market.
        sponsors = []
        for i in range(self.scale.public_welfare):
            choice = i % 3
            if choice == 0:
                s = subdistricts[(i // 3) % len(subdistricts)]
                sponsors.append((offices[s.pk], s))
            elif choice == 1:
                c = communities[(i * 7) % len(communities)]
                sponsors.append((residents_committees[c.pk], c))
            else:
                sponsors.append((soe, city))
        # The model compound's company: 秀江街道 runs a public-welfare company.
        xiujiang = self.regions["360902002"]
        sponsors[0] = (offices[xiujiang.pk], xiujiang)
        self.public_welfare_companies = self._orgs(
            [
                Organization(
                    name=_public_welfare_name(where, i),
                    kind=K.PROPERTY_COMPANY,
                    company_mode=Organization.CompanyMode.PUBLIC_WELFARE,
                    sponsor=sponsor,
                    region=where,
                    phone=self.people.phone(True),
                )
                for i, (sponsor, where) in enumerate(sponsors)
            ]
        )
        names: set[str] = set()
        market = []
        for i in range(self.scale.market_companies):
            county = counties[i % len(counties)]
            name = _unique(rng, places.COMPANY_WORDS, "物业服务有限公司", names, county.name[:2])
            market.append(
                Organization(
                    name=name,
                    kind=K.PROPERTY_COMPANY,
                    company_mode=Organization.CompanyMode.MARKET,
                    region=county,
                    credit_code=self._credit_code(),
                    phone=self.people.phone(True),
                )
            )
        self.market_companies = self._orgs(market)

    def _credit_code(self) -> str:
        first17 = "91360900" + "".join(self.rng.choice("0123456789ABCDEFGHJKLMNPQRTUWXY") for _ in range(9))
        return first17 + org_services.credit_code_check(first17)

    # -- buildings, dwellings, people -------------------------------------------------------

    def homes(self) -> None:
        rng, scale = self.rng, self.scale
        total_weight = sum(p.weight for p in self.compounds)
        buildings: list[Building] = []
        for plan in self.compounds:
            quota = max(10, round(scale.dwellings * plan.weight / total_weight))
            shapes = _building_shapes(rng, plan.old, quota, 4 if plan.model else 1)
            points = layout.points_in(plan.rect, len(shapes))
            for n, ((floors, units, _rooms, elevator), (lng, lat)) in enumerate(
                zip(shapes, points, strict=True)
            ):
                b = Building(
                    compound=plan.region,
                    number=f"{n + 1}栋",
                    floors=floors,
                    stairwell_units=units,
                    has_elevator=elevator,
                    built_year=plan.region.built_year,
                    lng=lng,
                    lat=lat,
                )
                b._rooms = _rooms
                buildings.append(b)
                plan.buildings.append(b)
        Building.objects.bulk_create(buildings, batch_size=BATCH)

        table = FastTable(
            Dwelling,
            ["building", "stairwell_unit", "room", "floor", "exclusive_area", "area_source", "use"],
            ids=True,
        )
        for plan in self.compounds:
            shops = not plan.old and rng.random() < 0.3
            for b in plan.buildings:
                for unit in range(1, b.stairwell_units + 1):
                    for floor in range(1, b.floors + 1):
                        for room in range(1, b._rooms + 1):
                            commercial = shops and floor == 1 and b.number == "1栋"
                            area = (
                                rng.uniform(30, 120)
                                if commercial
                                else rng.uniform(48, 96)
                                if plan.old
                                else rng.uniform(82, 146)
                            )
                            use = Dwelling.Use.COMMERCIAL if commercial else Dwelling.Use.RESIDENTIAL
                            number = f"{floor}{room:02d}"
                            source = (
                                Dwelling.AreaSource.REGISTER
                                if rng.random() < 0.9
                                else Dwelling.AreaSource.SURVEY
                            )
                            pk = table.add(b.pk, unit, number, floor, Decimal(f"{area:.2f}"), source, use)
                            plan.dwellings.append(Home(pk, b.pk, unit, number, use))
        table.flush()
        self._residents()

    def person(
        self, gender: str | None = None, *, age=(25, 75), home=None, surname=None, staff=False, phone=True
    ) -> Someone:
        """A synthetic person, queued for insertion (see `_flush_people`)."""
        gender = gender or self.rng.choice("MF")
        born = self.people.birth_date(*age, self.today)
        name = self.people.name(gender, surname)
        number = self.people.id_number(born, gender)
        pk = self.person_table.add(
            name,
            gender,
            self.people.phone(staff) if phone else "",
            number,
            lookup_hash(number),
            born,
            home.pk if home is not None else None,
        )
        return Someone(pk, name, gender, born)

    def _flush_people(self) -> None:
        self.person_table.flush()

    def _residents(self) -> None:
        rng = self.rng
        Rel = HouseholdMember.Relation
        owners = FastTable(
            Ownership,
            ["dwelling", "person", "organization", "is_developer_unsold", "registered_on", "certificate_no"],
            ids=False,
        )
        homes = FastTable(Household, ["dwelling", "head", "moved_in_on"], ids=True)
        members = FastTable(HouseholdMember, ["household", "person", "relation"], ids=False)
        investors: list[Someone] = []

        def household(d: Home, family, moved_in):
            pk = homes.add(d.pk, family[0][0].pk, moved_in)
            for person, relation in family:
                members.add(pk, person.pk, relation)

        for plan in self.compounds:
            compound = plan.region
            for d in plan.dwellings:
                moved_in = date(
                    compound.built_year + rng.randint(0, 3), rng.randint(1, 12), rng.randint(1, 28)
                )
                if moved_in > self.today:
                    moved_in = self.today - timedelta(days=30)
                r = rng.random()
                if plan.developer is not None and r < 0.06:
                    # The developer's unsold unit: organisation-owned, together one owner in a vote.
                    owners.add(d.pk, None, plan.developer.pk, True, None, "")
                    continue
                if d.use == Dwelling.Use.COMMERCIAL:
                    owner = self.person(home=compound)
                    owners.add(d.pk, owner.pk, None, False, moved_in, "")
                    continue
                if r < 0.10 and investors:
                    # One owner of several units: this one is let or stands empty.
                    owner = rng.choice(investors)
                    owners.add(d.pk, owner.pk, None, False, moved_in, "")
                    if rng.random() < 0.7:
                        household(d, self._family(compound, tenant=True), moved_in)
                    continue
                family = self._family(compound)
                head = family[0][0]
                plan.owners.append(head)
                certificate = f"赣（{moved_in.year}）宜春市不动产权第{rng.randint(1, 9999999):07d}号"
                owners.add(d.pk, head.pk, None, False, moved_in, certificate)
                spouse = next((p for p, rel in family if rel == Rel.SPOUSE), None)
                if spouse is not None and rng.random() < 0.15:
                    # Co-owners: two rows of one dwelling, one owner for a vote's headcount.
                    owners.add(d.pk, spouse.pk, None, False, moved_in, certificate)
                if rng.random() < 0.04:
                    investors.append(head)
                household(d, family, moved_in)
                if rng.random() < 0.06:
                    plan.party_heads.append((head, d))
        self._flush_people()
        for table in (owners, homes, members):
            table.flush()

    def _family(self, compound: Region, tenant: bool = False) -> list[tuple[Someone, str]]:
        rng = self.rng
        Rel = HouseholdMember.Relation
        head_gender = "M" if rng.random() < 0.7 else "F"
        head = self.person(head_gender, age=(24, 82), home=compound)
        family = [(head, Rel.HEAD)]
        head_age = (self.today - head.birth_date).days // 365
        if rng.random() < 0.72:
            spouse_age = max(20, min(90, head_age + rng.randint(-5, 3)))
            family.append(
                (
                    self.person(
                        "F" if head_gender == "M" else "M", age=(spouse_age, spouse_age), home=compound
                    ),
                    Rel.SPOUSE,
                )
            )
        if head_age < 60 and not tenant or rng.random() < 0.3:
            for _ in range(rng.choice((0, 1, 1, 2))):
                child_age = max(0, min(head_age - 20, rng.randint(0, 30)))
                family.append(
                    (
                        self.person(
                            age=(child_age, child_age),
                            home=compound,
                            surname=head.name[0],
                            phone=child_age >= 16,
                        ),
                        Rel.CHILD,
                    )
                )
        if head_age < 55 and rng.random() < 0.15:
            parent_age = min(95, head_age + rng.randint(22, 32))
            family.append(
                (self.person(age=(parent_age, parent_age), home=compound, surname=head.name[0]), Rel.PARENT)
            )
        return family

    # -- committees and the party below the community -----------------------------------------

    def committees_and_party(self) -> None:
        rng, scale = self.rng, self.scale
        old = [p for p in self.compounds if p.old]
        # Which old compounds get which property service now, and who has a committee.
        models = [p for p in old if p.model]
        rest = [p for p in old if not p.model]
        rng.shuffle(rest)
        ordered = models + rest
        pw_n, market_n, self_n = scale.public_welfare, scale.market, scale.self_managed
        # Model compounds are served by companies (their joint body needs one): alternate PW / market,
        # with 都市春天小区 on the public-welfare company of 秀江街道 and 新城国际小区 on a market one.
        final: dict[int, str] = {}
        pw_left, market_left = pw_n, market_n
        others_seen = 0
        for p in models:
            name = p.region.name
            if name != "新城国际小区" and (name == "都市春天小区" or others_seen % 2 == 0):
                final[p.region.pk], pw_left = Mode.PUBLIC_WELFARE, pw_left - 1
            else:
                final[p.region.pk], market_left = Mode.MARKET, market_left - 1
            if name not in ("都市春天小区", "新城国际小区"):
                others_seen += 1
        queue = [Mode.PUBLIC_WELFARE] * pw_left + [Mode.MARKET] * market_left + [Mode.SELF_MANAGED] * self_n
        for p, mode in zip(rest, queue, strict=False):
            final[p.region.pk] = mode
        for p in rest[len(queue) :]:
            final[p.region.pk] = Mode.NONE
        self.final_mode = final

        # Committees: every self-managed and model compound, then others up to the count.
        need = [p for p in ordered if final[p.region.pk] == Mode.SELF_MANAGED or p.model]
        others = [p for p in ordered if p not in need]
        committee_plans = (need + others)[: scale.committees]
        self.committee_of: dict[int, Organization] = {}
        memberships = []
        staff_pool = []
        orgs = []
        for i, plan in enumerate(committee_plans):
            pmc = i % 4 == 3 and not plan.model
            start = _day_between(rng, date(2022, 6, 1), date(2025, 3, 31))
            if plan.region.name == "新城国际小区":
                start = date(2024, 4, 20)  # 业主委员会换届 with the reorganisation
            end = (
                _add_years(start, 5) - timedelta(days=1)
                if not pmc
                else _add_years(start, 3) - timedelta(days=1)
            )
            org = Organization(
                name=f"{plan.region.name}{'物业管理委员会' if pmc else '业主委员会'}",
                kind=K.PROPERTY_MANAGEMENT_COMMITTEE if pmc else K.OWNERS_COMMITTEE,
                region=plan.region,
                term_start=start,
                term_end=end,
            )
            orgs.append(org)
            self.committee_of[plan.region.pk] = org
            owners = list(dict.fromkeys(plan.owners))
            size = 7 if len(owners) >= 40 else 5
            if len(owners) < size and not plan.model:
                pmc = True  # too few owners to elect a committee: the subdistrict forms one
                org.kind, org.name = K.PROPERTY_MANAGEMENT_COMMITTEE, f"{plan.region.name}物业管理委员会"
                org.term_end = end = _add_years(start, 3) - timedelta(days=1)
            if pmc:
                people = [self.person(age=(30, 55), home=plan.community, staff=True) for _ in range(2)]
                staff_pool += people
                chosen = people + rng.sample(owners, min(3, len(owners)))
            else:
                chosen = rng.sample(owners, min(size, len(owners)))
            for j, person in enumerate(chosen):
                position = Pos.DIRECTOR if j == 0 else Pos.DEPUTY_DIRECTOR if j == 1 else Pos.MEMBER
                memberships.append((org, person, position, start, end))
        self._flush_people()
        self._orgs(orgs)
        OrgMembership.objects.bulk_create(
            [
                OrgMembership(organization=o, person_id=p.pk, position=pos, term_start=s, term_end=e)
                for o, p, pos, s, e in memberships
            ],
            batch_size=BATCH,
        )

        # Compound party branches set up with the committees (330 at seed scale).
        with_party = [p for p in committee_plans if p.model] + [p for p in committee_plans if not p.model]
        with_party = with_party[: scale.committee_party_orgs]
        branches = [
            Organization(
                name=f"{p.region.name}党支部",
                kind=K.PARTY_BRANCH,
                region=p.region,
                parent=self.party[p.community.pk],
            )
            for p in with_party
        ]
        # Grid party branches in 宜阳社区, and 润达党支部 at 润达商业 (凤凰街道).
        yiyang = self.by_name["宜阳社区"]
        for g in self.grids[yiyang.pk]:
            branches.append(
                Organization(
                    name=f"{g.name}党支部",
                    kind=K.PARTY_BRANCH,
                    region=yiyang,
                    grid=g,
                    parent=self.party[yiyang.pk],
                )
            )
        for grids in self.dedicated.values():
            for g in grids:
                if g.name == "润达商业专属网格":
                    branches.append(
                        Organization(
                            name="润达党支部",
                            kind=K.PARTY_BRANCH,
                            region=g.community,
                            grid=g,
                            parent=self.party[g.community_id],
                        )
                    )
        self._orgs(branches)
        for p, b in zip(with_party, branches, strict=False):
            self.compound_branch[p.region.pk] = b

        # Building party groups (every building of a model compound, the first elsewhere) and
        # party-member center households.
        groups = []
        for plan in with_party:
            for b in plan.buildings if plan.model else plan.buildings[:1]:
                groups.append(
                    Organization(
                        name=f"{plan.region.name}{b.number}党小组",
                        kind=K.PARTY_GROUP,
                        region=plan.region,
                        building=b,
                        parent=self.compound_branch[plan.region.pk],
                    )
                )
        self._orgs(groups)
        households = []
        heads_by_building: dict[int, list[tuple[Person, Dwelling]]] = defaultdict(list)
        for plan in with_party:
            for head, d in plan.party_heads:
                heads_by_building[d.building_id].append((head, d))
        for g in groups:
            for _head, d in heads_by_building.get(g.building_id, [])[:2]:
                org = Organization(
                    name=f"{g.building.number}{d.stairwell_unit}单元{d.room}党员中心户",
                    kind=K.CENTER_HOUSEHOLD,
                    region=g.region,
                    building=g.building,
                    dwelling_id=d.pk,
                    parent=g,
                )
                households.append(org)
        self._orgs(households)

    # -- property service ---------------------------------------------------------------------

    def property_history(self) -> None:
        rng, scale = self.rng, self.scale
        final = self.final_mode
        pw = list(self.public_welfare_companies)
        market = list(self.market_companies)
        old = [p for p in self.compounds if p.old]
        # Covered before the drive: market compounds (a few later passed to public-welfare companies).
        pw_before = max(1, round(scale.covered_before * 0.15))
        market_now = [p for p in old if final[p.region.pk] == Mode.MARKET and p.region.name != "新城国际小区"]
        pw_now = [
            p for p in old if final[p.region.pk] == Mode.PUBLIC_WELFARE and p.region.name != "都市春天小区"
        ]
        xincheng = next(p for p in old if p.region.name == "新城国际小区")
        before = set()
        before.add(xincheng.region.pk)
        for p in pw_now[:pw_before]:
            before.add(p.region.pk)
        for p in market_now[: scale.covered_before - len(before)]:
            before.add(p.region.pk)

        periods: list[PropertyService] = []
        pw_i = market_i = 0
        for plan in self.compounds:
            compound = plan.region
            if not plan.old:
                company = market[market_i % len(market)]
                market_i += 1
                periods.append(
                    PropertyService(
                        compound=compound,
                        mode=Mode.MARKET,
                        company=company,
                        start=date(compound.built_year, 6, 1),
                    )
                )
                continue
            if compound.name == "新城国际小区":
                continue  # recorded below through the service, as a clerk would
            mode = final[compound.pk]
            if mode == Mode.PUBLIC_WELFARE and compound.name == "都市春天小区":
                company = pw[0]  # 秀江街道's own public-welfare company
            elif mode == Mode.PUBLIC_WELFARE:
                pw_i += 1
                company = pw[pw_i % len(pw)]
            elif mode == Mode.MARKET:
                company = market[market_i % len(market)]
                market_i += 1
            elif mode == Mode.SELF_MANAGED:
                company = self.committee_of.get(compound.pk)
            else:
                company = None
            if compound.pk in before:
                first_company = company if mode == Mode.MARKET else market[(market_i + 7) % len(market)]
                first = PropertyService(
                    compound=compound, mode=Mode.MARKET, company=first_company, start=BASELINE_SURVEY
                )
            else:
                first = PropertyService(compound=compound, mode=Mode.NONE, start=BASELINE_SURVEY)
            if mode == first.mode and company == first.company:
                periods.append(first)
                continue
            if mode == Mode.NONE:
                periods.append(first)
                continue
            start = _day_between(rng, REFORM_FROM, REFORM_TO)
            if mode == Mode.SELF_MANAGED and company is not None:
                start = max(start, company.term_start + timedelta(days=30))
            first.end = start - timedelta(days=1)
            periods += [first, PropertyService(compound=compound, mode=mode, company=company, start=start)]
        PropertyService.objects.bulk_create(periods, batch_size=BATCH)

        # 新城国际小区: a market company since the survey, reorganised in 2024 (物业服务企业重组).
        compound = xincheng.region
        old_company, new_company = market[-1], market[-2]
        property_services.change_property_service(compound, Mode.MARKET, old_company, start=BASELINE_SURVEY)
        property_services.change_property_service(compound, Mode.MARKET, new_company, start=date(2024, 5, 1))

    # -- joint bodies -------------------------------------------------------------------------

    def joint_bodies(self) -> None:
        rng = self.rng
        for plan in self.compounds:
            if not plan.model:
                continue
            compound = plan.region
            service = property_services.service_on(compound, self.today)
            committee = self.committee_of[compound.pk]
            county_code = plan.community.parent.parent.code
            unit = self.co_building[county_code][0]
            representatives = list(
                OrgMembership.objects.filter(organization=committee).select_related("person").order_by("pk")
            )
            resident = rng.choice(plan.owners[1:] or plan.owners)
            org_services.create_joint_body(
                compound,
                party=self.party[plan.community.pk],
                property_company=service.company,
                owners_committee=committee,
                co_building_unit=unit,
                residents=Person.objects.get(pk=resident.pk),
                representatives={JointBodySeat.Seat.OWNERS_COMMITTEE: representatives[0].person},
            )

    # -- grid workers, department contacts ----------------------------------------------------

    def contacts_and_workers(self) -> None:
        rng = self.rng
        members: list[tuple[Grid, Person, str]] = []
        contacts: list[DepartmentContact] = []
        since = date(2023, 7, 1)
        for community in [r for r in self.regions.values() if r.level == L.COMMUNITY]:
            secretary = self.person(age=(32, 56), home=community, staff=True)
            for g in self.grids[community.pk]:
                worker = self.person(age=(24, 50), home=community, staff=True)
                members += [
                    (g, worker, GridMember.Position.WORKER),
                    (g, secretary, GridMember.Position.LEADER),
                ]
            for g in self.dedicated[community.pk]:
                members.append(
                    (g, self.person(age=(28, 58), home=community, staff=True), GridMember.Position.WORKER)
                )
            county = community.parent.parent
            first = self.grids[community.pk][0]
            for key in places.STATIONED:
                contacts.append(
                    DepartmentContact(
                        department=self.departments[(county.code, key)],
                        grid=first,
                        name=self.people.name(rng.choice("MF")),
                        title=_CONTACT_TITLES[key],
                        public_phone=self.people.phone(staff=True),
                        duties=next(d for k, _n, d in places.DEPARTMENTS if k == key),
                    )
                )
        for plan in self.compounds:
            if plan.model:
                county = plan.community.parent.parent
                for key in ("housing", "police"):
                    contacts.append(
                        DepartmentContact(
                            department=self.departments[(county.code, key)],
                            compound=plan.region,
                            name=self.people.name(rng.choice("MF")),
                            title=_CONTACT_TITLES[key],
                            public_phone=self.people.phone(staff=True),
                            duties=next(d for k, _n, d in places.DEPARTMENTS if k == key),
                        )
                    )
        self._flush_people()
        GridMember.objects.bulk_create(
            [GridMember(grid=g, person_id=p.pk, position=pos, since=since) for g, p, pos in members],
            batch_size=BATCH,
        )
        DepartmentContact.objects.bulk_create(contacts, batch_size=BATCH)

    # -- riders -------------------------------------------------------------------------------

    def riders(self) -> None:
        tags = {
            slug: PersonTag.objects.get_or_create(slug=slug, defaults={"name": name})[0]
            for slug, name in (
                ("rider", "外卖骑手"),
                ("courier", "快递员"),
                ("governance_partner", "城市治理合伙人"),
            )
        }
        qinghua = self.by_name["清华社区"]
        fengxin = next(
            r for r in self.regions.values() if r.level == L.COMMUNITY and r.parent.code == "360921100"
        )
        groups = [
            (qinghua, 30, ("rider", "governance_partner")),
            (fengxin, self.scale.fengxin_riders, ("courier",)),
        ]
        tagged: list[tuple[Person, tuple[str, ...]]] = []
        for home, n, slugs in groups:
            for i in range(n):
                p = self.person("M" if self.rng.random() < 0.9 else "F", age=(20, 45), home=home)
                extra = ("rider",) if slugs == ("courier",) and i % 2 else ()
                tagged.append((p, slugs + extra))
        self._flush_people()
        through = Person.tags.through
        through.objects.bulk_create(
            [through(person_id=p.pk, persontag_id=tags[s].pk) for p, slugs in tagged for s in slugs],
            batch_size=BATCH,
        )
        self.rider_count = len(tagged)

    # -- party members ------------------------------------------------------------------------

    def party_members(self) -> None:
        rng = self.rng
        rows = []
        Status = PartyMembership.Status
        for plan in self.compounds:
            org = self.compound_branch.get(plan.region.pk) or self.party[plan.community.pk]
            for head, _d in plan.party_heads:
                status = rng.choice((Status.IN_SERVICE, Status.IN_SERVICE, Status.RETIRED, Status.FLOATING))
                rows.append(
                    PartyMembership(
                        person_id=head.pk,
                        organization=org,
                        status=status,
                        reports_to=plan.community
                        if status != Status.FLOATING or rng.random() < 0.5
                        else None,
                        reported_on=_day_between(rng, date(2023, 1, 1), date(2025, 6, 30)),
                        joined_on=_day_between(
                            rng,
                            head.birth_date + timedelta(days=365 * 19),
                            min(self.today, head.birth_date + timedelta(days=365 * 45)),
                        ),
                    )
                )
        PartyMembership.objects.bulk_create(rows, batch_size=BATCH)


def _building_shapes(
    rng: random.Random, old: bool, quota: int, at_least: int
) -> list[tuple[int, int, int, bool]]:
    """(floors, stairwell units, rooms per floor and unit, elevator) of a compound's buildings,
    adding up to about `quota` dwellings: walk-ups of 5–7 floors in old compounds, towers of
    up to 33 floors with elevators in new ones (shortened when the quota is nearly met)."""
    shapes: list[tuple[int, int, int, bool]] = []
    remaining = quota
    # Stop when what is left would not fill half of the smallest building.
    while remaining > 5 or len(shapes) < at_least:
        if old:
            floors, units, rooms, low = rng.randint(5, 7), rng.randint(1, 3), 2, 5
        else:
            floors, units, rooms, low = (
                rng.choice((6, 11, 18, 26, 33)),
                rng.randint(1, 2),
                rng.choice((2, 2, 3, 4)),
                6,
            )
        if remaining > 0 and floors * units * rooms > remaining:
            units = 1
            floors = max(low, min(floors, -(-remaining // rooms)))
        shapes.append((floors, units, rooms, floors > 7))
        remaining -= floors * units * rooms
    return shapes


def _public_welfare_name(where: Region, i: int) -> str:
    if where.level == L.SUBDISTRICT:
        return f"{where.name}公益物业服务中心"
    if where.level == L.COMMUNITY:
        return f"{where.name}红色物业服务站"
    return f"城投公益物业第{i + 1}服务中心"


_CONTACT_TITLES = {
    "urban": "城管队员",
    "market": "市场监管所联络员",
    "police": "社区民警",
    "fire": "消防联络员",
    "housing": "物业监管联络员",
}


# -- helpers ------------------------------------------------------------------------------------


def _hull(rects: list[layout.Rect]) -> dict:
    import shapely
    from shapely.geometry import box, mapping

    hull = shapely.union_all([box(*r) for r in rects]).convex_hull
    geo = mapping(hull)
    return {
        "type": "Polygon",
        "coordinates": [
            [[round(x, layout.DIGITS), round(y, layout.DIGITS)] for x, y in ring]
            for ring in geo["coordinates"]
        ],
    }


def _unique(rng: random.Random, words, suffix: str, used: set[str], prefix: str = "") -> str:
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


def _find_code(regions: dict[str, Region], nc: places.NamedCommunity) -> str:
    if nc.code:
        return nc.code
    return next(
        code for code, r in regions.items() if r.name == nc.name and r.parent_id == regions[nc.subdistrict].pk
    )


def _day_between(rng: random.Random, start: date, end: date) -> date:
    return start + timedelta(days=rng.randint(0, (end - start).days))


def _add_years(day: date, years: int) -> date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:
        return day.replace(year=day.year + years, day=28)


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

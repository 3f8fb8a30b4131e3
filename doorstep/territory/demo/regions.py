"""The demo builder's territory: regions with nested synthetic boundaries, and the grids."""

from __future__ import annotations

from collections import defaultdict

from doorstep.territory.models import Grid, Region

from . import layout, places
from .common import BATCH, CompoundPlan, L, unique_name


class RegionsPart:
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
                    entries.append((unique_name(rng, places.COMMUNITY_WORDS, "社区", used_names), None, None))
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
            strips, _cells = self._zones(community, len(communities))
            grid_count = len(strips)
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
        return unique_name(rng, places.COMPOUND_WORDS, rng.choice(places.NEW_SUFFIXES), used)

    def _community_index(self, community: Region) -> int:
        return self._order.setdefault(community.pk, len(self._order))

    def _zones(self, community: Region, count: int) -> tuple[list[layout.Rect], list[layout.Rect]]:
        """A community cell cut into residential grid strips (compounds stand in them) and, in a
        band along its south edge, the cells of its dedicated grids."""
        n_res = self._residential_grid_count(community, count)
        n_ded = self._dedicated_grid_count(community, count)
        rect = self.community_rects[community.pk]
        if not n_ded:
            return layout.columns(rect, n_res), []
        residential, band = layout.split_band(rect, 0.18)
        return layout.columns(residential, n_res), layout.columns(band, n_ded, gap=0.05)

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
            strips, cells = self._zones(community, count)
            plans = by_community[community.pk]
            for g, strip in enumerate(strips):
                name = f"{community.name}第{g + 1}网格"
                grid = _grid(
                    community, f"W{g + 1:02d}", name, Grid.Kind.RESIDENTIAL, rng.choice(self.DUTY_SETS), strip
                )
                grids.append(grid)
                self.grids[community.pk].append(grid)
                covers.append((grid, [p.region for i, p in enumerate(plans) if i % len(strips) == g]))
            for d, cell in enumerate(cells):
                kind, label, duties = self._dedicated_kind(community, d, schools)
                name = label if label.endswith("网格") else f"{community.name}{label}专属网格"
                grid = _grid(community, f"Z{d + 1:02d}", name, kind, duties, cell)
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
        kind, label, duties = self.DEDICATED_KINDS[
            (index + self._community_index(community)) % len(self.DEDICATED_KINDS)
        ]
        return kind, label, duties


def _grid(community: Region, suffix: str, name: str, kind: str, duties: list[str], rect: layout.Rect) -> Grid:
    lng, lat = layout.center(rect)
    return Grid(
        code=f"{community.code}-{suffix}",
        name=name,
        kind=kind,
        duties=duties,
        community=community,
        boundary=layout.polygon(rect),
        centroid_lng=lng,
        centroid_lat=lat,
        geometry_version=1,
    )


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


def _find_code(regions: dict[str, Region], nc: places.NamedCommunity) -> str:
    if nc.code:
        return nc.code
    return next(
        code for code, r in regions.items() if r.name == nc.name and r.parent_id == regions[nc.subdistrict].pk
    )

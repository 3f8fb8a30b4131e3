"""Point location: a longitude/latitude (WGS-84, GCJ-02 or BD-09) → compound, grid, community,
subdistrict, county, city — or "outside the territory".

How it works
------------
* One shapely 2 STRtree holds every region polygon (all five levels) and every grid polygon,
  prepared for fast point-in-polygon tests. A lookup asks the tree for the polygons whose bounding
  box holds the point, then tests those few exactly (`intersects_xy`: a point on an edge counts).
* The finest region level hit by a polygon wins; the coarser levels come from the region tree
  (its parent chain), not from their own polygons. So a compound found means its community,
  subdistrict, county and city are the compound's ancestors even where those have no polygon or
  their polygons were drawn a little off. Where several polygons of one level hold the point
  (overlapping drawings) the smallest wins.
* Grid: the grid polygon holding the point, preferring a grid of the community found; with no grid
  polygon, the grid that covers the compound found (`Grid.compounds`). A grid found without any
  region polygon gives the community (and its chain) of that grid.
* Results carry `Place(id, name, code)` values, not model instances, so a warm lookup makes no
  database query; fetch the model with `Region.objects.get(pk=loc.compound.id)` when needed.

Keeping the index correct
-------------------------
The index lives in each process (gunicorn runs several). It is keyed by a fingerprint of the
geometry tables: row count, highest id, sum of `geometry_version` and latest `updated_at` of
regions and grids, plus count and highest id of the grid↔compound links (3 small aggregate
queries). A lookup re-reads the fingerprint when the last check is older than
`settings.LOCATE_CHECK_SECONDS` (default 5 s) and rebuilds when it changed, so an edit made by
another process is seen within that interval. `set_boundary` bumps `geometry_version` and calls
`invalidate()` (now and again on commit), so the process that made the edit sees it on its very
next lookup. A rebuild reads the fingerprint *before* the rows, so an edit racing with a rebuild
causes one more rebuild, never a stale index. A rebuild re-reads only the boundaries whose
(`geometry_version`, `updated_at`) changed and reuses the other parsed polygons: at seed scale a
cold build takes ~0.4 s, the first lookup after one boundary edit ~50 ms (`bench/locate.py`).
"""

from __future__ import annotations

import json
import threading
import time
from dataclasses import asdict, dataclass

import numpy as np
import shapely
from django.conf import settings
from django.db.models import Count, Max, Sum, TextField
from django.db.models.functions import Cast
from django.utils.translation import gettext as _

from doorstep.core.coords import WGS84, Point, parse_point
from doorstep.territory.geometry import boundary_shape
from doorstep.territory.models import Grid, Region

DEFAULT_CHECK_SECONDS = 5.0
GRID = 0  # the "level" of grid polygons in the index; regions use Region.Level values (1–5)
LEVEL_NAMES = {
    Region.Level.CITY: "city",
    Region.Level.COUNTY: "county",
    Region.Level.SUBDISTRICT: "subdistrict",
    Region.Level.COMMUNITY: "community",
    Region.Level.COMPOUND: "compound",
}


REGION_FIELDS = ("city", "county", "subdistrict", "community", "compound")


@dataclass(frozen=True)
class Place:
    """A region or grid as the index knows it (no database access needed)."""

    id: int
    name: str
    code: str


@dataclass(frozen=True)
class Location:
    """Where a point lies. `lng`/`lat` are WGS-84; `system`/`input_*` are what was given.

    `matched` names the finest level whose polygon holds the point ("compound", "community", …,
    "grid" when only a grid polygon did, None when outside); `grid_via` says how the grid was
    found: "polygon", "compound" (the grid covering the compound found) or None.
    """

    lng: float
    lat: float
    system: str = WGS84
    input_lng: float | None = None
    input_lat: float | None = None
    inside: bool = False
    city: Place | None = None
    county: Place | None = None
    subdistrict: Place | None = None
    community: Place | None = None
    compound: Place | None = None
    grid: Place | None = None
    matched: str | None = None
    grid_via: str | None = None
    message: str = ""

    @property
    def region(self) -> Place | None:
        """The finest region found (compound, else community, …)."""
        for name in reversed(REGION_FIELDS):
            if getattr(self, name) is not None:
                return getattr(self, name)
        return None

    @property
    def address(self) -> str:
        """Names from the city down, e.g. "宜春市袁州区秀江街道宜阳社区都市春天小区"."""
        return "".join(getattr(self, n).name for n in REGION_FIELDS if getattr(self, n) is not None)

    def as_dict(self) -> dict:
        """JSON-ready form (the `doorstep geo locate` output and API responses)."""
        data = {
            "inside": self.inside,
            "point": {"lng": self.lng, "lat": self.lat, "system": WGS84},
            "input": {"lng": self.input_lng, "lat": self.input_lat, "system": self.system},
        }
        for name in (*REGION_FIELDS, "grid"):
            place = getattr(self, name)
            data[name] = asdict(place) if place is not None else None
        data.update(matched=self.matched, grid_via=self.grid_via, address=self.address)
        if self.message:
            data["message"] = self.message
        return data


@dataclass
class _Snapshot:
    fingerprint: tuple
    tree: shapely.STRtree | None
    geoms: np.ndarray  # prepared polygons
    levels: np.ndarray  # GRID or Region.Level per polygon
    owners: np.ndarray  # region or grid id per polygon
    areas: np.ndarray
    regions: dict  # id -> (Place, level, parent_id)
    grids: dict  # id -> (Place, community_id)
    compound_grids: dict  # compound id -> [grid id, …] by grid code
    shapes: dict  # ("region"|"grid", id) -> ((geometry_version, updated_at), geometry or None)
    built_in: float = 0.0
    reparsed: int = 0  # boundaries read and parsed in this build (the rest were reused)


def fingerprint() -> tuple:
    """A few numbers that change whenever any boundary, name or grid↔compound link changes."""
    aggregates = {"n": Count("id"), "max_id": Max("id"), "v": Sum("geometry_version"), "t": Max("updated_at")}
    regions = Region.objects.order_by().aggregate(**aggregates)
    grids = Grid.objects.order_by().aggregate(**aggregates)
    links = Grid.compounds.through.objects.order_by().aggregate(n=Count("id"), max_id=Max("id"))
    return (
        tuple(regions[k] for k in ("n", "max_id", "v", "t")),
        tuple(grids[k] for k in ("n", "max_id", "v", "t")),
        (links["n"], links["max_id"]),
    )


# Above this many changed rows a rebuild reads every boundary instead of a list of ids.
_REREAD_ALL = 500


def _read_shapes(model, ids: list[int] | None) -> dict[int, shapely.Geometry]:
    """Boundaries as shapely geometries, parsed by GEOS straight from the stored JSON text."""
    rows = model.objects.order_by().filter(boundary__isnull=False)
    if ids is not None:
        rows = rows.filter(pk__in=ids)
    pairs = list(rows.annotate(text=Cast("boundary", TextField())).values_list("id", "text"))
    if not pairs:
        return {}
    parsed = shapely.from_geojson([text for _pk, text in pairs], on_invalid="ignore")
    shapes = {}
    for (pk, text), geom in zip(pairs, parsed, strict=True):
        if geom is None or not isinstance(geom, (shapely.Polygon, shapely.MultiPolygon)) or not geom.is_valid:
            # Anything odd (a Feature, a bow-tie saved by hand): the careful path repairs or drops it.
            try:
                geom = boundary_shape(json.loads(text))
            except ValueError:
                geom = None
        elif geom.is_empty or geom.area <= 0:
            geom = None
        shapes[pk] = geom
    return shapes


def _build(fp: tuple, previous: _Snapshot | None = None) -> _Snapshot:
    """Read the territory; boundaries unchanged since `previous` (same version and updated_at) are reused."""
    started = time.perf_counter()
    old = previous.shapes if previous is not None else {}
    region_rows = list(
        Region.objects.order_by().values_list(
            "id", "name", "code", "level", "parent_id", "geometry_version", "updated_at"
        )
    )
    grid_rows = list(
        Grid.objects.order_by().values_list(
            "id", "name", "code", "community_id", "geometry_version", "updated_at"
        )
    )
    shapes: dict = {}
    reparsed = 0
    for kind, model, rows in (("region", Region, region_rows), ("grid", Grid, grid_rows)):
        keys = {row[0]: (row[-2], row[-1]) for row in rows}
        changed = [pk for pk, key in keys.items() if old.get((kind, pk), (None,))[0] != key]
        if not changed:
            fresh = {}
        elif len(changed) > _REREAD_ALL:
            fresh = _read_shapes(model, None)
        else:
            fresh = _read_shapes(model, changed)
        changed_set = set(changed)
        reparsed += len(changed)
        for pk, key in keys.items():
            geom = fresh.get(pk) if pk in changed_set else old[(kind, pk)][1]
            shapes[(kind, pk)] = (key, geom)

    geoms, levels, owners = [], [], []
    regions = {}
    for pk, name, code, level, parent_id, _v, _t in region_rows:
        regions[pk] = (Place(pk, name, code), level, parent_id)
        geom = shapes[("region", pk)][1]
        if geom is not None:
            geoms.append(geom)
            levels.append(level)
            owners.append(pk)
    grids = {}
    for pk, name, code, community_id, _v, _t in grid_rows:
        grids[pk] = (Place(pk, name, code), community_id)
        geom = shapes[("grid", pk)][1]
        if geom is not None:
            geoms.append(geom)
            levels.append(GRID)
            owners.append(pk)
    compound_grids: dict[int, list[int]] = {}
    links = Grid.compounds.through.objects.order_by("grid__code").values_list("region_id", "grid_id")
    for compound_id, grid_id in links:
        compound_grids.setdefault(compound_id, []).append(grid_id)
    geom_array = np.empty(len(geoms), dtype=object)
    geom_array[:] = geoms
    shapely.prepare(geom_array)  # already prepared geometries (reused ones) are left as they are
    return _Snapshot(
        fingerprint=fp,
        tree=shapely.STRtree(geom_array) if geoms else None,
        geoms=geom_array,
        levels=np.array(levels, dtype=np.int8),
        owners=np.array(owners, dtype=np.int64),
        areas=shapely.area(geom_array) if geoms else np.array([]),
        regions=regions,
        grids=grids,
        compound_grids=compound_grids,
        shapes=shapes,
        built_in=time.perf_counter() - started,
        reparsed=reparsed,
    )


class LocationIndex:
    """The process-local index; `locate()` below uses the module's single instance."""

    def __init__(self, check_seconds: float | None = None):
        self._check_seconds = check_seconds
        self._snapshot: _Snapshot | None = None
        self._checked_at = float("-inf")
        self._stale = True
        self._generation = 0  # bumped by every invalidate()
        self._lock = threading.Lock()
        self._query_lock = threading.Lock()
        self.builds = 0  # how many times the index was (re)built: for tests and the bench

    @property
    def check_seconds(self) -> float:
        if self._check_seconds is not None:
            return self._check_seconds
        return float(getattr(settings, "LOCATE_CHECK_SECONDS", DEFAULT_CHECK_SECONDS))

    def reset(self) -> None:
        """Drop the index entirely (tests; a database restored from a backup)."""
        with self._lock:
            self._snapshot = None
            self._stale = True

    def invalidate(self) -> None:
        """Make the next lookup re-check the fingerprint (and rebuild if anything changed)."""
        self._generation += 1
        self._stale = True

    def snapshot(self) -> _Snapshot:
        snap = self._snapshot
        if snap is not None and not self._stale and time.monotonic() - self._checked_at < self.check_seconds:
            return snap
        with self._lock:
            # The flag is cleared only once the new snapshot is in place, so other threads keep
            # waiting on the lock instead of reading the old one; an invalidate() that arrives
            # during the rebuild keeps it set.
            generation = self._generation
            snap = self._snapshot
            fp = fingerprint()
            if snap is None or snap.fingerprint != fp:
                snap = self._snapshot = _build(fp, snap)
                self.builds += 1
            self._checked_at = time.monotonic()
            if generation == self._generation:
                self._stale = False
        return snap

    def locate(self, point: Point) -> Location:
        snap = self.snapshot()
        region_hits: dict[int, int] = {}  # level -> region id (the smallest polygon of that level)
        grid_hits: list[int] = []  # grid ids, smallest polygon first
        if snap.tree is not None:
            # GEOS builds a prepared polygon's point locator lazily on first use: one query at a time
            # (uncontended in gunicorn's sync workers; threads in a threaded server take turns).
            with self._query_lock:
                candidates = snap.tree.query(shapely.points(np.array((point.lng, point.lat))))
                hits = candidates[shapely.intersects_xy(snap.geoms[candidates], point.lng, point.lat)]
            # Smallest polygon first, then lowest id, so overlapping drawings resolve the same way.
            for i in sorted(hits.tolist(), key=lambda i: (snap.areas[i], snap.owners[i])):
                level, owner = int(snap.levels[i]), int(snap.owners[i])
                if level == GRID:
                    grid_hits.append(owner)
                else:
                    region_hits.setdefault(level, owner)

        found: dict[str, Place] = {}
        matched = None
        finest = max(region_hits) if region_hits else None
        if finest is not None:
            matched = LEVEL_NAMES[finest]
            self._fill_chain(snap, region_hits[finest], found)

        grid_id, grid_via = None, None
        if grid_hits:
            community = found.get("community")
            grid_id = next(
                (g for g in grid_hits if community is not None and snap.grids[g][1] == community.id),
                grid_hits[0],
            )
            grid_via = "polygon"
            if not found:
                matched = "grid"
                self._fill_chain(snap, snap.grids[grid_id][1], found)
        elif "compound" in found and snap.compound_grids.get(found["compound"].id):
            grid_id, grid_via = snap.compound_grids[found["compound"].id][0], "compound"
        if grid_id is not None:
            found["grid"] = snap.grids[grid_id][0]

        inside = bool(found)
        return Location(
            lng=point.lng,
            lat=point.lat,
            system=point.system,
            input_lng=point.input_lng if point.input_lng is not None else point.lng,
            input_lat=point.input_lat if point.input_lat is not None else point.lat,
            inside=inside,
            matched=matched,
            grid_via=grid_via,
            message="" if inside else _("The location is outside the territory."),
            **found,
        )

    @staticmethod
    def _fill_chain(snap: _Snapshot, region_id: int | None, found: dict) -> None:
        seen = set()
        while region_id is not None and region_id in snap.regions and region_id not in seen:
            seen.add(region_id)
            place, level, parent_id = snap.regions[region_id]
            found.setdefault(LEVEL_NAMES[level], place)
            region_id = parent_id


_index = LocationIndex()


def locate(lng, lat, system: str = WGS84) -> Location:
    """Locate a point given in `system`; raises ValidationError for bad input (see parse_point)."""
    return _index.locate(parse_point(lng, lat, system))


def locate_point(point: Point) -> Location:
    """Locate an already validated point."""
    return _index.locate(point)


def invalidate() -> None:
    """Called after a boundary change in this process (set_boundary does it)."""
    _index.invalidate()


def index() -> LocationIndex:
    return _index

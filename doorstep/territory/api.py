"""The territory in the JSON API (/api/v1/territory/...): regions by code, their children, the
grids, and locating a point. Every read is limited to the caller's scope (doorstep/core/api.py):
a region or grid outside it is 404, as on the pages."""

from __future__ import annotations

from django.db.models import Count
from django.http import HttpRequest
from ninja import Field, Query, Router, Schema

from doorstep.core.api import AUTH, READ_ERRORS, ApiError, caller
from doorstep.core.coords import WGS84

from .models import Grid, Region

router = Router(tags=["territory"], auth=AUTH)

CODE = r"^[0-9A-Za-z_\-]{1,32}$"


class PointOut(Schema):
    lng: float
    lat: float


class RegionOut(Schema):
    code: str
    name: str
    level: int = Field(description="1 city, 2 county, 3 subdistrict/town, 4 community, 5 compound")
    level_label: str
    kind: str
    parent: str | None = Field(None, description="The parent's code.")
    children: int = Field(description="How many regions lie directly below.")
    centroid: PointOut | None = Field(None, description="WGS-84.")


class RegionDetailOut(RegionOut):
    path: list[RegionOut] = Field(description="The visible regions above it, the top first.")
    grids: int
    boundary: dict | None = Field(None, description="GeoJSON polygon, WGS-84.")


class RegionListOut(Schema):
    regions: list[RegionOut]


class GridOut(Schema):
    code: str
    name: str
    kind: str
    kind_label: str
    duties: list[str]
    community: str = Field(description="The community's code.")
    compounds: list[str] = Field(description="Codes of the compounds it covers.")
    centroid: PointOut | None = None


class GridListOut(Schema):
    grids: list[GridOut]


class PlaceOut(Schema):
    id: int
    name: str
    code: str


class LocateIn(Schema):
    lng: float = Field(description="Longitude in `system`.")
    lat: float = Field(description="Latitude in `system`.")
    system: str = Field(WGS84, description="wgs84, gcj02 (高德/腾讯) or bd09 (百度).")


class SystemPointOut(Schema):
    lng: float | None
    lat: float | None
    system: str


class LocateOut(Schema):
    inside: bool
    point: SystemPointOut = Field(description="The point in WGS-84.")
    input: SystemPointOut = Field(description="The point as given, with its system.")
    city: PlaceOut | None
    county: PlaceOut | None
    subdistrict: PlaceOut | None
    community: PlaceOut | None
    compound: PlaceOut | None
    grid: PlaceOut | None
    matched: str | None
    grid_via: str | None
    address: str
    message: str | None = None


class ChildrenIn(Schema):
    parent: str | None = Field(None, pattern=CODE, description="A region code; none: the top of your scope.")


class GridsIn(Schema):
    community: str | None = Field(None, pattern=CODE, description="Only this community's grids.")


def _regions(request):
    return caller(request).scope.filter(Region.objects.all(), "pk")


def _region(request, code: str) -> Region:
    found = _regions(request).filter(code=code).defer("boundary").first()
    if found is None:
        raise ApiError(404, "not_found", _not_found())
    return found


def _not_found() -> str:
    from django.utils.translation import gettext as _

    return _("Not found, or not within your area.")


def _centroid(obj) -> dict | None:
    if obj.centroid_lng is None or obj.centroid_lat is None:
        return None
    return {"lng": obj.centroid_lng, "lat": obj.centroid_lat}


def _region_row(region: Region, parent_code: str | None, children: int) -> dict:
    return {
        "code": region.code,
        "name": region.name,
        "level": region.level,
        "level_label": str(region.get_level_display()),
        "kind": region.kind,
        "parent": parent_code,
        "children": children,
        "centroid": _centroid(region),
    }


def _rows(qs) -> list[dict]:
    qs = qs.select_related("parent").only(
        "code", "name", "level", "kind", "centroid_lng", "centroid_lat", "parent__code"
    )
    qs = qs.annotate(child_count=Count("children", distinct=True)).order_by("code")
    return [_region_row(r, r.parent.code if r.parent_id else None, r.child_count) for r in qs]


@router.get(
    "/territory/regions",
    response={200: RegionListOut, **READ_ERRORS},
    summary="Regions: the top of your area, or a region's children",
)
def regions(request: HttpRequest, params: Query[ChildrenIn]):
    """Without `parent`: the highest regions of the caller's area (the city for city staff, a
    county for a key limited to it). With `parent`: that region's children, if it is in the area."""
    scope = caller(request).scope
    qs = _regions(request)
    if params.parent:
        qs = qs.filter(parent=_region(request, params.parent))
    elif scope.everything:
        qs = qs.filter(parent__isnull=True)
    else:
        qs = qs.exclude(parent__in=sorted(scope.region_ids))
    return {"regions": _rows(qs)}


@router.get(
    "/territory/regions/{code}",
    response={200: RegionDetailOut, **READ_ERRORS},
    summary="One region by its code, with its path and boundary",
)
def region_detail(request: HttpRequest, code: str):
    """A region of the caller's area: level, parent, the visible regions above it, how many
    children and grids it has, its centroid and GeoJSON boundary (WGS-84)."""
    scope = caller(request).scope
    region = _regions(request).with_tree_fields().filter(code=code).first()
    if region is None:
        raise ApiError(404, "not_found", _not_found())
    above = [pk for pk in region.tree_path[:-1] if scope.covers_region(pk)]
    path = _rows(Region.objects.filter(pk__in=above))
    path.sort(key=lambda r: r["level"])
    children = Region.objects.filter(parent=region).count()
    parent_code = Region.objects.filter(pk=region.parent_id).values_list("code", flat=True).first()
    grids = Grid.objects.filter(community=region).count()
    return {
        **_region_row(region, parent_code, children),
        "path": path,
        "grids": grids,
        "boundary": region.boundary,
    }


@router.get(
    "/territory/regions/{code}/children",
    response={200: RegionListOut, **READ_ERRORS},
    summary="A region's children",
)
def region_children(request: HttpRequest, code: str):
    """The regions directly below `code` (404 when it is not in the caller's area)."""
    region = _region(request, code)
    return {"regions": _rows(_regions(request).filter(parent=region))}


def _grid_rows(qs) -> list[dict]:
    qs = qs.select_related("community").prefetch_related("compounds").order_by("code")
    return [
        {
            "code": g.code,
            "name": g.name,
            "kind": g.kind,
            "kind_label": str(g.get_kind_display()),
            "duties": list(g.duties or []),
            "community": g.community.code,
            "compounds": sorted(c.code for c in g.compounds.all()),
            "centroid": _centroid(g),
        }
        for g in qs.defer("boundary", "community__boundary")
    ]


def _grids(request):
    return caller(request).scope.filter(Grid.objects.all(), "community")


@router.get("/territory/grids", response={200: GridListOut, **READ_ERRORS}, summary="Grids of your area")
def grids(request: HttpRequest, params: Query[GridsIn]):
    """The grids of the caller's area (or of one community), with the compounds each covers."""
    qs = _grids(request)
    if params.community:
        qs = qs.filter(community=_region(request, params.community))
    return {"grids": _grid_rows(qs)}


@router.get("/territory/grids/{code}", response={200: GridOut, **READ_ERRORS}, summary="One grid by its code")
def grid_detail(request: HttpRequest, code: str):
    """A grid of the caller's area with its duties and compounds (404 outside the area)."""
    rows = _grid_rows(_grids(request).filter(code=code))
    if not rows:
        raise ApiError(404, "not_found", _not_found())
    return rows[0]


@router.get(
    "/territory/locate",
    response={200: LocateOut, **READ_ERRORS},
    summary="Which region and grid a point lies in",
)
def locate_point(request: HttpRequest, params: Query[LocateIn]):
    """Locate a point given in WGS-84, GCJ-02 or BD-09: the city, county, subdistrict,
    community, compound and grid whose boundaries hold it (names and codes are public)."""
    from .locate import locate

    return locate(params.lng, params.lat, params.system).as_dict()

"""Setting a region's or grid's boundary: validation, conversion, centroid, version bump."""

import json

import pytest
from django.core.exceptions import ValidationError
from django.utils import translation

from doorstep.core.coords import distance_m, from_wgs84, to_wgs84
from doorstep.territory.geometry import clear_boundary, set_boundary
from doorstep.territory.models import Grid, Region
from tests import factories

SQUARE = factories.square(114.38, 27.80, half=0.002)


def same(a: dict, b: dict) -> bool:
    """Same GeoJSON up to the 1e-8° (≈ 1 mm) the boundary is stored with."""
    if a["type"] != b["type"]:
        return False
    flat_a = json.dumps(a["coordinates"]).replace("[", "").replace("]", "").split(",")
    flat_b = json.dumps(b["coordinates"]).replace("[", "").replace("]", "").split(",")
    nested_a = json.dumps(a["coordinates"]).count("[")
    return (
        nested_a == json.dumps(b["coordinates"]).count("[")
        and len(flat_a) == len(flat_b)
        and all(abs(float(x) - float(y)) < 1e-8 for x, y in zip(flat_a, flat_b, strict=True))
    )


def polygon(*ring):
    return {"type": "Polygon", "coordinates": [list(map(list, ring))]}


def test_set_boundary_of_a_compound(city):
    compound = city.compound_a
    before = compound.geometry_version
    shape = factories.square(114.381, 27.801, half=0.003)
    set_boundary(compound, shape)
    stored = Region.objects.get(pk=compound.pk)
    assert same(stored.boundary, shape)
    assert (stored.centroid_lng, stored.centroid_lat) == pytest.approx((114.381, 27.801), abs=1e-9)
    assert stored.geometry_version == before + 1 == compound.geometry_version
    assert stored.updated_at == compound.updated_at


def test_set_boundary_of_a_grid(city):
    grid = factories.grid(city.community_a)
    set_boundary(grid, SQUARE)
    grid = Grid.objects.get(pk=grid.pk)
    assert same(grid.boundary, SQUARE)
    assert (grid.centroid_lng, grid.centroid_lat) == pytest.approx((114.38, 27.80))
    assert grid.geometry_version == 1


def test_every_change_bumps_the_version(city):
    compound = city.compound_a
    start = compound.geometry_version
    set_boundary(compound, SQUARE)
    set_boundary(Region.objects.get(pk=compound.pk), factories.square(114.38, 27.80, half=0.001))
    clear_boundary(compound)
    stored = Region.objects.get(pk=compound.pk)
    assert stored.geometry_version == start + 3
    assert stored.boundary is None and stored.centroid_lng is None


@pytest.mark.parametrize(
    "wrap",
    [
        lambda g: g,
        lambda g: json.dumps(g),
        lambda g: {"type": "Feature", "properties": {"name": "x"}, "geometry": g},
        lambda g: {"type": "FeatureCollection", "features": [{"type": "Feature", "geometry": g}]},
    ],
    ids=["geometry", "json-text", "feature", "feature-collection"],
)
def test_accepts_what_map_tools_export(city, wrap):
    set_boundary(city.compound_a, wrap(SQUARE))
    assert same(Region.objects.get(pk=city.compound_a.pk).boundary, SQUARE)


@pytest.mark.parametrize("system", ["gcj02", "bd09"])
def test_converts_from_chinese_map_systems(city, system):
    """A boundary drawn on AMap (GCJ-02) or Baidu (BD-09) is stored in WGS-84."""
    wgs = factories.square(114.38, 27.80, half=0.002)
    drawn = {
        "type": "Polygon",
        "coordinates": [[list(from_wgs84(x, y, system)) for x, y in wgs["coordinates"][0]]],
    }
    set_boundary(city.compound_a, drawn, system=system)
    stored = Region.objects.get(pk=city.compound_a.pk)
    for (x, y), (ex, ey) in zip(stored.boundary["coordinates"][0], wgs["coordinates"][0], strict=True):
        assert distance_m(x, y, ex, ey) < 0.5
    ring = stored.boundary["coordinates"][0]
    assert ring[0] == ring[-1]
    assert distance_m(stored.centroid_lng, stored.centroid_lat, 114.38, 27.80) < 0.5
    # The GCJ-02 numbers read as WGS-84 would have put the compound hundreds of metres away.
    assert distance_m(*drawn["coordinates"][0][0], *to_wgs84(*drawn["coordinates"][0][0], system)) > 500


def test_multipolygon_and_holes(city):
    outer = factories.square(114.38, 27.80, half=0.004)["coordinates"][0]
    hole = factories.square(114.38, 27.80, half=0.001)["coordinates"][0][::-1]
    other = factories.square(114.39, 27.80, half=0.002)["coordinates"][0]
    shape = {"type": "MultiPolygon", "coordinates": [[outer, hole], [other]]}
    set_boundary(city.community_a, shape)
    stored = Region.objects.get(pk=city.community_a.pk)
    assert same(stored.boundary, shape)


def test_centroid_of_an_l_shape_lies_inside(city):
    """A label point must be on the compound; the centroid of an L can fall outside it."""
    ell = polygon((0, 0), (10, 0), (10, 1), (1, 1), (1, 10), (0, 10), (0, 0))
    ell["coordinates"][0] = [[114.3 + x * 0.001, 27.8 + y * 0.001] for x, y in ell["coordinates"][0]]
    set_boundary(city.compound_a, ell)
    stored = Region.objects.get(pk=city.compound_a.pk)
    from shapely.geometry import Point, shape

    assert shape(stored.boundary).contains(Point(stored.centroid_lng, stored.centroid_lat))


A, B, C, D = (114.0, 27.0), (114.01, 27.0), (114.01, 27.01), (114.0, 27.01)
NAN = float("nan")

# (boundary, system, Chinese message) — nothing is saved for any of them.
BAD = [
    ("{not json", "wgs84", "边界不是有效的 JSON。"),
    ([1, 2], "wgs84", "边界必须是 GeoJSON 对象。"),
    (
        {"type": "Point", "coordinates": [114, 27]},
        "wgs84",
        "边界必须是 GeoJSON 的 Polygon（多边形）或 MultiPolygon（多多边形），而不是 Point。",
    ),
    (
        {"coordinates": []},
        "wgs84",
        "边界必须是 GeoJSON 的 Polygon（多边形）或 MultiPolygon（多多边形），而不是 空。",
    ),
    ({"type": "FeatureCollection", "features": []}, "wgs84", "边界必须恰好包含一个要素，而不是 0 个。"),
    ({"type": "Polygon", "coordinates": []}, "wgs84", "多边形至少需要一个外边界环。"),
    ({"type": "MultiPolygon", "coordinates": []}, "wgs84", "多多边形至少需要一个多边形。"),
    (polygon(A, B, C, D), "wgs84", "第 1 个环没有闭合：最后一个点必须与第一个点相同。"),
    (polygon(A, B, A), "wgs84", "第 1 个环至少需要 4 个点（三角形的三个点，再重复第一个点）。"),
    (polygon(A, (200.0, 27.0), C, A), "wgs84", "第 1 个环第 2 个点：经度必须在 -180 到 180 之间。"),
    (polygon(A, B, (114.01, 95.0), A), "wgs84", "第 1 个环第 3 个点：纬度必须在 -90 到 90 之间。"),
    (polygon(A, B, (NAN, 27.01), A), "wgs84", "第 1 个环第 3 个点：经度和纬度必须是有限的数字。"),
    (polygon(A, B, ("114.01", "27.01"), A), "wgs84", "第 1 个环第 3 个点：经度和纬度必须是有限的数字。"),
    ({"type": "Polygon", "coordinates": [[A, B, 5, A]]}, "wgs84", "第 1 个环第 3 个点必须是 [经度, 纬度]。"),
    (
        {"type": "MultiPolygon", "coordinates": [[[A, B, C, A]], [[A, B, C, D]]]},
        "wgs84",
        "第 2 个多边形第 1 个环没有闭合：最后一个点必须与第一个点相同。",
    ),
    (polygon(A, C, B, D, A), "wgs84", "边界不是有效的多边形：边界线自相交。"),
    (polygon(A, B, B, A), "wgs84", "边界不是有效的多边形：边界环的不同点太少。"),
    (
        {
            "type": "Polygon",
            "coordinates": [[A, B, C, D, A], [[115, 28], [115.01, 28], [115.01, 28.01], [115, 28]]],
        },
        "wgs84",
        "边界不是有效的多边形：内洞位于外边界之外。",
    ),
    (polygon(A, B, C, D, A), "mars", "未知的坐标系“mars”：请使用 wgs84、gcj02 或 bd09"),
]


@pytest.mark.parametrize(("boundary", "system", "message"), BAD)
def test_bad_boundaries_are_refused_and_nothing_is_saved(city, boundary, system, message):
    compound = city.compound_a
    before = Region.objects.values("boundary", "centroid_lng", "centroid_lat", "geometry_version").get(
        pk=compound.pk
    )
    with translation.override("zh-hans"), pytest.raises(ValidationError) as exc:
        set_boundary(compound, boundary, system=system)
    assert exc.value.messages == [message]
    after = Region.objects.values("boundary", "centroid_lng", "centroid_lat", "geometry_version").get(
        pk=compound.pk
    )
    assert after == before
    assert compound.boundary == before["boundary"]


def test_bad_boundary_message_in_english(city):
    with translation.override("en"), pytest.raises(ValidationError) as exc:
        set_boundary(city.compound_a, polygon(A, B, C, D))
    assert exc.value.messages == ["ring 1 is not closed: its last point must repeat its first."]


def test_an_unsaved_region_is_saved_with_its_boundary(city):
    compound = Region(name="新小区", level=Region.Level.COMPOUND, parent=city.community_a, code="N1")
    set_boundary(compound, SQUARE)
    stored = Region.objects.get(code="N1")
    assert same(stored.boundary, SQUARE) and stored.geometry_version == 1

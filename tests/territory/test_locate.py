"""Point location on the `city` fixture: every level, every coordinate system, outside, changes."""

import pytest
from django.core.exceptions import ValidationError
from django.db.models import F
from django.utils import translation

from doorstep.core.coords import from_wgs84
from doorstep.territory import locate as locate_module
from doorstep.territory.geometry import clear_boundary, set_boundary
from doorstep.territory.locate import locate
from doorstep.territory.models import Grid, Region
from tests import factories


@pytest.fixture(autouse=True)
def fresh_index():
    """Tests roll the database back; start each with an empty index so no snapshot leaks across."""
    locate_module.index().reset()
    yield
    locate_module.index().reset()


def names(loc):
    return {
        k: (getattr(loc, k).name if getattr(loc, k) else None)
        for k in ("city", "county", "subdistrict", "community", "compound", "grid")
    }


FULL_A = {
    "city": "宜春市",
    "county": "袁州区",
    "subdistrict": "秀江街道",
    "community": "宜阳社区",
    "compound": "都市春天小区",
    "grid": None,
}
FULL_B = {
    "city": "宜春市",
    "county": "上高县",
    "subdistrict": "锦阳街道",
    "community": "锦阳社区",
    "compound": "新城国际小区",
    "grid": None,
}
NONE = dict.fromkeys(FULL_A)

# (WGS-84 point, expected names, matched level). The fixture's squares: city ±0.2° around
# (114.40, 27.81); counties ±0.05; subdistricts ±0.02; communities ±0.01; compounds ±0.002.
CASES = [
    ((114.38, 27.80), FULL_A, "compound"),
    ((114.5015, 27.8485), FULL_B, "compound"),
    ((114.385, 27.80), {**FULL_A, "compound": None}, "community"),
    ((114.38, 27.815), {**FULL_A, "community": None, "compound": None}, "subdistrict"),
    ((114.42, 27.78), {**FULL_A, "subdistrict": None, "community": None, "compound": None}, "county"),
    ((114.25, 27.65), {**NONE, "city": "宜春市"}, "city"),
    ((113.0, 27.0), NONE, None),
    ((-0.1276, 51.5072), NONE, None),
]


@pytest.mark.parametrize("system", ["wgs84", "gcj02", "bd09"])
@pytest.mark.parametrize(("point", "expected", "matched"), CASES)
def test_locate_in_every_system(city, point, expected, matched, system):
    """The same place given as WGS-84, or as AMap/Tencent (GCJ-02) or Baidu (BD-09) shows it."""
    given = from_wgs84(*point, system)
    loc = locate(*given, system=system)
    assert names(loc) == expected
    assert loc.matched == matched
    assert loc.inside is (matched is not None)
    assert (loc.input_lng, loc.input_lat, loc.system) == (*given, system)
    assert loc.lng == pytest.approx(point[0], abs=1e-6) and loc.lat == pytest.approx(point[1], abs=1e-6)


def test_a_point_on_the_edge_counts_as_inside(city):
    ring = city.compound_a.boundary["coordinates"][0]
    corner, east_edge = ring[2], (ring[1][0], 27.80)
    assert locate(*corner).compound.name == "都市春天小区"
    assert locate(*east_edge).compound.name == "都市春天小区"


def test_gcj02_numbers_read_as_wgs84_miss_the_compound(city):
    """Why the system matters: AMap's numbers for the compound's centre, taken as GPS, are ~600 m off."""
    gcj = from_wgs84(114.38, 27.80, "gcj02")
    assert locate(*gcj, system="gcj02").compound.id == city.compound_a.id
    assert locate(*gcj).compound is None


def test_outside_says_so_in_chinese(city):
    with translation.override("zh-hans"):
        loc = locate(113.0, 27.0)
    assert loc.inside is False and loc.region is None
    assert loc.message == "该位置不在辖区范围内。"
    assert loc.as_dict()["message"] == "该位置不在辖区范围内。"


def test_result_carries_ids_codes_and_the_address(city):
    loc = locate(114.38, 27.80)
    assert loc.compound.id == city.compound_a.id
    assert loc.county.code == "360902"
    assert loc.region == loc.compound
    assert loc.address == "宜春市袁州区秀江街道宜阳社区都市春天小区"
    data = loc.as_dict()
    assert data["compound"] == {
        "id": city.compound_a.id,
        "name": "都市春天小区",
        "code": city.compound_a.code,
    }
    assert data["point"] == {"lng": 114.38, "lat": 27.80, "system": "wgs84"}


def test_bad_input_is_refused(city):
    with translation.override("zh-hans"), pytest.raises(ValidationError) as exc:
        locate("abc", 27.8, system="gcj02")
    with translation.override("zh-hans"):
        assert exc.value.messages == ["经度必须是数字"]


# --- grids -----------------------------------------------------------------------------------


def test_grid_by_polygon(city):
    grid = factories.grid(city.community_a, name="宜阳一网格")
    set_boundary(grid, factories.square(114.38, 27.80, half=0.004))
    loc = locate(114.383, 27.80)  # in the grid and the community, outside the compound
    assert names(loc) == {**FULL_A, "compound": None, "grid": "宜阳一网格"}
    assert loc.grid_via == "polygon"
    assert names(locate(114.395, 27.80))["grid"] is None  # in the community, in no grid


def test_grid_of_the_community_found_wins_over_an_overlapping_one(city):
    own = factories.grid(city.community_a, name="宜阳一网格")
    set_boundary(own, factories.square(114.38, 27.80, half=0.008))
    foreign = factories.grid(city.community_b, name="锦阳飞地网格")  # smaller, but another community's
    set_boundary(foreign, factories.square(114.38, 27.80, half=0.003))
    assert locate(114.38, 27.80).grid.name == "宜阳一网格"


def test_grid_without_polygon_comes_from_the_compound(city):
    grid = factories.grid(city.community_b, name="锦阳二网格")
    grid.compounds.add(city.compound_b)
    loc = locate(114.50, 27.85)
    assert loc.grid.name == "锦阳二网格" and loc.grid_via == "compound"
    assert locate(114.505, 27.85).grid is None  # outside the compound: no grid to infer


def test_dedicated_grid_alone_gives_its_community(city):
    """A school grid drawn where no region polygon is: the grid's community and its chain."""
    school = factories.grid(city.community_a, name="宜春中学专属网格", kind="school")
    set_boundary(school, factories.square(114.10, 27.50, half=0.003))
    loc = locate(114.10, 27.50)
    assert loc.matched == "grid" and loc.inside
    assert names(loc) == {**FULL_A, "compound": None, "grid": "宜春中学专属网格"}


# --- regions without polygons: fall back to the tree -------------------------------------------


def test_compound_found_gives_its_ancestors_even_without_their_polygons(city):
    for region in (city.community_a, city.subdistrict_a, city.county_a, city.city):
        clear_boundary(region)
    loc = locate(114.38, 27.80)
    assert names(loc) == FULL_A and loc.matched == "compound"


def test_ancestors_come_from_the_tree_not_from_misdrawn_polygons(city):
    """Compound A drawn inside community B's square: the tree says it belongs to community A."""
    set_boundary(city.compound_a, factories.square(114.50, 27.85, half=0.001))
    loc = locate(114.50, 27.85)
    assert loc.compound.name == "都市春天小区"
    assert loc.community.name == "宜阳社区" and loc.county.name == "袁州区"


def test_compound_without_polygon_falls_back_to_its_community(city):
    clear_boundary(city.compound_a)
    loc = locate(114.38, 27.80)
    assert names(loc) == {**FULL_A, "compound": None} and loc.matched == "community"


# --- keeping the index correct ---------------------------------------------------------------


def test_boundary_change_is_seen_by_the_next_lookup(city, settings):
    settings.LOCATE_CHECK_SECONDS = 3600  # no periodic re-check: only set_boundary's invalidation
    assert locate(114.386, 27.80).compound is None
    set_boundary(city.compound_a, factories.square(114.383, 27.80, half=0.004))
    assert locate(114.386, 27.80).compound.name == "都市春天小区"
    set_boundary(city.compound_a, factories.square(114.37, 27.80, half=0.002))
    assert locate(114.386, 27.80).compound is None
    assert locate(114.37, 27.80).compound.name == "都市春天小区"


def test_change_by_another_process_is_seen_after_the_check_interval(city, settings):
    """Another gunicorn process edits the row; this one notices by the fingerprint, not a signal."""
    index = locate_module.index()
    settings.LOCATE_CHECK_SECONDS = 3600
    assert locate(114.386, 27.80).compound is None
    builds = index.builds
    # What set_boundary does in the other process (this process's invalidate() is not called).
    Region.objects.filter(pk=city.compound_a.pk).update(
        boundary=factories.square(114.386, 27.80, half=0.002), geometry_version=F("geometry_version") + 1
    )
    assert locate(114.386, 27.80).compound is None  # within the interval: the cached index
    settings.LOCATE_CHECK_SECONDS = 0  # the interval has passed
    assert locate(114.386, 27.80).compound.name == "都市春天小区"
    assert index.builds == builds + 1


def rename(c):
    compound = Region.objects.get(pk=c.compound_a.pk)
    compound.name = "都市春天（新）"
    compound.save()


EDITS = {
    "rename": rename,
    "delete": lambda c: c.compound_a.delete(),
    "new-compound": lambda c: factories.region(
        "新小区", Region.Level.COMPOUND, c.community_a, center=(114.386, 27.80), half=0.001
    ),
    "new-grid": lambda c: factories.grid(c.community_a),
    "grid-link": lambda c: Grid.objects.get(code="GX").compounds.add(c.compound_a),
    "set-boundary": lambda c: set_boundary(c.compound_a, factories.square(114.38, 27.80, half=0.003)),
}


@pytest.mark.parametrize("edit", EDITS.values(), ids=EDITS.keys())
def test_any_territory_edit_changes_the_fingerprint(city, edit):
    factories.grid(city.community_b, code="GX").compounds.add(city.compound_b)
    before = locate_module.fingerprint()
    edit(city)
    assert locate_module.fingerprint() != before


def test_rename_is_seen(city, settings):
    settings.LOCATE_CHECK_SECONDS = 0
    assert locate(114.38, 27.80).compound.name == "都市春天小区"
    compound = Region.objects.get(pk=city.compound_a.pk)
    compound.name = "都市春天花园"
    compound.save()
    assert locate(114.38, 27.80).compound.name == "都市春天花园"


def test_warm_lookup_makes_no_query(city, settings, django_assert_num_queries):
    settings.LOCATE_CHECK_SECONDS = 3600
    locate(114.38, 27.80)  # builds the index
    with django_assert_num_queries(0):
        for lng in (114.38, 114.385, 114.50, 113.0):
            locate(lng, 27.80)


def test_lookup_with_a_fingerprint_check_makes_three_small_queries(city, settings, django_assert_num_queries):
    settings.LOCATE_CHECK_SECONDS = 0
    locate(114.38, 27.80)
    builds = locate_module.index().builds
    for point in ((114.38, 27.80), (114.50, 27.85)):
        with django_assert_num_queries(3):
            locate(*point)
    assert locate_module.index().builds == builds  # nothing changed: no rebuild


def test_a_rebuild_rereads_only_the_changed_boundary(city, settings):
    settings.LOCATE_CHECK_SECONDS = 3600
    locate(114.38, 27.80)
    set_boundary(city.compound_b, factories.square(114.50, 27.85, half=0.003))
    assert locate(114.5025, 27.85).compound.name == "新城国际小区"
    assert locate_module.index().snapshot().reparsed == 1


def test_a_broken_boundary_saved_by_hand_does_not_break_lookups(city, settings):
    """Rows written around set_boundary (a raw admin edit, an old import) are repaired or skipped."""
    settings.LOCATE_CHECK_SECONDS = 0
    bow_tie = {
        "type": "Polygon",
        "coordinates": [
            [[114.378, 27.798], [114.382, 27.802], [114.382, 27.798], [114.378, 27.802], [114.378, 27.798]]
        ],
    }
    Region.objects.filter(pk=city.compound_a.pk).update(boundary=bow_tie)
    Region.objects.filter(pk=city.compound_b.pk).update(
        boundary={"type": "Polygon", "coordinates": "garbage"}
    )
    assert locate(114.3790, 27.80).compound.name == "都市春天小区"  # in the left triangle of the bow tie
    loc = locate(114.50, 27.85)
    assert loc.compound is None and loc.community.name == "锦阳社区"

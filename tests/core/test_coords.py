"""WGS-84 / GCJ-02 / BD-09 conversion with the vectors of shared/domain/geo.md, and input checks."""

import itertools
import math

import pytest
from django.core.exceptions import ValidationError
from django.utils import translation

from doorstep.core.coords import (
    SYSTEMS,
    bd09_to_gcj02,
    convert,
    distance_m,
    from_wgs84,
    gcj02_to_bd09,
    gcj02_to_wgs84,
    out_of_china,
    parse_point,
    to_wgs84,
    wgs84_to_gcj02,
)

# (function, input (lng, lat), expected (lng, lat)) — geo.md, exact to 1e-9° (≈ 0.1 mm).
VECTORS = [
    (wgs84_to_gcj02, (116.404, 39.915), (116.41024449916938, 39.91640428150164)),
    (gcj02_to_bd09, (116.404, 39.915), (116.41036949371029, 39.92133699351021)),
    (bd09_to_gcj02, (116.404, 39.915), (116.39762729119315, 39.90865673957631)),
    # Shanghai and Shenzhen (geo.md gives them as lat, lng).
    (wgs84_to_gcj02, (121.5272106, 31.1774276), (121.531541859215, 31.17530398364597)),
    (wgs84_to_gcj02, (113.912316, 22.543847), (113.9171764808363, 22.540796131694766)),
    # Yichun: WGS → GCJ → BD.
    (wgs84_to_gcj02, (114.400039, 27.81113), (114.40535605236072, 27.80803247933747)),
    (gcj02_to_bd09, (114.40535605236072, 27.80803247933747), (114.41189680014341, 27.81378060816565)),
    # The same through the public API, any pair.
    (
        lambda x, y: convert(x, y, "wgs84", "gcj02"),
        (116.404, 39.915),
        (116.41024449916938, 39.91640428150164),
    ),
    (lambda x, y: convert(x, y, "gcj02", "bd09"), (116.404, 39.915), (116.41036949371029, 39.92133699351021)),
    (lambda x, y: convert(x, y, "bd09", "gcj02"), (116.404, 39.915), (116.39762729119315, 39.90865673957631)),
    (
        lambda x, y: convert(x, y, "wgs84", "bd09"),
        (114.400039, 27.81113),
        (114.41189680014341, 27.81378060816565),
    ),
    (lambda x, y: from_wgs84(x, y, "bd09"), (114.400039, 27.81113), (114.41189680014341, 27.81378060816565)),
    (lambda x, y: from_wgs84(x, y, "gcj02"), (114.400039, 27.81113), (114.40535605236072, 27.80803247933747)),
    (lambda x, y: from_wgs84(x, y, "wgs84"), (114.400039, 27.81113), (114.400039, 27.81113)),
]


@pytest.mark.parametrize(("fn", "given", "expected"), VECTORS)
def test_vectors(fn, given, expected):
    lng, lat = fn(*given)
    assert lng == pytest.approx(expected[0], abs=1e-9)
    assert lat == pytest.approx(expected[1], abs=1e-9)


# (system the point is in, point, the WGS-84 point it came from) — inverse directions, to 0.5 m.
INVERSE = [
    ("gcj02", (114.40535605236072, 27.80803247933747), (114.400039, 27.81113)),
    ("bd09", (114.41189680014341, 27.81378060816565), (114.400039, 27.81113)),
    ("gcj02", (121.531541859215, 31.17530398364597), (121.5272106, 31.1774276)),
    ("gcj02", (113.9171764808363, 22.540796131694766), (113.912316, 22.543847)),
    ("gcj02", (116.41024449916938, 39.91640428150164), (116.404, 39.915)),
]


@pytest.mark.parametrize(("system", "given", "wgs"), INVERSE)
def test_inverse_recovers_the_wgs84_point(system, given, wgs):
    assert distance_m(*to_wgs84(*given, system), *wgs) < 0.5
    assert distance_m(*convert(*given, system, "wgs84"), *wgs) < 0.5


def test_iterated_inverse_against_the_one_step_vector():
    """geo.md's gcj02→wgs84 vector is the one-step approximation: ours is within ~1 m of it and exact."""
    one_step = (116.39775550083061, 39.91359571849836)
    lng, lat = gcj02_to_wgs84(116.404, 39.915)
    assert distance_m(lng, lat, *one_step) < 1.0
    assert distance_m(*wgs84_to_gcj02(lng, lat), 116.404, 39.915) < 0.5
    # …and strictly better than the one-step inverse it replaces.
    assert distance_m(*wgs84_to_gcj02(*one_step), 116.404, 39.915) > distance_m(
        *wgs84_to_gcj02(lng, lat), 116.404, 39.915
    )


def china_grid():
    """Points every ~1° × 1° over the China box (the offset applies to all of them)."""
    for i, j in itertools.product(range(61), range(49)):
        lng, lat = 74.0 + i * 1.0, 4.5 + j * 1.0
        assert not out_of_china(lng, lat)
        yield lng, lat


def test_gcj02_round_trip_across_china_within_half_a_metre():
    worst = 0.0
    for lng, lat in china_grid():
        wlng, wlat = gcj02_to_wgs84(lng, lat)
        worst = max(worst, distance_m(*wgs84_to_gcj02(wlng, wlat), lng, lat))
        glng, glat = wgs84_to_gcj02(lng, lat)
        worst = max(worst, distance_m(*gcj02_to_wgs84(glng, glat), lng, lat))
    assert worst < 0.5
    assert worst < 0.01  # in practice the iteration lands within a centimetre


@pytest.mark.parametrize(("src", "dst"), list(itertools.permutations(SYSTEMS, 2)))
def test_every_pair_round_trips_across_china(src, dst):
    worst = 0.0
    for lng, lat in itertools.islice(china_grid(), 0, None, 7):
        there = convert(lng, lat, src, dst)
        worst = max(worst, distance_m(*convert(*there, dst, src), lng, lat))
    assert worst < 0.5


def test_offset_is_hundreds_of_metres_in_yichun():
    """The reason this matters: a GCJ-02 point read as WGS-84 lands ≈ 627 m away in Yichun."""
    assert 550 < distance_m(114.400039, 27.81113, *wgs84_to_gcj02(114.400039, 27.81113)) < 700


@pytest.mark.parametrize(
    "point",
    [(139.6917, 35.6895), (2.3522, 48.8566), (-74.006, 40.7128), (151.2093, -33.8688), (73.5, 39.0)],
    ids=["tokyo", "paris", "new-york", "sydney", "west-of-box"],
)
@pytest.mark.parametrize(("src", "dst"), list(itertools.permutations(SYSTEMS, 2)))
def test_outside_china_passes_unchanged(point, src, dst):
    assert out_of_china(*point)
    assert convert(*point, src, dst) == point
    assert to_wgs84(*point, src) == point
    assert from_wgs84(*point, dst) == point


def test_unknown_system_in_convert():
    with pytest.raises(ValueError, match="unknown coordinate system"):
        convert(114.4, 27.8, "wgs84", "baidu")


# parse_point: (lng, lat, system) → WGS-84 point, or the Chinese message(s) shown to the user.
PARSE_OK = [
    (114.4, 27.8, "wgs84", (114.4, 27.8)),
    ("114.4", " 27.8 ", "wgs84", (114.4, 27.8)),
    (114, 27, None, (114.0, 27.0)),
    (-180, -90, "wgs84", (-180.0, -90.0)),
    (180, 90, "WGS-84", (180.0, 90.0)),
    ("114.40535605236072", "27.80803247933747", "gcj02", (114.400039, 27.81113)),
    (114.41189680014341, 27.81378060816565, "BD09", (114.400039, 27.81113)),
]


@pytest.mark.parametrize(("lng", "lat", "system", "expected"), PARSE_OK)
def test_parse_point_accepts(lng, lat, system, expected):
    point = parse_point(lng, lat, system)
    assert distance_m(point.lng, point.lat, *expected) < 0.5
    assert point.input_lng == float(lng) and point.input_lat == float(lat)
    assert point.system == (system or "wgs84").lower().replace("-", "")


PARSE_BAD = [
    (181, 27.8, "wgs84", ["经度必须在 -180 到 180 之间"]),
    (-180.0001, 27.8, "wgs84", ["经度必须在 -180 到 180 之间"]),
    (114.4, 90.5, "wgs84", ["纬度必须在 -90 到 90 之间"]),
    ("abc", 27.8, "wgs84", ["经度必须是数字"]),
    (114.4, "", "wgs84", ["纬度必须是数字"]),
    (None, 27.8, "wgs84", ["经度必须是数字"]),
    (True, 27.8, "wgs84", ["经度必须是数字"]),
    ([114.4], 27.8, "wgs84", ["经度必须是数字"]),
    (float("nan"), 27.8, "wgs84", ["经度必须是有限的数字"]),
    (114.4, "inf", "wgs84", ["纬度必须是有限的数字"]),
    (114.4, 27.8, "baidu", ["未知的坐标系“baidu”：请使用 wgs84、gcj02 或 bd09"]),
    (
        "x",
        100,
        "mars",
        ["未知的坐标系“mars”：请使用 wgs84、gcj02 或 bd09", "经度必须是数字", "纬度必须在 -90 到 90 之间"],
    ),
]


@pytest.mark.parametrize(("lng", "lat", "system", "messages"), PARSE_BAD)
def test_parse_point_rejects_with_a_chinese_message(lng, lat, system, messages):
    with translation.override("zh-hans"), pytest.raises(ValidationError) as exc:
        parse_point(lng, lat, system)
    with translation.override("zh-hans"):
        assert exc.value.messages == messages


def test_parse_point_message_in_english():
    with translation.override("en"), pytest.raises(ValidationError) as exc:
        parse_point(200, 0)
    with translation.override("en"):
        assert exc.value.messages == ["Longitude must be between -180 and 180"]


def test_point_converts_back_to_the_map_system():
    point = parse_point(114.41189680014341, 27.81378060816565, "bd09")
    assert math.dist(point.as_system("bd09"), (114.41189680014341, 27.81378060816565)) < 1e-6

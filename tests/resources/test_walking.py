"""Walking minutes from geo.md (GB 50180-2018): 60 m/min, straight line × detour factor."""

import math

import pytest

from doorstep.core.coords import distance_m
from doorstep.resources import walking


@pytest.mark.parametrize(
    ("detour", "metres", "minutes"),
    [
        # geo.md's circles at its walking speed, without detour: 5 min ≈ 300 m, 15 min = 900 m
        (1.0, 300, 5),
        (1.0, 600, 10),
        (1.0, 900, 15),
        (1.0, 1000, 16.667),  # the 15-minute circle's 800–1000 m upper end is just over 15 min
        # the default detour 1.2: the 10-minute circle's ≈ 500 m is 600 m of walking
        (1.2, 500, 10),
        (1.2, 250, 5),
        (1.2, 750, 15),
        (1.2, 0, 0),
    ],
)
def test_walking_minutes(settings, detour, metres, minutes):
    settings.DOORSTEP_WALK_METRES_PER_MINUTE = 60
    settings.DOORSTEP_WALK_DETOUR = detour
    assert walking.minutes_for(metres) == pytest.approx(minutes, abs=1e-3)
    assert walking.reach_m(minutes) == pytest.approx(metres, abs=0.1)


def test_defaults_are_geo_md_speed_and_a_detour():
    from django.conf import settings

    assert settings.DOORSTEP_WALK_METRES_PER_MINUTE == 60
    assert settings.DOORSTEP_WALK_DETOUR == 1.2


def test_walk_between_two_points_in_yichun():
    # 0.005° of latitude ≈ 556 m; × 1.2 / 60 ≈ 11.1 minutes
    metres = distance_m(114.38, 27.80, 114.38, 27.805)
    assert metres == pytest.approx(556, abs=1)
    assert walking.walk_minutes(114.38, 27.80, 114.38, 27.805) == pytest.approx(metres * 1.2 / 60)


@pytest.mark.parametrize("lat", [0.0, 27.8, 53.0, -45.0])
def test_box_holds_the_whole_circle(lat):
    lng, radius = 114.4, 900.0
    x0, y0, x1, y1 = walking.box(lng, lat, radius)
    for k in range(36):
        a = math.radians(k * 10)
        # a point just inside the circle in every direction
        dlat = 0.999 * radius * math.cos(a) / walking.METRES_PER_DEGREE
        dlng = 0.999 * radius * math.sin(a) / (walking.METRES_PER_DEGREE * math.cos(math.radians(lat + dlat)))
        assert distance_m(lng, lat, lng + dlng, lat + dlat) < radius
        assert x0 <= lng + dlng <= x1 and y0 <= lat + dlat <= y1

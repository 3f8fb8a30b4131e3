"""Test data builders. Plain functions with keyword defaults: readable in tests, no magic."""

import itertools
from dataclasses import dataclass
from decimal import Decimal

from doorstep.core.models import User
from doorstep.territory.models import Building, Dwelling, Grid, Organization, Person, Region, Role

_seq = itertools.count(1)

# A small square around (lng, lat), as a GeoJSON polygon in WGS-84.


def square(lng: float, lat: float, half: float = 0.005) -> dict:
    return {
        "type": "Polygon",
        "coordinates": [
            [
                [lng - half, lat - half],
                [lng + half, lat - half],
                [lng + half, lat + half],
                [lng - half, lat + half],
                [lng - half, lat - half],
            ]
        ],
    }


def region(name: str, level: int, parent: Region | None = None, code: str | None = None, **extra) -> Region:
    center = extra.pop("center", None)
    half = extra.pop("half", 0.005)
    if center is not None:
        extra.setdefault("boundary", square(*center, half=half))
        extra.setdefault("centroid_lng", center[0])
        extra.setdefault("centroid_lat", center[1])
    return Region.objects.create(
        name=name, level=level, parent=parent, code=code or f"L{next(_seq):06d}", **extra
    )


def user(username: str | None = None, **extra) -> User:
    username = username or f"user{next(_seq)}"
    u = User.objects.create_user(username=username, password="pw-doorstep-1", **extra)
    return u


def role(kind: str, region: Region, username: str | None = None, **extra) -> User:
    u = user(username)
    Role.objects.create(user=u, kind=kind, region=region, **extra)
    return u


def person(name: str = "张三", **extra) -> Person:
    return Person.objects.create(name=name, **extra)


def building(compound: Region, number: str = "1栋", **extra) -> Building:
    return Building.objects.create(compound=compound, number=number, **extra)


def dwelling(building: Building, room: str = "101", area: str = "100.00", **extra) -> Dwelling:
    return Dwelling.objects.create(building=building, room=room, exclusive_area=Decimal(area), **extra)


def grid(community: Region, code: str | None = None, **extra) -> Grid:
    return Grid.objects.create(
        community=community, code=code or f"G{next(_seq):06d}", name=extra.pop("name", "一网格"), **extra
    )


def organization(name: str, kind: str, region: Region, **extra) -> Organization:
    return Organization.objects.create(name=name, kind=kind, region=region, **extra)


@dataclass
class SmallCity:
    city: Region
    county_a: Region
    county_b: Region
    subdistrict_a: Region
    subdistrict_b: Region
    community_a: Region
    community_b: Region
    compound_a: Region
    compound_b: Region


def small_city() -> SmallCity:
    L = Region.Level
    city = region("宜春市", L.CITY, code="360900", code_is_official=True, center=(114.40, 27.81), half=0.2)
    county_a = region(
        "袁州区", L.COUNTY, city, "360902", code_is_official=True, center=(114.38, 27.80), half=0.05
    )
    county_b = region(
        "上高县", L.COUNTY, city, "360923", code_is_official=True, center=(114.50, 27.85), half=0.05
    )
    sub_a = region(
        "秀江街道",
        L.SUBDISTRICT,
        county_a,
        "360902002",
        code_is_official=True,
        center=(114.38, 27.80),
        half=0.02,
    )
    sub_b = region(
        "锦阳街道",
        L.SUBDISTRICT,
        county_b,
        "360923002",
        code_is_official=True,
        center=(114.50, 27.85),
        half=0.02,
    )
    com_a = region("宜阳社区", L.COMMUNITY, sub_a, center=(114.38, 27.80), half=0.01)
    com_b = region("锦阳社区", L.COMMUNITY, sub_b, center=(114.50, 27.85), half=0.01)
    cmp_a = region(
        "都市春天小区", L.COMPOUND, com_a, center=(114.38, 27.80), half=0.002, is_old_compound=True
    )
    cmp_b = region(
        "新城国际小区", L.COMPOUND, com_b, center=(114.50, 27.85), half=0.002, is_old_compound=True
    )
    return SmallCity(city, county_a, county_b, sub_a, sub_b, com_a, com_b, cmp_a, cmp_b)

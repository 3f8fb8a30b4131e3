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


# --- Console page builders (organisations, grids with workers, property service) --------------


def property_service(compound: Region, mode: str = "market", start="2020-01-01", **extra):
    from datetime import date

    from doorstep.territory.models import PropertyService

    if isinstance(start, str):
        start = date.fromisoformat(start)
    end = extra.pop("end", None)
    if isinstance(end, str):
        end = date.fromisoformat(end)
    return PropertyService.objects.create(compound=compound, mode=mode, start=start, end=end, **extra)


def grid_member(grid: Grid, person: Person, position: str = "worker", **extra):
    from doorstep.territory.models import GridMember

    return GridMember.objects.create(grid=grid, person=person, position=position, **extra)


def membership(organization: Organization, person: Person, position: str = "member", **extra):
    from doorstep.territory.models import OrgMembership

    return OrgMembership.objects.create(organization=organization, person=person, position=position, **extra)


def department_contact(
    department: Organization, name: str = "李警官", public_phone: str = "0795-3210110", **extra
):
    from doorstep.territory.models import DepartmentContact

    return DepartmentContact.objects.create(
        department=department, name=name, public_phone=public_phone, **extra
    )


@dataclass
class FurnishedCompound:
    """A compound with everything its page shows (see furnished_compound)."""

    compound: Region
    buildings: list
    grid: Grid
    leader: Person
    worker: Person
    party_branch: Organization
    committee: Organization
    company: Organization
    joint_body: Organization
    resident: Person
    contact: object


def furnished_compound(compound: Region, community: Region | None = None) -> FurnishedCompound:
    """Give a compound two buildings with dwellings, a grid with a leader and a worker, a party
    branch and a building party group, an owners' committee with members, a property company
    (self-managed first, then market), a full five-party joint body, a stationed police contact
    and a resident with phone and ID number."""
    from datetime import date

    from doorstep.territory.models import JointBodySeat

    community = community or compound.parent
    lng, lat = compound.centroid_lng or 114.38, compound.centroid_lat or 27.80
    b1 = building(compound, "1栋", floors=6, stairwell_units=2, lng=lng - 0.0005, lat=lat + 0.0005)
    b2 = building(
        compound, "2栋", floors=18, stairwell_units=1, has_elevator=True, lng=lng + 0.0005, lat=lat - 0.0005
    )
    for room in ("101", "102", "201"):
        dwelling(b1, room)
    dwelling(b2, "1801", "88.50")
    g = grid(
        community,
        name=f"{compound.name}网格",
        duties=["party", "governance", "fire"],
        boundary=square(lng, lat, 0.003),
        centroid_lng=lng,
        centroid_lat=lat,
    )
    g.compounds.add(compound)
    leader = person("王建国", phone="13907950001")
    worker = person("欧阳小红", phone="13907950002")
    grid_member(g, leader, "leader")
    grid_member(g, worker, "worker")
    branch = organization(f"{compound.name}党支部", Organization.Kind.PARTY_BRANCH, compound)
    organization("1栋党小组", Organization.Kind.PARTY_GROUP, compound, parent=branch, building=b1)
    committee = organization(
        f"{compound.name}业主委员会",
        Organization.Kind.OWNERS_COMMITTEE,
        compound,
        term_start=date(2023, 5, 1),
        term_end=date(2028, 4, 30),
    )
    membership(committee, person("赵敏", phone="13907950003"), "director")
    membership(committee, person("钱多多", phone="13907950004"), "member")
    company = organization(
        "宜春安居物业服务有限公司",
        Organization.Kind.PROPERTY_COMPANY,
        compound,
        phone="0795-3271234",
        company_mode=Organization.CompanyMode.MARKET,
    )
    property_service(compound, "self_managed", "2018-01-01", end="2021-06-30", company=committee)
    property_service(compound, "market", "2021-07-01", company=company)
    co_unit = organization("市法院机关党支部", Organization.Kind.CO_BUILDING_UNIT, community)
    body = organization(f"{compound.name}红色物业联席会", Organization.Kind.JOINT_BODY, compound)
    community_party = organization(f"{community.name}党委", Organization.Kind.PARTY_COMMITTEE, community)
    rep = person("孙大伟", phone="13907950005")
    seats = {
        "party": community_party,
        "property_company": company,
        "owners_committee": committee,
        "co_building_unit": co_unit,
        "residents": None,
    }
    for seat, org in seats.items():
        JointBodySeat.objects.create(
            body=body, seat=seat, organization=org, representative=rep if seat == "residents" else None
        )
    police = organization("宜春市公安局袁州分局", Organization.Kind.DEPARTMENT, community)
    contact = department_contact(
        police, "周警官", "0795-3210110", compound=compound, title="社区民警", duties="治安、户籍"
    )
    resident = person("李四", phone="13800138000", id_number="11010519491231002X", home_region=compound)
    return FurnishedCompound(
        compound, [b1, b2], g, leader, worker, branch, committee, company, body, resident, contact
    )

"""Demand and case builders for tests. Shared by the demands helpers: add, don't change.

Plain functions with keyword defaults. They write rows directly (no services), so a test can
put a case in any state; the behaviour under test then goes through the real services.
"""

import itertools
from datetime import timedelta

from django.utils import timezone

from doorstep.demands.models import (
    Case,
    CaseEvent,
    Category,
    Demand,
    Photo,
    Postponement,
    Rating,
    WhistlePart,
)

_seq = itertools.count(1)


# --- Staff side (worklists, case page) ---------------------------------------------------------


def category(name: str = "暴露垃圾", code: str | None = None, parent: Category | None = None, **extra):
    """A minor class under a major class (made on first use); codes start with T so they never
    meet the seeded ones."""
    if parent is None and not extra.pop("major", False):
        parent, _ = Category.objects.get_or_create(code="T01", defaults={"name": "市容环境"})
    code = code or f"T{next(_seq):05d}"
    return Category.objects.get_or_create(code=code, defaults={"name": name, "parent": parent, **extra})[0]


def demand(region, *, text: str = "小区门口垃圾堆了三天没人清运", channel: str = "phone", **extra) -> Demand:
    n = next(_seq)
    received = extra.pop("received_at", None) or timezone.now() - timedelta(hours=2)
    if region is not None and region.centroid_lng is not None:
        extra.setdefault("lng", region.centroid_lng + 0.0003)
        extra.setdefault("lat", region.centroid_lat + 0.0002)
    return Demand.objects.create(
        number=extra.pop("number", None) or f"T{received:%Y%m%d}{n:05d}",
        channel=channel,
        text=text,
        region=region,
        received_at=received,
        triage=Demand.Triage.SMALL,
        **extra,
    )


def case(
    region,
    *,
    status: str = Case.Status.SUBMITTED,
    category: Category | None = None,
    text: str = "小区门口垃圾堆了三天没人清运",
    channel: str = "phone",
    demand_extra: dict | None = None,
    **extra,
) -> Case:
    """A case in `status` at `region`; deadlines default to 1 day (accept) and 5 days (handle)
    after receipt."""
    d = demand(region, text=text, channel=channel, **(demand_extra or {}))
    cat = category or globals()["category"]()
    extra.setdefault("accept_due", d.received_at + timedelta(days=1))
    extra.setdefault("handle_due", d.received_at + timedelta(days=5))
    return Case.objects.create(
        demand=d,
        number=extra.pop("number", None) or f"AJ{d.number}"[:20],
        status=status,
        category=cat,
        region=region,
        received_at=d.received_at,
        **extra,
    )


def event(case: Case, action: str = "accept", *, by=None, note: str = "", **extra) -> CaseEvent:
    return CaseEvent.objects.create(
        case=case,
        at=extra.pop("at", None) or timezone.now(),
        actor=by,
        action=action,
        from_status=extra.pop("from_status", ""),
        to_status=extra.pop("to_status", case.status),
        note=note,
        **extra,
    )


def whistle_part(
    case: Case, department, *, status: str = WhistlePart.Status.SUMMONED, **extra
) -> WhistlePart:
    extra.setdefault("report_in_due", timezone.now() + timedelta(hours=4))
    extra.setdefault("done_due", timezone.now() + timedelta(days=3))
    return WhistlePart.objects.create(case=case, department=department, status=status, **extra)


def postponement(case: Case, by, *, working_days: int = 5, reason: str = "需协调供水公司", **extra):
    return Postponement.objects.create(
        case=case, requested_by=by, working_days=working_days, reason=reason, **extra
    )


def rating(case: Case, *, score: int = 5, solved: bool = True, by=None, **extra) -> Rating:
    return Rating.objects.create(
        case=case, score=score, solved=solved, by=by, at=extra.pop("at", None) or timezone.now(), **extra
    )


def photo(demand: Demand, *, stage: str = "report", position: int = 0, **extra) -> Photo:
    """A photo row (no file behind it: enough for pages that only link to it)."""
    token = f"t{next(_seq):031d}"
    return Photo.objects.create(
        demand=demand,
        token=token,
        original=f"demands/private/{token}.jpg",
        thumbnail=f"demands/thumbs/{token}.jpg",
        width=800,
        height=600,
        stage=stage,
        position=position,
        **extra,
    )


# --- Case loop (services, deadlines, worker) ---------------------------------------------------


_LOOP_PASSWORD: list[str] = []


def loop_user(username: str | None = None, **extra):
    """A login with the factory password, hashed once per run (the loop's tests make many)."""
    from django.contrib.auth.hashers import make_password

    from doorstep.core.models import User

    if not _LOOP_PASSWORD:
        _LOOP_PASSWORD.append(make_password("pw-doorstep-1"))
    return User.objects.create(username=username or f"loop{next(_seq)}", password=_LOOP_PASSWORD[0], **extra)


def loop_role(kind: str, region, username: str | None = None, **extra):
    from doorstep.territory.models import Role

    u = loop_user(username)
    Role.objects.create(user=u, kind=kind, region=region, **extra)
    return u


class LoopWorld:
    """A place where the whole case loop can run: 都市春天小区 in 宜阳社区 / 秀江街道 / 袁州区 with
    a grid and its worker, community and subdistrict staff, a county leader, the community's
    residents' committee, the subdistrict office, three county departments with a liaison each,
    and a resident with a login who reports."""

    def __init__(self, city):
        from doorstep.territory.models import Organization, Role
        from tests import factories as f

        K = Organization.Kind
        self.city = city
        self.compound = city.compound_a
        self.community = city.community_a
        self.subdistrict = city.subdistrict_a
        self.county = city.county_a
        self.grid = f.grid(self.community, name="都市春天网格")
        self.grid.compounds.add(self.compound)
        self.committee = f.organization("宜阳社区居民委员会", K.RESIDENTS_COMMITTEE, self.community)
        self.office = f.organization("秀江街道办事处", K.DEPARTMENT, self.subdistrict)
        self.urban = f.organization("袁州区城市管理局", K.DEPARTMENT, self.county)
        self.market = f.organization("袁州区市场监督管理局", K.DEPARTMENT, self.county)
        self.police = f.organization("袁州区公安局", K.DEPARTMENT, self.county)
        self.other_county_urban = f.organization("上高县城市管理局", K.DEPARTMENT, city.county_b)
        R = Role.Kind
        self.grid_worker = loop_role(R.GRID_WORKER, self.community, grid=self.grid)
        self.community_staff = loop_role(R.COMMUNITY_STAFF, self.community)
        self.subdistrict_staff = loop_role(R.SUBDISTRICT_STAFF, self.subdistrict)
        self.leader = loop_role(R.LEADER, self.county)
        self.urban_liaison = loop_role(R.DEPARTMENT_LIAISON, self.county, organization=self.urban)
        self.market_liaison = loop_role(R.DEPARTMENT_LIAISON, self.county, organization=self.market)
        self.police_liaison = loop_role(R.DEPARTMENT_LIAISON, self.county, organization=self.police)
        self.outsider = loop_role(R.COMMUNITY_STAFF, city.community_b)
        self.resident = loop_user()

    def category(self, name="暴露垃圾", **extra):
        extra.setdefault("responsible_level", "community")
        extra.setdefault("accept_limit", 1)
        extra.setdefault("accept_unit", "working_days")
        extra.setdefault("handle_limit", 5)
        extra.setdefault("handle_unit", "working_days")
        return category(name, **extra)

    def report(self, *, cat=None, received_at=None, by_resident=True, **extra):
        """A resident's demand at the compound, and its case opened by the real `open_case`."""
        from doorstep.demands.services import open_case

        d = demand(
            self.compound,
            grid=self.grid,
            category=cat or self.category(),
            received_at=received_at or timezone.now() - timedelta(hours=1),
            reporter_user=self.resident if by_resident else None,
            **extra,
        )
        return open_case(d)

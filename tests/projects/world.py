"""A compound where residents asked for an elevator, the staff who run projects there, and an
outsider of another community."""

from decimal import Decimal
from types import SimpleNamespace

from doorstep.demands import intake
from doorstep.demands.models import Category, Demand, Follow
from doorstep.projects import services
from doorstep.projects.models import AccountKind
from doorstep.territory import locate
from tests import factories
from tests.demands.intake_helpers import INSIDE_A


def elevator_demand(by, text="3栋1单元是老楼，老人上下楼太难，希望加装电梯", **extra) -> Demand:
    extra.setdefault("channel", Demand.Channel.PHONE)
    return intake.submit_demand(
        text=text,
        by=by,
        lng=INSIDE_A[0],
        lat=INSIDE_A[1],
        category=Category.objects.get(code="0601"),
        **extra,
    )


def world(city=None) -> SimpleNamespace:
    city = city or factories.small_city()
    services.ensure_default_kinds()  # gone after a transactional test's flush
    locate.invalidate()
    b = factories.building(city.compound_a, "3栋", floors=6, stairwell_units=2)
    dwellings = [factories.dwelling(b, room, stairwell_unit=1) for room in ("101", "201", "301")]
    reporter = factories.user("reporter")
    factories.person("王阿姨", user=reporter, phone="13907950001")
    neighbour = factories.user("neighbour")
    staff = factories.role("community_staff", city.community_a, username="yiyang")
    outsider = factories.role("community_staff", city.community_b, username="jinyang")
    grid_worker = factories.role("grid_worker", city.community_a, username="gridworker")
    demand = elevator_demand(reporter)
    intake.triage(demand, Demand.Triage.BIG, staff)
    Follow.objects.create(demand=demand, user=neighbour, me_too=True)
    return SimpleNamespace(
        city=city,
        building=b,
        dwellings=dwellings,
        reporter=reporter,
        neighbour=neighbour,
        staff=staff,
        outsider=outsider,
        grid_worker=grid_worker,
        demand=demand,
        kinds={k.code: k for k in AccountKind.objects.all()},
    )


def elevator_project(w, **extra):
    extra.setdefault("title", "3栋1单元加装电梯")
    return services.create_project(region=w.city.compound_a, demands=[w.demand], by=w.staff, **extra)


def money(text: str) -> Decimal:
    return Decimal(text)

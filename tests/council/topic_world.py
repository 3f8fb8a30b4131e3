"""A compound with a six-storey building of two stairwell units, the owners of stairwell unit 1
(one of them asked for an elevator), a neighbour in unit 2, a resident of another compound, the
compound's community staff and an outsider: the staff of another community."""

from types import SimpleNamespace

from doorstep.council import topics
from doorstep.demands import intake
from doorstep.demands.models import Category, Demand
from doorstep.territory import locate
from doorstep.territory.models import Person
from tests import factories
from tests.council.factories import many_owners, owner, vote_world
from tests.demands.intake_helpers import INSIDE_A

ELEVATOR = "3栋1单元是老楼，老人上下楼太难，希望加装电梯"


def topic_world() -> SimpleNamespace:
    locate.invalidate()
    w = vote_world()
    owners = many_owners(w)  # "1-101" … "1-302" → login
    reporter = owners["1-101"]
    Person.objects.filter(user=reporter).update(name="王秀英", phone="13907950001")
    neighbour = owner("李明", w.units["2-101"])  # stairwell unit 2 of the same building
    far = factories.user("far-resident")
    factories.person("赵六", user=far, home_region=w.city.compound_b)
    demand = intake.submit_demand(
        channel=Demand.Channel.PHONE,
        text=ELEVATOR,
        by=reporter,
        lng=INSIDE_A[0],
        lat=INSIDE_A[1],
        category=Category.objects.get(code="0601"),
    )
    intake.triage(demand, Demand.Triage.HARD, w.staff, note="需要楼内业主共同决定")
    demand.refresh_from_db()
    return SimpleNamespace(
        w=w,
        city=w.city,
        building=w.building,
        staff=w.staff,
        committee=w.committee,
        outsider=w.outsider,
        owners=owners,
        reporter=reporter,
        neighbour=neighbour,
        far=far,
        demand=demand,
    )


def elevator_topic(t: SimpleNamespace):
    return topics.topic_from_demand(
        t.demand, by=t.staff, title="3栋1单元加装电梯", building=t.building, stairwell_unit=1
    )

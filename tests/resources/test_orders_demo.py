"""`doorstep demo` adds a few service orders (群众点单) in 宜阳社区 from the demo resident, and its
reset removes them (they would otherwise hold on to the places, people and regions)."""

import pytest
from django.db import transaction

from doorstep.resources.demo import build_demo_places, delete_demo_places
from doorstep.resources.models import Place, ServiceOrder
from doorstep.territory import locate
from doorstep.territory.demo import build_demo, reset_demo

pytestmark = pytest.mark.django_db


def test_the_demo_city_has_service_orders_and_the_reset_removes_them(django_db_blocker):
    with transaction.atomic():
        delete_demo_places()
        try:
            from doorstep.demands.demo import delete_demo_demands

            delete_demo_demands()
        except ImportError:
            pass
        reset_demo()
        build_demo("demo")
        locate.invalidate()
        build_demo_places()
        rows = list(ServiceOrder.objects.select_related("region", "user").order_by("pk"))
        assert [o.status for o in rows] == ["ordered", "dispatched", "dispatched"]
        assert {o.region.name for o in rows} == {"宜阳社区"} and {o.user.username for o in rows} == {
            "demo-resident"
        }
        assert rows[1].assignee is None
        # The member's order is the demo volunteer's, who can log in and finish it.
        assert rows[2].assignee.user.username == "demo-volunteer"
        assert all(o.events.exists() for o in rows)
        build_demo_places()  # built once
        assert ServiceOrder.objects.count() == 3
        delete_demo_places()
        assert (
            not ServiceOrder.objects.exists()
            and not Place.objects.filter(name__startswith="都市春天").exists()
        )
        transaction.set_rollback(True)
    locate.invalidate()

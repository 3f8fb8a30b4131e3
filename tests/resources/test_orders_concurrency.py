"""Two volunteers claim the same order at the same moment: one wins, the other is told someone
else was first (the order's row lock; PostgreSQL, where writers run in parallel)."""

import threading

import pytest
from django.db import connection
from django.utils import translation

from doorstep.resources import orders
from doorstep.resources.models import OrderEvent, ServiceOrder
from tests.resources.test_orders import World

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(connection.vendor != "postgresql", reason="row locks need PostgreSQL"),
]


def _race(work_by_thread):
    barrier = threading.Barrier(len(work_by_thread))
    results = []

    def run(work):
        try:
            with translation.override("zh-hans"):
                barrier.wait()
                work()
                results.append("ok")
        except orders.OrderError as exc:
            results.append(exc.messages[0])
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(work,)) for work in work_by_thread]
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    return sorted(results)


def test_two_volunteers_claiming_at_once_one_wins(city):
    w = World(city)
    for _round in range(3):
        o = w.order()
        outcome = _race([lambda o=o: orders.claim(o, by=w.vol), lambda o=o: orders.claim(o, by=w.vol2)])
        assert outcome == ["ok", "该点单已被其他志愿者接走。"]
        o.refresh_from_db()
        assert o.status == ServiceOrder.Status.CLAIMED and o.assignee_id in (
            w.vol_person.pk,
            w.vol2_person.pk,
        )
        assert OrderEvent.objects.filter(order=o, action="claim").count() == 1


def test_a_claim_and_a_cancel_at_once_leave_one_story(city):
    """Whichever comes first, the order ends cancelled and its events tell the moves in order."""
    w = World(city)
    o = w.order()
    outcome = _race([lambda: orders.claim(o, by=w.vol), lambda: orders.cancel(o, by=w.resident)])
    o.refresh_from_db()
    assert o.status == ServiceOrder.Status.CANCELLED
    actions = list(OrderEvent.objects.filter(order=o).values_list("action", flat=True))
    if outcome == ["ok", "ok"]:
        assert actions == ["order", "claim", "cancel"]
    else:
        assert actions == ["order", "cancel"] and "已取消" in "".join(outcome)

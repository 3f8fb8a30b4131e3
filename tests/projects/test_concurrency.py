"""Staff acting on one project at the same moment: one delivery (and one notice per resident),
every account line kept and the total exact. Real threads with their own connections (see
tests/council/test_vote_concurrency.py for the SQLite retry)."""

from decimal import Decimal

import pytest

from doorstep.core.models import Notification
from doorstep.projects import services
from doorstep.projects.models import LedgerLine, Project, ProjectEvent
from doorstep.projects.selectors import project_page
from tests import factories
from tests.council.test_vote_concurrency import all_at_once
from tests.projects.world import elevator_project, world

pytestmark = pytest.mark.django_db(transaction=True)


def test_two_staff_deliver_at_once_one_delivery_one_notice():
    w = world()
    second = factories.role("subdistrict_staff", w.city.subdistrict_a)
    project = elevator_project(w)
    for action in ("approve", "start"):
        project = services.transition(project, action, by=w.staff)
    results, errors = all_at_once(
        [lambda by=by: services.transition(project, "deliver", by=by) for by in (w.staff, second) * 3]
    )
    # One delivers; the others are refused. (On the in-memory SQLite test database the winner's
    # after-commit SMS log row may meet a lock, and its retry is then refused too: so "at most".)
    assert len([r for r in results if r is not None]) <= 1
    assert len(errors) >= 5 and all("现在不能" in " ".join(e.messages) for e in errors), errors
    assert Project.objects.get(pk=project.pk).status == Project.Status.DELIVERED
    assert ProjectEvent.objects.filter(project=project, action="deliver").count() == 1
    told = Notification.objects.filter(kind="project_delivered").values_list("recipient__username", flat=True)
    assert sorted(told) == ["neighbour", "reporter"]


def test_lines_added_at_once_are_all_kept_and_the_total_is_exact():
    w = world()
    project = elevator_project(w)
    amounts = [f"{i}.{i:02d}" for i in range(1, 13)]
    _results, errors = all_at_once(
        [
            lambda a=a: services.add_line(
                project, kind=w.kinds["economic"], item=f"户{a}", budget=a, by=w.staff
            )
            for a in amounts
        ],
        workers=6,
    )
    assert errors == []
    assert LedgerLine.objects.filter(project=project).count() == 12
    expected = sum(Decimal(a) for a in amounts)
    assert project_page(w.staff, project.pk).ledger.total.budget == expected == Decimal("78.78")

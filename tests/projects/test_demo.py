"""The demo city's projects (`doorstep demo`): an elevator project under way with its ledger,
milestones and 三师 advice, a delivered charging-shed project, the compound plan; built once,
removed before a reset."""

from decimal import Decimal

import pytest
from django.db import transaction

from doorstep.projects.demo import build_demo_projects, delete_demo_projects
from doorstep.projects.models import PlanMeasure, Project, Resource
from doorstep.projects.selectors import project_page
from doorstep.territory.demo import build_demo, reset_demo

pytestmark = pytest.mark.django_db


@pytest.fixture(scope="module")
def demo(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock(), transaction.atomic():
        delete_demo_projects()
        try:
            from doorstep.resources.demo import delete_demo_places

            delete_demo_places()
        except ImportError:
            pass
        from doorstep.demands.demo import delete_demo_demands

        delete_demo_demands()
        reset_demo()
        build_demo("demo")
        yield build_demo_projects()
        transaction.set_rollback(True)


def test_the_demo_projects_are_there(demo):
    from doorstep.core.models import User

    assert demo.built and demo.projects == 2
    staff = User.objects.get(username="demo-community")
    elevator = Project.objects.get(title="3栋1单元加装电梯")
    assert elevator.status == Project.Status.UNDER_WAY and elevator.region.name == "都市春天小区"
    page = project_page(staff, elevator.pk)
    assert page.ledger.total.budget == Decimal("595000.00")
    assert page.ledger.total.spent == Decimal("288350.00")
    assert [line.item for line in page.ledger.lines_over] == ["施工期间老人出行帮扶"]
    assert page.progress == 68 and len(page.consultations) == 2
    charging = Project.objects.get(title="北门车棚改建电动车充电棚")
    assert charging.status == Project.Status.REPORTED and charging.report
    assert PlanMeasure.objects.filter(compound=elevator.region).count() == 3
    assert Resource.objects.filter(kind="funds", amount=Decimal("120000.00")).exists()


def test_built_once_and_removed_before_a_reset(demo):
    again = build_demo_projects()
    assert not again.built and again.projects == 2
    assert delete_demo_projects() == 5  # two projects and three plan measures
    assert not Project.objects.exists() and not Resource.objects.exists()

"""Projects for the Yichun demo city (`doorstep demo`): a small, idempotent hook.

In 都市春天小区 (宜阳社区): the demo resident's elevator demand for building 3, stairwell unit 1,
becomes a need and a project with its ledger (subsidy, owners' shares by floor, the maintenance
fund, a co-building unit's design work), milestones, an architect's and an engineer's advice
and its beneficiaries; a charging-post project already delivered and reported back; the
compound plan (一区一策) with measures linked to both; a resource list (a co-building unit,
volunteers, a fund, a space). Written through projects.services by the demo community
secretary, so every step is checked and recorded as staff's would be. Amounts are synthetic.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import timedelta

from django.db import transaction
from django.utils import timezone

from doorstep.territory.models import Dwelling, Region

from . import services
from .models import AccountKind, Need, PlanMeasure, Project, Resource

CITY_CODE = "360900"


@dataclass
class DemoProjects:
    built: bool
    projects: int
    message: str = ""


def _city() -> Region | None:
    return Region.objects.filter(code=CITY_CODE).first()


def _in_city(city: Region):
    return Region.objects.descendants(city.pk, include_self=True).values("pk")


def delete_demo_projects() -> int:
    """Before `doorstep demo --reset`: projects, needs, resources and plans protect the regions
    (and needs the demands) the reset deletes. Returns how many projects and plan measures went."""
    city = _city()
    if city is None:
        return 0
    inside = _in_city(city)
    with transaction.atomic():
        measures = PlanMeasure.objects.filter(compound__in=inside)
        projects = Project.objects.filter(region__in=inside)
        count = measures.count() + projects.count()
        measures.delete()
        projects.delete()
        Need.objects.filter(region__in=inside).delete()
        Resource.objects.filter(region__in=inside).delete()
    return count


def build_demo_projects() -> DemoProjects:
    from doorstep.core.models import User
    from doorstep.demands.models import Demand

    city = _city()
    if city is None:
        return DemoProjects(False, 0, "no demo city")
    if Project.objects.filter(region__in=_in_city(city)).exists():
        return DemoProjects(False, Project.objects.filter(region__in=_in_city(city)).count())
    staff = User.objects.filter(username="demo-community", is_active=True).first()
    compound = (
        Region.objects.descendants(city.pk)
        .filter(name="都市春天小区", level=Region.Level.COMPOUND)
        .order_by("code")
        .first()
    )
    if staff is None or compound is None:
        return DemoProjects(False, 0, "no demo logins")
    services.ensure_default_kinds()
    quiet = logging.getLogger("doorstep.notify")
    level = quiet.level
    quiet.setLevel(logging.ERROR)
    try:
        with transaction.atomic():
            made = _build(staff, compound, Demand)
    finally:
        quiet.setLevel(level)
    return DemoProjects(True, made)


def _build(staff, compound: Region, Demand) -> int:
    kinds = {k.code: k for k in AccountKind.objects.all()}
    community = compound.parent
    today = timezone.localdate()
    unit = services.add_resource(
        region=community,
        kind="unit",
        name="袁州区城建设计院（共建单位）",
        description="加装电梯方案设计、施工监理",
        by=staff,
    )
    volunteers = services.add_resource(
        region=community,
        kind="volunteers",
        name="邻里帮志愿服务队",
        description="入户征求意见、施工期间老人出行帮扶",
        by=staff,
    )
    fund = services.add_resource(
        region=compound, kind="funds", name="都市春天小区专项维修资金", amount="120000", by=staff
    )
    space = services.add_resource(
        region=compound, kind="space", name="小区北门闲置自行车棚", description="改建充电车棚", by=staff
    )

    demand = (
        Demand.objects.filter(region=compound, text__contains="电梯").order_by("received_at").first()
        or Demand.objects.filter(region=compound).order_by("received_at").first()
    )
    elevator = services.create_project(
        region=compound,
        title="3栋1单元加装电梯",
        description="6层老楼，12户中有7户老人；经楼栋议事会协商、业主表决通过后实施。",
        demands=[demand] if demand else [],
        resources=[unit, volunteers, fund],
        by=staff,
    )
    for kind, item, budget, spent in [
        ("policy", "市级老旧小区加装电梯补助", "200000.00", "100000.00"),
        ("economic", "业主按楼层分摊（2–6层）", "330000.00", "165000.00"),
        ("economic", "专项维修资金", "30000.00", "0.00"),
        ("resource", "共建单位方案设计（无偿）", "15000.00", "15000.00"),
        ("livelihood", "施工期间老人出行帮扶", "2000.00", "2350.00"),
        ("safety", "管线迁改与消防复核", "18000.00", "6000.00"),
    ]:
        services.add_line(elevator, kind=kinds[kind], item=item, budget=budget, spent=spent, by=staff)
    for title, days, progress, done in [
        ("设计方案公示", -60, 100, -58),
        ("业主表决与公示", -40, 100, -41),
        ("井道基础施工", -10, 100, -7),
        ("电梯安装", 20, 40, None),
        ("验收并投入使用", 45, 0, None),
    ]:
        m = services.add_milestone(
            elevator, title=title, planned_date=today + timedelta(days=days), progress=progress, by=staff
        )
        if done is not None:
            services.change_milestone(m, actual_date=today + timedelta(days=done), progress=100, by=staff)
    services.add_consultation(
        elevator,
        profession="architect",
        expert="刘建筑师",
        affiliation="袁州区城建设计院",
        held_on=today - timedelta(days=70),
        advice="井道外挂于北侧楼梯间，平层入户，减少对一楼采光的影响。",
        by=staff,
    )
    services.add_consultation(
        elevator,
        profession="engineer",
        expert="赵工程师",
        affiliation="市建设工程质量检测站",
        held_on=today - timedelta(days=65),
        advice="原基础可承载，需迁改燃气立管，施工前完成消防通道复核。",
        by=staff,
    )
    dwellings = list(
        Dwelling.objects.filter(building__compound=compound).order_by(
            "building__number", "stairwell_unit", "room"
        )[:12]
    )
    services.set_beneficiaries(elevator, count=31, compounds=[compound], dwellings=dwellings, by=staff)
    for action in ("approve", "start"):
        services.transition(elevator, action, by=staff)

    charging = services.create_project(
        region=compound,
        title="北门车棚改建电动车充电棚",
        description="楼道充电、飞线充电隐患多；利用闲置车棚建设 40 个充电位。",
        needs=[
            services.add_need(
                region=compound, title="电动车充电难、楼道飞线多", source=Need.Source.VISIT, by=staff
            )
        ],
        resources=[space],
        by=staff,
    )
    for kind, item, budget, spent in [
        ("policy", "街道消防安全专项经费", "40000.00", "40000.00"),
        ("economic", "运营企业投资（充电收费回收）", "60000.00", "58800.00"),
        ("safety", "烟感与喷淋", "8000.00", "8000.00"),
    ]:
        services.add_line(charging, kind=kinds[kind], item=item, budget=budget, spent=spent, by=staff)
    services.add_milestone(
        charging, title="充电棚投入使用", planned_date=today - timedelta(days=20), progress=100, by=staff
    )
    services.set_beneficiaries(charging, count=420, compounds=[compound], by=staff)
    for action in ("approve", "start", "deliver"):
        services.transition(charging, action, by=staff)
    services.transition(
        charging, "report", by=staff, note="充电棚已投入使用，40 个充电位，楼道飞线充电基本消除。"
    )

    services.add_measure(
        compound=compound,
        title="老楼加装电梯",
        description="1–6栋逐栋征求意见，条件成熟一栋实施一栋。",
        demands=[demand] if demand else [],
        projects=[elevator],
        by=staff,
    )
    done = services.add_measure(compound=compound, title="电动车集中充电", projects=[charging], by=staff)
    services.set_measure_status(done, status=PlanMeasure.Status.DONE, by=staff)
    services.add_measure(
        compound=compound, title="化粪池疏通与雨污分流", description="列入明年老旧小区改造计划。", by=staff
    )
    return 2


def describe(result: DemoProjects) -> str:
    from django.utils.translation import gettext as _

    if result.message == "no demo city":
        return _("No demo projects: there is no demo city.")
    if result.message == "no demo logins":
        return _("No demo projects: the demo logins are missing.")
    if not result.built:
        return _("The demo projects are there already: %(n)d projects.") % {"n": result.projects}
    return _(
        "Added the demo projects: %(n)d projects with their ledgers and the compound plan (/projects/)."
    ) % {"n": result.projects}

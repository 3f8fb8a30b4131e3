"""Projects: the stage table, who may act, telling the reporters on delivery, the lists and the
compound plan, the pages (scoped; the public page of a delivered project)."""

from types import SimpleNamespace

import pytest
from django.core.exceptions import ValidationError

from doorstep.core.models import Notification, OutboundMessage
from doorstep.demands.models import Demand
from doorstep.projects import services
from doorstep.projects.models import Need, PlanMeasure, Project, ProjectEvent, Resource
from doorstep.territory.models import Organization
from tests import factories
from tests.projects.world import elevator_demand, elevator_project, world

S = Project.Status
ALL = list(S.values)

# (from, action) → to, or None when the table refuses it.
EXPECTED = {
    (S.PLANNED, "approve"): S.APPROVED,
    (S.APPROVED, "start"): S.UNDER_WAY,
    (S.UNDER_WAY, "deliver"): S.DELIVERED,
    (S.DELIVERED, "report"): S.REPORTED,
    (S.PLANNED, "cancel"): S.CANCELLED,
    (S.APPROVED, "cancel"): S.CANCELLED,
    (S.UNDER_WAY, "cancel"): S.CANCELLED,
}


@pytest.mark.parametrize("source", ALL)
@pytest.mark.parametrize("action", ["approve", "start", "deliver", "report", "cancel"])
def test_transition_table(db, source, action):
    city = factories.small_city()
    staff = factories.role("community_staff", city.community_a)
    w = SimpleNamespace(staff=staff)
    project = services.create_project(region=city.compound_a, title="3栋1单元加装电梯", by=staff)
    Project.objects.filter(pk=project.pk).update(status=source)
    target = EXPECTED.get((source, action))
    before = ProjectEvent.objects.count()
    if target is None:
        with pytest.raises(ValidationError) as exc:
            services.transition(project, action, by=w.staff, note="说明")
        assert "现在不能" in " ".join(exc.value.messages)
        assert Project.objects.get(pk=project.pk).status == source
        assert ProjectEvent.objects.count() == before
    else:
        done = services.transition(project, action, by=w.staff, note="说明")
        assert done.status == target == Project.objects.get(pk=project.pk).status
        event = ProjectEvent.objects.latest("pk")
        assert (event.action, event.from_status, event.to_status, event.by) == (
            action,
            source,
            target,
            w.staff,
        )


@pytest.mark.parametrize("action, message", [("report", "请填写向居民的反馈"), ("cancel", "请说明原因")])
def test_report_back_and_cancel_need_words(db, action, message):
    w = world()
    project = elevator_project(w)
    Project.objects.filter(pk=project.pk).update(status=S.DELIVERED if action == "report" else S.PLANNED)
    with pytest.raises(ValidationError) as exc:
        services.transition(project, action, by=w.staff, note="  ")
    assert message in " ".join(exc.value.messages)


def _deliver(w, project):
    for action in ("approve", "start", "deliver"):
        project = services.transition(project, action, by=w.staff)
    return project


def test_delivery_tells_the_reporter_and_followers_once(db, django_capture_on_commit_callbacks):
    w = world()
    project = elevator_project(w)
    # a second demand about the same stairwell, by a caller known only by phone
    caller = elevator_demand(
        w.staff,
        text="走访时居民反映：3栋1单元希望加装电梯",
        contact_phone="13907950002",
        channel=Demand.Channel.VISIT,
    )
    services.link(project, needs=[services.need_from_demand(caller, by=w.staff)], by=w.staff)
    # an unrelated resident is not told
    other = factories.user("other")
    with django_capture_on_commit_callbacks(execute=True):
        _deliver(w, project)
    notes = Notification.objects.filter(kind="project_delivered")
    assert sorted(n.recipient.username for n in notes) == ["neighbour", "reporter"]
    note = notes.get(recipient=w.reporter)
    assert "3栋1单元加装电梯" in note.text and "已完成交付" in note.text
    assert note.url == f"/projects/done/{project.pk}/"
    assert not Notification.objects.filter(recipient=other).exists()
    assert not Notification.objects.filter(recipient=w.staff, kind="project_delivered").exists()
    sms = sorted(m.to_masked for m in OutboundMessage.objects.filter(kind="project_delivered"))
    assert sms == ["139****0001", "139****0002"]  # the reporter's phone and the caller's
    assert set(Need.objects.filter(projects=project).values_list("status", flat=True)) == {Need.Status.MET}
    # reporting back does not tell them a second time
    services.transition(project, "report", by=w.staff, note="电梯已通过验收并投入使用")
    assert Notification.objects.filter(kind="project_delivered").count() == 2


def test_a_demand_gives_one_need_and_its_project_is_found_from_it(db):
    w = world()
    project = elevator_project(w)
    assert services.need_from_demand(w.demand, by=w.staff) == Need.objects.get(demand=w.demand)
    assert Need.objects.count() == 1
    assert list(project.needs.all()) == [w.demand.need]
    assert Need.objects.get(demand=w.demand).status == Need.Status.MATCHED


def test_resources_reference_organisations(db):
    w = world()
    unit = factories.organization("市建设集团", Organization.Kind.CO_BUILDING_UNIT, w.city.community_a)
    r = services.add_resource(
        region=w.city.community_a,
        kind="unit",
        name="",
        organization=unit,
        by=w.staff,
        description="设计、施工监理",
    )
    assert (r.name, r.organization) == ("市建设集团", unit)
    fund = services.add_resource(
        region=w.city.compound_a, kind="funds", name="维修资金", amount="30000", by=w.staff
    )
    assert str(fund.amount) == "30000.00"
    foreign = factories.organization("锦阳共建单位", Organization.Kind.CO_BUILDING_UNIT, w.city.community_b)
    with pytest.raises(ValidationError):
        services.add_resource(
            region=w.city.community_a, kind="unit", name="x", organization=foreign, by=w.staff
        )
    project = elevator_project(w)
    services.link(project, resources=[r, fund], by=w.staff)
    assert set(project.resources.all()) == {r, fund}


def test_outsider_of_another_community_changes_nothing(db):
    w = world()
    project = elevator_project(w)
    calls = [
        lambda: services.transition(project, "approve", by=w.outsider),
        lambda: services.add_line(project, kind=w.kinds["policy"], item="x", budget="1", by=w.outsider),
        lambda: services.add_milestone(project, title="x", planned_date="2026-01-01", by=w.outsider),
        lambda: services.add_consultation(
            project, profession="planner", expert="x", held_on="2026-01-01", advice="x", by=w.outsider
        ),
        lambda: services.set_beneficiaries(project, count=3, by=w.outsider),
        lambda: services.create_project(region=w.city.compound_a, title="x", by=w.outsider),
        lambda: services.need_from_demand(w.demand, by=w.outsider),
        lambda: services.add_measure(compound=w.city.compound_a, title="x", by=w.outsider),
        lambda: services.transition(project, "approve", by=w.grid_worker),  # not a managing role
    ]
    for call in calls:
        with pytest.raises(ValidationError):
            call()
    project.refresh_from_db()
    assert project.status == S.PLANNED and project.beneficiary_count == 0
    assert (
        not project.lines.exists() and not project.milestones.exists() and not project.consultations.exists()
    )
    assert Project.objects.count() == 1 and PlanMeasure.objects.count() == 0


def test_outsider_sees_nothing_on_the_pages(client, db):
    w = world()
    project = elevator_project(w)
    measure = services.add_measure(
        compound=w.city.compound_a, title="加装电梯", demands=[w.demand], by=w.staff
    )
    client.force_login(w.outsider)
    for url in ["/projects/", "/projects/lists/", "/projects/plans/"]:
        html = client.get(url).content.decode()
        assert "3栋1单元加装电梯" not in html and "都市春天小区" not in html
    for url in [
        f"/projects/{project.pk}/",
        f"/projects/plans/{w.city.compound_a.pk}/",
        f"/projects/new/?demand={w.demand.number}",
        f"/projects/done/{project.pk}/",  # not delivered: not public either
    ]:
        assert client.get(url).status_code == 404, url
    for url, data in [
        (f"/projects/{project.pk}/do/approve/", {}),
        (f"/projects/{project.pk}/lines/", {"kind": w.kinds["policy"].pk, "item": "x", "budget": "1"}),
        (f"/projects/{project.pk}/milestones/", {"title": "x", "planned_date": "2026-01-01"}),
        (f"/projects/plans/{w.city.compound_a.pk}/measures/{measure.pk}/", {"status": "done"}),
    ]:
        assert client.post(url, data).status_code == 404, url
    project.refresh_from_db()
    measure.refresh_from_db()
    assert project.status == S.PLANNED and not project.lines.exists() and measure.status == "planned"


def test_residents_are_not_staff(client, db):
    w = world()
    client.force_login(w.reporter)
    assert client.get("/projects/").status_code == 404
    assert client.get("/projects/lists/").status_code == 404


def test_project_list_reads_a_fixed_number_of_queries(client, db, django_assert_max_num_queries):
    w = world()
    for i in range(12):
        p = services.create_project(region=w.city.compound_a, title=f"项目{i}", by=w.staff)
        services.add_line(p, kind=w.kinds["policy"], item="补助", budget="100.10", spent=str(i), by=w.staff)
        services.add_line(p, kind=w.kinds["economic"], item="分摊", budget="50", spent="0.05", by=w.staff)
        services.add_milestone(p, title="设计", planned_date="2026-01-01", progress=i * 5, by=w.staff)
    client.force_login(w.staff)
    with django_assert_max_num_queries(8):
        html = client.get("/projects/").content.decode()
    assert html.count("150.10<") == 12  # exactly two places
    assert "55%" in html and "11.05" in html
    with django_assert_max_num_queries(16):
        assert client.get("/projects/lists/").status_code == 200


def test_project_page_reads_a_fixed_number_of_queries(client, db, django_assert_max_num_queries):
    w = world()
    project = elevator_project(w)
    client.force_login(w.staff)

    def count():
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        with CaptureQueriesContext(connection) as ctx:
            assert client.get(f"/projects/{project.pk}/").status_code == 200
        return len(ctx.captured_queries)

    few = count()
    for i in range(10):
        services.add_line(project, kind=w.kinds["policy"], item=f"行{i}", budget="1", by=w.staff)
        services.add_milestone(project, title=f"节点{i}", planned_date="2026-01-01", by=w.staff)
        services.add_consultation(
            project,
            profession="engineer",
            expert=f"工程师{i}",
            held_on="2026-01-02",
            advice="结构可行",
            by=w.staff,
        )
    services.set_beneficiaries(
        project, count=18, dwellings=w.dwellings, compounds=[w.city.compound_a], by=w.staff
    )
    assert count() == few


def test_milestones_and_consultations_and_beneficiaries(db):
    w = world()
    project = elevator_project(w)
    m = services.add_milestone(project, title="设计方案公示", planned_date="2026-03-01", by=w.staff)
    services.change_milestone(m, actual_date="2026-03-05", by=w.staff)
    m.refresh_from_db()
    assert (str(m.actual_date), m.progress) == ("2026-03-05", 100)
    for bad in ["101", "-1", "很多"]:
        with pytest.raises(ValidationError):
            services.change_milestone(m, progress=bad, by=w.staff)
    with pytest.raises(ValidationError):
        services.add_milestone(project, title="x", planned_date="2026-13-01", by=w.staff)
    c = services.add_consultation(
        project,
        profession="architect",
        expert="刘建筑师",
        affiliation="市规划设计院",
        held_on="2026-02-10",
        advice="井道外挂，北侧入户",
        by=w.staff,
    )
    assert c.get_profession_display() == "建筑师"
    services.set_beneficiaries(
        project, count=18, dwellings=w.dwellings, compounds=[w.city.compound_a], by=w.staff
    )
    project.refresh_from_db()
    assert project.beneficiary_count == 18 and project.beneficiary_dwellings.count() == 3
    with pytest.raises(ValidationError):
        services.set_beneficiaries(project, count=5, compounds=[w.city.compound_b], by=w.staff)
    assert Project.objects.get(pk=project.pk).beneficiary_count == 18


def test_a_closed_record_takes_no_more_lines(db):
    w = world()
    project = _deliver(w, elevator_project(w))
    services.transition(project, "report", by=w.staff, note="已反馈")
    with pytest.raises(ValidationError) as exc:
        services.add_line(project, kind=w.kinds["policy"], item="x", budget="1", by=w.staff)
    assert "已反馈" in " ".join(exc.value.messages)


def test_compound_plan_links_measures_to_demands_and_projects(client, db):
    w = world()
    project = elevator_project(w)
    client.force_login(w.staff)
    url = f"/projects/plans/{w.city.compound_a.pk}/measures/"
    r = client.post(url, {"title": "老楼加装电梯", "demands": w.demand.number, "projects": [project.pk]})
    assert r.status_code == 302
    measure = PlanMeasure.objects.get()
    assert list(measure.demands.all()) == [w.demand] and list(measure.projects.all()) == [project]
    html = client.get(f"/projects/plans/{w.city.compound_a.pk}/").content.decode()
    assert "老楼加装电梯" in html and w.demand.number in html and "3栋1单元加装电梯" in html
    r = client.post(url, {"title": "x", "demands": "20990101-0001"}, follow=True)
    assert "您的辖区内没有这条诉求" in r.content.decode()
    assert PlanMeasure.objects.count() == 1
    assert "都市春天小区" in client.get("/projects/plans/").content.decode()


def test_the_public_page_of_a_delivered_project_shows_no_names(client, db):
    w = world()
    project = elevator_project(w)
    services.add_line(project, kind=w.kinds["policy"], item="市级补助", budget="200000", by=w.staff)
    services.add_consultation(
        project, profession="engineer", expert="赵工", held_on="2026-02-10", advice="基础需加固", by=w.staff
    )
    _deliver(w, project)
    html = client.get(f"/projects/done/{project.pk}/").content.decode()
    assert "3栋1单元加装电梯" in html and "200000.00" in html and "基础需加固" in html
    assert "赵工" not in html and "yiyang" not in html and "王阿姨" not in html
    assert "3栋1单元加装电梯" in client.get("/projects/done/").content.decode()


def test_staff_create_a_project_from_a_big_demand_on_the_page(client, db):
    w = world()
    client.force_login(w.staff)
    html = client.get("/projects/lists/").content.decode()
    assert w.demand.number in html
    r = client.get(f"/projects/new/?demand={w.demand.number}")
    assert "希望加装电梯" in r.content.decode()
    r = client.post(
        "/projects/new/",
        {
            "demand": w.demand.number,
            "region": w.city.compound_a.pk,
            "title": "3栋1单元加装电梯",
            "description": "x",
        },
    )
    project = Project.objects.get()
    assert r.status_code == 302 and r["Location"] == f"/projects/{project.pk}/"
    assert list(project.needs.values_list("demand", flat=True)) == [w.demand.pk]
    assert w.demand.number not in client.get("/projects/lists/").content.decode().split('id="needs"')[0]
    # bad input: a clear Chinese error, nothing saved
    r = client.post(
        f"/projects/{project.pk}/lines/",
        {"kind": w.kinds["policy"].pk, "item": "补助", "budget": "1.234"},
        follow=True,
    )
    assert "最多两位小数" in r.content.decode()
    assert not project.lines.exists()


def test_needs_and_resources_from_the_lists_page(client, db):
    w = world()
    client.force_login(w.staff)
    client.post(
        "/projects/lists/need/",
        {"region": w.city.compound_a.pk, "title": "充电桩不够", "source": "topic", "topic_ref": "议题 12"},
    )
    client.post(
        "/projects/lists/resource/", {"region": w.city.community_a.pk, "kind": "volunteers", "name": "邻里帮"}
    )
    client.post("/projects/lists/need/", {"region": w.city.compound_b.pk, "title": "外区", "source": "visit"})
    assert list(Need.objects.filter(source="topic").values_list("title", "topic_ref")) == [
        ("充电桩不够", "议题 12")
    ]
    assert list(Resource.objects.values_list("name", flat=True)) == ["邻里帮"]
    assert not Need.objects.filter(title="外区").exists()


OTHER_ROLE_AT = {
    "grid_worker": "community_b",
    "community_staff": "community_b",
    "subdistrict_staff": "subdistrict_b",
    "department_liaison": "county_b",
    "property_staff": "compound_b",
    "committee_member": "compound_b",
    "leader": "county_b",
    "admin": "county_b",
}


@pytest.mark.parametrize("kind", list(OTHER_ROLE_AT))
def test_every_role_of_another_county_sees_and_changes_nothing(client, db, kind):
    city = factories.small_city()
    staff = factories.role("community_staff", city.community_a)
    services.ensure_default_kinds()
    project = services.create_project(region=city.compound_a, title="3栋1单元加装电梯", by=staff)
    other = factories.role(kind, getattr(city, OTHER_ROLE_AT[kind]))
    client.force_login(other)
    for url in ["/projects/", "/projects/lists/", "/projects/plans/"]:
        r = client.get(url)
        assert r.status_code in (200, 404) and "3栋1单元加装电梯" not in r.content.decode()
    assert client.get(f"/projects/{project.pk}/").status_code == 404
    assert client.get(f"/projects/plans/{city.compound_a.pk}/").status_code == 404
    assert client.post(f"/projects/{project.pk}/do/approve/").status_code == 404
    assert client.post(f"/projects/{project.pk}/beneficiaries/", {"count": "9"}).status_code == 404
    project.refresh_from_db()
    assert (project.status, project.beneficiary_count) == (S.PLANNED, 0)
    assert ProjectEvent.objects.filter(project=project).count() == 1


@pytest.mark.parametrize(
    "planned, actual, progress, late",
    [
        ("2026-03-01", "2026-03-01", 100, 0),
        ("2026-03-01", "2026-02-20", 100, 0),
        ("2026-03-01", "2026-03-05", 100, 4),
        ("2026-03-01", None, 100, 0),  # done, date not given
        ("2026-03-01", None, 60, 9),  # today 2026-03-10, still open
        ("2026-03-20", None, 0, 0),
    ],
)
def test_milestones_late(planned, actual, progress, late):
    from datetime import date

    from doorstep.projects.models import Milestone
    from doorstep.projects.selectors import mark_late

    m = Milestone(
        title="x",
        planned_date=date.fromisoformat(planned),
        actual_date=date.fromisoformat(actual) if actual else None,
        progress=progress,
    )
    mark_late([m], today=date(2026, 3, 10))
    assert m.days_late == late


def test_a_resident_sees_the_delivered_projects_of_their_compound(client, db):
    w = world()
    from doorstep.territory.models import Person

    Person.objects.filter(user=w.reporter).update(home_region=w.city.compound_a)
    ours = _deliver(w, elevator_project(w))
    other_staff = factories.role("community_staff", w.city.community_b)
    theirs = services.create_project(region=w.city.compound_b, title="锦阳充电棚", by=other_staff)
    for action in ("approve", "start", "deliver"):
        services.transition(theirs, action, by=other_staff)
    client.force_login(w.reporter)
    html = client.get("/projects/done/").content.decode()
    assert ours.title in html and "锦阳充电棚" not in html and "全部小区" in html
    html = client.get("/projects/done/?all=1").content.decode()
    assert ours.title in html and "锦阳充电棚" in html


def test_the_admin_keeps_staff_to_their_area(client, db):
    w = world()
    project = elevator_project(w)
    from django.contrib.auth.models import Permission

    for user in (w.staff, w.outsider):
        user.is_staff = True
        user.save()
        user.user_permissions.add(Permission.objects.get(codename="view_project"))
    client.force_login(w.outsider)
    assert "3栋1单元加装电梯" not in client.get("/admin/projects/project/").content.decode()
    assert client.get(f"/admin/projects/project/{project.pk}/change/").status_code in (302, 404)
    client.force_login(w.staff)
    assert "3栋1单元加装电梯" in client.get("/admin/projects/project/").content.decode()

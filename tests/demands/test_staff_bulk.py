"""Bulk actions on worklist rows: each row's outcome is reported; some may fail, the rest go on."""

import re

import pytest
from django.urls import reverse

from doorstep.demands import services
from doorstep.demands.models import Case, Demand
from doorstep.territory.models import Organization
from tests import factories
from tests.demands import factories as df

S = Case.Status


@pytest.fixture
def desk(city, client):
    staff = factories.role("community_staff", city.community_a, username="yiyang")
    client.force_login(staff)
    return staff


def results(response) -> dict[str, str]:
    """Each reported row: its label → "ok" / "failed" and the message."""
    body = response.content.decode()
    out = {}
    for cls, label, text in re.findall(
        r'<li class="(ok|failed)" data-result="([^"]*)">(.*?)</li>', body, flags=re.S
    ):
        text = re.sub(r'<span class="mark"[^>]*>.*?</span>', "", text)
        out[label] = (cls, " ".join(re.sub(r"<[^>]+>", " ", text).split()))
    return out


def bulk(client, action, cases, versions=None, **extra):
    data = {"action": action, "tab": "accept", "filters": "", "case": [c.pk for c in cases], **extra}
    for c in cases:
        data[f"v{c.pk}"] = str((versions or {}).get(c.pk, c.version))
    return client.post(reverse("demands:staff_bulk"), data)


def test_bulk_accept_reports_each_row(client, city, desk):
    fine = df.case(city.compound_a, number="AJ-FINE")
    raced = df.case(city.compound_a, number="AJ-RACED")
    elsewhere = df.case(city.compound_b, number="AJ-ELSEWHERE")
    seen = {c.pk: c.version for c in (fine, raced, elsewhere)}
    # someone else accepts one of them after the list was loaded
    colleague = factories.role("community_staff", city.community_a, username="yiyang2")
    services.accept(Case.objects.get(pk=raced.pk), colleague)
    response = bulk(client, "accept", [fine, raced, elsewhere], versions=seen)
    assert response.status_code == 200
    got = results(response)
    assert got["AJ-FINE"][0] == "ok" and "已立案" in got["AJ-FINE"][1]
    assert got["AJ-RACED"][0] == "failed" and "冲突" in got["AJ-RACED"][1]
    assert "该案卷刚被他人处理" in got["AJ-RACED"][1]
    assert got[f"#{elsewhere.pk}"][0] == "failed" and "找不到" in got[f"#{elsewhere.pk}"][1]
    assert "AJ-ELSEWHERE" not in response.content.decode()
    assert Case.objects.get(pk=fine.pk).status == S.ACCEPTED
    assert Case.objects.get(pk=elsewhere.pk).status == S.SUBMITTED
    assert "2 条未完成" in response.content.decode()


def test_a_row_the_table_does_not_allow_says_why(client, city, desk):
    new = df.case(city.compound_a, number="AJ-NEW")
    closed = df.case(city.compound_a, status=S.CLOSED, number="AJ-CLOSED")
    got = results(bulk(client, "accept", [new, closed]))
    assert got["AJ-NEW"][0] == "ok"
    assert got["AJ-CLOSED"][0] == "failed" and "已结案" in got["AJ-CLOSED"][1]


def test_a_grid_worker_may_accept_but_not_dispatch(client, city):
    worker = factories.role("grid_worker", city.community_a, username="wangge")
    client.force_login(worker)
    case = df.case(city.compound_a, status=S.ACCEPTED, number="AJ-A")
    unit = factories.organization(
        "宜阳社区居民委员会", Organization.Kind.RESIDENTS_COMMITTEE, city.community_a
    )
    got = results(bulk(client, "dispatch", [case], unit=unit.pk))
    assert got["AJ-A"][0] == "failed" and "无权" in got["AJ-A"][1]
    assert Case.objects.get(pk=case.pk).status == S.ACCEPTED


def test_bulk_dispatch_to_a_unit(client, city, desk):
    dept = factories.organization("袁州区城市管理局", Organization.Kind.DEPARTMENT, city.county_a)
    one = df.case(city.compound_a, status=S.ACCEPTED, number="AJ-1")
    two = df.case(city.compound_a, status=S.RETURNED, number="AJ-2")
    page = client.get(reverse("demands:staff_worklist_tab", args=["dispatch"])).content.decode()
    assert "袁州区城市管理局" in page  # the county's departments are offered
    got = results(bulk(client, "dispatch", [one, two], unit=dept.pk))
    assert got["AJ-1"][0] == got["AJ-2"][0] == "ok"
    assert "袁州区城市管理局" in got["AJ-1"][1]
    assert set(Case.objects.filter(pk__in=[one.pk, two.pk]).values_list("status", "unit")) == {
        (S.DISPATCHED, dept.pk)
    }


def test_bulk_dispatch_needs_a_unit_or_a_person(client, city, desk):
    one = df.case(city.compound_a, status=S.ACCEPTED, number="AJ-1")
    response = bulk(client, "dispatch", [one])
    assert "请选择承办单位或承办人。" in response.content.decode()
    assert Case.objects.get(pk=one.pk).status == S.ACCEPTED


def test_bulk_merge_keeps_the_earliest_and_merges_the_rest(client, city, desk):
    from datetime import timedelta

    from django.utils import timezone

    first = df.case(
        city.compound_a, number="AJ-FIRST", demand_extra={"received_at": timezone.now() - timedelta(hours=5)}
    )
    second = df.case(city.compound_a, number="AJ-SECOND")
    third = df.case(city.compound_a, number="AJ-THIRD")
    got = results(bulk(client, "merge", [second, first, third]))
    assert got["AJ-FIRST"][0] == "ok" and "保留" in got["AJ-FIRST"][1]
    assert got["AJ-SECOND"] == ("ok", "AJ-SECOND 已合并到 AJ-FIRST。")
    assert got["AJ-THIRD"][0] == "ok"
    assert Case.objects.get(pk=first.pk).status == S.SUBMITTED
    assert set(Case.objects.filter(pk__in=[second.pk, third.pk]).values_list("status", flat=True)) == {
        S.MERGED
    }
    assert set(Demand.objects.filter(duplicates__isnull=False).values_list("pk", flat=True)) == {
        first.demand_id
    }


def test_bulk_merge_into_a_named_case(client, city, desk):
    keep = df.case(city.compound_a, status=S.ACCEPTED, number="AJ-KEEP")
    dup = df.case(city.compound_a, number="AJ-DUP")
    got = results(bulk(client, "merge", [dup], into="AJ-KEEP"))
    assert got["AJ-DUP"][0] == "ok"
    assert (
        Case.objects.get(pk=dup.pk).status == S.MERGED and Case.objects.get(pk=keep.pk).status == S.ACCEPTED
    )


def test_nothing_selected_or_no_action(client, city, desk):
    df.case(city.compound_a)
    response = client.post(reverse("demands:staff_bulk"), {"action": "accept", "tab": "accept"})
    assert "请至少选中一条工单。" in response.content.decode()
    response = client.post(reverse("demands:staff_bulk"), {"action": "", "case": ["1"]})
    assert "请选择要对选中工单执行的操作。" in response.content.decode()


def test_the_list_after_a_bulk_action_keeps_the_filters(client, city, desk):
    urgent = df.case(city.compound_a, urgent=True, number="AJ-URGENT")
    df.case(city.compound_a, number="AJ-PLAIN")
    other = df.case(city.compound_a, urgent=True, number="AJ-URGENT-2")
    data = {
        "action": "accept",
        "tab": "accept",
        "filters": "urgent=1",
        "case": [urgent.pk],
        f"v{urgent.pk}": "0",
    }
    response = client.post(reverse("demands:staff_bulk"), data, HTTP_HX_REQUEST="true")
    body = response.content.decode()
    assert body.lstrip().startswith('<section id="worklist"')
    assert re.findall(r'data-case="([^"]+)"', body) == [other.number]

"""The department liaison's desk: their department's whistle parts and cases, report in, finish."""

import re

import pytest
from django.urls import reverse

from doorstep.demands.models import Case, WhistlePart
from doorstep.territory.models import Organization
from tests import factories
from tests.demands import factories as df

S = Case.Status
P = WhistlePart.Status
K = Organization.Kind


@pytest.fixture
def depts(city):
    chengguan = factories.organization("袁州区城市管理局", K.DEPARTMENT, city.county_a)
    shijian = factories.organization("袁州区市场监督管理局", K.DEPARTMENT, city.county_a)
    liaison = factories.role(
        "department_liaison", city.county_a, username="chengguan", organization=chengguan
    )
    return chengguan, shijian, liaison


def test_the_desk_lists_our_parts_and_cases_only(client, city, depts):
    chengguan, shijian, liaison = depts
    whistled = df.case(city.compound_a, status=S.WHISTLED, number="AJ-W")
    df.whistle_part(whistled, chengguan, task="清理占道经营")
    df.whistle_part(whistled, shijian, task="查处无照经营")
    theirs = df.case(city.compound_a, status=S.WHISTLED, number="AJ-THEIRS")
    df.whistle_part(theirs, shijian)
    df.case(city.compound_a, status=S.DISPATCHED, unit=chengguan, number="AJ-DISPATCHED")
    df.case(city.compound_a, status=S.DISPATCHED, unit=shijian, number="AJ-NOT-OURS")
    client.force_login(liaison)
    response = client.get(reverse("demands:staff_department"))
    assert response.status_code == 200
    body = response.content.decode()
    assert re.findall(r'data-part-row="([^"]+)"', body) == ["AJ-W"]
    assert "清理占道经营" in body and "查处无照经营" not in body
    assert "AJ-DISPATCHED" in body and "AJ-NOT-OURS" not in body and "AJ-THEIRS" not in body
    assert "报到时限" in body and "袁州区城市管理局" in body


def test_report_in_then_finish_our_part(client, city, depts):
    chengguan, shijian, liaison = depts
    case = df.case(city.compound_a, status=S.WHISTLED, number="AJ-W")
    ours = df.whistle_part(case, chengguan)
    df.whistle_part(case, shijian, status=P.DONE, result="已处理")
    client.force_login(liaison)
    desk = reverse("demands:staff_department")
    response = client.post(reverse("demands:staff_part_action", args=[ours.pk, "report_in"]), {"next": desk})
    assert response.status_code == 302 and response["Location"] == desk
    ours.refresh_from_db()
    assert ours.status == P.REPORTED
    assert "完成本部门事项" in client.get(desk).content.decode()
    form = client.get(reverse("demands:staff_part_action", args=[ours.pk, "part_done"]), {"next": desk})
    assert 'name="result"' in form.content.decode()
    empty = client.post(reverse("demands:staff_part_action", args=[ours.pk, "part_done"]), {"result": " "})
    assert empty.status_code == 400
    done = client.post(
        reverse("demands:staff_part_action", args=[ours.pk, "part_done"]),
        {"result": "已清理占道摊点", "next": desk},
    )
    assert done.status_code == 302
    ours.refresh_from_db()
    case.refresh_from_db()
    assert ours.status == P.DONE and ours.result == "已清理占道摊点"
    assert case.status == S.FEEDBACK  # the last part done: the case moves on by itself


def test_another_department_s_part_is_refused(client, city, depts):
    chengguan, shijian, liaison = depts
    case = df.case(city.compound_a, status=S.WHISTLED)
    df.whistle_part(case, chengguan)
    theirs = df.whistle_part(case, shijian)
    client.force_login(liaison)
    response = client.post(reverse("demands:staff_part_action", args=[theirs.pk, "report_in"]))
    assert response.status_code == 400
    theirs.refresh_from_db()
    assert theirs.status == P.SUMMONED


def test_a_part_outside_the_scope_is_not_found(client, city, depts):
    chengguan, shijian, liaison = depts
    case = df.case(city.compound_a, status=S.WHISTLED)
    part = df.whistle_part(case, shijian)  # not whistled to the liaison's department
    client.force_login(liaison)
    assert client.get(reverse("demands:staff_part_action", args=[part.pk, "report_in"])).status_code == 404


def test_the_desk_is_for_liaisons(client, city):
    client.force_login(factories.role("community_staff", city.community_a))
    assert client.get(reverse("demands:staff_department")).status_code == 403


@pytest.mark.parametrize("n", [5, 50])
def test_the_desk_takes_the_same_number_of_queries(client, city, depts, n, django_assert_max_num_queries):
    chengguan, shijian, liaison = depts
    for i in range(n):
        c = df.case(city.compound_a, status=S.WHISTLED)
        df.whistle_part(c, chengguan, status=[P.SUMMONED, P.REPORTED, P.DONE][i % 3])
        df.case(city.compound_a, status=S.DISPATCHED, unit=chengguan)
    client.force_login(liaison)
    client.get(reverse("demands:staff_department"))
    with django_assert_max_num_queries(14):
        response = client.get(reverse("demands:staff_department"))
    assert response.content.decode().count("data-part-row") == n

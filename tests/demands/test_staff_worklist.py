"""The staff worklists: which case is on which list, filters, order, pages, scope, query counts."""

import re
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from doorstep.demands.models import Case
from doorstep.territory.models import Organization, Region
from tests import factories
from tests.demands import factories as df

S = Case.Status


def numbers(response) -> list[str]:
    """The case numbers of the rows, in the order shown."""
    return re.findall(r'data-case="([^"]+)"', response.content.decode())


def counts(response) -> dict[str, int]:
    return {k: int(v) for k, v in re.findall(r'data-count="(\w+)">(\d+)<', response.content.decode())}


def url(tab="accept", **query):
    return reverse("demands:staff_worklist_tab", args=[tab]), query


@pytest.fixture
def desk(city, client):
    staff = factories.role("community_staff", city.community_a, username="yiyang")
    client.force_login(staff)
    return staff


def hours(n):
    return timezone.now() + timedelta(hours=n)


@pytest.fixture
def cases(city, desk):
    """One case per situation in community A, and one in community B (never shown)."""
    a = city.compound_a
    police = factories.organization("宜春市公安局袁州分局", Organization.Kind.DEPARTMENT, city.county_a)
    c = {
        "new_soon": df.case(a, accept_due=hours(3), number="AJ-NEW-SOON"),
        "new_late": df.case(a, accept_due=hours(-5), number="AJ-NEW-LATE"),
        "accepted": df.case(a, status=S.ACCEPTED, handle_due=hours(100), number="AJ-ACCEPTED"),
        "returned": df.case(a, status=S.RETURNED, handle_due=hours(90), number="AJ-RETURNED"),
        "mine": df.case(a, status=S.DISPATCHED, assignee=desk, handle_due=hours(80), number="AJ-MINE"),
        "whistled": df.case(a, status=S.WHISTLED, handle_due=hours(70), number="AJ-WHISTLED"),
        "handling_soon": df.case(a, status=S.HANDLING, handle_due=hours(2), number="AJ-HANDLING-SOON"),
        "handling_late": df.case(a, status=S.HANDLING, handle_due=hours(-30), number="AJ-HANDLING-LATE"),
        "feedback": df.case(a, status=S.FEEDBACK, handle_due=hours(-40), number="AJ-FEEDBACK"),
        "closed": df.case(a, status=S.CLOSED, handle_due=hours(-50), number="AJ-CLOSED"),
        "other": df.case(city.compound_b, accept_due=hours(1), number="AJ-OTHER"),
    }
    df.whistle_part(c["whistled"], police)
    return c


# (tab, the cases on it, in order: earliest deadline first)
TABS = [
    ("accept", ["AJ-NEW-LATE", "AJ-NEW-SOON"]),
    ("dispatch", ["AJ-RETURNED", "AJ-ACCEPTED"]),
    ("mine", ["AJ-MINE"]),
    ("due_soon", ["AJ-HANDLING-SOON", "AJ-NEW-SOON"]),
    ("overdue", ["AJ-HANDLING-LATE", "AJ-NEW-LATE"]),
    ("whistled", ["AJ-WHISTLED"]),
    ("returned", ["AJ-RETURNED"]),
]


@pytest.mark.parametrize(("tab", "expected"), TABS)
def test_each_list_holds_its_cases_earliest_deadline_first(client, cases, tab, expected):
    response = client.get(*url(tab))
    assert response.status_code == 200
    assert numbers(response) == expected


def test_the_tabs_count_every_list_and_the_other_community_is_nowhere(client, cases):
    response = client.get(*url("all"))
    assert counts(response) == {
        "accept": 2,
        "dispatch": 2,
        "mine": 1,
        "due_soon": 2,
        "overdue": 2,
        "whistled": 1,
        "returned": 1,
        "all": 10,
    }
    shown = numbers(response)
    assert "AJ-OTHER" not in shown and len(shown) == 10
    # "all" holds the history too: newest first
    received = dict(Case.objects.values_list("number", "received_at"))
    assert shown == sorted(shown, key=lambda n: received[n], reverse=True)
    body = response.content.decode()
    for label in ("待受理", "待派遣", "我的", "即将到期", "已超期", "吹哨", "退单"):
        assert label in body


def test_the_page_says_how_late_or_how_soon(client, cases):
    body = client.get(*url("overdue")).content.decode()
    assert "已超期" in body and 'class="late"' in body
    assert "还剩" in client.get(*url("due_soon")).content.decode()


def test_whistled_rows_show_each_department_s_part(client, cases):
    body = client.get(*url("whistled")).content.decode()
    assert "宜春市公安局袁州分局：已吹哨召集" in body


def test_due_soon_window_is_a_setting(client, cases, settings):
    settings.DOORSTEP_DUE_SOON_HOURS = 2.5
    response = client.get(*url("due_soon"))
    assert numbers(response) == ["AJ-HANDLING-SOON"]
    assert "今后 2.5 小时内" in response.content.decode()


def test_the_worklist_opens_at_the_to_accept_list(client, cases):
    response = client.get(reverse("demands:staff_worklist"))
    assert numbers(response) == ["AJ-NEW-LATE", "AJ-NEW-SOON"]
    assert client.get(reverse("demands:staff_worklist_tab", args=["nonsense"])).status_code == 404


# --- filters -----------------------------------------------------------------------------------


@pytest.fixture
def varied(city, desk):
    """Cases that differ in one property each, all waiting to be accepted."""
    major = df.category("市容环境T", code="T90", major=True)
    garbage = df.category("暴露垃圾T", code="T9001", parent=major)
    lamps = df.category("楼道亮灯T", code="T9101")
    g = factories.grid(city.community_a, name="一网格")
    g.compounds.add(city.compound_a)
    second = factories.region("春晖小区", Region.Level.COMPOUND, city.community_a, center=(114.39, 27.81))
    long_ago = timezone.now() - timedelta(days=20)
    return {
        "garbage": df.case(city.compound_a, category=garbage, number="AJ-GARBAGE", text="垃圾没人清运"),
        "lamps": df.case(city.compound_a, category=lamps, number="AJ-LAMPS", text="楼道灯坏了"),
        "second": df.case(second, category=lamps, number="AJ-SECOND", text="春晖小区路灯不亮"),
        "grid": df.case(city.compound_a, category=lamps, grid=g, number="AJ-GRID", text="网格内积水"),
        "hotline": df.case(
            city.compound_a,
            category=lamps,
            channel="hotline",
            number="AJ-HOTLINE",
            text="12345转来的噪音投诉",
            demand_extra={"external_ticket": "GD2025093000123"},
        ),
        "urgent": df.case(
            city.compound_a, category=lamps, urgent=True, number="AJ-URGENT", text="燃气味道很重"
        ),
        "old": df.case(
            city.compound_a,
            category=lamps,
            number="AJ-OLD",
            text="旧的诉求",
            demand_extra={"received_at": long_ago},
        ),
        "major": major,
        "garbage_cat": garbage,
        "grid_obj": g,
        "second_region": second,
        "long_ago": long_ago,
    }


def test_filters(client, varied):
    v = varied
    day = timezone.localdate(v["long_ago"]).isoformat()
    table = [
        ({"category": v["major"].pk}, {"AJ-GARBAGE"}),  # a major class takes in its minor classes
        ({"category": v["garbage_cat"].pk}, {"AJ-GARBAGE"}),
        ({"region": v["second_region"].pk}, {"AJ-SECOND"}),
        ({"grid": v["grid_obj"].pk}, {"AJ-GRID"}),
        ({"channel": "hotline"}, {"AJ-HOTLINE"}),
        ({"urgent": "1"}, {"AJ-URGENT"}),
        ({"from": day, "to": day}, {"AJ-OLD"}),
        ({"q": "GD2025093000123"}, {"AJ-HOTLINE"}),  # the 12345 ticket number
        ({"q": "AJ-LAMPS"}, {"AJ-LAMPS"}),  # the case number
        ({"q": "路灯"}, {"AJ-SECOND"}),  # words of the text
        ({"status": "submitted", "q": "燃气"}, {"AJ-URGENT"}),
        ({"status": "handling"}, set()),
    ]
    for query, expected in table:
        response = client.get(*url("accept", **query))
        assert set(numbers(response)) == expected, query
        assert counts(response)["accept"] == len(expected), query


def test_a_region_filter_covers_the_subtree(client, varied, city):
    response = client.get(*url("accept", region=city.community_a.pk))
    assert len(numbers(response)) == 7


def test_bad_filter_values_are_ignored(client, varied):
    response = client.get(
        *url("accept", category="x", channel="telepathy", status="weird", **{"from": "yesterday"})
    )
    assert response.status_code == 200
    assert len(numbers(response)) == 7


def test_htmx_filtering_returns_the_list_only(client, varied):
    path, query = url("accept", urgent="1")
    response = client.get(path, query, HTTP_HX_REQUEST="true")
    body = response.content.decode()
    assert body.lstrip().startswith('<section id="worklist"')
    assert numbers(response) == ["AJ-URGENT"]
    assert "<html" not in body


# --- pages, scope, kinds -----------------------------------------------------------------------


def test_pages_of_fifty(client, city, desk):
    for n in range(55):
        df.case(city.compound_a, accept_due=hours(n + 1), number=f"AJ-P{n:03d}")
    first = client.get(*url("accept"))
    assert numbers(first)[:2] == ["AJ-P000", "AJ-P001"] and len(numbers(first)) == 50
    second = client.get(*url("accept", page=2))
    assert numbers(second) == [f"AJ-P{n:03d}" for n in range(50, 55)]
    assert "第 2 / 2 页" in second.content.decode()


def test_a_department_liaison_sees_only_the_department_s_cases(client, city):
    dept = factories.organization("袁州区城市管理局", Organization.Kind.DEPARTMENT, city.county_a)
    other = factories.organization("袁州区市场监督管理局", Organization.Kind.DEPARTMENT, city.county_a)
    liaison = factories.role("department_liaison", city.county_a, username="chengguan", organization=dept)
    df.case(city.compound_a, status=S.DISPATCHED, unit=dept, number="AJ-OURS")
    whistled = df.case(city.compound_a, status=S.WHISTLED, number="AJ-WHISTLED-US")
    df.whistle_part(whistled, dept)
    df.case(city.compound_a, status=S.DISPATCHED, unit=other, number="AJ-THEIRS")
    df.case(city.compound_a, number="AJ-NEW")
    client.force_login(liaison)
    shown = numbers(client.get(*url("all")))
    assert set(shown) == {"AJ-OURS", "AJ-WHISTLED-US"}
    assert numbers(client.get(*url("mine"))) == ["AJ-OURS"]


def test_someone_without_a_case_role_is_refused(client, city):
    resident = factories.user("resident")
    client.force_login(resident)
    assert client.get(reverse("demands:staff_worklist")).status_code == 403
    committee = factories.role("committee_member", city.compound_a, username="yeweihui")
    client.force_login(committee)
    assert client.get(reverse("demands:staff_worklist")).status_code == 403


def test_anonymous_visitors_are_sent_to_log_in(client):
    response = client.get(reverse("demands:staff_worklist"))
    assert response.status_code == 302 and "/login/" in response["Location"]


def test_the_menu_has_a_cases_link_for_staff(client, cases):
    body = client.get(reverse("territory:tree"), follow=True).content.decode()
    assert reverse("demands:staff_worklist") in body and "工单" in body


# --- query counts ------------------------------------------------------------------------------


def _fill(city, n: int) -> None:
    police = factories.organization("公安分局", Organization.Kind.DEPARTMENT, city.county_a)
    fire = factories.organization("消防大队", Organization.Kind.DEPARTMENT, city.county_a)
    for i in range(n):
        status = [S.SUBMITTED, S.ACCEPTED, S.WHISTLED, S.HANDLING][i % 4]
        c = df.case(city.compound_a, status=status, accept_due=hours(i - 3), handle_due=hours(i - 10))
        if status == S.WHISTLED:
            df.whistle_part(c, police)
            df.whistle_part(c, fire)


@pytest.mark.parametrize("n", [5, 50])
@pytest.mark.parametrize("tab", ["accept", "whistled", "all", "overdue"])
def test_a_worklist_page_takes_the_same_number_of_queries_for_5_or_50_rows(
    client, city, desk, n, tab, django_assert_max_num_queries
):
    _fill(city, n)
    client.get(*url(tab))  # warm the calendar snapshot and the sessions
    with django_assert_max_num_queries(22):
        response = client.get(*url(tab))
    assert response.status_code == 200
    assert len(numbers(response)) > 0


def test_mine_holds_what_is_sent_to_my_community_s_office(client, city, desk):
    office = factories.organization(
        "宜阳社区居民委员会", Organization.Kind.RESIDENTS_COMMITTEE, city.community_a
    )
    elsewhere = factories.organization(
        "锦阳社区居民委员会", Organization.Kind.RESIDENTS_COMMITTEE, city.community_b
    )
    df.case(city.compound_a, status=S.DISPATCHED, unit=office, number="AJ-OFFICE")
    df.case(city.compound_a, status=S.DISPATCHED, unit=elsewhere, number="AJ-ELSEWHERE")
    df.case(city.compound_a, status=S.CLOSED, unit=office, number="AJ-DONE")
    assert numbers(client.get(*url("mine"))) == ["AJ-OFFICE"]

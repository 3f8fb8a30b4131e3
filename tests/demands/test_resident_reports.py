"""My reports (我的诉求): the list, the report page with its timeline, verifying the result,
rating it, reopening it within the allowed days — only by the reporter — and following others'
reports. The case moves through the real services (doorstep.demands.services)."""

import itertools
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from doorstep.demands import intake, public, services
from doorstep.demands.models import Case, Category, Demand, Follow
from tests import factories

_seq = itertools.count(1)
S = Case.Status


@pytest.fixture
def garbage(db):
    major = Category.objects.create(code="R01", name="市容环境")
    return Category.objects.create(
        code="R0101", name="暴露垃圾", parent=major, handle_limit=5, handle_unit="working_days"
    )


@pytest.fixture
def people(city):
    """A resident with a login, a neighbour, the community desk and the grid worker."""
    resident = factories.user("resident", display_name="李四")
    factories.person("李四", phone="13800138000", user=resident, home_region=city.compound_a)
    neighbour = factories.user("neighbour")
    desk = factories.role("community_staff", city.community_a, "desk")
    desk.display_name = "王小明"
    desk.save()
    worker = factories.role("grid_worker", city.community_a, "worker")
    worker.display_name = "赵网格"
    worker.save()
    return type("People", (), {"resident": resident, "neighbour": neighbour, "desk": desk, "worker": worker})


def reported(city, category, user, *, text="小区东门垃圾堆了三天没人清运", at=None) -> Demand:
    """A demand as the phone page stores it, with its case opened by the case loop."""
    n = next(_seq)
    d = Demand.objects.create(
        number=f"R{n:08d}",
        channel=Demand.Channel.PHONE,
        reporter=getattr(user, "person", None),
        reporter_user=user,
        text=text,
        lng=114.3801,
        lat=27.8001,
        region=city.compound_a,
        category=category,
        triage=Demand.Triage.SMALL,
        received_at=at or timezone.now(),
    )
    services.open_case(d)
    return d


def case_of(d) -> Case:
    return Case.objects.get(demand=d)


def handled(d, people) -> Case:
    """Accepted, dispatched to the grid worker, signed, and the result reported."""
    services.accept(case_of(d), people.desk)
    services.dispatch(case_of(d), people.desk, assignee=people.worker)
    services.sign(case_of(d), people.worker)
    services.feedback(case_of(d), people.worker, text="已联系环卫清运，现场已清理干净")
    return case_of(d)


def closed(d, people) -> Case:
    handled(d, people)
    services.verify(case_of(d), people.worker, solved=True)
    return case_of(d)


def login(client, user):
    client.force_login(user)
    return client


def detail(client, d):
    return client.get(reverse("demands:resident_detail", args=[d.number]))


# --- The list and the page -----------------------------------------------------------------------------


def test_my_reports_lists_only_mine_in_a_constant_number_of_queries(
    client, city, garbage, people, django_assert_max_num_queries
):
    mine = [reported(city, garbage, people.resident) for _ in range(3)]
    other = reported(city, garbage, people.neighbour)
    login(client, people.resident)
    with django_assert_max_num_queries(8) as few:
        response = client.get(reverse("demands:resident_mine"))
    body = response.content.decode()
    assert response.status_code == 200 and "我的诉求" in body
    assert all(d.number in body for d in mine) and other.number not in body
    assert "已收到，待受理" in body  # the stage as the public reads it
    assert f'<span class="due">{public.due_text(case_of(mine[0]))}</span>' in body  # "还剩 …"
    for _ in range(12):
        reported(city, garbage, people.resident)
    with django_assert_max_num_queries(len(few.captured_queries)):
        client.get(reverse("demands:resident_mine"))


def test_someone_elses_report_is_not_found(client, city, garbage, people):
    d = reported(city, garbage, people.resident)
    assert detail(login(client, people.neighbour), d).status_code == 404
    client.logout()
    assert detail(client, d).status_code == 302  # to the login page


def test_timeline_shows_public_steps_with_notes_and_units_not_names(client, city, garbage, people):
    d = reported(city, garbage, people.resident)
    handled(d, people)
    body = detail(login(client, people.resident), d).content.decode()
    for step in ("提交诉求", "已立案", "已派遣至承办单位", "承办单位已签收", "已反馈处置结果"):
        assert step in body, step
    assert "已联系环卫清运，现场已清理干净" in body  # the handler's note, for the reporter
    assert "宜阳社区" in body  # staff appear by their unit
    for name in ("王小明", "赵网格", "desk", "worker"):
        assert f"· {name}" not in body and name not in body.split('id="timeline"')[1], name
    assert "问题解决了吗？" in body  # the reporter is asked to verify


def test_timeline_query_count_does_not_grow_with_events(
    client, city, garbage, people, django_assert_max_num_queries
):
    d = reported(city, garbage, people.resident)
    handled(d, people)
    login(client, people.resident)
    with django_assert_max_num_queries(25) as first:
        detail(client, d)
    services.verify(case_of(d), people.resident, solved=False, note="垃圾又堆起来了")
    services.feedback(case_of(d), people.worker, text="再次清运")
    with django_assert_max_num_queries(len(first.captured_queries)):
        detail(client, d)


# --- Verify, rate, reopen ---------------------------------------------------------------------------------


def test_reporter_verifies_solved_and_the_case_closes(client, city, garbage, people):
    d = reported(city, garbage, people.resident)
    c = handled(d, people)
    login(client, people.resident)
    response = client.post(
        reverse("demands:resident_verify", args=[d.number]), {"solved": "yes", "version": c.version}
    )
    assert response.status_code == 302
    assert case_of(d).status == S.CLOSED
    body = detail(client, d).content.decode()
    assert "评价办理结果" in body and "申请重办" in body


def test_not_solved_needs_a_reason_and_goes_back_to_handling(client, city, garbage, people):
    d = reported(city, garbage, people.resident)
    c = handled(d, people)
    login(client, people.resident)
    url = reverse("demands:resident_verify", args=[d.number])
    response = client.post(url, {"solved": "no", "version": c.version}, follow=True)
    assert "请" in response.content.decode() and case_of(d).status == S.FEEDBACK
    client.post(url, {"solved": "no", "note": "东门还有一堆", "version": c.version})
    assert case_of(d).status == S.HANDLING


def test_a_stale_page_gets_the_conflict_message(client, city, garbage, people):
    d = reported(city, garbage, people.resident)
    c = handled(d, people)
    services.verify(case_of(d), people.worker, solved=True)  # the grid worker was faster
    login(client, people.resident)
    response = client.post(
        reverse("demands:resident_verify", args=[d.number]),
        {"solved": "yes", "version": c.version},
        follow=True,
    )
    assert '<li class="error">' in response.content.decode()  # "该案卷刚被他人处理，请刷新后重试。"
    assert case_of(d).status == S.CLOSED


@pytest.mark.parametrize(
    ("form", "ok"),
    [
        ({"score": "5", "solved": "yes", "comment": "很快就处理了"}, True),
        ({"score": "1", "solved": "no"}, True),
        ({"score": "0", "solved": "yes"}, False),
        ({"score": "6", "solved": "yes"}, False),
        ({"score": "4"}, False),
        ({"solved": "yes"}, False),
    ],
)
def test_rating_form(client, city, garbage, people, form, ok):
    d = reported(city, garbage, people.resident)
    closed(d, people)
    login(client, people.resident)
    response = client.post(reverse("demands:resident_rate", args=[d.number]), form, follow=True)
    c = case_of(d)
    assert (c.status == S.RATED) is ok and c.ratings.count() == (1 if ok else 0)
    body = response.content.decode()
    if ok:
        r = c.ratings.get()
        assert (r.score, r.solved, r.by) == (int(form["score"]), form["solved"] == "yes", people.resident)
        assert "感谢您的评价" in body and "我的评价" in body and "评价办理结果" not in body
    else:
        assert "请选择 1 至 5 星" in body


def test_only_the_reporter_rates_and_reopens(client, city, garbage, people):
    d = reported(city, garbage, people.resident)
    closed(d, people)
    Follow.objects.create(demand=d, user=people.neighbour)
    login(client, people.neighbour)
    assert (
        client.post(
            reverse("demands:resident_rate", args=[d.number]), {"score": "1", "solved": "no"}
        ).status_code
        == 404
    )
    assert (
        client.post(reverse("demands:resident_reopen", args=[d.number]), {"reason": "没解决"}).status_code
        == 404
    )
    c = case_of(d)
    assert c.status == S.CLOSED and not c.ratings.exists()
    # Through the services too: the table refuses anyone who is not the reporter.
    with pytest.raises(Exception):  # noqa: B017 - PermissionDenied or WorkflowError
        services.reopen(c, people.neighbour, reason="没解决")


@pytest.mark.parametrize(
    ("days_after_closing", "may_reopen"),
    [(0, True), (6, True), (8, False), (30, False)],
)
def test_reopen_window(client, city, garbage, people, settings, days_after_closing, may_reopen):
    """Reopening is allowed within DOORSTEP_REOPEN_WITHIN_DAYS (7 here) of closing."""
    settings.DOORSTEP_REOPEN_WITHIN_DAYS = 7
    d = reported(city, garbage, people.resident)
    closed(d, people)
    Case.objects.filter(demand=d).update(closed_at=timezone.now() - timedelta(days=days_after_closing))
    login(client, people.resident)
    body = detail(client, d).content.decode()
    reopen_url = reverse("demands:resident_reopen", args=[d.number])
    assert (f'action="{reopen_url}"' in body) is may_reopen  # the button is there, or gone
    assert ("结案已超过 7 天，不能再在此申请重办" in body) is not may_reopen
    response = client.post(reopen_url, {"reason": "东门垃圾又堆起来了"}, follow=True)
    c = case_of(d)
    assert (c.status == S.HANDLING) is may_reopen
    if may_reopen:
        assert c.events.filter(action="reopen").count() == 1
        assert "已申请重办" in response.content.decode()
        assert "重办：问题未解决" in detail(client, d).content.decode()


def test_reopen_needs_a_reason(client, city, garbage, people):
    d = reported(city, garbage, people.resident)
    closed(d, people)
    login(client, people.resident)
    client.post(reverse("demands:resident_reopen", args=[d.number]), {"reason": "  "})
    assert case_of(d).status == S.CLOSED


def test_rated_case_can_still_be_reopened_then_rated_again(client, city, garbage, people):
    d = reported(city, garbage, people.resident)
    closed(d, people)
    login(client, people.resident)
    client.post(reverse("demands:resident_rate", args=[d.number]), {"score": "2", "solved": "no"})
    client.post(reverse("demands:resident_reopen", args=[d.number]), {"reason": "还是有垃圾"})
    assert case_of(d).status == S.HANDLING
    services.feedback(case_of(d), people.worker, text="彻底清理并加装垃圾桶")
    services.verify(case_of(d), people.worker, solved=True)
    assert "评价办理结果" in detail(client, d).content.decode()
    client.post(reverse("demands:resident_rate", args=[d.number]), {"score": "5", "solved": "yes"})
    assert case_of(d).status == S.RATED and case_of(d).ratings.count() == 2


# --- Following ---------------------------------------------------------------------------------------------


def test_follow_unfollow_and_the_followed_list(client, city, garbage, people, django_assert_max_num_queries):
    d = reported(city, garbage, people.resident)
    login(client, people.neighbour)
    page = client.get(reverse("demands:public_report", args=[d.number])).content.decode()
    assert 'id="follow"' in page and 'id="me-too"' in page
    client.post(reverse("demands:resident_follow", args=[d.number]))
    client.post(reverse("demands:resident_follow", args=[d.number]))  # twice: still one
    assert Follow.objects.filter(demand=d, user=people.neighbour, me_too=False).count() == 1
    others = [reported(city, garbage, people.resident) for _ in range(3)]
    for o in others:
        client.post(reverse("demands:resident_follow", args=[o.number]))
    with django_assert_max_num_queries(8):
        body = client.get(reverse("demands:resident_followed")).content.decode()
    assert "我关注的诉求" in body and all(x.number in body for x in [d, *others])
    assert "小区东门垃圾" not in body  # the list of others' reports holds no description
    client.post(reverse("demands:resident_unfollow", args=[d.number]), {"next": "followed"})
    assert not Follow.objects.filter(demand=d, user=people.neighbour).exists()
    assert d.number not in client.get(reverse("demands:resident_followed")).content.decode()


def test_me_too_counts_once_and_unfollow_takes_it_back(client, city, garbage, people):
    d = reported(city, garbage, people.resident)
    login(client, people.neighbour)
    client.post(reverse("demands:resident_me_too", args=[d.number]))
    client.post(reverse("demands:resident_me_too", args=[d.number]))
    d.refresh_from_db()
    assert d.me_too_count == 1 and Follow.objects.get(demand=d, user=people.neighbour).me_too
    page = client.get(reverse("demands:public_report", args=[d.number])).content.decode()
    assert "也遇到此问题的邻居：1" in page and 'id="me-too"' not in page
    client.post(reverse("demands:resident_unfollow", args=[d.number]))
    d.refresh_from_db()
    assert d.me_too_count == 0
    assert intake.me_too(d, people.neighbour).me_too and Demand.objects.get(pk=d.pk).me_too_count == 1


def test_one_does_not_follow_ones_own_report(client, city, garbage, people):
    d = reported(city, garbage, people.resident)
    login(client, people.resident)
    page = client.get(reverse("demands:public_report", args=[d.number])).content.decode()
    assert 'id="follow"' not in page and "这是您的诉求" in page
    response = client.post(reverse("demands:resident_follow", args=[d.number]), follow=True)
    assert "这是您自己的诉求" in response.content.decode()
    assert not Follow.objects.filter(demand=d, user=people.resident).exists()


def test_following_needs_a_login(client, city, garbage, people):
    d = reported(city, garbage, people.resident)
    response = client.post(reverse("demands:resident_follow", args=[d.number]))
    assert response.status_code == 302 and "/login/" in response.url
    page = client.get(reverse("demands:public_report", args=[d.number])).content.decode()
    assert "登录后可关注此诉求" in page

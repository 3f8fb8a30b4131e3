"""The case loop through its services: every action, its rules and who is told."""

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from django.core.exceptions import PermissionDenied
from django.utils import translation

from doorstep.core.models import Notification
from doorstep.demands import services
from doorstep.demands.models import Case, CaseEvent, Demand, Follow, Postponement, Rating, WhistlePart
from doorstep.demands.workflow import ConflictError, WorkflowError
from tests.demands.factories import LoopWorld

pytestmark = pytest.mark.django_db
SH = ZoneInfo("Asia/Shanghai")
S = Case.Status


@pytest.fixture(autouse=True)
def chinese():
    with translation.override("zh-hans"):
        yield


@pytest.fixture
def w(city):
    return LoopWorld(city)


def t(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=SH)


def inbox(user) -> list[str]:
    return list(Notification.objects.filter(recipient=user).order_by("pk").values_list("text", flat=True))


def actions(case) -> list[str]:
    return list(case.events.order_by("at", "pk").values_list("action", flat=True))


# --- opening -----------------------------------------------------------------------------------


def test_open_case_routes_counts_deadlines_and_records_the_receipt(w):
    received = t("2025-09-30 10:00")
    case = w.report(received_at=received)
    assert case.status == S.SUBMITTED
    assert case.number.startswith("AJ")
    assert case.level == "community"
    assert case.unit == w.committee
    # 1 working day to accept, 5 to handle, counted from the day after receipt, National Day skipped.
    assert case.accept_due == t("2025-10-09 17:30")
    assert case.handle_due == t("2025-10-14 17:30")
    event = case.events.get()
    assert (event.action, event.from_status, event.to_status) == ("submit", "", S.SUBMITTED)
    assert "已受理" in inbox(w.resident)[0] or case.number in inbox(w.resident)[0]
    # Opening again gives the same case.
    assert services.open_case(case.demand) == case


@pytest.mark.parametrize(
    ("level", "kind", "expected_level", "expected_unit"),
    [
        ("grid", "", "grid", "committee"),
        ("community", "", "community", "committee"),
        ("subdistrict", "", "subdistrict", "office"),
        ("county", "", "county", None),
        ("department", "城管", "department", "urban"),  # 城管 finds 城市管理局 of the case's county
        ("department", "市场监管", "department", "market"),
        ("department", "水务", "community", "committee"),  # no such department: the community
        ("property", "", "community", "committee"),  # no property company: the community
    ],
)
def test_routing_by_responsible_level(w, level, kind, expected_level, expected_unit):
    cat = w.category(responsible_level=level, department_kind=kind)
    case = w.report(cat=cat)
    assert case.level == expected_level
    assert case.unit == (getattr(w, expected_unit) if expected_unit else None)
    if expected_level != level:
        assert case.events.get().note  # says why it went to the community


def test_grid_case_routes_to_the_grid_worker_on_dispatch(w):
    case = w.report(cat=w.category(responsible_level="grid"))
    services.accept(case, w.community_staff, version=case.version)
    services.dispatch(case, w.community_staff, version=case.version)
    assert case.assignee == w.grid_worker
    assert case.level == "grid"
    assert any("派" in text or case.number in text for text in inbox(w.grid_worker))


def test_property_case_goes_to_the_company_serving_the_compound(w):
    from tests import factories as f

    company = f.organization("宜春安居物业", "property_company", w.compound)
    f.property_service(w.compound, "market", "2020-01-01", company=company)
    staff = f.role("property_staff", w.compound, organization=company)
    case = w.report(cat=w.category(responsible_level="property"))
    assert (case.level, case.unit) == ("property", company)
    services.accept(case, w.community_staff)
    services.dispatch(case, w.community_staff)
    services.sign(case, staff)
    assert case.status == S.HANDLING


# --- the main loop -----------------------------------------------------------------------------


def test_the_whole_loop_from_submitted_to_rated(w):
    case = w.report()
    services.accept(case, w.community_staff, version=case.version)
    assert case.status == S.ACCEPTED and case.accepted_at
    services.dispatch(case, w.community_staff, unit=w.urban, version=case.version)
    assert (case.status, case.level, case.unit) == (S.DISPATCHED, "department", w.urban)
    assert inbox(w.urban_liaison)
    services.sign(case, w.urban_liaison, version=case.version)
    assert case.status == S.HANDLING and case.responded_at and case.assignee == w.urban_liaison
    services.feedback(case, w.urban_liaison, text="已清运垃圾", version=case.version)
    assert case.status == S.FEEDBACK and case.feedback_at
    services.verify(case, w.grid_worker, solved=True, version=case.version)
    assert case.status == S.CLOSED and case.closed_at
    services.rate(case, w.resident, score=5, solved=True, comment="很快", version=case.version)
    assert case.status == S.RATED
    assert Rating.objects.get(case=case).score == 5
    assert actions(case) == ["submit", "accept", "dispatch", "sign", "feedback", "verify", "rate"]
    assert case.version == 6
    texts = inbox(w.resident)
    assert any("已结案" in x or "结案" in x for x in texts), texts


def test_not_accepted_needs_a_reason_and_tells_the_reporter(w):
    case = w.report()
    with pytest.raises(WorkflowError):
        services.reject(case, w.community_staff, reason="  ")
    services.reject(case, w.community_staff, reason="不属于本辖区")
    assert case.status == S.NOT_ACCEPTED
    assert "不属于本辖区" in inbox(w.resident)[-1]


def test_outsiders_and_residents_may_not_act(w):
    case = w.report()
    for who in (w.outsider, w.resident, w.urban_liaison):
        with pytest.raises(PermissionDenied):
            services.accept(case, who)
    assert case.events.count() == 1


def test_verify_not_solved_goes_back_to_handling(w):
    case = w.report()
    services.accept(case, w.community_staff)
    services.dispatch(case, w.community_staff, assignee=w.grid_worker)
    services.sign(case, w.grid_worker)
    services.feedback(case, w.grid_worker, text="已处理")
    with pytest.raises(WorkflowError):
        services.verify(case, w.resident, solved=False)
    services.verify(case, w.resident, solved=False, note="垃圾还在")
    assert case.status == S.HANDLING and case.feedback_at is None


def test_rate_checks_the_score(w):
    case = w.report()
    Case.objects.filter(pk=case.pk).update(status=S.CLOSED)
    case.refresh_from_db()
    for bad in (0, 6, "x"):
        with pytest.raises(WorkflowError):
            services.rate(case, w.resident, score=bad, solved=True)
    assert not Rating.objects.exists()


# --- return (退单) -----------------------------------------------------------------------------


def _dispatched(w, at):
    case = w.report(received_at=at)
    services.accept(case, w.community_staff, at=at)
    services.dispatch(case, w.community_staff, unit=w.urban, at=at)
    return case


def test_return_within_two_working_days_goes_back_to_the_dispatcher(w):
    dispatched = t("2025-09-30 10:00")
    case = _dispatched(w, dispatched)
    with pytest.raises(WorkflowError):
        services.return_case(case, w.urban_liaison, reason="")
    # Two working days after 09-30 are 10-09 and 10-10 (National Day in between).
    services.return_case(case, w.urban_liaison, reason="不属于城管职责", at=t("2025-10-10 17:00"))
    assert case.status == S.RETURNED
    assert case.unit == w.committee and case.level == "community"
    assert any("不属于城管职责" in x for x in inbox(w.community_staff))


def test_return_after_its_limit_is_refused_with_a_clear_message(w):
    case = _dispatched(w, t("2025-09-30 10:00"))
    with pytest.raises(WorkflowError) as refused:
        services.return_case(case, w.urban_liaison, reason="不属于城管职责", at=t("2025-10-11 09:00"))
    assert "2 个工作日" in str(refused.value) and "2025-10-10 17:30" in str(refused.value)
    assert case.status == S.DISPATCHED
    assert not case.events.filter(action="return").exists()


def test_return_limit_is_a_setting(w, settings):
    settings.DOORSTEP_RETURN_WITHIN_WORKING_DAYS = 3
    case = _dispatched(w, t("2025-09-30 10:00"))
    services.return_case(case, w.urban_liaison, reason="不属于城管职责", at=t("2025-10-11 09:00"))
    assert case.status == S.RETURNED


# --- postponement ------------------------------------------------------------------------------


def _handling(w, *, assignee=None, cat=None, at=None):
    case = w.report(cat=cat, received_at=at)
    services.accept(case, w.community_staff, at=at)
    services.dispatch(case, w.community_staff, assignee=assignee or w.grid_worker, at=at)
    services.sign(case, assignee or w.grid_worker, at=at)
    return case


def test_postponement_for_a_grid_case_is_approved_by_community_staff(w):
    case = _handling(w, at=t("2025-09-30 10:00"))
    assert case.level == "grid"
    assert case.handle_due == t("2025-10-14 17:30")
    event = services.request_postponement(case, w.grid_worker, working_days=3, reason="需协调供水公司")
    request = event.postponement
    assert any("需协调供水公司" in x for x in inbox(w.community_staff))
    with pytest.raises(PermissionDenied):
        services.decide_postponement(request, w.grid_worker, approve=True)
    services.decide_postponement(request, w.community_staff, approve=True)
    case.refresh_from_db()
    request.refresh_from_db()
    assert request.status == Postponement.Status.APPROVED
    # Three working days after 10-14: 10-15, 10-16, 10-17.
    assert case.handle_due == t("2025-10-17 17:30") == request.new_due
    assert any("批准" in x or "2025-10-17" in x for x in inbox(w.grid_worker))


def test_postponement_above_the_grid_needs_subdistrict_staff(w):
    case = _handling(w, assignee=w.urban_liaison)
    request = services.request_postponement(
        case, w.urban_liaison, working_days=2, reason="等待材料"
    ).postponement
    with pytest.raises(PermissionDenied):
        services.decide_postponement(request, w.community_staff, approve=True)
    services.decide_postponement(request, w.subdistrict_staff, approve=False, note="请按期办结")
    request.refresh_from_db()
    assert request.status == Postponement.Status.DENIED
    with pytest.raises(WorkflowError):
        services.decide_postponement(request, w.subdistrict_staff, approve=True)


def test_postponement_is_capped(w, settings):
    case = _handling(w)
    with pytest.raises(WorkflowError) as refused:
        services.request_postponement(case, w.grid_worker, working_days=11, reason="太复杂")
    assert "10" in str(refused.value)
    first = services.request_postponement(case, w.grid_worker, working_days=8, reason="太复杂").postponement
    with pytest.raises(WorkflowError):  # one request at a time
        services.request_postponement(case, w.grid_worker, working_days=1, reason="再等等")
    services.decide_postponement(first, w.community_staff, approve=True)
    with pytest.raises(WorkflowError):
        services.request_postponement(case, w.grid_worker, working_days=3, reason="还不够")
    services.request_postponement(case, w.grid_worker, working_days=2, reason="最后两天")
    settings.DOORSTEP_POSTPONE_MAX_WORKING_DAYS = 20
    assert Postponement.objects.filter(case=case).count() == 2


# --- escalation --------------------------------------------------------------------------------


def test_escalate_by_hand_one_level_up_with_a_new_deadline(w):
    case = _handling(w, at=t("2025-09-30 10:00"))
    assert case.level == "grid"
    services.escalate(case, w.grid_worker, reason="需社区协调", at=t("2025-10-09 09:00"))
    assert (case.status, case.level, case.unit, case.escalation) == (S.ACCEPTED, "community", w.committee, 1)
    assert case.handle_due == t("2025-10-15 17:30")  # 5 working days after 10-09
    services.escalate(case, w.community_staff, reason="需街道协调", at=t("2025-10-09 10:00"))
    assert (case.level, case.unit) == ("subdistrict", w.office)
    assert any("上报" in x or case.number in x for x in inbox(w.subdistrict_staff))
    services.escalate(case, w.subdistrict_staff, reason="需区里协调", at=t("2025-10-09 11:00"))
    assert case.level == "county" and case.escalation == 3
    with pytest.raises(WorkflowError):
        services.escalate(case, w.leader, reason="再往上", at=t("2025-10-09 12:00"))
    with pytest.raises(WorkflowError):
        services.escalate(case, w.leader, reason=" ")
    # The county's leader dispatches it.
    services.dispatch(case, w.leader, unit=w.urban)
    assert case.status == S.DISPATCHED


# --- whistle -----------------------------------------------------------------------------------


def test_whistle_with_three_departments_closes_only_when_all_three_are_done(w):
    case = w.report()
    services.accept(case, w.community_staff)
    services.whistle(
        case,
        w.subdistrict_staff,
        departments={w.urban: "拆除违建", w.market: "查处无证经营", w.police: "维持秩序"},
        version=case.version,
    )
    assert case.status == S.WHISTLED
    parts = {p.department_id: p for p in case.whistle_parts.all()}
    assert len(parts) == 3
    assert all(p.status == WhistlePart.Status.SUMMONED and p.report_in_due for p in parts.values())
    assert any("拆除违建" in x for x in inbox(w.urban_liaison))
    # The liaison sees the case now (a department with a part).
    from doorstep.demands.actors import actor_kinds

    assert "department_liaison" in actor_kinds(w.market_liaison, case)
    # Only the department's own liaison acts on its part; report in first, then finish.
    urban, market, police = parts[w.urban.pk], parts[w.market.pk], parts[w.police.pk]
    with pytest.raises(PermissionDenied):
        services.report_in(urban, w.market_liaison)
    with pytest.raises(WorkflowError):
        services.finish_part(urban, w.urban_liaison, result="已拆除")
    for part, liaison in ((urban, w.urban_liaison), (market, w.market_liaison), (police, w.police_liaison)):
        services.report_in(part, liaison)
    with pytest.raises(WorkflowError):
        services.report_in(urban, w.urban_liaison)
    with pytest.raises(WorkflowError):  # nobody reports a whistled case's result by hand
        services.feedback(case, w.community_staff, text="好了")
    services.finish_part(urban, w.urban_liaison, result="已拆除")
    case.refresh_from_db()
    assert case.status == S.WHISTLED
    services.finish_part(market, w.market_liaison, result="已取缔")
    case.refresh_from_db()
    assert case.status == S.WHISTLED
    services.finish_part(police, w.police_liaison, result="秩序良好")
    case.refresh_from_db()
    assert case.status == S.FEEDBACK and case.feedback_at
    done = case.events.get(action="whistle_done")
    assert done.actor is None and "已拆除" in done.note and "秩序良好" in done.note
    services.verify(case, w.grid_worker, solved=True)
    assert case.status == S.CLOSED


def test_whistle_summons_departments_only(w):
    case = w.report()
    services.accept(case, w.community_staff)
    with pytest.raises(WorkflowError):
        services.whistle(case, w.subdistrict_staff, departments=[w.committee])
    with pytest.raises(WorkflowError):
        services.whistle(case, w.subdistrict_staff, departments=[])
    with pytest.raises(PermissionDenied):
        services.whistle(case, w.grid_worker, departments=[w.urban])


def test_whistle_report_in_limit_is_a_setting(w, settings):
    settings.DOORSTEP_WHISTLE_REPORT_IN = "30 hours"
    case = w.report()
    services.accept(case, w.community_staff)
    services.whistle(
        case, w.community_staff, departments=[w.urban], task="现场核查", at=t("2025-10-09 09:00")
    )
    part = case.whistle_parts.get()
    assert part.report_in_due == t("2025-10-10 15:00")
    assert part.task == "现场核查"


# --- reopen ------------------------------------------------------------------------------------


def _closed(w, at):
    case = _handling(w, at=at)
    services.feedback(case, w.grid_worker, text="已清运", at=at)
    services.verify(case, w.resident, solved=True, at=at)
    return case


def test_reopen_within_seven_days_counts_as_rework(w):
    case = _closed(w, t("2025-10-09 09:00"))
    services.rate(case, w.resident, score=1, solved=False, at=t("2025-10-10 09:00"))
    services.reopen(case, w.resident, reason="垃圾又堆起来了", at=t("2025-10-16 09:00"))
    assert case.status == S.HANDLING and case.closed_at is None
    assert case.handle_due == t("2025-10-23 17:30")
    event = case.events.get(action="reopen")
    assert event.data["reopen_count"] == 1
    assert any("垃圾又堆起来了" in x for x in inbox(w.grid_worker))


def test_reopen_after_the_window_is_refused(w):
    case = _closed(w, t("2025-10-09 09:00"))
    with pytest.raises(WorkflowError) as refused:
        services.reopen(case, w.resident, reason="没修好", at=t("2025-10-16 09:01"))
    assert "7" in str(refused.value)
    assert case.status == S.CLOSED


def test_only_the_reporter_reopens(w):
    from tests import factories as f

    case = _closed(w, None)
    with pytest.raises(PermissionDenied):
        services.reopen(case, f.user(), reason="没修好")


# --- merge -------------------------------------------------------------------------------------


def test_merge_carries_followers_and_marks_the_duplicate(w):
    from tests import factories as f

    first = w.report()
    second = w.report(by_resident=False, text="门口垃圾没人管")
    follower = f.user()
    Follow.objects.create(demand=second.demand, user=follower)
    second.demand.reporter_user = f.user()
    second.demand.save()
    with pytest.raises(WorkflowError):
        services.merge(second, second, w.community_staff)
    services.merge(second, first, w.community_staff)
    assert second.status == S.MERGED
    demand = Demand.objects.get(pk=second.demand_id)
    assert demand.duplicate_of_id == first.demand_id
    assert demand.triage == Demand.Triage.DUPLICATE
    followers = set(Follow.objects.filter(demand=first.demand).values_list("user_id", flat=True))
    assert {follower.pk, second.demand.reporter_user_id} <= followers
    assert Demand.objects.get(pk=first.demand_id).me_too_count == 1
    assert first.events.filter(action="merged_in").exists()
    closed = w.report()
    Case.objects.filter(pk=closed.pk).update(status=S.CLOSED)
    third = w.report()
    with pytest.raises(WorkflowError):
        services.merge(third, Case.objects.get(pk=closed.pk), w.community_staff)


# --- versions ----------------------------------------------------------------------------------


def test_a_stale_version_is_a_conflict_and_writes_nothing(w):
    case = w.report()
    seen = case.version
    other = Case.objects.get(pk=case.pk)
    services.accept(other, w.community_staff, version=seen)
    with pytest.raises(ConflictError) as conflict:
        services.reject(case, w.community_staff, reason="重复", version=seen)
    assert "刷新" in str(conflict.value)
    assert list(CaseEvent.objects.filter(case=case).values_list("action", flat=True)) == ["submit", "accept"]
    assert Case.objects.get(pk=case.pk).status == S.ACCEPTED


def test_department_liaison_sees_only_their_departments_cases(w):
    from doorstep.demands.actors import actor_kinds

    case = w.report()
    assert actor_kinds(w.urban_liaison, case) == frozenset()
    services.accept(case, w.community_staff)
    services.dispatch(case, w.community_staff, unit=w.urban)
    assert actor_kinds(w.urban_liaison, case) == {"department_liaison"}
    assert actor_kinds(w.market_liaison, case) == frozenset()
    assert actor_kinds(w.resident, case) == {"reporter"}
    assert actor_kinds(w.outsider, case) == frozenset()
    assert actor_kinds(w.subdistrict_staff, case) == {"subdistrict_staff"}


def test_notifications_before_a_rollback_are_not_kept(w):
    case = w.report()
    before = Notification.objects.count()
    with pytest.raises(PermissionDenied):
        services.merge(case, w.report(), w.outsider)
    assert Notification.objects.count() == before + 1  # the second report's receipt only


def test_a_caller_with_a_login_is_the_reporter_of_a_staff_entered_report(w):
    """A 12345 caller entered by staff: the demand names their person record, whose login may
    then verify, rate and reopen like someone who reported on the phone page."""
    from doorstep.demands.actors import actor_kinds
    from tests import factories as f

    caller = f.person("王五", phone="13907959999", user=w.resident)
    case = w.report(by_resident=False, reporter=caller, channel="hotline")
    assert actor_kinds(w.resident, case) == {"reporter"}
    services.accept(case, w.community_staff)
    assert any(case.number in x for x in inbox(w.resident))

"""The staff case page: what it shows, the allowed actions as forms, conflicts, scope, queries."""

import io
import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from PIL import Image

from doorstep.core.models import PiiAccess
from doorstep.demands import services
from doorstep.demands.models import Case, CaseEvent, Photo, Postponement, WhistlePart
from doorstep.territory.models import Organization
from tests import factories
from tests.demands import factories as df

S = Case.Status
K = Organization.Kind


@pytest.fixture
def world(city):
    w = type("World", (), {})()
    w.city = city
    w.chengguan = factories.organization("袁州区城市管理局", K.DEPARTMENT, city.county_a)
    w.shijian = factories.organization("袁州区市场监督管理局", K.DEPARTMENT, city.county_a)
    w.committee = factories.organization("宜阳社区居民委员会", K.RESIDENTS_COMMITTEE, city.community_a)
    w.staff = factories.role("community_staff", city.community_a, username="yiyang")
    w.colleague = factories.role("community_staff", city.community_a, username="yiyang2")
    w.worker = factories.role("grid_worker", city.community_a, username="wangge")
    w.leader = factories.role("leader", city.county_a, username="yuanzhou")
    w.liaison = factories.role(
        "department_liaison", city.county_a, username="chengguan", organization=w.chengguan
    )
    w.outsider = factories.role("community_staff", city.community_b, username="jinyang")
    w.reporter = factories.person("欧阳小红", phone="13907950002", home_region=city.compound_a)
    w.case = df.case(
        city.compound_a,
        text="3栋门口垃圾堆了三天没人清运，气味很大",
        demand_extra={"reporter": w.reporter, "address": "都市春天小区3栋门口"},
    )
    return w


def page(client, case):
    return client.get(reverse("demands:staff_case", args=[case.pk]))


def action_url(case, action):
    return reverse("demands:staff_case_action", args=[case.pk, action])


def buttons(response) -> list[str]:
    return re.findall(r'data-action="(\w+)"', response.content.decode())


# --- what the page shows ---------------------------------------------------------------------


def test_the_case_page_shows_the_demand_masked_reporter_map_photos_and_timeline(client, world):
    case = world.case
    df.photo(case.demand, position=0)
    df.photo(case.demand, position=1)
    df.event(case, "submit", to_status=S.SUBMITTED)
    client.force_login(world.staff)
    response = page(client, case)
    assert response.status_code == 200
    body = response.content.decode()
    assert case.number in body and "3栋门口垃圾堆了三天没人清运" in body and "都市春天小区3栋门口" in body
    assert "欧阳**" in body and "139****0002" in body
    assert "13907950002" not in body and "欧阳小红" not in body
    # the map: compound boundary and the reported point, drawn offline
    data = re.search(r'<script id="case-map-data" type="application/json">(.*?)</script>', body).group(1)
    assert '"Polygon"' in data and f'"lat": {case.demand.lat}' in data
    # thumbnails through the photo view; the original one click away
    for p in Photo.objects.filter(demand=case.demand):
        assert reverse("demands:report_photo", args=[p.token, "thumb"]) in body
        assert reverse("demands:report_photo", args=[p.token, "original"]) in body
    assert "办理记录" in body and "待受理" in body
    assert "受理时限" in body and "办结时限" in body


@pytest.mark.parametrize(
    ("who", "status", "expected"),
    [
        ("staff", S.SUBMITTED, ["accept", "reject", "merge"]),
        ("worker", S.SUBMITTED, ["accept"]),
        ("leader", S.SUBMITTED, []),
        ("staff", S.ACCEPTED, ["merge", "dispatch", "escalate", "whistle"]),
        ("staff", S.FEEDBACK, ["verify", "verify_fail"]),
        ("liaison", S.SUBMITTED, None),  # not the department's case: not even visible
    ],
)
def test_the_buttons_are_the_allowed_moves(client, world, who, status, expected):
    Case.objects.filter(pk=world.case.pk).update(status=status)
    client.force_login(getattr(world, who))
    response = page(client, world.case)
    if expected is None:
        assert response.status_code == 404
        return
    assert sorted(buttons(response)) == sorted(expected)
    body = response.content.decode()
    if "accept" in expected:
        assert 'data-key="a"' in body and 'aria-keyshortcuts="a"' in body


def test_a_liaison_gets_the_report_in_button_for_their_part(client, world):
    Case.objects.filter(pk=world.case.pk).update(status=S.WHISTLED)
    df.whistle_part(world.case, world.chengguan)
    df.whistle_part(world.case, world.shijian)
    client.force_login(world.liaison)
    response = page(client, world.case)
    assert buttons(response) == ["report_in"]
    body = response.content.decode()
    assert "袁州区城市管理局" in body and "袁州区市场监督管理局" in body and "已吹哨召集" in body


# --- acting ----------------------------------------------------------------------------------


def test_accept_from_the_case_page(client, world):
    client.force_login(world.staff)
    form = client.get(action_url(world.case, "accept"), HTTP_HX_REQUEST="true")
    assert form.status_code == 200 and 'name="version" value="0"' in form.content.decode()
    response = client.post(action_url(world.case, "accept"), {"version": "0"})
    assert response.status_code == 302 and response["Location"] == reverse(
        "demands:staff_case", args=[world.case.pk]
    )
    world.case.refresh_from_db()
    assert world.case.status == S.ACCEPTED and world.case.accepted_at is not None
    assert CaseEvent.objects.filter(case=world.case, action="accept", actor=world.staff).exists()
    assert "已完成：立案。" in client.get(response["Location"]).content.decode()


def test_with_htmx_the_answer_is_the_fresh_case(client, world):
    client.force_login(world.staff)
    response = client.post(action_url(world.case, "accept"), {"version": "0"}, HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    body = response.content.decode()
    assert 'id="case"' in body and "已完成：立案。" in body and 'data-status="accepted"' in body


def test_dispatch_to_a_department(client, world):
    Case.objects.filter(pk=world.case.pk).update(status=S.ACCEPTED)
    client.force_login(world.staff)
    form = client.get(action_url(world.case, "dispatch")).content.decode()
    for unit in ("袁州区城市管理局", "袁州区市场监督管理局", "宜阳社区居民委员会"):
        assert unit in form
    assert "wangge" in form  # the grid worker can be put in charge
    response = client.post(action_url(world.case, "dispatch"), {"version": "0", "unit": world.chengguan.pk})
    assert response.status_code == 302
    world.case.refresh_from_db()
    assert world.case.status == S.DISPATCHED and world.case.unit == world.chengguan


def test_dispatch_needs_a_unit_or_a_person(client, world):
    Case.objects.filter(pk=world.case.pk).update(status=S.ACCEPTED)
    client.force_login(world.staff)
    response = client.post(action_url(world.case, "dispatch"), {"version": "0"})
    assert response.status_code == 400
    assert "请选择承办单位或承办人。" in response.content.decode()
    world.case.refresh_from_db()
    assert world.case.status == S.ACCEPTED


def test_not_accepting_needs_a_reason_and_keeps_the_form(client, world):
    client.force_login(world.staff)
    response = client.post(action_url(world.case, "reject"), {"version": "0", "reason": "  "})
    assert response.status_code == 400
    body = response.content.decode()
    assert 'data-action-form="reject"' in body and "errorlist" in body
    world.case.refresh_from_db()
    assert world.case.status == S.SUBMITTED


def test_whistle_summons_the_chosen_departments(client, world):
    Case.objects.filter(pk=world.case.pk).update(status=S.ACCEPTED)
    client.force_login(world.staff)
    form = client.get(action_url(world.case, "whistle")).content.decode()
    assert 'type="checkbox"' in form and "袁州区城市管理局" in form
    response = client.post(
        action_url(world.case, "whistle"),
        {"version": "0", "departments": [world.chengguan.pk, world.shijian.pk], "task": "清运并查处乱倒"},
    )
    assert response.status_code == 302
    world.case.refresh_from_db()
    assert world.case.status == S.WHISTLED
    assert set(WhistlePart.objects.filter(case=world.case).values_list("department__name", flat=True)) == {
        "袁州区城市管理局",
        "袁州区市场监督管理局",
    }


def test_the_liaison_reports_in_from_the_case_page(client, world):
    Case.objects.filter(pk=world.case.pk).update(status=S.WHISTLED)
    part = df.whistle_part(world.case, world.chengguan)
    client.force_login(world.liaison)
    response = client.post(action_url(world.case, "report_in"), {"version": "0", "part": part.pk})
    assert response.status_code == 302, response.content.decode()[:2000]
    part.refresh_from_db()
    assert part.status == WhistlePart.Status.REPORTED and part.reported_at is not None


def test_approving_more_time_moves_the_deadline(client, world):
    Case.objects.filter(pk=world.case.pk).update(status=S.HANDLING, level="grid")
    world.case.refresh_from_db()
    request = df.postponement(world.case, world.worker, working_days=3)
    before = world.case.handle_due
    client.force_login(world.staff)
    assert {"approve_postpone", "deny_postpone"} <= set(buttons(page(client, world.case)))
    response = client.post(action_url(world.case, "approve_postpone"), {"version": "0", "note": "同意"})
    assert response.status_code == 302, response.content.decode()[:3000]
    request.refresh_from_db()
    world.case.refresh_from_db()
    assert request.status == Postponement.Status.APPROVED and world.case.handle_due > before


def _jpeg() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (64, 48), (200, 30, 30)).save(out, "JPEG")
    return out.getvalue()


def test_feedback_with_an_evidence_photo(client, world, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    Case.objects.filter(pk=world.case.pk).update(status=S.HANDLING, assignee=world.worker)
    client.force_login(world.worker)
    photo = SimpleUploadedFile("after.jpg", _jpeg(), content_type="image/jpeg")
    response = client.post(
        action_url(world.case, "feedback"), {"version": "0", "text": "已清运完毕", "photos": [photo]}
    )
    assert response.status_code == 302, response.content.decode()[:3000]
    world.case.refresh_from_db()
    assert world.case.status == S.FEEDBACK
    evidence = Photo.objects.get(demand=world.case.demand, stage="evidence")
    body = page(client, world.case).content.decode()
    assert "处置照片" in body and reverse("demands:report_photo", args=[evidence.token, "thumb"]) in body


# --- two people at once ----------------------------------------------------------------------


def test_a_conflict_shows_the_fresh_case_and_keeps_what_was_typed(client, world):
    """A opened "do not accept" on version 0; B accepted meanwhile. A's reason is not lost."""
    client.force_login(world.staff)
    client.get(action_url(world.case, "reject"))
    services.accept(Case.objects.get(pk=world.case.pk), world.colleague)
    response = client.post(
        action_url(world.case, "reject"), {"version": "0", "reason": "不属于本社区管辖范围"}
    )
    assert response.status_code == 409
    body = response.content.decode()
    assert "该案卷刚被他人处理，请刷新后重试。" in body
    assert 'data-status="accepted"' in body  # the fresh case
    assert "不属于本社区管辖范围" in body  # what was typed, to copy
    assert "yiyang2" in body  # who changed it
    world.case.refresh_from_db()
    assert world.case.status == S.ACCEPTED
    assert not CaseEvent.objects.filter(case=world.case, action="reject").exists()


def test_after_a_conflict_the_form_is_still_open_and_can_be_sent_again(client, world):
    """A opened "return" on a case being handled; B asked for more time meanwhile (the status
    stays, the version moves). A gets the form back with the reason and the fresh version."""
    Case.objects.filter(pk=world.case.pk).update(status=S.HANDLING)
    client.force_login(world.staff)
    services.request_postponement(
        Case.objects.get(pk=world.case.pk), world.worker, working_days=2, reason="等配件"
    )
    response = client.post(action_url(world.case, "return"), {"version": "0", "reason": "应由物业处理"})
    assert response.status_code == 409
    body = response.content.decode()
    assert 'data-action-form="return"' in body and "应由物业处理" in body
    fresh = Case.objects.get(pk=world.case.pk).version
    assert f'name="version" value="{fresh}"' in body
    again = client.post(action_url(world.case, "return"), {"version": str(fresh), "reason": "应由物业处理"})
    assert again.status_code == 302
    assert Case.objects.get(pk=world.case.pk).status == S.RETURNED


def test_a_move_the_table_does_not_allow_says_why(client, world):
    client.force_login(world.staff)
    response = client.post(action_url(world.case, "sign"), {"version": "0"})
    assert response.status_code in {400, 403}
    world.case.refresh_from_db()
    assert world.case.status == S.SUBMITTED


# --- personal data ---------------------------------------------------------------------------


def test_revealing_the_reporter_s_phone_needs_a_reason_and_is_logged(client, world):
    client.force_login(world.staff)
    url = reverse("demands:staff_case_reveal", args=[world.case.pk, "phone"])
    refused = client.post(url, {"reason": ""})
    assert refused.status_code == 400 and "13907950002" not in refused.content.decode()
    response = client.post(url, {"reason": "回访核实处理结果"}, HTTP_HX_REQUEST="true")
    assert "13907950002" in response.content.decode()
    log = PiiAccess.objects.get()
    assert (log.user, log.subject_type, log.subject_id, log.field) == (
        world.staff,
        "territory.person",
        str(world.reporter.pk),
        "phone",
    )


def test_a_hotline_caller_s_phone_is_revealed_and_logged_against_the_demand(client, world):
    case = df.case(
        world.city.compound_a,
        channel="hotline",
        demand_extra={"contact_phone": "13812345678", "contact_name": "李先生"},
    )
    client.force_login(world.staff)
    body = page(client, case).content.decode()
    assert "138****5678" in body and "13812345678" not in body
    response = client.post(
        reverse("demands:staff_case_reveal", args=[case.pk, "phone"]), {"reason": "电话回访"}
    )
    assert "13812345678" in response.content.decode()
    log = PiiAccess.objects.get()
    assert (log.subject_type, log.subject_id, log.field) == ("demands.demand", str(case.demand_id), "phone")


def test_a_leader_sees_masked_data_only(client, world):
    client.force_login(world.leader)
    body = page(client, world.case).content.decode()
    assert "139****0002" in body
    assert reverse("demands:staff_case_reveal", args=[world.case.pk, "phone"]) not in body
    assert client.get(reverse("demands:staff_case_reveal", args=[world.case.pk, "phone"])).status_code == 403
    assert (
        client.post(
            reverse("demands:staff_case_reveal", args=[world.case.pk, "phone"]), {"reason": "看看"}
        ).status_code
        == 403
    )
    assert not PiiAccess.objects.exists()


# --- category ----------------------------------------------------------------------------------


def test_correcting_the_category_teaches_the_suggester(client, world):
    from doorstep.demands.models import Category

    lamps = (
        Category.objects.filter(parent__isnull=False, active=True).exclude(pk=world.case.category_id).first()
    )
    client.force_login(world.staff)
    response = client.post(
        reverse("demands:staff_case_category", args=[world.case.pk]), {"category": lamps.pk}
    )
    assert response.status_code == 302
    world.case.demand.refresh_from_db()
    assert world.case.demand.category == lamps
    from doorstep.demands.models import CategoryCorrection

    assert CategoryCorrection.objects.filter(
        demand=world.case.demand, category=lamps, by=world.staff
    ).exists()
    body = page(client, world.case).content.decode()
    assert "已更正为" in body and lamps.name in body


def test_only_the_desk_corrects_the_category(client, world):
    lamps = df.category("楼道亮灯", code="T8801")
    client.force_login(world.leader)
    response = client.post(
        reverse("demands:staff_case_category", args=[world.case.pk]), {"category": lamps.pk}
    )
    assert response.status_code == 403


# --- scope -----------------------------------------------------------------------------------


def test_a_case_outside_the_scope_is_not_found_and_not_changed(client, world):
    client.force_login(world.outsider)
    case = world.case
    for url in (
        reverse("demands:staff_case", args=[case.pk]),
        action_url(case, "accept"),
        reverse("demands:staff_case_reveal", args=[case.pk, "phone"]),
    ):
        assert client.get(url).status_code == 404, url
    assert client.post(action_url(case, "accept"), {"version": "0"}).status_code == 404
    assert client.post(action_url(case, "reject"), {"version": "0", "reason": "x"}).status_code == 404
    assert (
        client.post(
            reverse("demands:staff_case_category", args=[case.pk]), {"category": case.category_id}
        ).status_code
        == 404
    )
    assert (
        client.post(
            reverse("demands:staff_case_reveal", args=[case.pk, "phone"]), {"reason": "x"}
        ).status_code
        == 404
    )
    case.refresh_from_db()
    assert case.status == S.SUBMITTED and case.version == 0
    assert not CaseEvent.objects.filter(case=case).exists() and not PiiAccess.objects.exists()


# --- query counts ------------------------------------------------------------------------------


@pytest.mark.parametrize("n", [5, 50])
def test_the_case_page_takes_the_same_number_of_queries_for_5_or_50_events_photos_and_parts(
    client, world, n, django_assert_max_num_queries
):
    case = world.case
    Case.objects.filter(pk=case.pk).update(status=S.WHISTLED)
    for i in range(n):
        df.event(case, "remind", note=f"提醒 {i}", by=world.staff)
        df.photo(case.demand, position=i)
        df.photo(case.demand, position=i, stage="evidence")
        dept = factories.organization(f"部门{i}", K.DEPARTMENT, world.city.county_a)
        df.whistle_part(case, dept, task=f"第{i}项")
        df.postponement(case, world.worker, status=Postponement.Status.DENIED)
        df.rating(case, score=4)
    client.force_login(world.staff)
    page(client, case)
    with django_assert_max_num_queries(26):
        response = page(client, case)
    assert response.status_code == 200
    assert response.content.decode().count('class="ev-remind"') == n

"""Service orders (群众点单): a resident orders a service from a place's menu; staff dispatch it or
a volunteer of the community claims it; the volunteer marks it done with evidence and earns
points once; the resident rates it. Every move follows one table and writes an event row; an
order not taken in time (working days of the city's calendar) is escalated by the worker."""

from datetime import date, datetime
from decimal import Decimal
from io import BytesIO
from zoneinfo import ZoneInfo

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import translation
from PIL import Image

from doorstep.core.models import Notification
from doorstep.resources import orders, teams
from doorstep.resources.models import (
    OrderEvent,
    OrderPhoto,
    PointEntry,
    ServiceOrder,
    VolunteerTeam,
)
from doorstep.territory.models import Household, HouseholdMember
from tests import factories
from tests.resources.factories import place, service

SH = ZoneInfo("Asia/Shanghai")
S = ServiceOrder.Status


def t(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=SH)


class World:
    """宜阳社区 with a red station offering 代买代办, a resident of 都市春天小区, staff, a team of two
    volunteers; 锦阳社区 with its own staff, volunteer and resident (the outsiders)."""

    def __init__(self, city):
        self.city = city
        self.station = place(name="都市春天红色驿站")
        self.service = service(self.station, name="代买代办", booking="order")
        self.staff = factories.role("community_staff", city.community_a, username="yy-staff")
        self.resident = factories.user("resident1")
        self.resident_person = factories.person(
            "王居民", user=self.resident, phone="13800001111", home_region=city.compound_a
        )
        building = factories.building(city.compound_a, "3栋")
        self.home = factories.dwelling(building, "201")
        household = Household.objects.create(dwelling=self.home, head=self.resident_person)
        HouseholdMember.objects.create(household=household, person=self.resident_person, relation="head")
        self.team = teams.team_create(
            self.staff, name="宜阳跑腿办", kind=VolunteerTeam.Kind.ERRANDS, region=city.community_a
        )
        self.vol = factories.user("vol1")
        self.vol_person = factories.person("李志愿", user=self.vol, phone="13900002222")
        self.member = teams.team_join(self.staff, self.team, person=self.vol_person)
        self.vol2 = factories.user("vol2")
        self.vol2_person = factories.person("赵志愿", user=self.vol2)
        self.member2 = teams.team_join(self.staff, self.team, person=self.vol2_person)
        # the other community
        self.other_staff = factories.role("community_staff", city.community_b, username="jy-staff")
        other_team = teams.team_create(
            self.other_staff, name="锦阳邻里帮", kind=VolunteerTeam.Kind.NEIGHBOURS, region=city.community_b
        )
        self.other_vol = factories.user("vol3")
        teams.team_join(self.other_staff, other_team, person=factories.person("钱志愿", user=self.other_vol))
        self.other_resident = factories.user("resident2")
        factories.person("孙居民", user=self.other_resident, home_region=city.compound_b, phone="13700003333")

    def order(self, *, at=None, **kw) -> ServiceOrder:
        kw.setdefault("need", "帮忙买一袋米送到家")
        kw.setdefault("dwelling", self.home.pk)
        return orders.place_order(self.resident, service=self.service, at=at, **kw)

    def in_state(self, status: str, *, team_only: bool = False) -> ServiceOrder:
        o = self.order()
        if status == S.DISPATCHED:
            if team_only:
                orders.dispatch(o, by=self.staff, team=self.team.pk)
            else:
                orders.dispatch(o, by=self.staff, member=self.member.pk)
        elif status == S.CLAIMED:
            orders.claim(o, by=self.vol)
        elif status in (S.DONE, S.RATED):
            orders.claim(o, by=self.vol)
            orders.done(o, by=self.vol, note="米已送到")
            if status == S.RATED:
                orders.rate(o, by=self.resident, stars=5)
        elif status == S.CANCELLED:
            orders.cancel(o, by=self.resident)
        o.refresh_from_db()
        assert o.status == status
        return o


@pytest.fixture(autouse=True)
def chinese():
    with translation.override("zh-hans"):
        yield


@pytest.fixture
def w(city):
    return World(city)


def png(size=(40, 30)) -> bytes:
    buf = BytesIO()
    Image.new("RGB", size, (200, 30, 30)).save(buf, "PNG")
    return buf.getvalue()


# --- ordering ------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_a_resident_orders_a_service_and_staff_are_told(w):
    o = w.order(at=t("2025-09-30 10:00"), preferred_at="2025-10-09T15:00")
    assert (o.status, o.region, o.place, o.resident) == (
        S.ORDERED,
        w.city.community_a,
        w.station,
        w.resident_person,
    )
    assert o.phone == "13800001111"  # the person's own number when none is given
    assert o.where == "都市春天小区 3栋 1单元 201"
    # 1 working day counted from the next day: National Day holidays skipped, office closes 17:30
    assert o.claim_due == t("2025-10-09 17:30")
    ev = OrderEvent.objects.get(order=o)
    assert (ev.action, ev.to_status, ev.by) == ("order", S.ORDERED, w.resident)
    told = Notification.objects.get(recipient=w.staff)
    assert (
        told.text == f"新的服务点单 {o.number}：代买代办。" and told.url == f"/resources/staff/orders/{o.pk}/"
    )


@pytest.mark.django_db
@pytest.mark.parametrize(
    "change, field",
    [
        ({"service": 999999}, "service"),
        ({"service": "abc"}, "service"),
        ({"need": "   "}, "need"),
        ({"need": "x" * 1001}, "need"),
        ({"phone": "1234"}, "phone"),
        ({"preferred_at": "明天"}, "preferred_at"),
        ({"preferred_at": "2020-01-01T09:00"}, "preferred_at"),
        ({"dwelling": None, "address": ""}, "address"),
        ({"dwelling": 999999}, "dwelling"),
    ],
)
def test_bad_orders_are_refused_and_change_nothing(w, change, field):
    kw = {"service": w.service.pk, "need": "帮忙买米", "dwelling": w.home.pk}
    kw.update(change)
    with pytest.raises(orders.OrderError) as exc:
        orders.place_order(w.resident, **kw)
    assert field in exc.value.message_dict
    assert exc.value.reason == "invalid"
    assert not ServiceOrder.objects.exists() and not OrderEvent.objects.exists()
    assert not Notification.objects.exists()


@pytest.mark.django_db
def test_an_ended_service_or_closed_place_cannot_be_ordered(w):
    from doorstep.resources.models import Service

    Service.objects.filter(pk=w.service.pk).update(ended_on=date(2020, 1, 1))
    with pytest.raises(orders.OrderError) as exc:
        w.order()
    assert exc.value.message_dict["service"] == ["该服务目前不在任何服务清单上。"]


@pytest.mark.django_db
def test_another_persons_dwelling_is_refused(w):
    other_home = factories.dwelling(factories.building(w.city.compound_b, "9栋"), "909")
    with pytest.raises(orders.OrderError) as exc:
        w.order(dwelling=other_home.pk)
    assert "dwelling" in exc.value.message_dict
    assert w.order(dwelling=None, address="宜阳社区活动室门口").where == "宜阳社区活动室门口"


# --- the transition table ----------------------------------------------------------------------------

# (state, action, who, expected: a status, or the refusal's reason)
TABLE_CASES = [
    ("ordered", "dispatch", "staff", "dispatched"),
    ("ordered", "dispatch", "resident", "forbidden"),
    ("ordered", "claim", "vol", "claimed"),
    ("ordered", "claim", "resident", "forbidden"),
    ("ordered", "done", "vol", "conflict"),
    ("ordered", "cancel", "resident", "cancelled"),
    ("ordered", "cancel", "staff", "forbidden"),
    ("ordered", "rate", "resident", "conflict"),
    ("ordered", "return", "vol", "conflict"),
    ("claimed", "claim", "vol2", "conflict"),
    ("claimed", "done", "vol", "done"),
    ("claimed", "done", "vol2", "forbidden"),
    ("claimed", "return", "vol", "ordered"),
    ("claimed", "return", "vol2", "forbidden"),
    ("claimed", "cancel", "resident", "cancelled"),
    ("claimed", "dispatch", "staff", "conflict"),
    ("dispatched", "done", "vol", "done"),
    ("dispatched", "claim", "vol2", "conflict"),
    ("dispatched", "return", "vol", "ordered"),
    ("dispatched-team", "claim", "vol2", "claimed"),
    ("dispatched-team", "done", "vol2", "done"),
    ("done", "rate", "resident", "rated"),
    ("done", "rate", "staff", "forbidden"),
    ("done", "cancel", "resident", "conflict"),
    ("done", "return", "vol", "conflict"),
    ("done", "done", "vol", "conflict"),
    ("rated", "rate", "resident", "conflict"),
    ("cancelled", "claim", "vol", "conflict"),
    ("cancelled", "dispatch", "staff", "conflict"),
]


@pytest.mark.django_db
@pytest.mark.parametrize("state, action, who, expected", TABLE_CASES)
def test_transition_table(w, state, action, who, expected):
    o = w.in_state(state.split("-")[0], team_only=state.endswith("-team"))
    before = list(OrderEvent.objects.filter(order=o).values_list("action", flat=True))
    by = {"staff": w.staff, "resident": w.resident, "vol": w.vol, "vol2": w.vol2}[who]
    extra = {
        "dispatch": {"member": w.member.pk},
        "done": {"note": "已完成"},
        "rate": {"stars": 4},
        "return": {"note": "临时有事"},
    }.get(action, {})
    if expected in S.values:
        moved = orders.transition(o, action, by=by, **extra)
        assert moved.status == expected
        last = OrderEvent.objects.filter(order=o).last()
        assert (last.action, last.from_status, last.to_status, last.by) == (
            action,
            state.split("-")[0],
            expected,
            by,
        )
    else:
        with pytest.raises(orders.OrderError) as exc:
            orders.transition(o, action, by=by, **extra)
        assert exc.value.reason == expected
        assert ServiceOrder.objects.get(pk=o.pk).status == state.split("-")[0]
        assert list(OrderEvent.objects.filter(order=o).values_list("action", flat=True)) == before


@pytest.mark.django_db
def test_a_second_claim_is_told_someone_else_was_first(w):
    o = w.order()
    orders.claim(o, by=w.vol)
    with pytest.raises(orders.OrderError) as exc:
        orders.claim(o, by=w.vol2)
    assert exc.value.messages == ["该点单已被其他志愿者接走。"]
    o.refresh_from_db()
    assert o.assignee == w.vol_person and o.team == w.team


@pytest.mark.django_db
def test_giving_back_needs_a_reason_and_reopens_with_a_new_deadline(w):
    o = w.order(at=t("2025-10-13 09:00"))
    orders.claim(o, by=w.vol, at=t("2025-10-13 10:00"))
    with pytest.raises(orders.OrderError):
        orders.give_back(o, by=w.vol, reason=" ")
    assert ServiceOrder.objects.get(pk=o.pk).status == S.CLAIMED
    orders.give_back(o, by=w.vol, reason="临时出差", at=t("2025-10-14 09:00"))
    o.refresh_from_db()
    assert (o.status, o.assignee, o.team, o.claim_due) == (S.ORDERED, None, None, t("2025-10-15 17:30"))
    assert OrderEvent.objects.filter(order=o, action="return", note="临时出差").exists()
    assert "已退回" in Notification.objects.get(recipient=w.staff, kind="order_return").text


# --- points: credited once -------------------------------------------------------------------------


@pytest.mark.django_db
def test_done_credits_points_and_hours_once(w, settings):
    settings.DOORSTEP_POINTS_ORDER = 5
    o = w.order()
    orders.claim(o, by=w.vol)
    orders.done(o, by=w.vol, note="米已送到", hours="1.5")
    entry = PointEntry.objects.get()
    assert (entry.person, entry.points, entry.hours, entry.source, entry.team) == (
        w.vol_person,
        5,
        Decimal("1.50"),
        "service",
        "宜阳跑腿办",
    )
    assert entry.source_key == f"order:{o.pk}"
    # a retry of the same request: refused, no second credit
    with pytest.raises(orders.OrderError):
        orders.done(o, by=w.vol, note="米已送到")
    o.refresh_from_db()
    assert orders.credit(o) == entry  # even called again directly
    assert PointEntry.objects.count() == 1
    assert Notification.objects.filter(recipient=w.resident, kind="order_done").count() == 1


@pytest.mark.django_db
@pytest.mark.parametrize("stars", [0, 6, -1, "五", None, 3.5])
def test_a_rating_out_of_range_changes_nothing(w, stars):
    o = w.in_state(S.DONE)
    with pytest.raises(orders.OrderError) as exc:
        orders.rate(o, by=w.resident, stars=stars)
    assert exc.value.message_dict["stars"] == ["请给 1 到 5 颗星。"]
    o.refresh_from_db()
    assert (o.status, o.rating) == (S.DONE, None)


# --- evidence photos -------------------------------------------------------------------------------


@pytest.mark.django_db
def test_done_with_photos_keeps_clean_copies(w, settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path)
    o = w.in_state(S.CLAIMED)
    orders.done(o, by=w.vol, note="已送达", photos=[SimpleUploadedFile("a.png", png(), "image/png")])
    photo = OrderPhoto.objects.get(order=o)
    assert (photo.width, photo.height) == (40, 30)
    assert photo.image.name.endswith(".jpg")


@pytest.mark.django_db
@pytest.mark.parametrize(
    "upload, problem",
    [
        (("a.png", b"not an image at all", "image/png"), "不是图片"),
        (("a.exe", b"MZ\x90\x00", "application/octet-stream"), "不接受"),
        (("a.jpg", None, "image/jpeg"), "不接受"),  # a PNG named .jpg
    ],
)
def test_fake_images_are_refused_and_nothing_changes(w, settings, tmp_path, upload, problem):
    settings.MEDIA_ROOT = str(tmp_path)
    o = w.in_state(S.CLAIMED)
    name, data, kind = upload
    with pytest.raises(orders.OrderError) as exc:
        orders.done(o, by=w.vol, note="已送达", photos=[SimpleUploadedFile(name, data or png(), kind)])
    assert "photos" in exc.value.message_dict
    o.refresh_from_db()
    assert o.status == S.CLAIMED and not OrderPhoto.objects.exists() and not PointEntry.objects.exists()
    assert not any(tmp_path.rglob("*.jpg"))


@pytest.mark.django_db
def test_an_oversized_image_is_refused(w, settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path)
    settings.DOORSTEP_PHOTO_MAX_BYTES = 100
    o = w.in_state(S.CLAIMED)
    with pytest.raises(orders.OrderError) as exc:
        orders.done(o, by=w.vol, note="已送达", photos=[SimpleUploadedFile("a.png", png(), "image/png")])
    assert "MB" in exc.value.message_dict["photos"][0]
    assert ServiceOrder.objects.get(pk=o.pk).status == S.CLAIMED and not OrderPhoto.objects.exists()


# --- escalation -----------------------------------------------------------------------------------


@pytest.mark.django_db
def test_an_order_not_taken_in_time_escalates_once(w, settings):
    settings.DOORSTEP_ORDER_CLAIM_WORKING_DAYS = 1
    o = w.order(at=t("2025-09-30 10:00"))
    taken = w.order(at=t("2025-09-30 10:00"))
    orders.claim(taken, by=w.vol, at=t("2025-09-30 11:00"))
    for moment in ("2025-10-01 09:00", "2025-10-08 12:00", "2025-10-09 17:29"):
        assert orders.run_escalations(moment) == {"escalated": 0}
    assert orders.run_escalations("2025-10-09T17:31:00+08:00") == {"escalated": 1}
    o.refresh_from_db()
    assert o.status == S.ORDERED and o.escalated_at == t("2025-10-09 17:31")
    ev = OrderEvent.objects.get(order=o, action="escalate")
    assert ev.by is None and "2025-10-09 17:30" in ev.note
    told = Notification.objects.filter(recipient=w.staff, kind="order_overdue").get()
    assert "2025-10-09 17:30" in told.text and o.number in told.text
    assert orders.run_escalations("2025-10-10 09:00") == {"escalated": 0}
    # the setting changes the deadline of new orders
    settings.DOORSTEP_ORDER_CLAIM_WORKING_DAYS = 3  # 10-09, 10-10 and the Saturday 10-11 (调休上班)
    assert w.order(at=t("2025-09-30 10:00")).claim_due == t("2025-10-11 17:30")


@pytest.mark.django_db(transaction=True)
def test_the_worker_escalates_unclaimed_orders(city):
    from io import StringIO

    from django.core.management import call_command
    from django_tasks_db.models import DBTaskResult

    w = World(city)
    o = w.order(at=t("2025-09-30 10:00"))
    call_command("worker", "--once", "--now", "2025-10-10T09:00+08:00", stdout=StringIO())
    row = DBTaskResult.objects.get(task_path=orders.escalate_orders.module_path)
    assert row.status == "SUCCESSFUL", row.traceback
    o.refresh_from_db()
    assert o.escalated_at is not None
    assert OrderEvent.objects.filter(order=o, action="escalate").count() == 1
    assert Notification.objects.filter(recipient=w.staff, kind="order_overdue").count() == 1
    # another round does no harm
    call_command("worker", "--once", "--now", "2025-10-10T09:05+08:00", stdout=StringIO())
    assert OrderEvent.objects.filter(order=o, action="escalate").count() == 1


# --- scope: who sees what ----------------------------------------------------------------------------


@pytest.mark.django_db
def test_outsiders_get_404_and_change_nothing(w, client):
    o = w.order()
    pages = {
        w.other_staff: [("get", reverse("resources:staff_order", args=[o.pk]))]
        + [("post", reverse("resources:staff_order", args=[o.pk]))],
        w.other_vol: [
            ("get", reverse("resources:volunteer_order", args=[o.pk])),
            ("post", reverse("resources:volunteer_order_action", args=[o.pk, "claim"])),
        ],
        w.other_resident: [
            ("get", reverse("resources:my_order", args=[o.pk])),
            ("post", reverse("resources:my_order_action", args=[o.pk, "cancel"])),
        ],
        w.vol: [("get", reverse("resources:my_order", args=[o.pk]))],
        w.resident: [("get", reverse("resources:staff_order", args=[o.pk]))],
    }
    for user, calls in pages.items():
        client.force_login(user)
        for method, url in calls:
            data = {"to": f"m{w.member.pk}"} if method == "post" else None
            response = getattr(client, method)(url, data)
            assert response.status_code == 404, (user, url, response.status_code)
    o.refresh_from_db()
    assert o.status == S.ORDERED and OrderEvent.objects.filter(order=o).count() == 1
    # lists: the outsiders see none of it
    client.force_login(w.other_staff)
    assert o.number not in client.get(reverse("resources:staff_orders")).content.decode()
    client.force_login(w.other_vol)
    assert o.number not in client.get(reverse("resources:volunteer_orders")).content.decode()
    client.force_login(w.other_resident)
    assert o.number not in client.get(reverse("resources:my_orders")).content.decode()
    # and the outsider's service calls are refused too
    with pytest.raises(orders.OrderError):
        orders.claim(o, by=w.other_vol)
    with pytest.raises(orders.OrderError):
        orders.dispatch(o, by=w.other_staff, member=w.member.pk)
    assert ServiceOrder.objects.get(pk=o.pk).status == S.ORDERED


@pytest.mark.django_db
def test_the_phone_is_masked_for_volunteers_who_do_not_hold_the_order(w, client):
    o = w.order()
    client.force_login(w.vol2)
    page = client.get(reverse("resources:volunteer_order", args=[o.pk])).content.decode()
    assert "138****1111" in page and "13800001111" not in page
    orders.claim(o, by=w.vol)
    client.force_login(w.vol)
    assert "13800001111" in client.get(reverse("resources:volunteer_order", args=[o.pk])).content.decode()
    client.force_login(w.vol2)
    assert client.get(reverse("resources:volunteer_order", args=[o.pk])).status_code == 404
    client.force_login(w.staff)
    assert "13800001111" in client.get(reverse("resources:staff_order", args=[o.pk])).content.decode()


@pytest.mark.django_db
def test_staff_may_not_dispatch_to_another_communitys_member(w):
    other_member = teams.team_join(
        w.other_staff,
        VolunteerTeam.objects.get(name="锦阳邻里帮"),
        person=factories.person("外区志愿"),
    )
    o = w.order()
    with pytest.raises(orders.OrderError) as exc:
        orders.dispatch(o, by=w.staff, member=other_member.pk)
    assert "member" in exc.value.message_dict
    assert ServiceOrder.objects.get(pk=o.pk).status == S.ORDERED


# --- pages -----------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_the_pages_walk_the_whole_loop(w, client):
    client.force_login(w.resident)
    url = reverse("resources:order_new", args=[w.service.pk])
    page = client.get(url)
    assert page.status_code == 200 and "我要点单" in page.content.decode()
    bad = client.post(url, {"need": "", "dwelling": w.home.pk, "phone": "13800001111"})
    assert bad.status_code == 400 and "请说明需要什么服务。" in bad.content.decode()
    assert not ServiceOrder.objects.exists()
    response = client.post(url, {"need": "帮忙取快递", "dwelling": w.home.pk, "phone": "13800001111"})
    o = ServiceOrder.objects.get()
    assert response.url == reverse("resources:my_order", args=[o.pk])
    client.force_login(w.vol)
    assert o.number in client.get(reverse("resources:volunteer_orders")).content.decode()
    client.post(reverse("resources:volunteer_order_action", args=[o.pk, "claim"]))
    bad = client.post(reverse("resources:volunteer_order_action", args=[o.pk, "done"]), {"note": ""})
    assert bad.status_code == 400 and "请说明做了什么。" in bad.content.decode()
    client.post(
        reverse("resources:volunteer_order_action", args=[o.pk, "done"]), {"note": "已取回", "hours": "1"}
    )
    client.force_login(w.resident)
    client.post(
        reverse("resources:my_order_action", args=[o.pk, "rate"]), {"stars": "5", "comment": "很及时"}
    )
    o.refresh_from_db()
    assert (o.status, o.rating, o.rating_comment) == (S.RATED, 5, "很及时")
    page = client.get(reverse("resources:my_order", args=[o.pk])).content.decode()
    for label in ("已点单", "已接单", "已完成", "已评价"):
        assert label in page


@pytest.mark.django_db
def test_staff_dispatch_from_the_order_page(w, client):
    o = w.order()
    client.force_login(w.staff)
    page = client.get(reverse("resources:staff_order", args=[o.pk])).content.decode()
    assert "李志愿" not in page  # names are masked
    response = client.post(reverse("resources:staff_order", args=[o.pk]), {"to": f"m{w.member.pk}"})
    assert response.status_code == 302
    o.refresh_from_db()
    assert (o.status, o.assignee, o.team) == (S.DISPATCHED, w.vol_person, w.team)
    assert Notification.objects.filter(recipient=w.vol, kind="order_dispatched").exists()
    again = client.post(reverse("resources:staff_order", args=[o.pk]), {"to": f"m{w.member2.pk}"})
    assert again.status_code == 400 and "不能再派单" in again.content.decode()
    assert ServiceOrder.objects.get(pk=o.pk).assignee == w.vol_person


@pytest.mark.django_db
def test_list_pages_read_a_fixed_number_of_queries(w, client, django_assert_max_num_queries):
    def pages():
        for user, name in ((w.resident, "my_orders"), (w.vol, "volunteer_orders"), (w.staff, "staff_orders")):
            client.force_login(user)
            assert client.get(reverse(f"resources:{name}")).status_code == 200

    for _i in range(3):
        orders.claim(w.order(), by=w.vol)
        w.order()
    with django_assert_max_num_queries(80) as few:
        pages()
    counted = len(few.captured_queries)
    for _i in range(6):
        orders.claim(w.order(), by=w.vol)
        w.order()
    with django_assert_max_num_queries(counted):
        pages()


@pytest.mark.django_db
def test_staff_list_marks_overdue_orders(w, client):
    late = w.order(at=t("2025-09-30 10:00"))
    fresh = w.order()
    client.force_login(w.staff)
    page = client.get(reverse("resources:staff_orders") + "?status=overdue").content.decode()
    assert late.number in page and fresh.number not in page and "超期" in page


# --- figures ---------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_order_figures_for_a_region_and_period(w):
    a = w.order(at=t("2025-10-13 09:00"))
    orders.claim(a, by=w.vol, at=t("2025-10-13 10:00"))
    orders.done(a, by=w.vol, note="好了", at=t("2025-10-14 10:00"))  # on time (due 10-16 17:30)
    orders.rate(a, by=w.resident, stars=5, at=t("2025-10-14 12:00"))
    b = w.order(at=t("2025-10-13 09:00"))
    orders.claim(b, by=w.vol, at=t("2025-10-13 10:00"))
    orders.done(b, by=w.vol, note="晚了", at=t("2025-10-20 10:00"))  # late
    orders.rate(b, by=w.resident, stars=2, at=t("2025-10-20 12:00"))
    w.order(at=t("2025-10-15 09:00"))
    w.order(at=t("2025-11-03 09:00"))  # after the period
    f = orders.order_figures(w.city.county_a, date(2025, 10, 1), date(2025, 10, 31))
    assert (f.placed, f.completed, f.rated, f.average_rating, f.on_time) == (3, 2, 2, 3.5, 1)
    assert f.on_time_share == 0.5
    empty = orders.order_figures(w.city.county_b, date(2025, 10, 1), date(2025, 10, 31))
    assert (empty.placed, empty.completed, empty.average_rating, empty.on_time_share) == (0, 0, None, None)

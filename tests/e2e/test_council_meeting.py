"""A meeting in a real browser, on a 375-px phone: an owner of the compound finds the owners'
assembly at the compound's parlour among their meetings, reads the agenda, signs in once while
it is on, and the parlour's page lists the meeting; the staff month calendar is a list there."""

from datetime import timedelta

from django.utils import timezone

from doorstep.council import meetings
from doorstep.council.models import Meeting, MeetingAttendee
from doorstep.resources.models import Place
from tests.council.topic_world import topic_world
from tests.e2e.conftest import login
from tests.resources.factories import place


def fits(pg, width=375):
    w = pg.evaluate("document.documentElement.scrollWidth")
    assert w <= width, f"page is {w}px wide on a {width}px screen"


def test_a_resident_sees_the_meeting_at_their_parlour_and_signs_in(phone, db):
    t = topic_world()
    parlour = place(
        "都市春天小区党群会客厅", Place.Kind.PARLOUR, lng=114.3801, lat=27.8001, address="3栋架空层"
    )
    m = meetings.convene(
        by=t.staff,
        kind="assembly",
        region=t.city.compound_a,
        title="业主大会：3栋1单元加装电梯",
        starts_at=timezone.now() + timedelta(minutes=10),
        agenda="一、加装电梯方案\n二、费用分摊",
        place=parlour,
    )
    meetings.transition(m, "notify", by=t.staff)
    me = t.owners["1-301"]
    me.set_password("pw-doorstep-1")
    me.save()

    login(phone, me.username)
    phone.goto(phone.base + "/council/meetings/")
    phone.wait_for_selector("#meetings")
    assert phone.is_visible(".meeting-card:has-text('都市春天小区党群会客厅')")
    fits(phone)
    phone.click("text=业主大会：3栋1单元加装电梯")
    phone.wait_for_selector("#sign-in")
    assert phone.is_visible("text=一、加装电梯方案")
    assert phone.is_visible("#venue a:has-text('都市春天小区党群会客厅')")
    fits(phone)

    phone.click("text=我到了，签到")
    phone.wait_for_selector("text=已签到，欢迎参会")
    assert phone.is_visible("#sign-in .signed")
    assert not phone.is_visible("text=我到了，签到")
    fits(phone)
    row = MeetingAttendee.objects.get(meeting=m)
    assert row.user == me and row.signed_in_at is not None

    phone.click("#venue a")
    phone.wait_for_selector("#place-meetings")
    assert phone.is_visible("#place-meetings li:has-text('业主大会：3栋1单元加装电梯')")
    fits(phone)


def test_the_month_calendar_is_a_list_on_a_phone(phone, db):
    t = topic_world()
    t.staff.set_password("pw-doorstep-1")
    t.staff.save()
    today = timezone.localdate()
    when = timezone.make_aware(timezone.datetime(today.year, today.month, today.day, 19, 30))
    meetings.convene(
        by=t.staff,
        kind="parlour",
        region=t.city.compound_a,
        title="党群会客厅议事会",
        starts_at=when,
        venue="会客厅",
    )
    login(phone, t.staff.username)
    phone.goto(phone.base + "/council/staff/meetings/month/")
    phone.wait_for_selector("#month")
    fits(phone)
    assert phone.is_visible("li[aria-current=date]:has-text('党群会客厅议事会')")
    assert phone.is_visible("li[aria-current=date] .today-mark")
    visible_days = phone.eval_on_selector_all("#month li.d", "els => els.filter(e => e.offsetParent).length")
    assert visible_days == 1  # only the day with meetings (today) shows on a phone
    phone.click("#next-month")
    phone.wait_for_url("**/month/?m=*")
    phone.wait_for_selector("text=本月没有会议")
    assert not phone.is_visible("li[aria-current=date]")
    assert Meeting.objects.count() == 1

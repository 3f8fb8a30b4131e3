"""submit_demand: every bad input refused in Chinese with nothing saved; locate, categorise, repeat
and case wiring with the real functions; numbers; me too; triage."""

from datetime import timedelta
from pathlib import Path

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from doorstep.core.coords import from_wgs84
from doorstep.demands import intake
from doorstep.demands.models import (
    Case,
    Demand,
    Follow,
    TriageEvent,
)
from doorstep.demands.suggest import suggest
from tests import factories
from tests.demands import photo_samples as samples
from tests.demands.intake_helpers import (
    FAST_HASHERS,
    INSIDE_A,
    OUTSIDE,
    build_place,
    phone_report,
    snapshot,
    staff_report,
)

C = Demand.Channel
T = Demand.Triage


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return Path(settings.MEDIA_ROOT)


@pytest.fixture
def place(city, settings):
    settings.PASSWORD_HASHERS = FAST_HASHERS  # five logins to make: no need for slow hashing here
    return build_place(city)


# --- validation: each bad input → its message, nothing saved -------------------------------------

BAD = [
    # (label, builder, overrides, field, words of the Chinese message)
    ("no text", phone_report, {"text": "   "}, "text", "请描述遇到的问题"),
    ("text too short", phone_report, {"text": "灯坏"}, "text", "至少用 4 个字"),
    ("text too long", phone_report, {"text": "路灯" * 1001}, "text", "最多 2000 个字，现在有 2002 个字"),
    ("no place", phone_report, {"lng": None, "lat": None}, "location", "请在地图上点选位置"),
    ("longitude not a number", phone_report, {"lng": "东经"}, "location", "经度"),
    ("latitude out of range", phone_report, {"lat": 95}, "location", "纬度"),
    ("unknown system", phone_report, {"system": "mars"}, "location", "mars"),
    (
        "outside the territory",
        phone_report,
        {"lng": OUTSIDE[0], "lat": OUTSIDE[1]},
        "location",
        "不在本平台服务范围内",
    ),
    ("ten photos", phone_report, {"photos": "ten"}, "photos", "最多 9 张照片，现在有 10 张"),
    ("a text file named .jpg", phone_report, {"photos": "fake"}, "photos", "第 2 张照片：这个文件不是图片"),
    ("a PNG named .jpg", phone_report, {"photos": "renamed"}, "photos", "与扩展名不符"),
    ("a bomb", phone_report, {"photos": "bomb"}, "photos", "像素过多"),
    ("major class", phone_report, {"category": "major"}, "category", "请选择小类"),
    ("unknown category id", phone_report, {"category": 999999}, "category", "没有这个类别"),
    ("not logged in", phone_report, {"by": None}, "reporter", "请登录"),
    ("rider channel, not a rider", phone_report, {"channel": C.RIDER}, "reporter", "骑手"),
    ("unknown channel", phone_report, {"channel": "fax"}, "channel", "未知渠道“fax”"),
    ("bad phone", staff_report, {"contact_phone": "12345"}, "contact_phone", "11 位"),
    ("IoT number", staff_report, {"contact_phone": "1440000000000"}, "contact_phone", "物联网"),
    (
        "anonymous with a phone",
        staff_report,
        {"anonymous": True, "contact_phone": "13800138000"},
        "contact_phone",
        "匿名",
    ),
    ("hotline without ticket", staff_report, {"channel": C.HOTLINE}, "external_ticket", "须填写工单号"),
    (
        "hotline odd ticket",
        staff_report,
        {"channel": C.HOTLINE, "external_ticket": "#!"},
        "external_ticket",
        "工单号由",
    ),
    ("resident on a staff channel", staff_report, {"by": "resident"}, "reporter", "只能由工作人员录入"),
    ("staff outside their area", staff_report, {"by": "outsider"}, "location", "管辖范围"),
    ("received in the future", staff_report, {"received_at": "future"}, "received_at", "不能晚于现在"),
    ("received long ago", staff_report, {"received_at": "old"}, "received_at", "一年前"),
    (
        "point not in the picked compound",
        staff_report,
        {"region": "compound_b"},
        "location",
        "不在新城国际小区内",
    ),
    ("address too long", staff_report, {"address": "路" * 201}, "address", "最多 200 个字"),
]


def _resolve(place, overrides):
    now = timezone.now()
    photo_sets = {
        "ten": lambda: [samples.upload(samples.jpeg(64, 48)) for _ in range(10)],
        "fake": lambda: [samples.upload(samples.jpeg()), samples.upload(b"hello, not a photo", "IMG_1.jpg")],
        "renamed": lambda: [samples.upload(samples.png(), "IMG_2.jpg")],
        "bomb": lambda: [samples.upload(samples.png_bomb(), "bomb.png")],
    }
    values = dict(overrides)
    if "photos" in values:
        values["photos"] = photo_sets[values["photos"]]()
    if values.get("category") == "major":
        values["category"] = place.lamp.parent
    if values.get("by") == "resident":
        values["by"] = place.resident
    if values.get("by") == "outsider":
        values["by"] = place.outsider
    if values.get("received_at") == "future":
        values["received_at"] = now + timedelta(hours=2)
    if values.get("received_at") == "old":
        values["received_at"] = now - timedelta(days=400)
    if values.get("region") == "compound_b":
        values["region"] = place.city.compound_b
    return values


@pytest.mark.parametrize(("label", "build", "overrides", "field", "words"), BAD, ids=[b[0] for b in BAD])
def test_bad_input_is_refused_in_chinese_and_nothing_is_saved(
    place, media, label, build, overrides, field, words
):
    before = snapshot(media)
    with pytest.raises(ValidationError) as info:
        build(place, **_resolve(place, overrides))
    errors = info.value.message_dict
    assert field in errors, errors
    assert words in " ".join(errors[field]), errors
    assert snapshot(media) == before


def test_a_ticket_is_entered_once_per_channel(place, media):
    first = staff_report(place, channel=C.HOTLINE, external_ticket="GD20251008001")
    before = snapshot(media)
    with pytest.raises(ValidationError) as info:
        staff_report(place, channel=C.HOTLINE, external_ticket="gd20251008001", text="同一张工单又录了一次")
    assert f"工单号 gd20251008001 已经录入过（诉求编号 {first.number}）" in " ".join(
        info.value.message_dict["external_ticket"]
    )
    assert snapshot(media) == before


def test_photo_files_are_removed_when_the_transaction_fails(place, media, monkeypatch):
    """The disk fills up at the second photo: no demand, no case, no number used, no files."""
    from doorstep.demands.models import Photo as PhotoModel

    storage = PhotoModel._meta.get_field("original").storage
    real_save, calls = storage.save, {"n": 0}

    def save(name, content, max_length=None):
        calls["n"] += 1
        if calls["n"] == 5:
            raise OSError(28, "No space left on device")
        return real_save(name, content, max_length=max_length)

    monkeypatch.setattr(storage, "save", save)
    before = snapshot(media)
    with pytest.raises(OSError):
        phone_report(place, photos=[samples.upload(samples.jpeg()), samples.upload(samples.jpeg())])
    assert calls["n"] == 5
    assert snapshot(media) == before


# --- what a good report becomes -----------------------------------------------------------------


def test_phone_report_is_located_numbered_and_opens_its_case(place, media):
    photo = samples.upload(samples.jpeg(1200, 900, gps=True), "IMG_0001.jpg")
    demand = phone_report(place, photos=[photo])
    today = timezone.localdate()
    assert demand.number == f"{today:%Y%m%d}-0001"
    assert (demand.region_id, demand.grid_id) == (place.city.compound_a.pk, place.grid.pk)
    assert demand.address == "宜春市袁州区秀江街道宜阳社区都市春天小区"
    assert demand.reporter == place.person and demand.reporter_user == place.resident
    assert demand.entered_by == place.resident and demand.channel == C.PHONE
    assert (demand.category, demand.triage, demand.suggested_category) == (place.lamp, T.SMALL, None)
    case = Case.objects.get(demand=demand)
    assert case.status == Case.Status.SUBMITTED and case.region_id == place.city.compound_a.pk
    assert case.handle_due is not None
    (saved,) = demand.photos.all()
    assert not samples.has_gps(saved.public.read()) and samples.has_gps(saved.original.read())
    assert phone_report(place).number == f"{today:%Y%m%d}-0002"


def test_rider_report_is_credited_to_the_rider(place):
    demand = phone_report(place, channel=C.RIDER, by=place.rider)
    assert demand.channel == C.RIDER and demand.reporter == place.rider_person


def test_gcj02_input_is_stored_as_wgs84_with_what_was_given(place):
    gcj = from_wgs84(*INSIDE_A, "gcj02")
    demand = phone_report(place, lng=gcj[0], lat=gcj[1], system="gcj02")
    assert demand.input_system == "gcj02"
    assert (demand.input_lng, demand.input_lat) == pytest.approx(gcj)
    assert (demand.lng, demand.lat) == pytest.approx(INSIDE_A, abs=1e-7)
    assert demand.region_id == place.city.compound_a.pk


def test_staff_entry_by_compound_without_a_point(place):
    demand = staff_report(
        place,
        channel=C.HOTLINE,
        external_ticket="GD-2025-0042",
        lng=None,
        lat=None,
        region=place.city.compound_a,
        address="都市春天小区 2 栋",
        contact_name="王先生",
        contact_phone="+86 139-0795-1234",
        received_at=timezone.now() - timedelta(hours=3),
    )
    assert (demand.region_id, demand.grid_id) == (place.city.compound_a.pk, place.grid.pk)
    assert demand.lng is None and demand.address == "都市春天小区 2 栋"
    assert (demand.contact_name, demand.contact_phone) == ("王先生", "13907951234")
    assert demand.entered_by == place.grid_worker and demand.reporter_user is None
    assert Case.objects.get(demand=demand).received_at == demand.received_at


def test_anonymous_staff_entry_keeps_no_contact(place):
    demand = staff_report(place, channel=C.PATROL, anonymous=True)
    assert demand.anonymous and demand.contact_phone == "" and demand.contact_name == ""


def test_outside_goes_to_the_city_desk_when_configured(place, settings):
    settings.DOORSTEP_CITY_DESK_REGION = place.city.city.code
    demand = phone_report(place, lng=OUTSIDE[0], lat=OUTSIDE[1])
    assert demand.region_id == place.city.city.pk and demand.triage == T.OUTSIDE
    assert not Case.objects.filter(demand=demand).exists()


def test_a_desk_code_naming_no_region_refuses_outside_reports(place, settings):
    settings.DOORSTEP_CITY_DESK_REGION = "999999"
    with pytest.raises(ValidationError):
        phone_report(place, lng=OUTSIDE[0], lat=OUTSIDE[1])


@pytest.mark.parametrize(("threshold", "used"), [(0.0, True), (1.01, False)])
def test_suggested_category_is_stored_and_used_when_sure(place, settings, threshold, used):
    settings.DOORSTEP_SUGGEST_AUTO_SCORE = threshold
    text = "小区里的路灯坏了好几天，晚上漆黑一片"
    top = suggest(text, k=3)[0]
    demand = phone_report(place, text=text, category=None)
    assert demand.suggested_category == top.category
    if used:
        assert demand.category == top.category and demand.triage == T.SMALL
        assert Case.objects.filter(demand=demand).exists()
    else:
        assert demand.category is None and demand.triage == T.PENDING
        assert not Case.objects.filter(demand=demand).exists()


def test_the_same_person_on_the_same_matter_is_flagged_as_a_repeat(place):
    first = phone_report(place)
    second = phone_report(place, text="路灯还是不亮，上次反映过了")
    assert second.repeat_of == first
    other_matter = phone_report(place, text="垃圾桶满了没人清运", category=place.garbage)
    assert other_matter.repeat_of is None
    # someone else reporting the same lamp is not a repeat (it is a duplicate: "me too")
    assert phone_report(place, by=place.rider, channel=C.RIDER).repeat_of is None


def test_a_double_submit_returns_the_first_demand(place, media):
    first = phone_report(place, idempotency_key="7:5f0c1c2e9d8b4a6f", photos=[samples.upload(samples.jpeg())])
    before = snapshot(media)
    again = phone_report(place, idempotency_key="7:5f0c1c2e9d8b4a6f", photos=[samples.upload(samples.jpeg())])
    assert again.pk == first.pk
    assert snapshot(media) == before


def test_numbers_count_per_day_of_receipt(place):
    yesterday = timezone.now() - timedelta(days=1)
    old = staff_report(place, received_at=yesterday)
    new = staff_report(place)
    assert old.number == f"{timezone.localdate(yesterday):%Y%m%d}-0001"
    assert new.number == f"{timezone.localdate():%Y%m%d}-0001"


# --- me too -----------------------------------------------------------------------------------------


def test_me_too_counts_once_per_person_and_follows(place):
    demand = phone_report(place)
    neighbour = factories.user()
    follow = intake.me_too(demand, neighbour)
    assert follow.me_too and follow.user == neighbour
    intake.me_too(demand, neighbour)  # a second press changes nothing
    demand.refresh_from_db()
    assert demand.me_too_count == 1
    assert Follow.objects.filter(demand=demand).count() == 1
    intake.me_too(demand, place.rider)
    demand.refresh_from_db()
    assert demand.me_too_count == 2


def test_me_too_on_a_report_already_followed_counts_once(place):
    from doorstep.demands.follows import follow

    demand = phone_report(place)
    neighbour = factories.user()
    follow(demand, neighbour)
    intake.me_too(demand, neighbour)
    intake.me_too(demand, neighbour)
    demand.refresh_from_db()
    assert demand.me_too_count == 1 and Follow.objects.get(demand=demand, user=neighbour).me_too


@pytest.mark.parametrize(
    ("who", "state", "error", "words"),
    [
        ("reporter", None, ValidationError, "您自己的诉求"),
        ("anonymous", None, PermissionDenied, "请先登录"),
        ("neighbour", Case.Status.CLOSED, ValidationError, "已办结"),
        ("neighbour", Case.Status.MERGED, ValidationError, "已办结"),
    ],
)
def test_me_too_refusals(place, who, state, error, words):
    from django.contrib.auth.models import AnonymousUser

    demand = phone_report(place)
    if state:
        Case.objects.filter(demand=demand).update(status=state)
    user = {"reporter": place.resident, "anonymous": AnonymousUser(), "neighbour": factories.user()}[who]
    with pytest.raises(error) as info:
        intake.me_too(demand, user)
    assert words in " ".join(getattr(info.value, "messages", [str(info.value)]))
    demand.refresh_from_db()
    assert demand.me_too_count == 0


# --- triage -------------------------------------------------------------------------------------------


def test_triage_pending_to_small_opens_the_case(place, settings):
    settings.DOORSTEP_SUGGEST_AUTO_SCORE = 1.01  # never used without asking
    demand = phone_report(place, category=None)
    assert demand.triage == T.PENDING
    with pytest.raises(ValidationError) as info:
        intake.triage(demand, T.SMALL, place.desk)
    assert "请先选择类别" in info.value.messages[0]
    event = intake.triage(demand, T.SMALL, place.desk, "路灯归小区", category=place.lamp)
    demand.refresh_from_db()
    assert (demand.triage, demand.category) == (T.SMALL, place.lamp)
    assert Case.objects.get(demand=demand).status == Case.Status.SUBMITTED
    assert (event.from_triage, event.to_triage, event.by, event.note) == (
        T.PENDING,
        T.SMALL,
        place.desk,
        "路灯归小区",
    )


@pytest.mark.parametrize("to", [T.HARD, T.BIG])
def test_a_small_matter_waiting_for_acceptance_can_become_hard_or_big(place, to):
    demand = phone_report(place, text="小区想加装电梯，一楼住户有意见")
    intake.triage(demand, to, place.desk, "需要业主协商")
    demand.refresh_from_db()
    case = Case.objects.get(demand=demand)
    assert demand.triage == to
    assert case.status == Case.Status.NOT_ACCEPTED
    assert case.events.filter(action="reject", note="需要业主协商").exists()
    assert TriageEvent.objects.filter(demand=demand, to_triage=to).count() == 1


def test_triage_moves_follow_the_table(place):
    demand = phone_report(place)
    Case.objects.filter(demand=demand).update(status=Case.Status.HANDLING)
    with pytest.raises(ValidationError) as info:
        intake.triage(demand, T.HARD, place.desk)
    assert "已在办理中" in info.value.messages[0]
    with pytest.raises(ValidationError) as info:
        intake.triage(demand, T.SMALL, place.desk)
    assert "不能改为" in info.value.messages[0]
    assert not TriageEvent.objects.exists()


def test_duplicate_is_merged_through_the_case_loop(place):
    first = phone_report(place)
    second = phone_report(place, by=place.rider, channel=C.RIDER, text="小区路灯不亮")
    intake.triage(second, T.DUPLICATE, place.desk, into=first)
    second.refresh_from_db()
    first.refresh_from_db()
    assert second.triage == T.DUPLICATE and second.duplicate_of == first
    assert Case.objects.get(demand=second).status == Case.Status.MERGED
    assert (
        first.me_too_count == 1
        and Follow.objects.filter(demand=first, user=place.rider, me_too=True).exists()
    )


def test_only_the_desk_in_charge_triages(place):
    demand = phone_report(place)
    for user in (place.outsider, place.resident, place.grid_worker):
        with pytest.raises(PermissionDenied):
            intake.triage(demand, T.HARD, user)
    assert Demand.objects.get(pk=demand.pk).triage == T.SMALL

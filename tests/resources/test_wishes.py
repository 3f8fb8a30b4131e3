"""Micro-wishes (微心愿): the transition table, who may act, what bad input changes (nothing),
points credited once, the beneficiary's personal information (encrypted, masked, reveals logged)
and the figures (seed.md §2: a court branch's co-building fulfilled 23 children's micro-wishes)."""

from datetime import date, timedelta
from io import BytesIO

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.utils import timezone
from PIL import Image

from doorstep.core.models import PiiAccess
from doorstep.resources import wishes
from doorstep.resources.models import PointEntry, VolunteerTeam, Wish, WishEvent
from doorstep.territory.models import Organization
from tests import factories

pytestmark = pytest.mark.django_db
S = Wish.Status
CHILD = {
    "category": Wish.Category.BOOKS,
    "group": Wish.Group.PUPIL,
    "wish_text": "王小明想要一套绘本，家住3栋",
    "beneficiary_name": "王小明",
    "age": "10",
    "guardian_name": "王芳",
    "guardian_phone": "138 0000 1111",
    "address": "都市春天小区3栋2单元501",
}
PUBLIC_TEXT = "小学生，10岁，想要一套绘本"
DELIVERY = {
    "delivery_place": "宜阳社区党群服务中心",
    "delivery_contact": "社区刘老师",
    "delivery_phone": "0795-3260000",
}


@pytest.fixture
def people(city):
    return make_people(city)


def make_people(city):
    """Staff of community A, a grid worker there, a volunteer living in A, one living in B,
    and staff of community B (the outsiders)."""

    class P:
        staff = factories.role("community_staff", city.community_a, username="wish-staff")
        grid = factories.role("grid_worker", city.community_a, username="wish-grid")
        volunteer_user = factories.user("wish-volunteer")
        volunteer = factories.person("赵志愿", user=volunteer_user, home_region=city.compound_a)
        other_user = factories.user("wish-volunteer2")
        other = factories.person("钱志愿", user=other_user, home_region=city.compound_a)
        outsider_user = factories.user("wish-outsider")
        outsider = factories.person("孙外人", user=outsider_user, home_region=city.compound_b)
        outsider_staff = factories.role("community_staff", city.community_b, username="wish-staff-b")

    return P


def child_wish(city, people, **extra) -> Wish:
    return wishes.post_wish(people.grid, region=city.compound_a, **{**CHILD, **extra})


def published(city, people, **extra) -> Wish:
    wish = child_wish(city, people, **extra)
    wishes.transition(wish, "review", by=people.staff, public_text=PUBLIC_TEXT, **DELIVERY)
    return wishes.transition(wish, "publish", by=people.staff)


def png(size=(40, 30)) -> SimpleUploadedFile:
    buffer = BytesIO()
    Image.new("RGB", size, (200, 80, 40)).save(buffer, "PNG")
    return SimpleUploadedFile("evidence.png", buffer.getvalue(), content_type="image/png")


# --- posting -----------------------------------------------------------------------------------------


def test_a_grid_worker_posts_a_childs_wish_kept_encrypted(city, people):
    wish = child_wish(city, people)
    assert (wish.status, wish.community, wish.compound, wish.is_minor, wish.age) == (
        S.POSTED,
        city.community_a,
        city.compound_a,
        True,
        10,
    )
    assert wish.guardian_phone == "13800001111" and not wish.for_self
    assert wish.masked_beneficiary == "王**" and wish.masked_guardian_phone == "138****1111"
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT beneficiary_name, guardian_name, guardian_phone, address FROM resources_wish WHERE id = %s",
            [wish.pk],
        )
        stored = cursor.fetchone()
    assert all(value.startswith("v1:") for value in stored)  # ciphertext at rest
    assert not any(secret in " ".join(stored) for secret in ("王小明", "13800001111", "3栋2单元"))
    assert list(WishEvent.objects.filter(wish=wish).values_list("action", "to_status")) == [
        ("post", S.POSTED)
    ]


@pytest.mark.parametrize(
    "change, fields",
    [
        ({"wish_text": " "}, {"wish_text"}),
        ({"category": "car"}, {"category"}),
        ({"group": "x"}, {"group"}),
        ({"beneficiary_name": ""}, {"beneficiary_name"}),
        ({"age": "", "birth_year": ""}, {"age"}),
        ({"age": "abc"}, {"age"}),
        ({"age": "130"}, {"age"}),
        ({"age": "", "birth_year": "1850"}, {"birth_year"}),
        ({"guardian_name": ""}, {"guardian_name"}),
        ({"guardian_phone": ""}, {"guardian_phone"}),
        ({"guardian_phone": "12345"}, {"guardian_phone"}),
        (
            {"beneficiary_name": "", "age": "-1", "guardian_phone": "abc"},
            {"beneficiary_name", "age", "guardian_phone"},
        ),
    ],
)
def test_bad_input_is_refused_field_by_field_and_saves_nothing(city, people, change, fields):
    with pytest.raises(ValidationError) as exc:
        child_wish(city, people, **change)
    assert set(exc.value.message_dict) == fields
    assert not Wish.objects.exists() and not WishEvent.objects.exists()


def test_an_adults_wish_needs_no_guardian_and_age_comes_from_birth_year(city, people):
    year = timezone.localdate().year
    wish = child_wish(
        city,
        people,
        group=Wish.Group.ELDERLY,
        age="",
        birth_year=str(year - 80),
        guardian_name="",
        guardian_phone="",
    )
    assert (wish.age, wish.is_minor, wish.birth_year) == (80, False, year - 80)


def test_a_resident_posts_for_their_child_at_home_only(city, people):
    wish = wishes.post_wish(people.volunteer_user, region=city.compound_a, **CHILD)
    assert wish.for_self and wish.posted_by == people.volunteer_user
    with pytest.raises(PermissionDenied):
        wishes.post_wish(people.volunteer_user, region=city.compound_b, **CHILD)
    with pytest.raises(PermissionDenied):
        wishes.post_wish(people.outsider_staff, region=city.compound_a, **CHILD)
    assert Wish.objects.count() == 1


# --- the transition table ----------------------------------------------------------------------------

# (from status, action) → the status after, or the error code. The specification, written out.
ACTIONS = ["review", "publish", "reject", "withdraw", "claim", "release", "fulfil", "thank"]
EXPECTED = {
    S.POSTED: {"review": S.REVIEWED, "reject": S.REJECTED, "withdraw": S.WITHDRAWN},
    S.REVIEWED: {"publish": S.PUBLISHED, "reject": S.REJECTED, "withdraw": S.WITHDRAWN},
    S.PUBLISHED: {"claim": S.CLAIMED, "reject": S.REJECTED, "withdraw": S.WITHDRAWN},
    S.CLAIMED: {"release": S.PUBLISHED, "fulfil": S.FULFILLED, "claim": "taken"},
    S.FULFILLED: {"thank": S.THANKED},
    S.THANKED: {},
    S.REJECTED: {},
    S.WITHDRAWN: {},
}
CASES = [
    (status, action, EXPECTED[status].get(action, "conflict")) for status in EXPECTED for action in ACTIONS
]


def test_the_table_is_the_specification():
    got = {s: {a: t.target for a, t in wishes.TABLE.items() if s in t.sources} for s in EXPECTED}
    want = {s: {a: t for a, t in moves.items() if t != "taken"} for s, moves in EXPECTED.items()}
    assert got == want


@pytest.mark.parametrize("status, action, expected", CASES)
def test_every_move_from_every_status(city, people, status, action, expected):
    wish = child_wish(city, people)
    Wish.objects.filter(pk=wish.pk).update(
        status=status,
        public_text=PUBLIC_TEXT,
        claimer=people.other if status != S.PUBLISHED else None,
        **DELIVERY,
    )
    by = people.volunteer_user if action == "claim" else people.staff
    data = {
        "review": {"public_text": PUBLIC_TEXT, **DELIVERY},
        "reject": {"reason": "重复登记"},
        "fulfil": {"note": "已送到社区"},
        "thank": {"thanks": "谢谢叔叔阿姨"},
    }.get(action, {})
    events = WishEvent.objects.count()
    if expected in ("conflict", "taken"):
        with pytest.raises(wishes.WishError) as exc:
            wishes.transition(wish, action, by=by, **data)
        assert exc.value.code == expected
        if expected == "taken":
            assert exc.value.messages == ["该心愿刚刚已被他人认领。"]
        assert Wish.objects.get(pk=wish.pk).status == status
        assert WishEvent.objects.count() == events
    else:
        moved = wishes.transition(wish, action, by=by, **data)
        assert moved.status == expected == Wish.objects.get(pk=wish.pk).status
        event = WishEvent.objects.latest("id")
        assert (event.action, event.from_status, event.to_status, event.by) == (action, status, expected, by)


def test_the_whole_life_of_a_childs_wish(city, people):
    wish = child_wish(city, people)
    assert [t.action for t in wishes.allowed(people.staff, wish)] == ["review", "reject", "withdraw"]
    assert wishes.allowed(people.outsider_staff, wish) == []
    wish = published(city, people)
    assert wish.published_at and wish.public_text == PUBLIC_TEXT
    wish = wishes.transition(wish, "claim", by=people.volunteer_user)
    assert wish.claimer == people.volunteer and wish.claimed_at
    wish = wishes.transition(wish, "release", by=people.volunteer_user, note="临时出差")
    assert wish.status == S.PUBLISHED and wish.claimer is None
    wish = wishes.transition(wish, "claim", by=people.other_user)
    wish = wishes.transition(
        wish, "fulfil", by=people.other_user, note="绘本已送到社区", hours="1.5", photo=png()
    )
    assert wish.status == S.FULFILLED and wish.hours == 1.5 and wish.evidence_photo.name.endswith(".jpg")
    entry = PointEntry.objects.get()
    assert (entry.person, entry.points, entry.hours, entry.source_key) == (
        people.other,
        wishes.wish_points(),
        1.5,
        f"wish:{wish.pk}",
    )
    wish = wishes.transition(wish, "thank", by=people.staff, thanks="谢谢叔叔阿姨，我很喜欢")
    assert wish.status == S.THANKED and wish.thanks_text.startswith("谢谢")
    actions = list(WishEvent.objects.filter(wish=wish).values_list("action", flat=True))
    assert actions == ["post", "review", "publish", "claim", "release", "claim", "fulfil", "thank"]
    assert PointEntry.objects.count() == 1  # fulfilled once, credited once


def test_fulfilling_credits_once_even_if_asked_again(city, people):
    wish = published(city, people)
    wishes.transition(wish, "claim", by=people.volunteer_user)
    wishes.transition(wish, "fulfil", by=people.volunteer_user, note="送到了")
    with pytest.raises(wishes.WishError):
        wishes.transition(wish, "fulfil", by=people.volunteer_user, note="再送一次")
    wishes._credit(Wish.objects.get(pk=wish.pk), people.staff)  # the ledger's source key holds
    assert PointEntry.objects.filter(source_key=f"wish:{wish.pk}").count() == 1


def test_claims_for_a_team_or_a_co_building_unit(city, people):
    from doorstep.resources import teams

    team = teams.team_create(
        people.staff, name="宜阳圆梦队", kind=VolunteerTeam.Kind.WISHES, region=city.community_a
    )
    teams.team_join(people.staff, team, person=people.volunteer)
    court = factories.organization("袁州区法院党支部", Organization.Kind.CO_BUILDING_UNIT, city.community_a)
    factories.membership(court, people.other)
    first = published(city, people)
    wishes.transition(first, "claim", by=people.volunteer_user, team=team.pk)
    first = Wish.objects.get(pk=first.pk)
    assert first.claimer_team == team and first.claimer_label == "宜阳圆梦队"
    second = published(city, people)
    with pytest.raises(ValidationError) as exc:
        wishes.transition(second, "claim", by=people.volunteer_user, org=court.pk)  # not a member
    assert "org" in exc.value.message_dict and Wish.objects.get(pk=second.pk).status == S.PUBLISHED
    wishes.transition(second, "claim", by=people.other_user, org=court.pk)
    assert Wish.objects.get(pk=second.pk).claimer_label == "袁州区法院党支部"
    wishes.transition(first, "fulfil", by=people.volunteer_user, note="圆梦队送达")
    assert PointEntry.objects.get().team == "宜阳圆梦队"


def test_review_refuses_a_public_text_that_identifies(city, people):
    wish = child_wish(city, people)
    for text in (
        "王小明想要绘本",
        "小明，10岁",
        "家长电话13800001111",
        "都市春天小区3栋2单元501的孩子",
        "王芳的孩子",
    ):
        with pytest.raises(ValidationError) as exc:
            wishes.transition(wish, "review", by=people.staff, public_text=text, **DELIVERY)
        assert exc.value.message_dict["public_text"] == ["公开内容不得出现姓名、电话号码或地址。"]
    with pytest.raises(ValidationError) as exc:
        wishes.transition(wish, "review", by=people.staff, public_text=PUBLIC_TEXT, delivery_phone="12")
    assert set(exc.value.message_dict) == {"delivery_place", "delivery_contact", "delivery_phone"}
    wish = Wish.objects.get(pk=wish.pk)
    assert (wish.status, wish.public_text, wish.delivery_place) == (S.POSTED, "", "")
    assert WishEvent.objects.filter(wish=wish).count() == 1


def test_bad_evidence_photo_changes_nothing(city, people):
    wish = published(city, people)
    wishes.transition(wish, "claim", by=people.volunteer_user)
    bad = SimpleUploadedFile("photo.jpg", b"not an image at all", content_type="image/jpeg")
    with pytest.raises(ValidationError):
        wishes.transition(wish, "fulfil", by=people.volunteer_user, note="送到了", photo=bad)
    with pytest.raises(ValidationError) as exc:
        wishes.transition(wish, "fulfil", by=people.volunteer_user, note=" ")
    assert "note" in exc.value.message_dict
    with pytest.raises(ValidationError) as exc:
        wishes.transition(wish, "fulfil", by=people.volunteer_user, note="送到了", hours="-2")
    assert "hours" in exc.value.message_dict
    wish = Wish.objects.get(pk=wish.pk)
    assert (wish.status, wish.evidence_note, bool(wish.evidence_photo)) == (S.CLAIMED, "", False)
    assert not PointEntry.objects.exists()


def test_outsiders_change_nothing(city, people):
    wish = child_wish(city, people)
    with pytest.raises(PermissionDenied):
        wishes.transition(wish, "review", by=people.outsider_staff, public_text=PUBLIC_TEXT, **DELIVERY)
    with pytest.raises(PermissionDenied):
        wishes.transition(
            wish, "review", by=people.grid, public_text=PUBLIC_TEXT, **DELIVERY
        )  # posts, not reviews
    wish = published(city, people)
    for user in (people.outsider_user, people.outsider_staff, people.staff):
        with pytest.raises(PermissionDenied):
            wishes.transition(wish, "claim", by=user)
    wishes.transition(wish, "claim", by=people.volunteer_user)
    for user in (people.other_user, people.outsider_staff):
        with pytest.raises(PermissionDenied):
            wishes.transition(wish, "fulfil", by=user, note="冒领")
    wish = Wish.objects.get(pk=wish.pk)
    assert (wish.status, wish.claimer) == (S.CLAIMED, people.volunteer)
    assert not PointEntry.objects.exists()


def test_revealing_personal_data_is_for_the_communitys_staff_and_logged(city, people):
    wish = child_wish(city, people)
    with pytest.raises(ValidationError):
        wishes.reveal(people.staff, wish, "guardian_phone", " ")
    for user in (people.grid, people.outsider_staff, people.volunteer_user):
        with pytest.raises(PermissionDenied):
            wishes.reveal(user, wish, "guardian_phone", "送礼物")
    with pytest.raises(PermissionDenied):
        wishes.reveal(people.staff, wish, "wish_text_hidden", "看看")
    assert not PiiAccess.objects.exists()
    assert wishes.reveal(people.staff, wish, "guardian_phone", "联系家长确认") == "13800001111"
    log = PiiAccess.objects.get()
    assert (log.user, log.subject_type, log.subject_id, log.field, log.reason) == (
        people.staff,
        "resources.wish",
        str(wish.pk),
        "guardian_phone",
        "联系家长确认",
    )
    assert list(wishes.access_log(wish)) == [log]


# --- figures -----------------------------------------------------------------------------------------


def test_figures_count_the_23_childrens_wishes_of_seed_md(city, people):
    """seed.md §2: co-building between a court branch and a community — 23 children's micro-wishes."""
    for i in range(23):
        wish = published(city, people)
        wishes.transition(wish, "claim", by=people.volunteer_user)
        wishes.transition(wish, "fulfil", by=people.volunteer_user, note=f"第{i + 1}个心愿")
        if i < 20:
            wishes.transition(wish, "thank", by=people.staff, thanks="谢谢")
    adult = published(city, people, group=Wish.Group.ELDERLY, age="75", guardian_name="", guardian_phone="")
    wishes.transition(adult, "claim", by=people.volunteer_user)
    wishes.transition(adult, "fulfil", by=people.volunteer_user, note="陪老人聊天")
    child_wish(city, people)  # posted only
    today = timezone.localdate()
    f = wishes.wish_figures(city.city, today, today)
    assert (f.posted, f.published, f.claimed, f.fulfilled, f.thanked, f.children_fulfilled) == (
        25,
        24,
        24,
        24,
        20,
        23,
    )
    assert wishes.wish_figures(city.county_b, today, today).posted == 0
    earlier = today - timedelta(days=30)
    assert wishes.wish_figures(city.city, earlier, today - timedelta(days=1)).posted == 0
    assert wishes.wish_figures(city.community_a.pk, date(today.year, 1, 1), today).children_fulfilled == 23


def test_demo_wishes_are_added_once_and_removed_by_the_reset(city):
    from doorstep.resources import demo

    factories.role("community_staff", city.community_a, username="demo-community")
    assert wishes.build_demo_wishes(city.community_a, city.compound_a) == 4
    assert wishes.build_demo_wishes(city.community_a, city.compound_a) == 0
    assert (
        Wish.objects.filter(status=S.PUBLISHED).count() == 3
        and Wish.objects.filter(status=S.POSTED).count() == 1
    )
    assert len(wishes.wall(None)) == 3
    demo._delete_people_rows(city.city)
    assert not Wish.objects.exists() and not WishEvent.objects.exists()

"""Micro-wish pages and API: the public wall and the JSON list never carry the child's name, the
guardian's phone or the address; the claimer sees only what delivery needs; staff see the record
masked and every reveal is logged; outsiders get 404 and change nothing; the wall's queries are
bounded; conflicting claims answer 409."""

import json
from io import BytesIO

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from PIL import Image

from doorstep.core.models import PiiAccess
from doorstep.resources import wishes
from doorstep.resources.models import PointEntry, Wish, WishEvent
from tests.resources.test_wishes import CHILD, DELIVERY, PUBLIC_TEXT, child_wish, make_people, published

pytestmark = pytest.mark.django_db
S = Wish.Status
SECRETS = ("王小明", "小明", "王芳", "13800001111", "138****1111", "3栋2单元", "都市春天小区3栋")


@pytest.fixture
def people(city):
    return make_people(city)


def client(user=None) -> Client:
    c = Client()
    if user is not None:
        c.force_login(user)
    return c


def assert_no_secrets(text: str):
    for secret in SECRETS:
        assert secret not in text, secret


def snapshot():
    return (
        list(
            Wish.objects.order_by("pk").values_list("pk", "status", "claimer", "public_text", "reject_reason")
        ),
        WishEvent.objects.count(),
        PiiAccess.objects.count(),
        PointEntry.objects.count(),
    )


# --- the public wall -----------------------------------------------------------------------------------


def test_the_wall_shows_public_text_only(city, people):
    wish = published(city, people)
    child_wish(city, people)  # posted, not yet reviewed: not on the wall
    for user in (None, people.volunteer_user, people.outsider_user, people.staff):
        res = client(user).get("/resources/wishes/")
        assert res.status_code == 200
        html = res.content.decode()
        assert_no_secrets(html)
        if user is not people.outsider_user:  # another subdistrict's wall shows its own wishes
            assert PUBLIC_TEXT in html and "都市春天小区" in html and "小学生" in html
    html = client(people.volunteer_user).get("/resources/wishes/").content.decode()
    assert f'action="/resources/wishes/{wish.pk}/claim/"' in html
    assert html.count('class="card wish"') == 1


def test_the_json_list_shows_public_fields_only(city, people):
    wish = published(city, people)
    res = client().get("/api/v1/resources/wishes")
    assert res.status_code == 200
    assert res.json() == [
        {
            "id": wish.pk,
            "status": "published",
            "status_label": "已发布",
            "category": "books",
            "category_label": "图书",
            "group_label": "小学生",
            "text": PUBLIC_TEXT,
            "place": "都市春天小区",
            "claimed_by": "",
            "published_at": wish.published_at.isoformat(),
        }
    ]
    assert_no_secrets(res.content.decode())
    assert client().get(f"/api/v1/resources/wishes?community={city.community_b.code}").json() == []
    assert client().get("/api/v1/resources/wishes?community=nowhere").status_code == 404


def test_the_wall_reads_a_bounded_number_of_queries(city, people, django_assert_max_num_queries):
    for _i in range(12):
        w = published(city, people)
    wishes.transition(w, "claim", by=people.volunteer_user)
    wishes.transition(w, "fulfil", by=people.volunteer_user, note="送到了")
    c = client(people.other_user)
    with django_assert_max_num_queries(12):
        res = c.get("/resources/wishes/")
    assert res.content.decode().count('class="card wish"') == 11
    with django_assert_max_num_queries(6):
        assert len(client().get("/api/v1/resources/wishes").json()) == 11


def test_the_wall_puts_my_community_first_and_leaves_far_ones_out(city, people):
    near = published(city, people)
    far = wishes.post_wish(people.outsider_staff, region=city.compound_b, **CHILD)
    wishes.transition(far, "review", by=people.outsider_staff, public_text="初中生，想要一个书包", **DELIVERY)
    wishes.transition(far, "publish", by=people.outsider_staff)
    html = client(people.volunteer_user).get("/resources/wishes/").content.decode()
    assert f"wish-{near.pk}" in html and "想要一个书包" not in html
    anonymous = client().get("/resources/wishes/").content.decode()
    assert "想要一个书包" in anonymous and PUBLIC_TEXT in anonymous


# --- claiming and delivering ------------------------------------------------------------------------------


def test_claim_then_the_claimer_sees_delivery_details_only(city, people):
    wish = published(city, people)
    res = client(people.volunteer_user).post(f"/resources/wishes/{wish.pk}/claim/")
    assert res.status_code == 302 and res["Location"] == "/resources/wishes/mine/"
    assert Wish.objects.get(pk=wish.pk).claimer == people.volunteer
    html = client(people.volunteer_user).get("/resources/wishes/mine/").content.decode()
    assert (
        PUBLIC_TEXT in html
        and "宜阳社区党群服务中心" in html
        and "社区刘老师" in html
        and "0795-3260000" in html
    )
    assert_no_secrets(html)
    # the second volunteer is told clearly and nothing changes
    res = client(people.other_user).post(f"/resources/wishes/{wish.pk}/claim/", follow=True)
    assert "该心愿刚刚已被他人认领。" in res.content.decode()
    assert Wish.objects.get(pk=wish.pk).claimer == people.volunteer
    # wall: the claimed wish no longer waits
    assert f"wish-{wish.pk}" not in client().get("/resources/wishes/").content.decode()


def test_fulfil_with_photo_on_the_page_and_the_photo_stays_private(city, people):
    wish = published(city, people)
    wishes.transition(wish, "claim", by=people.volunteer_user)
    buffer = BytesIO()
    Image.new("RGB", (30, 20), (10, 120, 200)).save(buffer, "JPEG")
    photo = SimpleUploadedFile("gift.jpg", buffer.getvalue(), content_type="image/jpeg")
    res = client(people.volunteer_user).post(
        f"/resources/wishes/mine/{wish.pk}/fulfil/", {"note": "绘本送到社区", "hours": "2", "photo": photo}
    )
    assert res.status_code == 302
    wish = Wish.objects.get(pk=wish.pk)
    assert wish.status == S.FULFILLED and wish.evidence_photo and PointEntry.objects.get().hours == 2
    url = f"/resources/wishes/{wish.pk}/photo/"
    assert client(people.volunteer_user).get(url).status_code == 200
    assert client(people.staff).get(url)["Content-Type"] == "image/jpeg"
    assert client(people.other_user).get(url).status_code == 404
    assert client(people.outsider_staff).get(url).status_code == 404
    assert client().get(url).status_code == 302  # to the login
    for page in ("/resources/wishes/", "/api/v1/resources/wishes"):
        assert "/photo/" not in client().get(page).content.decode()


def test_bad_fulfil_input_changes_nothing(city, people):
    wish = published(city, people)
    wishes.transition(wish, "claim", by=people.volunteer_user)
    before = snapshot()
    fake = SimpleUploadedFile("gift.jpg", b"<html>not a photo</html>", content_type="image/jpeg")
    for data in ({"note": ""}, {"note": "送到了", "hours": "many"}, {"note": "送到了", "photo": fake}):
        res = client(people.volunteer_user).post(
            f"/resources/wishes/mine/{wish.pk}/fulfil/", data, follow=True
        )
        assert res.status_code == 200 and 'class="error"' in res.content.decode()
    assert snapshot() == before


def test_outsiders_get_404_and_change_nothing(city, people):
    wish = published(city, people)
    before = snapshot()
    outsider = client(people.outsider_user)
    assert outsider.post(f"/resources/wishes/{wish.pk}/claim/").status_code == 404
    assert (
        client(people.other_user).post(f"/resources/wishes/mine/{wish.pk}/fulfil/", {"note": "x"}).status_code
        == 404
    )
    assert client(people.other_user).post(f"/resources/wishes/mine/{wish.pk}/withdraw/").status_code == 404
    staff_b = client(people.outsider_staff)
    assert staff_b.get(f"/resources/staff/wishes/{wish.pk}/").status_code == 404
    assert staff_b.post(f"/resources/staff/wishes/{wish.pk}/reject/", {"reason": "越权"}).status_code == 404
    assert (
        staff_b.post(
            f"/resources/staff/wishes/{wish.pk}/reveal/", {"field": "address", "reason": "看看"}
        ).status_code
        == 404
    )
    assert PUBLIC_TEXT not in staff_b.get("/resources/staff/wishes/").content.decode()
    assert client(people.volunteer_user).get("/resources/staff/wishes/").status_code == 403
    assert snapshot() == before


# --- the staff desk ------------------------------------------------------------------------------------


def test_staff_review_publish_and_reveal_is_logged(city, people):
    staff = client(people.staff)
    res = staff.post(
        "/resources/wishes/post/",
        {**CHILD, "region": city.compound_a.pk},
    )
    wish = Wish.objects.get()
    assert res.status_code == 302 and res["Location"] == f"/resources/staff/wishes/{wish.pk}/"
    page = staff.get(f"/resources/staff/wishes/{wish.pk}/").content.decode()
    assert "王**" in page and "138****1111" in page and "王小明" not in page and "13800001111" not in page
    # a public text naming the child is refused and changes nothing
    res = staff.post(
        f"/resources/staff/wishes/{wish.pk}/review/", {"public_text": "王小明想要绘本", **DELIVERY}
    )
    assert res.status_code == 400 and "公开内容不得出现姓名、电话号码或地址。" in res.content.decode()
    assert Wish.objects.get().status == S.POSTED
    res = staff.post(f"/resources/staff/wishes/{wish.pk}/review/", {"public_text": PUBLIC_TEXT, **DELIVERY})
    assert res.status_code == 302
    staff.post(f"/resources/staff/wishes/{wish.pk}/publish/")
    assert Wish.objects.get().status == S.PUBLISHED
    # reveal: the reason is required, then the value shows and the access is logged
    res = staff.post(f"/resources/staff/wishes/{wish.pk}/reveal/", {"field": "guardian_phone", "reason": ""})
    assert res.status_code == 400 and not PiiAccess.objects.exists()
    res = staff.post(
        f"/resources/staff/wishes/{wish.pk}/reveal/", {"field": "guardian_phone", "reason": "通知家长领取"}
    )
    assert res.status_code == 200 and "13800001111" in res.content.decode()
    log = PiiAccess.objects.get()
    assert (log.user, log.subject_type, log.field, log.reason) == (
        people.staff,
        "resources.wish",
        "guardian_phone",
        "通知家长领取",
    )
    assert "通知家长领取" in staff.get(f"/resources/staff/wishes/{wish.pk}/").content.decode()
    # a grid worker sees the masked list but may not reveal or review
    grid = client(people.grid)
    assert "王**" in grid.get("/resources/staff/wishes/").content.decode()
    assert (
        grid.post(
            f"/resources/staff/wishes/{wish.pk}/reveal/", {"field": "address", "reason": "x"}
        ).status_code
        == 403
    )
    assert PiiAccess.objects.count() == 1


def test_staff_list_reads_a_bounded_number_of_queries(city, people, django_assert_max_num_queries):
    for _i in range(10):
        w = published(city, people)
    wishes.transition(w, "claim", by=people.volunteer_user)
    c = client(people.staff)
    with django_assert_max_num_queries(10):
        res = c.get("/resources/staff/wishes/")
    assert res.content.decode().count("/resources/staff/wishes/") >= 10


def test_post_page_bad_input_saves_nothing_and_resident_posts_at_home(city, people):
    c = client(people.volunteer_user)
    page = c.get("/resources/wishes/post/").content.decode()
    assert "都市春天小区" in page and "新城国际小区" not in page
    res = c.post("/resources/wishes/post/", {**CHILD, "region": city.compound_a.pk, "guardian_phone": "123"})
    assert res.status_code == 400 and not Wish.objects.exists()
    assert "手机号码" in res.content.decode()
    res = c.post("/resources/wishes/post/", {**CHILD, "region": city.compound_b.pk})
    assert res.status_code == 400 and not Wish.objects.exists()
    res = c.post("/resources/wishes/post/", {**CHILD, "region": city.compound_a.pk})
    assert res.status_code == 302 and Wish.objects.get().for_self
    mine = c.get("/resources/wishes/mine/").content.decode()
    assert "王小明想要一套绘本" in mine  # the poster sees their own wish as they wrote it


def test_the_poster_thanks_after_fulfilment(city, people):
    wish = wishes.post_wish(people.volunteer_user, region=city.compound_a, **CHILD)
    wishes.transition(wish, "review", by=people.staff, public_text=PUBLIC_TEXT, **DELIVERY)
    wishes.transition(wish, "publish", by=people.staff)
    with pytest.raises(ValidationError) as exc:
        wishes.transition(wish, "claim", by=people.volunteer_user)  # one's own wish is for others
    assert exc.value.messages == ["自己提交的心愿请由他人认领。"]
    wishes.transition(wish, "claim", by=people.other_user)
    wishes.transition(wish, "fulfil", by=people.other_user, note="送到了")
    res = client(people.volunteer_user).post(
        f"/resources/wishes/mine/{wish.pk}/thank/", {"thanks": "谢谢钱阿姨"}
    )
    assert res.status_code == 302
    wish = Wish.objects.get()
    assert (wish.status, wish.thanks_text) == (S.THANKED, "谢谢钱阿姨")
    html = client(people.other_user).get("/resources/wishes/mine/").content.decode()
    assert "谢谢钱阿姨" in html


# --- the API's writes ---------------------------------------------------------------------------------


def _api(user):
    c = Client(enforce_csrf_checks=True)
    c.force_login(user)
    c.get("/resources/wishes/")
    token = c.cookies["csrftoken"].value

    def post(path, body=None):
        return c.post(path, json.dumps(body or {}), content_type="application/json", HTTP_X_CSRFTOKEN=token)

    return post


def test_api_claim_and_fulfil_with_stable_error_codes(city, people):
    wish = published(city, people)
    first, second, outsider = _api(people.volunteer_user), _api(people.other_user), _api(people.outsider_user)
    res = outsider(f"/api/v1/resources/wishes/{wish.pk}/claim")
    assert res.status_code == 404 and res.json()["code"] == "not_found"
    res = first(f"/api/v1/resources/wishes/{wish.pk}/claim")
    assert res.status_code == 200 and res.json()["status"] == "claimed" and res.json()["claimed_by"] == "赵**"
    assert_no_secrets(res.content.decode())
    res = second(f"/api/v1/resources/wishes/{wish.pk}/claim")
    assert res.status_code == 409 and res.json() == {
        "code": "wish_taken",
        "message": "该心愿刚刚已被他人认领。",
    }
    res = second(f"/api/v1/resources/wishes/{wish.pk}/fulfil", {"note": "冒领"})
    assert res.status_code == 404
    res = first(f"/api/v1/resources/wishes/{wish.pk}/fulfil", {"note": "  "})
    assert res.status_code == 422 and "note" in res.json()["errors"]
    res = first(f"/api/v1/resources/wishes/{wish.pk}/fulfil", {"note": "送到了", "hours": "1.25"})
    assert res.status_code == 200 and res.json()["status"] == "fulfilled"
    res = first(f"/api/v1/resources/wishes/{wish.pk}/fulfil", {"note": "再来"})
    assert res.status_code == 409 and res.json()["code"] == "not_allowed_now"
    assert PointEntry.objects.count() == 1
    assert Client().post(f"/api/v1/resources/wishes/{wish.pk}/claim").status_code in (401, 403)


def test_figures_api_counts_wishes_in_scope(city, people):
    wish = published(city, people)
    wishes.transition(wish, "claim", by=people.volunteer_user)
    wishes.transition(wish, "fulfil", by=people.volunteer_user, note="送到了")
    q = {"region": city.community_a.code, "start": "2020-01-01", "end": "2099-12-31"}
    data = client(people.staff).get("/api/v1/resources/figures", q).json()
    assert data["wishes"] == {
        "posted": 1,
        "published": 1,
        "claimed": 1,
        "fulfilled": 1,
        "thanked": 0,
        "children_fulfilled": 1,
    }
    assert client(people.outsider_staff).get("/api/v1/resources/figures", q).status_code == 404


def test_the_admin_lists_wishes_read_only_without_the_beneficiary(city, people):
    wish = published(city, people)
    for user in (people.staff, people.outsider_staff):
        user.is_staff = True
        user.save(update_fields=["is_staff"])
    own = client(people.staff)
    listing = own.get("/admin/resources/wish/")
    assert listing.status_code == 200 and PUBLIC_TEXT in listing.content.decode()
    page = own.get(f"/admin/resources/wish/{wish.pk}/change/")
    assert page.status_code == 200
    assert_no_secrets(page.content.decode())
    assert "王小明想要" not in page.content.decode()
    other = client(people.outsider_staff)
    assert PUBLIC_TEXT not in other.get("/admin/resources/wish/").content.decode()
    assert other.get(f"/admin/resources/wish/{wish.pk}/change/").status_code in (302, 403, 404)
    before = snapshot()
    other.post(f"/admin/resources/wish/{wish.pk}/delete/", {"post": "yes"})
    assert snapshot() == before

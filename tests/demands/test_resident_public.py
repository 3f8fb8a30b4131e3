"""The public map and a report's public page: what anyone may see, and what no one may.

Privacy rules (doorstep/demands/public.py): no reporter name, phone, ID number, login,
description or typed address in public; only published photos; points inside a compound are
shown at the centre of a ~50 m cell, points outside compounds to ~1 m; refused, merged and
out-of-territory reports are not on the map.
"""

import itertools
import json
from datetime import timedelta
from io import BytesIO

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone
from PIL import Image

from doorstep.demands import photos, public
from doorstep.demands.models import Case, Category, Demand
from tests import factories

_seq = itertools.count(1)
NAME, PHONE, ID_NUMBER = "欧阳娜娜", "13912345678", "11010519491231002X"
CONTACT = "司马光明"
SECRET_TEXT = "我是3栋201的欧阳娜娜，电话13912345678，楼下垃圾三天没人清运"
SECRET_ADDRESS = "都市春天小区3栋2单元201室"
T, S = Demand.Triage, Case.Status


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    return tmp_path


@pytest.fixture
def garbage(db):
    major = Category.objects.create(code="R01", name="市容环境")
    return Category.objects.create(code="R0101", name="暴露垃圾", parent=major)


@pytest.fixture
def parking(db):
    major = Category.objects.create(code="R05", name="街面秩序")
    return Category.objects.create(code="R0501", name="机动车乱停放", parent=major)


@pytest.fixture
def reporter(city):
    user = factories.user("ouyang")
    factories.person(NAME, phone=PHONE, id_number=ID_NUMBER, user=user, home_region=city.compound_a)
    return user


def jpeg(color=(200, 200, 200), size=(400, 300)) -> SimpleUploadedFile:
    buffer = BytesIO()
    Image.new("RGB", size, color).save(buffer, "JPEG")
    return SimpleUploadedFile("photo.jpg", buffer.getvalue(), content_type="image/jpeg")


def report(
    city,
    category,
    *,
    user=None,
    lng=114.3801,
    lat=27.8001,
    region=None,
    triage=T.SMALL,
    status=S.SUBMITTED,
    received_at=None,
    duplicate_of=None,
) -> Demand:
    """A demand as intake stores it (reporter, contact, text, address), with its case."""
    n = next(_seq)
    received_at = received_at or timezone.now() - timedelta(hours=n)
    person = user.person if user is not None and hasattr(user, "person") else None
    d = Demand.objects.create(
        number=f"T{n:08d}",
        channel=Demand.Channel.PHONE,
        reporter=person,
        reporter_user=user,
        contact_phone=PHONE,
        contact_name=CONTACT,
        text=SECRET_TEXT,
        address=SECRET_ADDRESS,
        lng=lng,
        lat=lat,
        region=region or city.compound_a,
        category=category,
        triage=triage,
        received_at=received_at,
        duplicate_of=duplicate_of,
    )
    if triage == T.SMALL:
        Case.objects.create(
            demand=d,
            number=f"C{n:08d}",
            status=status,
            category=category,
            region=d.region,
            received_at=received_at,
        )
    return d


def points(client, bbox="114.3,27.7,114.6,27.9", **params):
    response = client.get(reverse("demands:public_points"), {"bbox": bbox, **params})
    assert response.status_code == 200, response.content
    return response.json()


# --- Privacy ---------------------------------------------------------------------------------------


def test_public_map_json_and_pages_hold_no_personal_data(client, city, garbage, reporter, media):
    d = report(city, garbage, user=reporter)
    hidden, shown = photos.save_photos(d, [jpeg(), jpeg((10, 10, 10))])
    staff = factories.role("community_staff", city.community_a)
    photos.publish(shown, staff)

    data = points(client)
    page = client.get(reverse("demands:public_report", args=[d.number]))
    map_page = client.get(reverse("demands:public_map"))
    assert page.status_code == 200 and map_page.status_code == 200
    for body in (json.dumps(data, ensure_ascii=False), page.content.decode(), map_page.content.decode()):
        for secret in (
            NAME,
            "欧阳*",
            PHONE,
            "139****5678",
            ID_NUMBER,
            CONTACT,
            "ouyang",
            SECRET_TEXT[:8],
            SECRET_ADDRESS,
            "2单元",
        ):
            assert secret not in body, secret
    assert data["points"][0]["category"] == "市容环境 / 暴露垃圾"
    # Only the published photo, by its own token; the unpublished one nowhere.
    body = page.content.decode()
    assert shown.token in body and hidden.token not in body
    assert data["points"][0]["thumb"].endswith(f"/{shown.token}/thumb/")
    assert hidden.token not in json.dumps(data)


def test_unpublished_photos_stay_off_the_map(client, city, garbage, reporter, media):
    d = report(city, garbage, user=reporter)
    photos.save_photos(d, [jpeg()])
    assert points(client)["points"][0]["thumb"] == ""
    page = client.get(reverse("demands:public_report", args=[d.number]))
    assert "demands/report/photo" not in page.content.decode()


@pytest.mark.parametrize(
    ("lat", "lng", "in_compound", "expected"),
    [
        # Inside a compound: the centre of the 0.0005° cell the point falls in.
        (27.80012, 114.38018, True, (27.80025, 114.38025)),
        (27.80049, 114.38001, True, (27.80025, 114.38025)),
        (27.80051, 114.38051, True, (27.80075, 114.38075)),
        # Outside compounds (a street): kept to 5 decimals (≈ 1 m).
        (27.800123, 114.380187, False, (27.80012, 114.38019)),
    ],
)
def test_public_position(lat, lng, in_compound, expected):
    assert public.public_position(lat, lng, in_compound=in_compound) == pytest.approx(expected, abs=1e-9)


def test_points_inside_a_compound_are_moved_to_the_cell_centre(client, city, garbage):
    inside = report(city, garbage, lat=27.80012, lng=114.38018, region=city.compound_a)
    street = report(city, garbage, lat=27.805123, lng=114.385187, region=city.community_a)
    by_number = {p["number"]: p for p in points(client)["points"]}
    p_in, p_out = by_number[inside.number], by_number[street.number]
    assert (p_in["lat"], p_in["lng"], p_in["approximate"]) == (27.80025, 114.38025, True)
    assert (p_out["lat"], p_out["lng"], p_out["approximate"]) == (27.80512, 114.38519, False)
    # Within about 50 m of the truth, never exactly on it.
    assert abs(p_in["lat"] - inside.lat) * 111_320 < 30
    assert (p_in["lat"], p_in["lng"]) != (inside.lat, inside.lng)


# --- What the map shows ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("triage", "status", "stage"),
    [
        (T.SMALL, S.SUBMITTED, "received"),
        (T.SMALL, S.DISPATCHED, "handling"),
        (T.SMALL, S.RETURNED, "handling"),
        (T.SMALL, S.FEEDBACK, "checking"),
        (T.SMALL, S.RATED, "closed"),
        (T.HARD, None, "deliberation"),
        (T.BIG, None, "project"),
        (T.PENDING, None, "received"),
        (T.SMALL, S.NOT_ACCEPTED, None),
        (T.SMALL, S.MERGED, None),
        (T.OUTSIDE, None, None),
        (T.DUPLICATE, None, None),
    ],
)
def test_stages_on_the_map(client, city, garbage, triage, status, stage):
    d = report(city, garbage, triage=triage, status=status or S.SUBMITTED)
    found = [p for p in points(client)["points"] if p["number"] == d.number]
    if stage is None:
        assert found == []
    else:
        assert found[0]["stage"] == stage
        assert points(client, stage=stage)["points"][0]["number"] == d.number


def test_refused_merged_and_outside_reports_on_their_pages(client, city, garbage):
    main = report(city, garbage)
    merged = report(city, garbage, triage=T.DUPLICATE, duplicate_of=main)
    refused = report(city, garbage, status=S.NOT_ACCEPTED)
    outside = report(city, garbage, triage=T.OUTSIDE)
    url = lambda d: reverse("demands:public_report", args=[d.number])  # noqa: E731
    assert client.get(url(merged)).url == url(main)
    page = client.get(url(refused)).content.decode()
    assert "未予受理" in page and SECRET_TEXT[:8] not in page
    assert client.get(url(outside)).status_code == 404
    assert client.get(reverse("demands:public_report", args=["NOPE"])).status_code == 404


def test_filters_box_category_and_days(client, city, garbage, parking):
    now = timezone.now()
    near = report(city, garbage, lng=114.3801, lat=27.8001, received_at=now - timedelta(days=2))
    old = report(city, garbage, lng=114.3802, lat=27.8002, received_at=now - timedelta(days=60))
    car = report(city, parking, lng=114.3803, lat=27.8003, received_at=now - timedelta(days=1))
    far = report(
        city, garbage, lng=114.5001, lat=27.8501, region=city.compound_b, received_at=now - timedelta(days=3)
    )

    def numbers(**params):
        return [p["number"] for p in points(client, **params)["points"]]

    assert numbers() == [car.number, near.number, far.number, old.number]  # newest first
    assert set(numbers(bbox="114.37,27.79,114.39,27.81")) == {near.number, old.number, car.number}
    assert numbers(category="R05") == [car.number]
    assert numbers(category="R0101", bbox="114.37,27.79,114.39,27.81") == [near.number, old.number]
    assert numbers(days="30") == [car.number, near.number, far.number]


def test_paging_walks_every_point_once(client, city, garbage):
    made = {report(city, garbage, lat=27.8 + i * 1e-5).number for i in range(7)}
    seen, cursor, pages = [], "", 0
    while True:
        data = points(client, limit="3", cursor=cursor)
        seen += [p["number"] for p in data["points"]]
        pages += 1
        cursor = data["next"]
        if not cursor:
            break
    assert pages == 3 and len(seen) == 7 and set(seen) == made


@pytest.mark.parametrize(
    "params",
    [
        {"bbox": ""},
        {"bbox": "1,2,3"},
        {"bbox": "a,b,c,d"},
        {"bbox": "5,5,1,1"},
        {"bbox": "1,1,2,2", "stage": "x"},
        {"bbox": "1,1,2,2", "cursor": "nonsense"},
    ],
)
def test_bad_requests_get_a_400(client, db, params):
    response = client.get(reverse("demands:public_points"), params)
    assert response.status_code == 400
    assert "error" in response.json()


def test_map_endpoint_query_count_is_constant(
    client, city, garbage, reporter, media, django_assert_max_num_queries
):
    staff = factories.role("community_staff", city.community_a)
    for i in range(3):
        d = report(city, garbage, user=reporter, lat=27.8 + i * 1e-4)
        photos.publish(photos.save_photos(d, [jpeg()])[0], staff)
    with django_assert_max_num_queries(3):  # the box, its points, their photos
        assert len(points(client)["points"]) == 3
    for i in range(30):
        d = report(city, garbage, user=reporter, lat=27.801 + i * 1e-4)
        photos.publish(photos.save_photos(d, [jpeg()])[0], staff)
    with django_assert_max_num_queries(3):  # the box, its points, their photos
        assert len(points(client)["points"]) == 33


def test_map_page_in_chinese_without_login(client, city, garbage):
    response = client.get(reverse("demands:public_map"))
    body = response.content.decode()
    assert response.status_code == 200
    assert "诉求地图" in body and "市容环境" in body and "小区内的诉求点位置模糊到约 50 米" in body


def test_public_page_counts_and_steps(client, city, garbage, reporter):
    d = report(city, garbage, user=reporter, status=S.DISPATCHED)
    c = d.case
    staff = factories.role("community_staff", city.community_a)
    now = timezone.now()
    c.events.create(
        at=now,
        actor=staff,
        action="accept",
        from_status="submitted",
        to_status="accepted",
        note="已联系欧阳娜娜",
        public=True,
    )
    c.events.create(
        at=now,
        actor=staff,
        action="dispatch",
        from_status="accepted",
        to_status="dispatched",
        note="内部备注",
        public=False,
    )
    body = client.get(reverse("demands:public_report", args=[d.number])).content.decode()
    assert "提交诉求" in body and "已立案" in body  # the public milestones
    assert "已派遣至承办单位" not in body  # an event not marked public
    assert "已联系" not in body and "内部备注" not in body  # no notes in public


def test_dense_and_sparse_boxes_give_the_same_points(client, city, garbage, parking, monkeypatch):
    """A box with more reports than the probe reads is read newest first: same answer."""
    now = timezone.now()
    for i in range(12):
        report(city, garbage if i % 3 else parking, lat=27.8 + i * 1e-4, received_at=now - timedelta(hours=i))
    report(city, garbage, status=S.NOT_ACCEPTED)
    report(city, garbage, lng=114.5001, lat=27.8501, region=city.compound_b)

    def walk(limit, **params):
        seen, cursor = [], ""
        while True:
            data = points(client, limit=limit, cursor=cursor, **params)
            seen += [p["number"] for p in data["points"]]
            if not (cursor := data["next"]):
                return seen

    scan = public.MAP_SCAN
    for limit in ("5", "1"):  # with 1, a selective filter needs the second fetch of the box
        for params in ({}, {"category": "R05"}, {"stage": "received"}, {"bbox": "114.37,27.79,114.39,27.81"}):
            sparse = walk(limit, **params)
            monkeypatch.setattr(public, "MAP_SCAN", 3)
            dense = walk(limit, **params)
            monkeypatch.setattr(public, "MAP_SCAN", scan)
            assert dense == sparse and len(sparse) >= 4, params
    assert len(walk("5")) == 13 and len(walk("5", category="R05")) == 4


def test_a_report_placed_by_its_compound_only_has_a_page_but_no_point(client, city, garbage, reporter):
    d = report(city, garbage, user=reporter, lat=None, lng=None)
    assert points(client)["points"] == []
    page = client.get(reverse("demands:public_report", args=[d.number]))
    body = page.content.decode()
    assert page.status_code == 200 and "都市春天小区" in body and 'id="report-map"' not in body

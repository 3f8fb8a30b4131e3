"""The public pages: near me (phone), a place's page, the GeoJSON export and the near-me API."""

import json
from urllib.parse import parse_qs, urlparse

import pytest
from django.urls import reverse

from doorstep.core.coords import from_wgs84
from doorstep.resources.models import Place
from tests.resources.factories import ALWAYS, place, service

pytestmark = pytest.mark.django_db
K = Place.Kind


@pytest.fixture
def stations(city):
    red = place(
        name="都市春天红色驿站",
        lng=114.3805,
        lat=27.8003,
        hours=ALWAYS,
        phone="0795-3210000",
        address="宜阳大道1号",
        facilities="饮水机\n充电宝\n微波炉",
    )
    service(red, name="饮水休息")
    service(red, name="手机充电", provider_name="宜阳社区")
    service(
        red, name="急救药箱", is_free=False, price_note="成本价", booking="phone", booking_note="提前电话"
    )
    hall = place(name="宜阳社区党群服务站", kind=K.SERVICE_STATION, lng=114.383, lat=27.803, hours={})
    service(hall, name="政务代办")
    return red, hall


def test_near_by_compound(client, stations, city):
    red, hall = stations
    response = client.get(reverse("resources:near"), {"q": "都市春天"})
    html = response.content.decode()
    assert response.status_code == 200
    assert "都市春天红色驿站" in html and "宜阳社区党群服务站" in html
    assert html.index("都市春天红色驿站") < html.index("宜阳社区党群服务站")  # nearest first
    assert "红木莲" in html
    assert "饮水休息" in html and "成本价" in html
    assert "开放中" in html
    assert "uri.amap.com/navigation" in html and "geo:27.800300,114.380500" in html


def test_amap_link_carries_gcj02(client, stations):
    red, _hall = stations
    response = client.get(reverse("resources:near"), {"lng": "114.3805", "lat": "27.8003"})
    html = response.content.decode()
    start = html.index("https://uri.amap.com/navigation?")
    link = html[start : html.index('"', start)].replace("&amp;", "&")
    to = parse_qs(urlparse(link).query)["to"][0].split(",")
    glng, glat = from_wgs84(red.lng, red.lat, "gcj02")
    assert (float(to[0]), float(to[1])) == pytest.approx((glng, glat), abs=1e-6)
    assert parse_qs(urlparse(link).query)["coordinate"] == ["gaode"]


def test_near_filter_by_service_and_kind(client, stations):
    red, hall = stations
    html = client.get(
        reverse("resources:near"), {"compound": "x", "q": "都市春天小区", "service": "政务代办"}
    ).content.decode()
    assert "宜阳社区党群服务站" in html and "都市春天红色驿站" not in html
    html = client.get(
        reverse("resources:near"), {"q": "都市春天小区", "kind": "red_station"}
    ).content.decode()
    assert "都市春天红色驿站" in html and "宜阳社区党群服务站" not in html


def test_near_with_a_gcj02_position(client, stations):
    glng, glat = from_wgs84(114.3805, 27.8003, "gcj02")
    html = client.get(
        reverse("resources:near"), {"lng": glng, "lat": glat, "system": "gcj02", "minutes": 5}
    ).content.decode()
    assert "都市春天红色驿站" in html and "宜阳社区党群服务站" not in html


def test_near_bad_input_says_so(client, city):
    response = client.get(reverse("resources:near"), {"lng": "abc", "lat": "27.8"})
    assert response.status_code == 200
    assert 'role="alert"' in response.content.decode()
    response = client.get(reverse("resources:near"), {"q": "没有这个小区"})
    assert 'role="alert"' in response.content.decode()


def test_near_page_queries_do_not_grow_with_places(client, city, django_assert_num_queries):
    def count():
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        with CaptureQueriesContext(connection) as ctx:
            assert (
                client.get(reverse("resources:near"), {"compound": city.compound_a.code}).status_code == 200
            )
        return len(ctx.captured_queries)

    p = place(name="一号", lng=114.3801, lat=27.80)
    service(p)
    few = count()
    for i in range(10):
        p = place(name=f"点{i}", lng=114.381 + i * 0.0002, lat=27.80)
        service(p, name="甲")
        service(p, name="乙")
    assert count() == few == 4  # compound, the box, places, services


def test_near_page_lists_the_nearest_thirty(client, city):
    from doorstep.resources.views import PAGE_LIMIT

    for i in range(PAGE_LIMIT + 5):
        place(name=f"点{i:02d}", lng=114.3801 + i * 0.00005, lat=27.80)
    html = client.get(reverse("resources:near"), {"lng": "114.38", "lat": "27.80"}).content.decode()
    assert html.count('class="near-item"') == PAGE_LIMIT
    assert "点00" in html and f"点{PAGE_LIMIT + 4}" not in html
    assert 'id="near-more"' in html


def test_place_page(client, stations, django_assert_num_queries):
    red, _hall = stations
    with django_assert_num_queries(2):
        response = client.get(reverse("resources:place", args=[red.pk]))
    html = response.content.decode()
    assert response.status_code == 200
    assert "都市春天红色驿站" in html and "0795-3210000" in html and "微波炉" in html
    assert "急救药箱" in html and "提前电话" in html
    assert "map.tianditu.gov.cn" in html


def test_closed_place_has_no_public_page(client, stations):
    from datetime import date

    from doorstep.resources import services

    red, _hall = stations
    services.place_close(red, on=date(2025, 1, 1))
    assert client.get(reverse("resources:place", args=[red.pk])).status_code == 404


@pytest.mark.parametrize("system", ["wgs84", "gcj02"])
def test_geojson_export(client, stations, system, django_assert_num_queries):
    red, hall = stations
    with django_assert_num_queries(1):
        response = client.get(reverse("resources:geojson"), {"system": system})
    assert response["Content-Type"].startswith("application/geo+json")
    data = json.loads(response.content)
    assert data["type"] == "FeatureCollection" and data["coordinate_system"] == system
    features = {f["properties"]["name"]: f for f in data["features"]}
    assert features["都市春天红色驿站"]["properties"]["red_mark"] is True
    assert features["宜阳社区党群服务站"]["properties"]["red_mark"] is False
    assert features["都市春天红色驿站"]["properties"]["services"] == 3
    assert features["宜阳社区党群服务站"]["properties"]["open_now"] is None
    expected = from_wgs84(red.lng, red.lat, system)
    assert features["都市春天红色驿站"]["geometry"]["coordinates"] == pytest.approx(list(expected), abs=1e-6)


def test_geojson_refuses_bd09(client, city):
    assert client.get(reverse("resources:geojson"), {"system": "bd09"}).status_code == 400


def test_export_command(stations, tmp_path):
    from django.core.management import call_command

    out = tmp_path / "places.geojson"
    call_command("places", "export", "--system", "gcj02", "--output", str(out))
    data = json.loads(out.read_text(encoding="utf-8"))
    assert data["coordinate_system"] == "gcj02" and len(data["features"]) == 2


def test_api_near(client, stations):
    red, hall = stations
    response = client.get("/api/v1/resources/near", {"lng": 114.3805, "lat": 27.8003, "minutes": 10})
    assert response.status_code == 200, response.content
    data = response.json()
    assert [p["name"] for p in data["places"]] == ["都市春天红色驿站", "宜阳社区党群服务站"]
    first = data["places"][0]
    assert first["red_mark"] is True and first["walk_minutes"] == 0.0 and first["open_now"] is True
    assert [s["name"] for s in first["services"]] == ["急救药箱", "手机充电", "饮水休息"]
    assert first["gcj02"]["lng"] == pytest.approx(from_wgs84(red.lng, red.lat, "gcj02")[0])
    assert data["detour"] == 1.2 and data["walk_metres_per_minute"] == 60
    only = client.get("/api/v1/resources/near", {"lng": 114.3805, "lat": 27.8003, "service": "政务"}).json()
    assert [p["name"] for p in only["places"]] == ["宜阳社区党群服务站"]


def test_api_near_rejects_bad_input(client, city):
    assert (
        client.get("/api/v1/resources/near", {"lng": 114.38, "lat": 27.8, "system": "xyz"}).status_code == 422
    )
    assert (
        client.get("/api/v1/resources/near", {"lng": 114.38, "lat": 27.8, "minutes": 90}).status_code == 422
    )
    assert (
        client.get("/api/v1/resources/near", {"lng": 114.38, "lat": 27.8, "kind": "pub"}).status_code == 422
    )


def test_coverage_and_figures_commands(stations, city, capsys):
    from django.core.management import call_command

    call_command("places", "coverage", "--region", city.community_a.code)
    data = json.loads(capsys.readouterr().out)
    assert data["compounds"] == 1 and data["within"] == {"5": 1, "10": 1, "15": 1}
    call_command("places", "figures", "--from", "2020-01-01", "--to", "2099-12-31")
    data = json.loads(capsys.readouterr().out)
    assert data["red_stations"] == 1 and data["stations"] == 2 and data["services"] == 4


@pytest.mark.parametrize(
    "argv",
    [
        ["coverage", "--region", "nope"],
        ["coverage", "--kinds", "pub"],
        ["figures", "--from", "2025-02-01", "--to", "2025-01-01"],
    ],
)
def test_commands_refuse_bad_input_with_status_2(city, argv, capsys):
    from django.core.management import call_command

    with pytest.raises(SystemExit) as exc:
        call_command("places", *argv)
    assert exc.value.code == 2
    assert capsys.readouterr().err.strip()


def test_api_near_queries_do_not_grow_with_places(client, city):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    def count():
        with CaptureQueriesContext(connection) as ctx:
            assert client.get("/api/v1/resources/near", {"lng": 114.38, "lat": 27.80}).status_code == 200
        return len(ctx.captured_queries)

    service(place(name="一号", lng=114.3801, lat=27.80))
    few = count()
    for i in range(10):
        p = place(name=f"点{i}", lng=114.381 + i * 0.0002, lat=27.80)
        service(p, name="甲")
        service(p, name="乙")
    assert count() == few == 3  # the box, places, services

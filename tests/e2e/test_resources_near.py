"""Near me on a 375-px phone: a resident finds the nearest red station, by the phone's position
or by typing the compound, and sees its services, walking minutes and directions."""

import pytest

from doorstep.resources.models import Place
from tests.resources.factories import ALWAYS, place, service


@pytest.fixture
def stations(city):
    red = place(name="都市春天红色驿站", lng=114.3802, lat=27.8002, hours=ALWAYS, phone="0795-3260001")
    service(red, name="饮水休息")
    service(red, name="手机充电")
    service(red, name="应急药箱", is_free=False, price_note="成本价")
    far_red = place(name="宜阳红色驿站", lng=114.384, lat=27.803, hours=ALWAYS)  # ≈ 10 min
    service(far_red, name="饮水休息")
    hall = place(name="宜阳社区党群服务站", kind=Place.Kind.SERVICE_STATION, lng=114.381, lat=27.8005)
    service(hall, name="政务代办")
    return red, far_red, hall


def no_sideways_scroll(phone):
    assert phone.evaluate("document.documentElement.scrollWidth") <= 375


def test_resident_finds_the_nearest_red_station_by_position(phone, stations):
    phone.context.grant_permissions(["geolocation"])
    phone.context.set_geolocation({"longitude": 114.3800, "latitude": 27.8000})
    phone.goto(phone.base + "/resources/near/")
    phone.wait_for_selector("#use-location[data-ready]")
    phone.select_option("#near-kind", "red_station")
    phone.click("#use-location")
    phone.wait_for_selector("#near-results")
    items = phone.locator("#near-results .near-item")
    assert items.count() == 2  # the service station is not a red station
    first = items.nth(0)
    assert "都市春天红色驿站" in first.inner_text()
    assert "红木莲" in first.inner_text()
    text = first.inner_text()
    assert "步行 1 分钟" in text and "开放中" in text
    for name in ("饮水休息", "手机充电", "应急药箱", "成本价"):
        assert name in text
    assert "uri.amap.com/navigation" in first.locator("a.amap").get_attribute("href")
    assert first.locator("a.geo").get_attribute("href").startswith("geo:27.800200,114.380200")
    no_sideways_scroll(phone)
    # the place's own page
    first.locator("h3 a").click()
    phone.wait_for_selector("h1")
    assert phone.locator("h1").inner_text() == "都市春天红色驿站"
    assert "应急药箱" in phone.locator("#h-services + ul").inner_text()
    no_sideways_scroll(phone)


def test_resident_types_the_compound_and_filters_by_service(phone, stations):
    phone.goto(phone.base + "/resources/near/")
    phone.fill("#near-q", "都市春天")
    phone.click("#near-search")
    phone.wait_for_selector("#near-results")
    names = phone.locator("#near-results .near-item h3 a").all_inner_texts()
    assert names[0] == "都市春天红色驿站" and "宜阳社区党群服务站" in names
    phone.select_option("#near-service", "政务代办")
    phone.click("#near-search")
    phone.wait_for_selector("#near-results")
    assert phone.locator("#near-results .near-item h3 a").all_inner_texts() == ["宜阳社区党群服务站"]
    no_sideways_scroll(phone)


def test_position_refused_says_what_to_do(phone, stations):
    phone.context.clear_permissions()
    phone.goto(phone.base + "/resources/near/")
    phone.wait_for_selector("#use-location[data-ready]")
    phone.click("#use-location")
    phone.wait_for_selector("#location-error:not([hidden])")
    assert "小区" in phone.inner_text("#location-error")

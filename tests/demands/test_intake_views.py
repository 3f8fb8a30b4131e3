"""The intake pages over HTTP: phone page, nearby reports, me too, thank-you page, staff entry."""

import json
import re
import uuid
from datetime import timedelta
from pathlib import Path

import pytest
from django.urls import reverse
from django.utils import timezone

from doorstep.demands.models import Case, Demand, Follow, Photo
from tests import factories
from tests.demands import photo_samples as samples
from tests.demands.intake_helpers import FAST_HASHERS, INSIDE_A, INSIDE_B, build_place, phone_report, snapshot

REPORT = "/demands/report/"
STAFF = "/demands/report/staff/"
JSON = {"HTTP_ACCEPT": "application/json"}


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return Path(settings.MEDIA_ROOT)


@pytest.fixture
def place(city, settings):
    settings.PASSWORD_HASHERS = FAST_HASHERS  # five logins to make: no need for slow hashing here
    return build_place(city)


def form(place, **extra):
    data = {
        "key": uuid.uuid4().hex,
        "text": "小区3栋门口的路灯坏了一个星期",
        "lng": str(INSIDE_A[0]),
        "lat": str(INSIDE_A[1]),
        "system": "wgs84",
        "category": str(place.lamp.pk),
    }
    data.update(extra)
    return data


def test_the_phone_page_needs_a_login(client):
    response = client.get(REPORT)
    assert response.status_code == 302 and "/login/" in response["Location"]


def test_the_phone_page_in_chinese(client, place, django_assert_max_num_queries):
    client.force_login(place.resident)
    with django_assert_max_num_queries(12):
        response = client.get(REPORT)
    html = response.content.decode()
    assert response.status_code == 200
    for words in ("随手拍", "拍照", "从相册选择", "使用我的位置", "由系统判断", "小区路灯", "提交"):
        assert words in html
    assert 'accept="image/*"' in html and "capture=" in html and "multiple" in html
    config = json.loads(
        re.search(r'id="rp-map-config" type="application/json">(.*?)</script>', html).group(1)
    )
    assert config["center"] == [27.80, 114.38] and config["zoom"] == 17  # the resident's compound
    assert config["tile_system"] == "wgs84"
    assert any(a["name"] == "都市春天小区" for a in config["areas"])


def test_post_without_javascript_redirects_to_the_number(client, place, media):
    client.force_login(place.resident)
    photo = samples.upload(samples.jpeg(gps=True))
    response = client.post(REPORT, {**form(place), "photos": [photo]})
    demand = Demand.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/demands/report/thanks/{demand.number}/"
    page = client.get(response["Location"]).content.decode()
    assert demand.number in page and "谢谢您，反映已收到" in page and "查看我的反映" in page
    assert demand.photos.count() == 1
    assert demand.reporter_user == place.resident and demand.channel == Demand.Channel.PHONE


def test_json_submit_and_errors(client, place, media):
    client.force_login(place.resident)
    before = snapshot(media)
    bad = client.post(
        REPORT,
        {**form(place, text="", lng="", lat=""), "photos": [samples.upload(b"GIF? no.", "x.jpg")]},
        **JSON,
    )
    assert bad.status_code == 400
    body = bad.json()
    assert body["ok"] is False and body["message"] == "没有提交成功，请检查标出的内容。"
    assert body["errors"]["text"] == ["请描述遇到的问题。"]
    assert body["errors"]["location"] == ["请在地图上点选位置，或使用您的当前位置。"]
    assert body["errors"]["photos"] == ["第 1 张照片：这个文件不是图片。"]
    assert snapshot(media) == before
    good = client.post(REPORT, form(place), **JSON)
    assert good.status_code == 200
    assert good.json()["url"] == f"/demands/report/thanks/{good.json()['number']}/"


def test_the_page_without_javascript_shows_the_errors_and_keeps_the_text(client, place):
    client.force_login(place.resident)
    response = client.post(REPORT, form(place, lng="", lat="", text="路灯坏了，请修一下"))
    html = response.content.decode()
    assert response.status_code == 400
    assert "请在地图上点选位置" in html and "路灯坏了，请修一下" in html


def test_the_same_form_sent_twice_makes_one_demand(client, place, media):
    client.force_login(place.resident)
    data = form(place)
    first = client.post(REPORT, {**data, "photos": [samples.upload(samples.jpeg())]}, **JSON).json()
    again = client.post(REPORT, {**data, "photos": [samples.upload(samples.jpeg())]}, **JSON).json()
    assert first["number"] == again["number"]
    assert Demand.objects.count() == 1 and Photo.objects.count() == 1


def test_a_rider_reports_on_the_rider_channel(client, place):
    client.force_login(place.rider)
    assert "骑手身份" in client.get(REPORT).content.decode()
    client.post(REPORT, form(place), **JSON)
    assert Demand.objects.get().channel == Demand.Channel.RIDER


def test_thanks_page_is_only_for_the_reporter(client, place):
    demand = phone_report(place)
    client.force_login(factories.user())
    assert client.get(f"/demands/report/thanks/{demand.number}/").status_code == 404


def test_nearby_names_the_place_and_lists_similar_open_reports(client, place, django_assert_max_num_queries):
    others = [
        phone_report(place, by=place.rider, channel=Demand.Channel.RIDER, text=f"路灯不亮第{i}天")
        for i in range(3)
    ]
    far = phone_report(place, lng=INSIDE_B[0], lat=INSIDE_B[1], by=place.rider, channel=Demand.Channel.RIDER)
    client.force_login(place.resident)
    url = f"/demands/report/nearby/?lng={INSIDE_A[0]}&lat={INSIDE_A[1]}&system=wgs84&category={place.lamp.pk}"
    client.get(url)  # warm the location index
    with django_assert_max_num_queries(8):
        response = client.get(url)
    html = response.content.decode()
    assert "宜春市袁州区秀江街道宜阳社区都市春天小区" in html
    assert "附近是否已有人反映？" in html
    for d in others:
        assert f"/demands/report/d/{d.number}/me-too/" in html
    assert far.number not in html
    outside = client.get("/demands/report/nearby/?lng=100&lat=30").content.decode()
    assert "不在本平台服务范围内" in outside
    assert "纬度" in client.get("/demands/report/nearby/?lng=114&lat=abc").content.decode()


def test_nearby_hides_long_digit_runs_of_other_reports(client, place):
    phone_report(place, by=place.rider, channel=Demand.Channel.RIDER, text="路灯坏了，请联系13907951234处理")
    client.force_login(place.resident)
    html = client.get(f"/demands/report/nearby/?lng={INSIDE_A[0]}&lat={INSIDE_A[1]}").content.decode()
    assert "13907951234" not in html and "13…" in html


def test_me_too_while_reporting(client, place):
    other = phone_report(place, by=place.rider, channel=Demand.Channel.RIDER)
    client.force_login(place.resident)
    url = f"/demands/report/d/{other.number}/me-too/"
    response = client.post(url, HTTP_HX_REQUEST="true")
    assert "您已附议" in response.content.decode() and "共有 1 人" in response.content.decode()
    client.post(url, HTTP_HX_REQUEST="true")
    other.refresh_from_db()
    assert other.me_too_count == 1
    assert Follow.objects.filter(demand=other, user=place.resident, me_too=True).count() == 1
    own = client.post(f"/demands/report/d/{phone_report(place).number}/me-too/", HTTP_HX_REQUEST="true")
    assert "您自己的诉求" in own.content.decode()


# --- staff entry ---------------------------------------------------------------------------------


def test_staff_entry_is_for_staff_only(client, place, django_assert_max_num_queries):
    client.force_login(place.resident)
    assert client.get(STAFF).status_code == 403
    client.force_login(place.grid_worker)
    with django_assert_max_num_queries(14):
        html = client.get(STAFF).content.decode()
    assert "录入诉求" in html and "12345 工单号" in html and "都市春天小区" in html
    assert "新城国际小区" not in html  # only compounds in scope are offered


def test_staff_enters_a_12345_transfer_by_compound(client, place):
    client.force_login(place.desk)
    received = (timezone.localtime() - timedelta(hours=3)).strftime("%Y-%m-%dT%H:%M")
    data = {
        "key": uuid.uuid4().hex,
        "channel": "hotline",
        "external_ticket": "GD20251008-77",
        "received_at": received,
        "contact_name": "王先生",
        "contact_phone": "139 0795 1234",
        "region": str(place.city.compound_a.pk),
        "address": "2栋楼下",
        "text": "来电反映小区路灯不亮",
        "category": str(place.lamp.pk),
    }
    response = client.post(STAFF, data)
    demand = Demand.objects.get()
    assert response.status_code == 302
    assert (demand.channel, demand.external_ticket, demand.contact_phone) == (
        "hotline",
        "GD20251008-77",
        "13907951234",
    )
    assert demand.region == place.city.compound_a and demand.entered_by == place.desk
    assert timezone.localtime(demand.received_at).strftime("%Y-%m-%dT%H:%M") == received
    page = client.get(response["Location"]).content.decode()
    assert "诉求已保存" in page and demand.number in page and "再录入一条" in page
    again = client.post(STAFF, {**data, "key": uuid.uuid4().hex}, **JSON)
    assert again.status_code == 400
    assert "已经录入过" in again.json()["errors"]["external_ticket"][0]
    assert Case.objects.count() == 1


def test_staff_cannot_enter_for_another_area(client, place):
    client.force_login(place.outsider)
    response = client.post(
        STAFF,
        {
            "key": uuid.uuid4().hex,
            "channel": "visit",
            "text": "走访发现路灯坏了",
            "lng": INSIDE_A[0],
            "lat": INSIDE_A[1],
        },
        **JSON,
    )
    assert response.status_code == 400
    assert response.json()["errors"]["location"] == ["您只能录入自己管辖范围内的诉求。"]
    assert not Demand.objects.exists()


def test_compound_search_for_large_scopes(client, place, monkeypatch):
    from doorstep.demands.views import report

    client.force_login(place.desk)
    monkeypatch.setattr(report, "COMPOUND_OPTIONS", 0)  # more compounds than a list should hold
    html = client.get(STAFF).content.decode()
    assert "按名称搜索小区" in html and 'name="q"' in html
    html = client.get("/demands/report/staff/compounds/?q=都市").content.decode()
    assert "都市春天小区" in html and "新城国际小区" not in html


@pytest.mark.parametrize("name", ["report", "report_nearby", "report_staff", "report_staff_compounds"])
def test_urls_have_their_names(name):
    assert reverse(f"demands:{name}").startswith("/demands/report/")

"""The admin for places: staff keep the places of their own area only; writes go through the
services (point converted and located, event recorded)."""

import pytest
from django.urls import reverse

from doorstep.core.coords import from_wgs84
from doorstep.core.models import User
from doorstep.resources.models import Place, PlaceEvent, Service
from tests import factories
from tests.resources.factories import place, service

pytestmark = pytest.mark.django_db


def staff(kind, region, username):
    user = factories.role(kind, region, username=username)
    User.objects.filter(pk=user.pk).update(is_staff=True)
    user.refresh_from_db()
    return user


def form_data(**extra):
    data = {
        "kind": "red_station",
        "name": "新驿站",
        "red_mark": "on",
        "input_system": "wgs84",
        "input_lng": "114.3805",
        "input_lat": "27.8003",
        "address": "",
        "hours": "{}",
        "hours_note": "",
        "phone": "",
        "facilities": "",
        "services-TOTAL_FORMS": "0",
        "services-INITIAL_FORMS": "0",
        "services-MIN_NUM_FORMS": "0",
        "services-MAX_NUM_FORMS": "1000",
    }
    data.update(extra)
    return data


def test_community_staff_add_a_place_in_gcj02_and_it_is_located(client, city):
    client.force_login(staff("community_staff", city.community_a, "yiyang"))
    glng, glat = from_wgs84(114.3805, 27.8003, "gcj02")
    data = form_data(input_system="gcj02", input_lng=str(glng), input_lat=str(glat))
    data.update(
        {
            "services-TOTAL_FORMS": "1",
            "services-0-name": "饮水休息",
            "services-0-is_free": "on",
            "services-0-booking": "walk_in",
        }
    )
    response = client.post(reverse("admin:resources_place_add"), data)
    assert response.status_code == 302, response.content.decode()[:3000]
    p = Place.objects.get(name="新驿站")
    assert p.region == city.compound_a and p.input_system == "gcj02"
    assert (p.lng, p.lat) == pytest.approx((114.3805, 27.8003), abs=1e-6)
    assert Service.objects.get(place=p).name == "饮水休息"
    assert list(PlaceEvent.objects.filter(place=p).values_list("action", flat=True)) == [
        "created",
        "service_added",
    ]


def test_a_place_outside_one_s_area_is_refused_and_not_saved(client, city):
    client.force_login(staff("community_staff", city.community_a, "yiyang"))
    response = client.post(
        reverse("admin:resources_place_add"), form_data(input_lng="114.50", input_lat="27.85")
    )
    assert response.status_code == 403
    assert not Place.objects.exists()
    response = client.post(reverse("admin:resources_place_add"), form_data(input_lng="100", input_lat="30"))
    assert response.status_code == 200 and "errornote" in response.content.decode()  # outside the territory
    assert not Place.objects.exists()


def test_other_community_s_places_are_not_found(client, city):
    mine = place(name="宜阳驿站")
    theirs = place(name="锦阳驿站", lng=114.50, lat=27.85)
    service(theirs)
    client.force_login(staff("community_staff", city.community_a, "yiyang"))
    listing = client.get(reverse("admin:resources_place_changelist")).content.decode()
    assert "宜阳驿站" in listing and "锦阳驿站" not in listing
    assert client.get(reverse("admin:resources_place_change", args=[mine.pk])).status_code == 200
    assert client.get(reverse("admin:resources_place_change", args=[theirs.pk])).status_code == 404
    before = Place.objects.filter(pk=theirs.pk).values().get()
    response = client.post(
        reverse("admin:resources_place_change", args=[theirs.pk]), form_data(name="被改了")
    )
    assert response.status_code == 404
    assert (
        client.post(reverse("admin:resources_place_delete", args=[theirs.pk]), {"post": "yes"}).status_code
        == 404
    )
    assert Place.objects.filter(pk=theirs.pk).values().get() == before
    svc = Service.objects.get(place=theirs)
    assert client.get(reverse("admin:resources_service_change", args=[svc.pk])).status_code == 404


def test_grid_worker_reads_but_does_not_change(client, city):
    mine = place(name="宜阳驿站")
    client.force_login(staff("grid_worker", city.community_a, "wangge"))
    assert client.get(reverse("admin:resources_place_change", args=[mine.pk])).status_code == 200
    assert client.post(reverse("admin:resources_place_add"), form_data()).status_code == 403
    response = client.post(reverse("admin:resources_place_change", args=[mine.pk]), form_data(name="被改了"))
    assert response.status_code == 403
    assert Place.objects.get(pk=mine.pk).name == "宜阳驿站"

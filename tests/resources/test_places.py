"""Places: the point in any system stored as WGS-84 with the given system kept, the region found
from it, every write recorded; services with free/paid and booking."""

import pytest
from django.core.exceptions import ValidationError

from doorstep.core.coords import from_wgs84
from doorstep.resources import services
from doorstep.resources.models import Place, PlaceEvent
from tests.resources.factories import place, service

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("system", ["wgs84", "gcj02", "bd09"])
def test_point_in_any_system_is_stored_as_wgs84_and_keeps_what_was_given(city, system):
    wgs = (114.3805, 27.8004)
    given = from_wgs84(*wgs, system)
    p = place(lng=given[0], lat=given[1], system=system)
    assert (p.lng, p.lat) == pytest.approx(wgs, abs=1e-6)
    assert p.input_system == system
    assert (p.input_lng, p.input_lat) == pytest.approx(given, abs=1e-12)
    assert p.region == city.compound_a  # the finest region holding the point


def test_gcj02_taken_as_wgs84_lands_600_m_away(city):
    """The classic mistake the kept system guards against: Yichun's offset is ≈ 627 m."""
    glng, glat = from_wgs84(114.38, 27.80, "gcj02")
    right = place(lng=glng, lat=glat, system="gcj02")
    assert right.region == city.compound_a
    wrong = place(lng=glng, lat=glat, system="wgs84")
    assert wrong.region == city.community_a  # ≈ 600 m off: outside the compound


def test_a_point_outside_every_compound_lies_in_its_community(city):
    p = place(lng=114.386, lat=27.806)  # inside 宜阳社区, outside 都市春天小区
    assert p.region == city.community_a


def test_outside_the_territory_is_refused(city):
    with pytest.raises(ValidationError):
        place(lng=100.0, lat=30.0)
    assert not Place.objects.exists()


def test_bad_hours_are_refused(city):
    with pytest.raises(ValidationError):
        place(hours={"mon": ["9-5"]})


def test_writes_are_recorded(city, staff_user):
    p = place(by=staff_user)
    services.place_update(p, name="都市春天红色驿站", by=staff_user)
    services.place_update(p, lng=114.386, lat=27.806, by=staff_user)
    s = service(p, by=staff_user, is_free=False, price_note="10元/次", booking="phone")
    services.service_update(s, ended_on=p.created_at.date(), by=staff_user)
    actions = list(PlaceEvent.objects.filter(place=p).values_list("action", flat=True))
    assert actions == ["created", "updated", "moved", "service_added", "service_ended"]
    p.refresh_from_db()
    assert p.region == city.community_a  # moved, region found again
    assert PlaceEvent.objects.filter(place=p, action="updated").get().data == {"fields": ["name"]}


def test_free_service_has_no_price(city):
    p = place()
    with pytest.raises(ValidationError):
        service(p, is_free=True, price_note="5元")


def test_place_cannot_close_before_it_opened(city):
    from datetime import date

    with pytest.raises(ValidationError):
        place(opened_on=date(2025, 5, 1), closed_on=date(2025, 4, 1))

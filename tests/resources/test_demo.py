"""The demo city's places (`doorstep demo`): the red station and service station of 都市春天小区,
宜阳社区's centre, micro position and parlour, each with services; built once, and near me
finds them."""

import io

import pytest
from django.core.management import call_command
from django.db import transaction

from doorstep.resources import selectors
from doorstep.resources.demo import build_demo_places, delete_demo_places
from doorstep.resources.models import Place, PlaceEvent
from doorstep.territory import locate
from doorstep.territory.demo import build_demo, reset_demo
from doorstep.territory.models import Region

pytestmark = pytest.mark.django_db


@pytest.fixture(scope="module")
def demo(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock(), transaction.atomic():
        delete_demo_places()
        try:
            from doorstep.demands.demo import delete_demo_demands

            delete_demo_demands()
        except ImportError:
            pass
        reset_demo()
        build_demo("demo")
        locate.invalidate()
        yield build_demo_places()
        transaction.set_rollback(True)
    locate.invalidate()


def test_the_named_places_are_there_with_services(demo):
    assert demo.built
    red = Place.objects.get(name="都市春天小区红色驿站")
    assert red.kind == "red_station" and red.red_mark
    assert red.region.name == "都市春天小区"  # located from its point
    assert red.services.count() == 5
    station = Place.objects.get(name="都市春天小区党群服务站")
    assert station.kind == "service_station" and station.services.count() == 5
    yiyang = Region.objects.get(name="宜阳社区", level=Region.Level.COMMUNITY)
    centre = Place.objects.get(name="宜阳社区党群服务中心")
    assert centre.region.pk in set(
        Region.objects.descendants(yiyang.pk, include_self=True).values_list("pk", flat=True)
    )
    assert PlaceEvent.objects.filter(place=red, action="created").exists()


def test_near_the_compound_the_red_station_comes_first(demo):
    compound = Region.objects.get(name="都市春天小区", level=Region.Level.COMPOUND)
    got = selectors.near(compound.centroid_lng, compound.centroid_lat, kind="red_station")
    assert got[0].place.name == "都市春天小区红色驿站"
    assert [s.name for s in got[0].services][:2] == ["应急药箱", "手机充电"]


def test_built_once(demo):
    before = Place.objects.count()
    again = build_demo_places()
    assert not again.built and again.places == demo.places
    assert Place.objects.count() == before


def test_the_demo_command_prints_them(demo, settings):
    from doorstep.resources.demo import describe

    settings.DEBUG = True
    out = io.StringIO()
    call_command("demo", stdout=out)
    assert describe(build_demo_places()) in out.getvalue()
    assert demo.places >= 5 and demo.services >= 18

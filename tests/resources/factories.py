"""Places and services for the resources tests."""

from doorstep.resources import services
from doorstep.resources.hours import every_day
from doorstep.resources.models import Place

ALWAYS = every_day("00:00-24:00")


def place(name="红色驿站", kind=Place.Kind.RED_STATION, lng=114.38, lat=27.80, system="wgs84", **fields):
    fields.setdefault("red_mark", kind == Place.Kind.RED_STATION)
    return services.place_create(kind=kind, name=name, lng=lng, lat=lat, system=system, **fields)


def service(place, name="饮水休息", **fields):
    return services.service_add(place, name=name, **fields)

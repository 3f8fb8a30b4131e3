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


def rider(station, name="李骑手", phone="13912345678", platform="meituan", team="旗行者先锋一队", **fields):
    """A rider registered with a new login (username = phone, password pw-doorstep-1)."""
    from doorstep.resources import riders

    return riders.register(
        by=None,
        station=station,
        platform=platform,
        team=team,
        name=name,
        phone=phone,
        password="pw-doorstep-1",
        **fields,
    )

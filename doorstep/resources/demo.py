"""Places for the Yichun demo city (`doorstep demo`): a small, idempotent hook.

Demo scale: around 都市春天小区 and 宜阳社区 a red station with the 「红木莲」 mark, the compound's
service station, the community's service centre, a micro position and a parlour, each with a
few services (written through services.py, so they are located and recorded as staff's would
be), and a red station at the centre of every other community of 秀江街道. Seed scale adds the
article's counts (seed.md §2: 476 red stations, 128 compound service stations, 27 micro
positions with 145 services, 150 friendly scenes) at compound centres, by a bulk path. Names,
phones and positions are synthetic. A city that has places already is left as it is.
"""

from __future__ import annotations

import random
from dataclasses import dataclass

from django.db import transaction
from django.db.models import Q

from doorstep.territory.models import Region

from . import services
from .hours import every_day, weekdays
from .models import Place, PlaceEvent, Service

CITY_CODE = "360900"
SEED = 20260601
K = Place.Kind
B = Service.Booking
SEED_COUNTS = {K.RED_STATION: 476, K.SERVICE_STATION: 128, K.MICRO_POSITION: 27, K.FRIENDLY_BUSINESS: 150}
MICRO_SERVICES = (
    "缝补衣物",
    "义务理发",
    "磨刀磨剪",
    "家电维修",
    "修鞋配钥匙",
    "血压测量",
    "手机使用教学",
    "代写书信",
)
RED_SERVICES = ("饮水休息", "手机充电", "应急药箱", "雨具借用", "微波炉加热", "骑手歇脚")
STATION_SERVICES = ("议事协商", "物业服务", "政务代办", "矛盾调解", "志愿服务", "休闲活动")


@dataclass
class DemoPlaces:
    built: bool
    places: int
    services: int
    message: str = ""


def _city() -> Region | None:
    return Region.objects.filter(code=CITY_CODE).first()


def _in_city(city: Region):
    return Place.objects.filter(
        region__in=Region.objects.descendants(city.pk, include_self=True).values("pk")
    )


def _named(city, name, level) -> Region | None:
    return (
        Region.objects.descendants(city.pk)
        .filter(name=name, level=level, centroid_lng__isnull=False)
        .order_by("code")
        .first()
    )


def _add(kind, name, region, *, dlng=0.0, dlat=0.0, services_list=(), **fields) -> Place:
    place = services.place_create(
        kind=kind, name=name, lng=region.centroid_lng + dlng, lat=region.centroid_lat + dlat, **fields
    )
    for entry in services_list:
        entry = dict(entry) if isinstance(entry, dict) else {"name": entry}
        services.service_add(place, **entry)
    return place


@transaction.atomic
def build_demo_places(scale: str | None = None) -> DemoPlaces:
    city = _city()
    if city is None:
        return DemoPlaces(False, 0, 0, "no demo city")
    existing = _in_city(city)
    if existing.exists():
        return DemoPlaces(False, existing.count(), Service.objects.filter(place__in=existing).count())
    compound = _named(city, "都市春天小区", Region.Level.COMPOUND)
    community = _named(city, "宜阳社区", Region.Level.COMMUNITY)
    if compound is not None:
        _add(
            K.RED_STATION,
            "都市春天小区红色驿站",
            compound,
            red_mark=True,
            address="都市春天小区北门旁",
            hours=every_day("07:00-21:00"),
            phone="0795-3260001",
            facilities="饮用水\n充电插座\n微波炉\n应急药箱\n休息座椅",
            services_list=(
                "饮水休息",
                {"name": "手机充电", "provider_name": "都市春天小区物业"},
                {"name": "应急药箱", "booking_note": "向值班人员领取"},
                "雨具借用",
                {"name": "骑手歇脚", "provider_name": "宜阳社区新就业群体党支部"},
            ),
        )
        _add(
            K.SERVICE_STATION,
            "都市春天小区党群服务站",
            compound,
            dlng=0.0003,
            address="都市春天小区3栋一楼",
            hours=weekdays("08:30-12:00", "14:30-17:30", weekend=("09:00-12:00",)),
            phone="0795-3260002",
            facilities="议事室\n图书角\n活动室",
            services_list=(
                {"name": "议事协商", "booking": B.PHONE, "booking_note": "每月第一个周三晚"},
                "物业服务",
                {"name": "政务代办", "booking": B.ORDER},
                "矛盾调解",
                "志愿服务",
            ),
        )
    if community is not None:
        _add(
            K.SERVICE_CENTRE,
            "宜阳社区党群服务中心",
            community,
            dlat=0.0008,
            address="宜阳社区居委会",
            hours=weekdays("08:30-12:00", "14:30-17:30"),
            phone="0795-3260000",
            facilities="便民服务大厅\n党员活动室\n老年食堂",
            services_list=(
                "社保医保代办",
                {"name": "老年助餐", "is_free": False, "price_note": "8元/餐", "booking": B.PHONE},
                {"name": "法律咨询", "booking": B.PHONE, "booking_note": "每周四下午律师坐班"},
            ),
        )
        _add(
            K.MICRO_POSITION,
            "宜阳社区便民微阵地",
            community,
            dlng=-0.0008,
            address="宜阳社区广场东侧",
            hours={"sat": ["08:30-11:30"], "sun": ["08:30-11:30"]},
            services_list=(
                "缝补衣物",
                "义务理发",
                {"name": "磨刀磨剪", "is_free": False, "price_note": "3元/把"},
                {"name": "家电维修", "is_free": False, "price_note": "只收材料费"},
            ),
        )
        _add(
            K.PARLOUR,
            "宜阳社区党群会客厅",
            community,
            dlat=-0.0008,
            hours=weekdays("14:30-17:30"),
            services_list=({"name": "居民说事", "booking": B.PHONE},),
        )
        subdistrict = community.parent
        others = (
            Region.objects.filter(
                parent=subdistrict, level=Region.Level.COMMUNITY, centroid_lng__isnull=False
            )
            .exclude(pk=community.pk)
            .order_by("code")
        )
        for other in others:
            _add(
                K.RED_STATION,
                f"{other.name}红色驿站",
                other,
                red_mark=True,
                hours=every_day("08:00-20:00"),
                services_list=RED_SERVICES[:3],
            )
    if community is not None:
        from .wishes import build_demo_wishes

        build_demo_wishes(community, compound)
    if community is not None:
        from .orders import build_demo_orders

        build_demo_orders(community)  # a few service orders (群众点单) from the demo resident
    if scale == "seed":
        _seed_scale(city)
    places = _in_city(city)
    return DemoPlaces(True, places.count(), Service.objects.filter(place__in=places).count())


def _seed_scale(city: Region) -> None:
    """The article's counts at compound centres (bulk path: the rows services.py would write)."""
    rng = random.Random(SEED)
    compounds = list(
        Region.objects.descendants(city.pk)
        .filter(level=Region.Level.COMPOUND, centroid_lng__isnull=False)
        .order_by("code")
        .values_list("pk", "name", "centroid_lng", "centroid_lat")
    )
    if not compounds:
        return
    have = {kind: n for kind, n in ((k, _in_city(city).filter(kind=k).count()) for k in SEED_COUNTS)}
    rows = []
    for kind, total in SEED_COUNTS.items():
        label = {K.RED_STATION: "红色驿站", K.SERVICE_STATION: "党群服务站", K.MICRO_POSITION: "微阵地"}.get(
            kind, "友好商圈"
        )
        for _i in range(max(0, total - have[kind])):
            pk, name, lng, lat = rng.choice(compounds)
            rows.append(
                Place(
                    kind=kind,
                    name=f"{name}{label}",
                    red_mark=kind == K.RED_STATION,
                    region_id=pk,
                    lng=lng,
                    lat=lat,
                    input_system="wgs84",
                    input_lng=lng,
                    input_lat=lat,
                    hours=every_day("08:00-20:00"),
                )
            )
    made = Place.objects.bulk_create(rows, batch_size=1000)
    PlaceEvent.objects.bulk_create(
        [PlaceEvent(place=p, action=PlaceEvent.Action.CREATED, data={"system": "wgs84"}) for p in made],
        batch_size=1000,
    )
    svc = []
    micro = [p for p in made if p.kind == K.MICRO_POSITION]
    micro_services = Service.objects.filter(place__in=_in_city(city), place__kind=K.MICRO_POSITION).count()
    for i in range(max(0, 145 - micro_services)):
        if not micro:
            break
        svc.append(Service(place=micro[i % len(micro)], name=MICRO_SERVICES[i % len(MICRO_SERVICES)]))
    for p in made:
        if p.kind == K.RED_STATION:
            svc += [Service(place=p, name=n) for n in RED_SERVICES[:3]]
        elif p.kind == K.SERVICE_STATION:
            svc += [Service(place=p, name=n) for n in STATION_SERVICES[:5]]
    Service.objects.bulk_create(svc, batch_size=1000)


def delete_demo_places() -> int:
    """Before `doorstep demo --reset`: places hold on to the regions the reset deletes."""
    city = _city()
    if city is None:
        return 0
    _delete_people_rows(city)
    deleted, _detail = _in_city(city).delete()
    return deleted


def _delete_people_rows(city: Region) -> None:
    """Riders, check-ins, teams and points of the demo city hold on to its places, regions and
    people: they go first. The points ledger refuses deletes in code; only this reset of demo
    data removes its rows, by SQL, all of the city's at once."""
    from django.db import connection

    from .models import CheckIn, PointEntry, Rider, TeamMember, VolunteerTeam

    ids = Region.objects.descendants(city.pk, include_self=True).values("pk")
    riders = Rider.objects.filter(region__in=ids)
    people = list(riders.values_list("person_id", flat=True))
    CheckIn.objects.filter(Q(region__in=ids) | Q(rider__in=riders)).delete()
    sql, params = (
        PointEntry.objects.filter(Q(region__in=ids) | Q(person__in=people))
        .values("pk")
        .query.sql_with_params()
    )
    with connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM {PointEntry._meta.db_table} WHERE id IN ({sql})", params)
    from .wish_models import Wish

    Wish.objects.filter(community__in=ids).delete()  # micro-wishes and their event rows
    from .order_models import ServiceOrder

    ServiceOrder.objects.filter(region__in=ids).delete()  # service orders and their events, photos
    TeamMember.objects.filter(team__region__in=ids).delete()
    VolunteerTeam.objects.filter(region__in=ids).delete()
    Rider.volunteer_roles.through.objects.filter(rider__in=riders).delete()
    riders.delete()


def describe(result: DemoPlaces) -> str:
    from django.utils.translation import gettext as _

    if result.message == "no demo city":
        return _("No demo places: there is no demo city.")
    if not result.built:
        return _("The demo places are there already: %(places)d places, %(services)d services.") % {
            "places": result.places,
            "services": result.services,
        }
    return _(
        "Added the demo places: %(places)d places with %(services)d services (near me: /resources/near/)."
    ) % {
        "places": result.places,
        "services": result.services,
    }

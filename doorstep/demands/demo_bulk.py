"""The bulk path of the demo demands, also the benches' generator of a million cases.

`CaseGenerator` writes demands received over a span of days, each case run through a simulated
life — accept, dispatch, sign for, handle, feedback, verify, rate, with the branches real cases
take (not accepted, merged as a duplicate, returned and dispatched again, postponed, whistled to
several departments, escalated when overdue, verified as not solved, reopened) — and cut at
"now", so the recent ones are still open, some of them overdue. It writes the rows the services
write: Demand (numbers of the intake's format, the day counters moved past them, 12345 tickets
keyed), Case with its deadlines from the category's limits (`deadlines.compute_due`, the
services' own rule), its level and unit as `routing` decides them, one CaseEvent per move of
`workflow.TABLE` with the from/to statuses the table gives (and the "submit" record), the case
fields the services set (accepted, responded, feedback and closed times; a new handling
deadline on escalation and reopening), Rating, Postponement and WhistlePart. Rows go in with
plain INSERTs in batches (`_Table`): a million cases take minutes, not hours.
"""

from __future__ import annotations

import json
import logging
import random
from bisect import bisect
from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import connections, models, router, transaction
from django.db.models import Max
from django.utils import timezone

from doorstep.core.workcalendar import get_calendar
from doorstep.territory.models import Grid, Organization, Region

from . import deadlines
from .models import (
    Case,
    CaseEvent,
    Category,
    Demand,
    DemandCounter,
    IntakeKey,
    Postponement,
    Rating,
    TimeLimit,
    WhistlePart,
)
from .workflow import TABLE

log = logging.getLogger("doorstep.demands.demo")

S = Case.Status
SEED = 3609  # Yichun's division code: the same history on every build
DATA_DIR = Path(__file__).resolve().parent / "data"
BATCH = 5000  # cases per write

# --- Texts used when the categories helper's labelled set is not there ------------------------

# Realistic reports by keyword of the category name; "{place}" is the compound's name.
FALLBACK_TEXTS = {
    "垃圾": [
        "{place}3栋楼下的垃圾桶满了两天没人清运，天热味道很大，苍蝇很多。",
        "{place}北门口有人乱倒建筑垃圾，堆了一大堆，影响通行。",
        "小区垃圾分类亭旁边堆满了装修垃圾，物业说不归他们管。",
    ],
    "道路不洁": ["{place}门口路面全是泥巴，渣土车经过撒落的，下雨天走路很滑。"],
    "广告": ["{place}单元门和电梯里贴满了开锁、办证的小广告，清理了又贴。"],
    "施工": [
        "{place}旁边工地晚上十一点还在打桩，吵得老人小孩都睡不着。",
        "附近工地扬尘很大，{place}的窗户一天不关就一层灰。",
    ],
    "噪": ["{place}楼下的烧烤店每天放音乐到凌晨，严重扰民。"],
    "油烟": ["{place}一楼餐馆的油烟直接排到楼道里，楼上住户没法开窗。"],
    "路灯": ["{place}中间那条路的路灯坏了一个多星期，晚上黑漆漆的，老人不敢出门。"],
    "楼道": ["{place}2栋2单元楼道灯不亮了，晚上上下楼看不见台阶。"],
    "电梯": [
        "{place}5栋电梯这周坏了三次，有一次还把人困在里面半小时。",
        "我们{place}老楼想加装电梯，想问一下政策和申请流程。",
    ],
    "充电": [
        "{place}有人从楼上拉电线下来给电动车充电，很危险，希望多装几个充电桩。",
        "{place}的充电桩坏了一半，扫码充不上电。",
    ],
    "外墙": ["{place}4栋外墙瓷砖往下掉，下面就是人行道，太危险了。"],
    "化粪池": ["{place}化粪池堵了，污水从井盖冒出来，整个小区臭气熏天。"],
    "下水道": ["{place}门口下水道堵了，一下雨就积水，车都开不过去。"],
    "积水": ["一下雨{place}门口就积水到膝盖，排水沟早就堵死了。"],
    "停车": [
        "{place}消防通道被私家车堵死了，天天有人乱停。",
        "{place}门口人行道上停满了车，推婴儿车只能走机动车道。",
    ],
    "乱停": ["{place}门口共享单车乱停乱放，把盲道都堵了。"],
    "物业": [
        "{place}物业收了物业费不干事，绿化没人修剪，门禁坏了也不修。",
        "{place}物业擅自提高停车费，没有公示也没有征求业主意见。",
    ],
    "私搭乱建": ["{place}一楼住户在公共绿地上搭了个棚子，还圈了一块地种菜。"],
    "井盖": ["{place}门口的井盖缺了一块，晚上很容易踩空。"],
    "水管": ["{place}门口自来水管破了，水一直往外冒，已经流了一上午。"],
    "燃气": ["{place}楼道里闻到很重的燃气味，怀疑管道漏气，请尽快派人来看看。"],
    "游商": ["{place}门口每天有流动摊贩占道卖菜，早上堵得走不动。"],
    "店外经营": ["{place}临街的店铺把货摆到人行道上，行人只能绕到马路上走。"],
    "绿地": ["{place}的绿地里杂草长到半人高，还有蚊子，好久没人打理了。"],
}
GENERIC_TEXTS = [
    "{place}的{category}问题反映过好几次了，一直没有解决，希望尽快处理。",
    "{place}附近{category}，影响居民正常生活，请相关部门来看一下。",
    "我是{place}的住户，想反映一下{category}的情况，麻烦尽快安排人处理。",
]
REJECT_REASONS = [
    "属于民事纠纷，已告知通过人民调解或诉讼途径解决。",
    "反映的位置不在本辖区，已告知向所在地反映。",
    "诉求内容不明确，多次联系反映人未接通。",
]
RETURN_REASONS = [
    "经核实不属于本单位职责，请重新派遣。",
    "该路段由市政公司管养，不属本社区处置范围。",
    "涉及产权单位，需由住建部门牵头处理。",
]
POSTPONE_REASONS = [
    "需要协调供水公司停水施工，预计还需一周。",
    "维修配件需从厂家订购，到货后安排施工。",
    "涉及多户业主，需召开协调会达成一致后处理。",
]
FEEDBACK_TEXTS = [
    "已安排人员到现场处理完毕，并拍照留存。",
    "已联系物业公司整改，现场已恢复正常。",
    "已约谈相关商户，责令限期整改，复查时已整改到位。",
    "已安排维修人员更换损坏设施，经测试使用正常。",
    "已现场清理并加强日常巡查。",
]
VERIFY_FAIL_NOTES = ["现场复核仍未整改到位，退回继续办理。", "复查发现问题反复，需彻底处理。"]
REOPEN_REASONS = ["问题还在，只是临时处理了一下，过两天又恢复原样。", "根本没人来过，就回复说解决了。"]
RATING_COMMENTS = {
    5: ["处理很及时，网格员态度很好，点赞！", "第二天就解决了，非常满意。", ""],
    4: ["解决了，就是稍微慢了点。", ""],
    3: ["基本解决了，希望后续多巡查。", ""],
    2: ["处理了但效果不好。", ""],
    1: ["没有解决，敷衍了事。", ""],
}
WHISTLE_TASKS = ["现场核查并依法处置", "配合疏导交通、维持秩序", "排查安全隐患", "协调产权单位落实整改"]
CHANNELS = [  # (channel, weight)
    (Demand.Channel.PHONE, 40),
    (Demand.Channel.HOTLINE, 25),
    (Demand.Channel.PATROL, 15),
    (Demand.Channel.VISIT, 8),
    (Demand.Channel.ONLINE_GROUP, 6),
    (Demand.Channel.RIDER, 4),
    (Demand.Channel.OBSERVER, 2),
]
SCORES = [(5, 62), (4, 25), (3, 7), (2, 3), (1, 3)]
# When demands arrive over a day (local hour → weight): mornings and evenings are busiest.
HOURS = [1, 1, 1, 1, 1, 2, 4, 8, 12, 12, 11, 9, 6, 7, 9, 9, 9, 8, 9, 10, 9, 7, 4, 2]


def labelled_texts() -> dict[str, list[str]]:
    """The categories helper's labelled complaints by category code (or name), when present.

    Reads every .jsonl / .json / .csv file in demands/data/ that has a text and a category
    column; an absent or unreadable set gives {} and the fallback texts are used.
    """
    texts: dict[str, list[str]] = defaultdict(list)
    if not DATA_DIR.is_dir():
        return {}
    for path in sorted(DATA_DIR.iterdir()):
        try:
            for row in _rows(path):
                text = str(row.get("text") or "").strip()
                key = str(row.get("category") or row.get("code") or row.get("label") or "").strip()
                if text and key:
                    texts[key].append(text)
        except (OSError, ValueError, UnicodeDecodeError):
            log.warning("Could not read %s for demo texts.", path.name)
    return dict(texts)


def _rows(path: Path):
    if path.suffix == ".jsonl":
        with path.open(encoding="utf-8") as f:
            for line in f:
                if line.strip():
                    yield json.loads(line)
    elif path.suffix == ".json":
        data = json.loads(path.read_text(encoding="utf-8"))
        if isinstance(data, dict):
            data = data.get("items") or data.get("rows") or []
        yield from (row for row in data if isinstance(row, dict))
    elif path.suffix == ".csv":
        import csv

        with path.open(encoding="utf-8-sig", newline="") as f:
            yield from csv.DictReader(f)


# --- A fast table writer: every column, defaults filled in once -------------------------------


class _Table:
    """INSERTs for one model in batches; the given columns per row, every other column its
    field default (or NULL), converted once, so a field another helper adds later with a default
    does not break the bulk path. Ids are assigned here when later rows need them."""

    def __init__(self, model: type[models.Model], columns: Sequence[str], *, ids: bool = False):
        self.model = model
        self.conn = connections[router.db_for_write(model)]
        self.ids = ids
        ops = self.conn.ops
        now = timezone.now()
        given = [model._meta.get_field(name) for name in columns]
        rest = [f for f in model._meta.concrete_fields if f not in given and not f.primary_key]
        self.constants = []
        for f in rest:
            if getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False):
                value = now
            else:
                value = f.get_default()
                if value is None and not f.null:
                    raise ValueError(f"{model.__name__}.{f.name} needs a value in the demo generator.")
            self.constants.append(f.get_db_prep_save(value, self.conn))
        self.converters: list[Callable | None] = []
        sqlite = self.conn.vendor == "sqlite"
        for f in given:
            if isinstance(f, models.DateTimeField):
                # SQLite keeps UTC text; the backend's adapter does the same, ten times slower.
                self.converters.append(_sqlite_datetime if sqlite else ops.adapt_datetimefield_value)
            elif isinstance(f, models.JSONField):
                empty = f.get_db_prep_save({}, self.conn)
                self.converters.append(
                    lambda v, f=f, c=self.conn, e=empty: f.get_db_prep_save(v, c) if v else e
                )
            else:
                self.converters.append(None)
        self.width = len(given)
        self.convert = [(i, c) for i, c in enumerate(self.converters) if c is not None]
        names = (["id"] if ids else []) + [f.column for f in given] + [f.column for f in rest]
        qn = ops.quote_name
        self.sql = (
            f"INSERT INTO {qn(model._meta.db_table)} ({', '.join(qn(n) for n in names)}) "
            f"VALUES ({', '.join(['%s'] * len(names))})"
        )
        self.rows: list[tuple] = []
        self.count = 0
        self._next = None

    def next_id(self) -> int:
        if self._next is None:
            self._next = (self.model.objects.aggregate(m=Max("pk"))["m"] or 0) + 1
        pk = self._next
        self._next += 1
        return pk

    def add(self, *values) -> int | None:
        row = list(values)
        if len(row) != self.width:
            raise ValueError(f"{self.model.__name__}: {self.width} values expected, {len(row)} given.")
        for i, convert in self.convert:
            if row[i] is not None:
                row[i] = convert(row[i])
        if self.ids:
            pk = self.next_id()
            self.rows.append((pk, *row, *self.constants))
            return pk
        self.rows.append((*row, *self.constants))
        return None

    def flush(self) -> None:
        if not self.rows:
            return
        with self.conn.cursor() as cursor:
            cursor.executemany(self.sql, self.rows)
        self.count += len(self.rows)
        self.rows = []

    def finish(self) -> None:
        """Move PostgreSQL's id sequence past the ids given here (SQLite needs nothing)."""
        from django.core.management.color import no_style

        for sql in self.conn.ops.sequence_reset_sql(no_style(), [self.model]):
            with self.conn.cursor() as cursor:
                cursor.execute(sql)


def _sqlite_datetime(value: datetime) -> str:
    return value.astimezone(UTC).isoformat(" ")[:-6]  # without "+00:00"


# --- Where and what: the city as the generator sees it ----------------------------------------


@dataclass(frozen=True)
class Place:
    region_id: int  # the compound (finest region a report is located to)
    grid_id: int | None
    county_id: int
    community_id: int
    name: str
    lng: float
    lat: float


@dataclass(frozen=True)
class Kind:
    """A minor category with its limits."""

    id: int
    code: str
    name: str
    level: str
    department_kind: str
    urgent: bool
    limits: tuple[tuple[int, str], tuple[int, str], tuple[int, str]]  # accept, respond, handle


def city_places(city: Region | int) -> list[Place]:
    """Every compound of the city with a centroid, its grid, community and county (two queries)."""
    pk = city.pk if isinstance(city, Region) else city
    regions = {
        r[0]: r
        for r in Region.objects.descendants(pk, include_self=True).values_list(
            "pk", "parent_id", "level", "name", "centroid_lng", "centroid_lat"
        )
    }
    grid_of: dict[int, int] = {}
    for grid_id, compound_id in (
        Grid.compounds.through.objects.filter(region_id__in=list(regions))
        .values_list("grid_id", "region_id")
        .order_by("grid_id")
    ):
        grid_of.setdefault(compound_id, grid_id)

    def above(region_id, level):
        while region_id in regions and regions[region_id][2] > level:
            region_id = regions[region_id][1]
        return region_id

    return [
        Place(
            pk_,
            grid_of.get(pk_),
            above(pk_, Region.Level.COUNTY),
            above(pk_, Region.Level.COMMUNITY),
            name,
            lng,
            lat,
        )
        for pk_, _parent, level, name, lng, lat in sorted(regions.values())
        if level == Region.Level.COMPOUND and lng is not None and lat is not None
    ]


def minor_categories() -> list[Kind]:
    rows = Category.objects.filter(parent__isnull=False, active=True).order_by("code")
    return [
        Kind(
            c.pk,
            c.code,
            c.name,
            c.responsible_level,
            c.department_kind,
            c.urgent,
            (
                (c.accept_limit, c.accept_unit),
                (c.respond_limit, c.respond_unit),
                (c.handle_limit, c.handle_unit),
            ),
        )
        for c in rows
    ]


class Units:
    """Where the services' routing would send a case, looked up in bulk (a few queries for the
    whole city instead of several per case): a department of the county by the category's
    department kind, the company serving the compound today, the community's office."""

    def __init__(self, places: list[Place], today: date):
        from doorstep.territory.models import PropertyService

        from . import routing

        self._words = routing.department_words
        counties = {p.county_id for p in places}
        communities = {p.community_id for p in places}
        self.departments: dict[int, list[tuple[int, str]]] = defaultdict(list)
        for pk, region_id, name in (
            Organization.objects.filter(kind=Organization.Kind.DEPARTMENT, region_id__in=counties)
            .order_by("name", "pk")
            .values_list("pk", "region_id", "name")
        ):
            self.departments[region_id].append((pk, name))
        self.community: dict[int, int] = {}
        for pk, region_id in (
            Organization.objects.filter(
                kind__in=routing.LEVEL_UNIT_KINDS["community"], region_id__in=communities
            )
            .order_by("-pk")
            .values_list("pk", "region_id")
        ):
            self.community[region_id] = pk
        self.company: dict[int, int] = dict(
            PropertyService.objects.filter(
                compound_id__in=[p.region_id for p in places],
                company__isnull=False,
                start__lte=today,
            )
            .exclude(end__lt=today)
            .order_by("start")
            .values_list("compound_id", "company_id")
        )
        self._dept: dict[tuple[int, str], int | None] = {}

    def department(self, county_id: int, kind: str) -> int | None:
        key = (county_id, kind)
        if key not in self._dept:
            words = self._words(kind.strip()) if kind.strip() else ()
            self._dept[key] = next(
                (pk for pk, name in self.departments.get(county_id, ()) if any(w in name for w in words)),
                None,
            )
        return self._dept[key]

    def route(self, kind: Kind, place: Place) -> tuple[str, int | None]:
        """(level, unit) as `routing.route` decides it, falling back to the community."""
        if kind.level == Category.Level.DEPARTMENT:
            dept = self.department(place.county_id, kind.department_kind)
            if dept is not None:
                return "department", dept
        elif kind.level == Category.Level.PROPERTY:
            company = self.company.get(place.region_id)
            if company is not None:
                return "property", company
        elif kind.level in ("subdistrict", "county"):
            return kind.level, None
        level = "grid" if kind.level == Category.Level.GRID and place.grid_id else "community"
        return level, self.community.get(place.community_id)


# --- Deadlines ----------------------------------------------------------------------------------


class Deadlines:
    """`deadlines.compute_due` (the services' own rule) with a cache: the bulk path asks for
    millions, and a working-day deadline depends only on the day of receipt (the close of
    office on the n-th working day); working-hour ones are cached by the minute."""

    def __init__(self):
        self.cal = get_calendar()
        self.tz = ZoneInfo(settings.TIME_ZONE)
        self._days: dict[tuple[date, int], datetime] = {}
        self._hours: dict[tuple[datetime, int], datetime] = {}

    def due(self, start: datetime, value: int, unit: str) -> datetime:
        if unit == TimeLimit.HOURS:
            return start + timedelta(hours=value)
        local = start.astimezone(self.tz)
        if unit == TimeLimit.WORKING_DAYS:
            key = (local.date(), value)
        else:
            key = (local.replace(second=0, microsecond=0), value)
        cache = self._days if unit == TimeLimit.WORKING_DAYS else self._hours
        found = cache.get(key)
        if found is None:
            found = cache[key] = deadlines.compute_due(local, value, unit, cal=self.cal)
        return found

    def postponed(self, due: datetime, n: int) -> datetime:
        return deadlines.add_working_days_to_due(due, n, cal=self.cal)


# --- The simulated life of a case -------------------------------------------------------------

STEP = {t.action: t for t in TABLE.values()}


@dataclass
class Life:
    """One case's events before they are cut at "now"."""

    events: list = field(default_factory=list)  # (at, action, note, data, actor_key)
    ratings: list = field(default_factory=list)  # (at, score, solved, comment)
    postponement: tuple | None = None  # (requested_at, days, reason, status, decided_at, new_due)
    parts: list = field(
        default_factory=list
    )  # (dept id, task, summoned_at, report_due, reported, done_due, done)
    dues: tuple = (None, None, None)  # accept, respond, handle
    level: str = "community"
    unit: int | None = None
    merged: bool = False


@dataclass
class Actors:
    """Who acts in the generated timelines (user ids; None: nobody in particular)."""

    desk: int | None = None  # community staff: accept, dispatch, whistle, approve
    field: int | None = None  # grid worker: sign, feedback, return
    verifier: int | None = None
    reporter: int | None = None  # the demo resident: ratings and reopens of their reports
    department: int | None = None
    requester: int | None = None  # Postponement.requested_by is required
    regions: frozenset[int] | None = None  # where they act (None: everywhere); elsewhere nobody

    def of(self, key: str) -> int | None:
        return getattr(self, key)

    def at(self, place: Place) -> Actors:
        if self.regions is None or place.region_id in self.regions:
            return self
        return Actors(requester=self.requester)


class CaseGenerator:
    """Write `n` demands with their cases over a span of days (see the module docstring).

    Deterministic for a given seed, city and `now`. Rows go in with `_Table`, BATCH cases per
    transaction; the day counters of demand numbers are moved past the numbers used, so
    `submit_demand` carries on after them.
    """

    def __init__(
        self,
        city: Region | int,
        *,
        now: datetime | None = None,
        seed: int = SEED,
        actors: Actors | None = None,
        texts: dict[str, list[str]] | None = None,
    ):
        self.rng = random.Random(seed)
        self.now = now or timezone.now()
        self.tz = ZoneInfo(settings.TIME_ZONE)
        self.places = city_places(city)
        self.kinds = minor_categories()
        if not self.places:
            raise ValueError("The city has no compounds with a centroid to place demands in.")
        if not self.kinds:
            raise ValueError("There are no categories: seed them first.")
        self.actors = actors or Actors()
        self.units = Units(self.places, self.now.astimezone(self.tz).date())
        self.deadlines = Deadlines()
        rules = deadlines.rules()
        self.report_limit = (rules.whistle_report_in.value, rules.whistle_report_in.unit)
        self.part_limit = (rules.whistle_part.value, rules.whistle_part.unit)
        texts = labelled_texts() if texts is None else texts
        self.texts = {k.id: self._texts_for(k, texts) for k in self.kinds}
        self.day_seq: dict[date, int] = defaultdict(int, DemandCounter.objects.values_list("day", "last"))
        self.recent: dict[tuple[int, int], tuple[int, datetime, str]] = {}
        self.open_by_place: dict[tuple[int, int], int] = {}
        self.channels, self.channel_cum = _cumulative(CHANNELS)
        self.scores, self.score_cum = _cumulative(SCORES)
        self.hours, self.hour_cum = _cumulative(list(enumerate(HOURS)))
        self.counts: dict[str, int] = defaultdict(int)
        self.force: frozenset[str] | None = None  # branches a scripted life takes (None: chance)
        self._tables()

    def _texts_for(self, kind: Kind, texts: dict[str, list[str]]) -> list[str]:
        found = texts.get(kind.code) or texts.get(kind.name)
        if found:
            return found
        own = [t for word, pool in FALLBACK_TEXTS.items() if word in kind.name for t in pool]
        return own or [t.replace("{category}", kind.name) for t in GENERIC_TEXTS]

    def _tables(self):
        self.demands = _Table(
            Demand,
            [
                "number",
                "channel",
                "external_ticket",
                "reporter_user",
                "anonymous",
                "contact_phone",
                "entered_by",
                "text",
                "address",
                "lng",
                "lat",
                "input_system",
                "input_lng",
                "input_lat",
                "region",
                "grid",
                "category",
                "suggested_category",
                "triage",
                "duplicate_of",
                "repeat_of",
                "me_too_count",
                "received_at",
            ],
            ids=True,
        )
        self.keys = _Table(IntakeKey, ["key", "demand"])
        self.cases = _Table(
            Case,
            [
                "demand",
                "number",
                "status",
                "version",
                "category",
                "region",
                "grid",
                "urgent",
                "level",
                "unit",
                "escalation",
                "received_at",
                "accept_due",
                "respond_due",
                "handle_due",
                "accepted_at",
                "responded_at",
                "feedback_at",
                "closed_at",
            ],
            ids=True,
        )
        self.events = _Table(
            CaseEvent, ["case", "at", "actor", "action", "from_status", "to_status", "note", "data", "public"]
        )
        self.ratings = _Table(Rating, ["case", "by", "score", "solved", "comment", "at"])
        self.postponements = _Table(
            Postponement,
            [
                "case",
                "requested_by",
                "working_days",
                "reason",
                "status",
                "decided_by",
                "decided_at",
                "new_due",
            ],
        )
        self.parts = _Table(
            WhistlePart,
            [
                "case",
                "department",
                "task",
                "status",
                "report_in_due",
                "reported_at",
                "done_due",
                "done_at",
                "result",
            ],
        )
        self.all_tables = [
            self.demands,
            self.keys,
            self.cases,
            self.events,
            self.ratings,
            self.postponements,
            self.parts,
        ]

    # -- entry ------------------------------------------------------------------------------

    def generate(
        self, n: int, *, first: date, last: date, progress: Callable[[int], None] | None = None
    ) -> dict:
        """`n` demands received from `first` to `last` (local days, both included), spread evenly
        with a daily rhythm; returns counts by table and by case status."""
        days = (last - first).days + 1
        touched: set[date] = set()
        done = batch = 0
        for i in range(days):
            day = first + timedelta(days=i)
            k = (n * (i + 1)) // days - (n * i) // days
            if k:
                touched.add(day)
            for moment in sorted(self._moment(day) for _ in range(k)):
                self._one(min(moment, self.now - timedelta(minutes=1)))
                done += 1
                batch += 1
                if batch >= BATCH:
                    self._flush()
                    batch = 0
                    if progress:
                        progress(done)
        self._flush()
        for table in self.all_tables:
            table.finish()
        self._counters(touched)
        if progress and batch:
            progress(done)
        counts = {t.model._meta.model_name: t.count for t in self.all_tables}
        counts.update(self.counts)
        return counts

    def _flush(self):
        with transaction.atomic():
            for table in self.all_tables:
                table.flush()

    def _counters(self, days: set[date]) -> None:
        """Day counters past the numbers handed out here (submit_demand continues from them)."""
        existing = set(DemandCounter.objects.filter(day__in=days).values_list("day", flat=True))
        with transaction.atomic():
            DemandCounter.objects.bulk_create(
                [DemandCounter(day=d, last=self.day_seq[d]) for d in sorted(days - existing)], batch_size=1000
            )
            for day in existing:
                DemandCounter.objects.filter(day=day).update(last=self.day_seq[day])

    def _moment(self, day: date) -> datetime:
        hour = self.hours[bisect(self.hour_cum, self.rng.random() * self.hour_cum[-1])]
        return datetime.combine(
            day, time(hour, self.rng.randrange(60), self.rng.randrange(60)), tzinfo=self.tz
        )

    # -- one demand and its case -----------------------------------------------------------

    def _one(self, received: datetime) -> None:
        rng = self.rng
        place = self.places[rng.randrange(len(self.places))]
        kind = self.kinds[rng.randrange(len(self.kinds))]
        channel = self.channels[bisect(self.channel_cum, rng.random() * self.channel_cum[-1])]
        local_day = received.astimezone(self.tz).date()
        self.day_seq[local_day] += 1
        number = f"{local_day:%Y%m%d}-{self.day_seq[local_day]:04d}"
        anonymous = channel in (Demand.Channel.PHONE, Demand.Channel.HOTLINE) and rng.random() < 0.08
        phone = "" if anonymous else f"1{rng.choice('3578')}{rng.randrange(10**9):09d}"
        key = (place.region_id, kind.id)
        repeat_of = None
        earlier = self.recent.get(key)
        # 重复诉求: the same person on the same matter within 30 days.
        if (
            earlier
            and earlier[2]
            and not anonymous
            and received - earlier[1] < timedelta(days=30)
            and rng.random() < 0.25
        ):
            repeat_of, phone = earlier[0], earlier[2]
        text = rng.choice(self.texts[kind.id]).replace("{place}", place.name).replace("{category}", kind.name)
        lng = place.lng + rng.uniform(-0.0015, 0.0015)
        lat = place.lat + rng.uniform(-0.0012, 0.0012)
        original = self.open_by_place.get(key) if rng.random() < 0.3 else None
        life = self._life(received, kind, place, original=original)
        ticket = f"YC{number.replace('-', '')}" if channel == Demand.Channel.HOTLINE else ""
        actors = self.actors.at(place)
        demand_id = self.demands.add(
            number,
            channel,
            ticket,
            actors.reporter if channel == Demand.Channel.PHONE and rng.random() < 0.2 else None,
            anonymous,
            phone,
            actors.field if channel in (Demand.Channel.PATROL, Demand.Channel.VISIT) else None,
            text,
            f"{place.name}{rng.randint(1, 12)}栋附近",
            lng,
            lat,
            "wgs84",
            lng,
            lat,
            place.region_id,
            place.grid_id,
            kind.id,
            kind.id,
            Demand.Triage.DUPLICATE if life.merged else Demand.Triage.SMALL,
            original if life.merged else None,
            repeat_of,
            rng.choice((0, 0, 0, 0, 1, 2, 3)) if channel == Demand.Channel.PHONE else 0,
            received,
        )
        if ticket:
            self.keys.add(f"ticket:{channel}:{ticket}", demand_id)
        self.recent[key] = (demand_id, received, phone)
        self.counts["repeats"] += repeat_of is not None
        status = self._case(demand_id, number, received, kind, place, life)
        if status in Case.OPEN:
            self.open_by_place[key] = demand_id
        else:
            self.open_by_place.pop(key, None)

    def _forced(self, branch: str, natural: bool) -> bool:
        """Whether a life takes `branch`: by chance, or as the demo's script says (`self.force`)."""
        return natural if self.force is None else branch in self.force

    def _life(self, received: datetime, kind: Kind, place: Place, *, original: int | None) -> Life:
        """The whole life a case would have if nothing stopped it (cut at now afterwards).
        `original`: an open demand of the same matter and place this one may be merged into."""
        rng = self.rng
        (al, au), (rl, ru), (hl, hu) = kind.limits
        accept_due = self.deadlines.due(received, al, au)
        respond_due = self.deadlines.due(received, rl, ru)
        handle_due = self.deadlines.due(received, hl, hu)
        life = Life(dues=(accept_due, respond_due, handle_due))
        life.level, life.unit = self.units.route(kind, place)
        ev = life.events
        ev.append((received, "submit", "", {}, None))
        # Accepted and dispatched quickly (the response limit runs from receipt too).
        first_due = min(accept_due, respond_due)
        t = received + _frac(rng, 0.02, 0.3, first_due - received, timedelta(minutes=3))
        r = rng.random()
        if self._forced("reject", r < 0.03):
            ev.append((t, "reject", rng.choice(REJECT_REASONS), {}, "desk"))
            return life
        if original is not None and self._forced("merge", r < 0.15):
            life.merged = True
            ev.append((t, "merge", "同一问题已有报告，合并处理。", {"into": original}, "desk"))
            return life
        ev.append((t, "accept", "", {}, "desk"))
        t += min(
            timedelta(minutes=rng.randint(5, 60)), _frac(rng, 0.05, 0.2, first_due - t, timedelta(minutes=2))
        )
        ev.append((t, "dispatch", "", {"unit": life.unit}, "desk"))
        if self._forced("return", rng.random() < 0.05):  # 退单, then dispatched again
            t += timedelta(minutes=rng.randint(30, 600))
            ev.append((t, "return", rng.choice(RETURN_REASONS), {}, "field"))
            t += timedelta(minutes=rng.randint(20, 240))
            ev.append((t, "dispatch", "", {"unit": life.unit}, "desk"))
        # Sign for it (响应): mostly in time, some late.
        if self._forced("late_sign", rng.random() < 0.07):
            t = max(t, respond_due) + timedelta(minutes=rng.randint(20, 1440))
        else:
            t = t + _frac(rng, 0.1, 0.8, respond_due - t, timedelta(minutes=2))
        ev.append((t, "sign", "", {}, "field"))
        # Stuck: never finished (overdue now); only recent cases — older ones were finished late.
        stuck = self._forced("stuck", rng.random() < 0.025 and self.now - received < timedelta(days=45))
        departments = self.units.departments.get(place.county_id, [])
        if len(departments) >= 2 and self._forced(
            "whistle", rng.random() < 0.03
        ):  # 吹哨: several departments summoned
            t += timedelta(minutes=rng.randint(30, 300))
            chosen = rng.sample(departments, rng.choice((2, 3, 3)) if len(departments) >= 3 else 2)
            ev.append(
                (
                    t,
                    "whistle",
                    "需多部门联合处置，街道吹哨。",
                    {"departments": [d for d, _ in chosen]},
                    "desk",
                )
            )
            finished_all = t
            for i, (dept, _name) in enumerate(chosen):
                report_due = self.deadlines.due(t, *self.report_limit)
                reported = t + timedelta(minutes=rng.randint(15, 150))
                done_due = self.deadlines.due(reported, *self.part_limit)
                finished = (
                    None if stuck and i == len(chosen) - 1 else reported + timedelta(hours=rng.randint(2, 60))
                )
                life.parts.append(
                    (dept, rng.choice(WHISTLE_TASKS), t, report_due, reported, done_due, finished)
                )
                ev.append((reported, "report_in", "", {"department": dept}, "department"))
                if finished:
                    ev.append(
                        (finished, "part_done", "已完成本部门任务。", {"department": dept}, "department")
                    )
                    finished_all = max(finished_all, finished)
            if not stuck:
                ev.append((finished_all, "whistle_done", "", {}, None))
                self._verify(life, finished_all, first=True)
            ev.sort(key=lambda e: e[0])
            return life
        # Postponement asked while handling.
        if self.actors.requester and self._forced("postpone", rng.random() < 0.03):
            asked = t + timedelta(minutes=rng.randint(60, 1440))
            days = rng.choice((3, 5, 10))
            approved = not self._forced("deny", rng.random() >= 0.8)
            decided = asked + timedelta(minutes=rng.randint(30, 600))
            new_due = self.deadlines.postponed(handle_due, days) if approved else None
            status = Postponement.Status.APPROVED if approved else Postponement.Status.DENIED
            life.postponement = (asked, days, rng.choice(POSTPONE_REASONS), status, decided, new_due)
            ev.append((asked, "request_postpone", life.postponement[2], {"working_days": days}, "field"))
            ev.append((decided, "approve_postpone" if approved else "deny_postpone", "", {}, "desk"))
            if approved:
                handle_due = new_due
            t = decided
        if stuck:  # never finished: half escalated by the worker once overdue, half left handling
            if self._forced("escalate", rng.random() < 0.5):
                ev.append(
                    (
                        max(t, handle_due) + timedelta(minutes=10),
                        "escalate",
                        "超期未办结，自动上报。",
                        {"auto": True},
                        None,
                    )
                )
            ev.sort(key=lambda e: e[0])
            return life
        # Feedback (办结): mostly in time.
        if self._forced("late", rng.random() < 0.08):
            t = max(t, handle_due) + timedelta(minutes=rng.randint(60, 5 * 1440))
        else:
            t = t + _frac(rng, 0.1, 0.7, handle_due - t, timedelta(minutes=30))
        ev.append((t, "feedback", rng.choice(FEEDBACK_TEXTS), {}, "field"))
        self._verify(life, t, first=True)
        ev.sort(key=lambda e: e[0])
        return life

    def _verify(self, life: Life, t: datetime, *, first: bool) -> None:
        """From feedback on: verify (sometimes failed once), the return visit, maybe a reopen."""
        rng = self.rng
        ev = life.events
        t += timedelta(minutes=rng.randint(20, 240))  # the grid worker checks the same day
        if first and self._forced("verify_fail", rng.random() < 0.02):
            ev.append((t, "verify_fail", rng.choice(VERIFY_FAIL_NOTES), {}, "verifier"))
            t += timedelta(minutes=rng.randint(120, 2880))
            ev.append((t, "feedback", rng.choice(FEEDBACK_TEXTS), {}, "field"))
            t += timedelta(minutes=rng.randint(30, 720))
        ev.append((t, "verify", "", {}, "verifier"))
        if self._forced("unrated", rng.random() > 0.92):  # not reached at the return visit
            return
        t += timedelta(minutes=rng.randint(60, 3 * 1440))
        score = self.scores[bisect(self.score_cum, rng.random() * self.score_cum[-1])]
        solved = rng.random() < {5: 0.97, 4: 0.92, 3: 0.6, 2: 0.25, 1: 0.1}[score]
        if first and self.force is not None and "reopen" in self.force:
            score, solved = rng.choice((1, 2)), False
        comment = rng.choice(RATING_COMMENTS[score])
        life.ratings.append((t, score, solved, comment))
        ev.append((t, "rate", comment, {"score": score, "solved": solved}, "reporter"))
        if first and self._forced("reopen", score <= 2 and not solved and rng.random() < 0.6):  # 重办
            t += timedelta(minutes=rng.randint(60, 2880))
            ev.append((t, "reopen", rng.choice(REOPEN_REASONS), {}, "reporter"))
            t += timedelta(minutes=rng.randint(240, 4 * 1440))
            ev.append((t, "feedback", rng.choice(FEEDBACK_TEXTS), {}, "field"))
            self._verify(life, t, first=False)

    def _case(
        self, demand_id: int, number: str, received: datetime, kind: Kind, place: Place, life: Life
    ) -> str:
        """Write the case as it stands at `now`, with the events, ratings, postponement and
        whistle parts that happened by then; returns its status."""
        now = self.now
        status = ""
        accepted = responded = feedback = closed = None
        escalation = 0
        level, unit = life.level, life.unit
        accept_due, respond_due, handle_due = life.dues
        transitions = []
        for at, action, note, data, actor in life.events:
            if at > now:
                break
            if action == "submit":
                target = S.SUBMITTED
            else:
                step = STEP[action]
                if status not in step.sources:
                    raise AssertionError(f"{number}: {action} from {status} is not in the transition table")
                target = step.target or status
            transitions.append((at, action, status, target, note, data, actor))
            status = target
            if action == "accept" and accepted is None:
                accepted = at
            elif action == "sign" and responded is None:
                responded = at
            elif action in ("feedback", "whistle_done"):
                feedback = at
            elif action == "verify":
                closed = at
            elif action == "reopen":
                closed = feedback = None
                handle_due = self.deadlines.due(at, *kind.limits[2])
            elif action == "escalate":
                escalation += 1
                level = ESCALATED.get(level, level)
                unit = None
                handle_due = self.deadlines.due(at, *kind.limits[2])
            elif action == "approve_postpone" and life.postponement:
                handle_due = life.postponement[5]
        case_id = self.cases.add(
            demand_id,
            number,
            status,
            len(transitions) - 1,
            kind.id,
            place.region_id,
            place.grid_id,
            kind.urgent,
            level,
            unit,
            escalation,
            received,
            accept_due,
            respond_due,
            handle_due,
            accepted,
            responded,
            feedback,
            closed,
        )
        actors = self.actors.at(place)
        for at, action, from_status, to_status, note, data, actor in transitions:
            self.events.add(
                case_id,
                at,
                actors.of(actor) if actor else None,
                action,
                from_status,
                to_status,
                note,
                data,
                "postpone" not in action,
            )
        for at, score, solved, comment in life.ratings:
            if at <= now:
                self.ratings.add(case_id, actors.reporter, score, solved, comment, at)
        if life.postponement and life.postponement[0] <= now:
            asked, days, reason, pstatus, decided, new_due = life.postponement
            if decided > now:
                pstatus, decided, new_due = Postponement.Status.REQUESTED, None, None
            self.postponements.add(
                case_id,
                actors.requester,
                days,
                reason,
                pstatus,
                actors.desk if decided else None,
                decided,
                new_due,
            )
        for dept, task, summoned, report_due, reported, done_due, done in life.parts:
            if summoned > now:
                continue
            reported = reported if reported <= now else None
            done = done if done and done <= now else None
            pstatus = (
                WhistlePart.Status.DONE
                if done
                else WhistlePart.Status.REPORTED
                if reported
                else WhistlePart.Status.SUMMONED
            )
            self.parts.add(
                case_id,
                dept,
                task,
                pstatus,
                report_due,
                reported,
                done_due if reported else None,
                done,
                "已处置到位。" if done else "",
            )
        self.counts[f"status_{status}"] += 1
        return status


# One level up when a case is escalated (as routing.LEVEL_UP).
ESCALATED = {
    "grid": "community",
    "property": "community",
    "community": "subdistrict",
    "subdistrict": "county",
    "department": "county",
}


def _cumulative(pairs):
    values, cum, total = [], [], 0
    for value, weight in pairs:
        total += weight
        values.append(value)
        cum.append(total)
    return values, cum


def _frac(rng: random.Random, lo: float, hi: float, span: timedelta, floor: timedelta) -> timedelta:
    """A share of `span` (at least `floor`): how long a step takes when it is done in time."""
    return max(floor, span * rng.uniform(lo, hi))

"""Demo demands and cases for the Yichun demo city (`doorstep demo`).

Two paths write the rows:

- the history, by the bulk path (`demo_bulk.CaseGenerator`): a few hundred demands over the
  last two years, each case through a simulated life cut at now, written as the services
  write them;
- the recent demands (`Player`): a few dozen over the last year and the SCRIPTS of the last
  days — every status, overdue, whistled, postponed, returned, reopened, repeated, merged — go
  through the real `intake.submit_demand` and the case services, with the demo logins acting,
  so their events, deadlines and notifications are exactly what the product writes.

`build_demo_demands()` runs both once (a city that has demands is left as it is); `doorstep
demo` calls it when the demands app is installed, and `delete_demo_demands()` before --reset.
"""

from __future__ import annotations

import logging
import random
import time as time_module
from bisect import bisect
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import transaction
from django.db.models import F, Max
from django.utils import timezone

from doorstep.territory.models import Organization, Region

from .demo_bulk import (
    DATA_DIR,
    FALLBACK_TEXTS,
    SEED,
    Actors,
    CaseGenerator,
    Kind,
    Place,
    city_places,
    labelled_texts,
)
from .models import Case, CaseEvent, Category, Demand
from .workflow import TABLE

__all__ = [
    "DATA_DIR",
    "FALLBACK_TEXTS",
    "Actors",
    "CaseGenerator",
    "DemoDemands",
    "build_demo_demands",
    "city_places",
    "delete_demo_demands",
    "describe",
    "labelled_texts",
]


# --- The demo city's demands: history in bulk, the last year through the services -----------

DEMO_CITY = "360900"
RESIDENT = "demo-resident"
# Logins of `doorstep demo`, in the order they are asked to act (the first whose role allows it).
DESK = ("demo-community", "demo-subdistrict", "demo-admin")
FIELD = ("demo-chengguan", "demo-property", "demo-grid", "demo-community", "demo-subdistrict", "demo-admin")
VERIFIERS = ("demo-grid", "demo-community", "demo-admin")
APPROVERS = ("demo-community", "demo-subdistrict", "demo-leader", "demo-admin")
RETURN_VISIT = ("demo-community", "demo-admin")  # 回访: staff call the reporter and record the rating
ENTRY = ("demo-grid", "demo-community", "demo-subdistrict", "demo-admin")
LOGIN_NAMES = ("demo-leader", "demo-property", *DESK, *FIELD, *VERIFIERS, RESIDENT)

# The recent demands of the demo: (days before now it was received, branches, stop after).
# Each shows one state staff and residents meet: every status, overdue, whistled, postponed,
# returned, reopened, merged. `stop`: the action after which the life is left as it is
# ("overdue": lived to now, received early enough for its handling deadline to have passed).
SCRIPTS = (
    (0.1, (), "submit"),
    (0.3, (), "submit"),
    (2.5, (), "submit"),  # overdue for acceptance
    (0.5, (), "accept"),
    (1.2, (), "accept"),
    (0.8, (), "dispatch"),
    (1.5, (), "dispatch"),
    (1.0, (), "sign"),
    (2.0, (), "sign"),
    (3.0, ("late_sign",), "sign"),
    (9.0, ("stuck",), "overdue"),  # overdue, still handling
    (12.0, ("stuck", "escalate"), "escalate"),  # overdue, escalated by the worker
    (13.0, ("stuck",), "overdue"),
    (1.5, ("return",), "return"),
    (2.5, ("return",), "return"),
    (1.0, ("whistle",), "whistle"),  # departments summoned, none reported in yet
    (1.5, ("whistle",), "report_in"),
    (2.5, ("whistle",), "part_done"),
    (8.0, ("whistle", "stuck"), "overdue"),  # one department never finishes: overdue
    (2.0, ("postpone",), "request_postpone"),  # waiting for a decision
    (4.0, ("postpone",), "approve_postpone"),
    (4.0, ("postpone", "deny"), "deny_postpone"),
    (3.0, (), "feedback"),
    (4.0, (), "feedback"),
    (3.5, (), "verify"),  # closed, waiting for the return visit
    (5.0, (), "verify"),
    (6.0, (), "rate"),
    (7.0, (), None),
    (8.0, ("reopen",), "reopen"),  # the resident says it is not solved
    (10.0, ("reopen",), None),
    (2.0, ("reject",), None),
    (6.0, ("verify_fail",), "verify_fail"),
    (5.0, ("late",), None),
    (3.0, (), "sign"),
    (1.0, ("same", "merge"), None),  # someone else reports the same open problem: merged
    (20.0, (), None),
    (6.0, ("same",), None),  # the same caller on the same matter again: a repeat (重复诉求)
    (2.0, (), "dispatch"),
    (0.5, ("same",), "submit"),
)


@dataclass
class DemoDemands:
    """What `build_demo_demands` did."""

    built: bool
    history: int = 0  # demands written by the bulk path (a year and more ago)
    played: int = 0  # demands played through the services
    failures: list[str] = field(default_factory=list)
    statuses: dict[str, int] = field(default_factory=dict)
    message: str = ""
    seconds: float = 0.0


def describe(result: DemoDemands) -> str:
    """What `doorstep demo` prints about the demo demands."""
    from django.utils.translation import gettext as _

    if result.message in ("no demo city", "no demo logins"):
        return _("No demo demands: this city was not built by doorstep demo.")
    cases = sum(result.statuses.values())
    open_cases = sum(n for status, n in result.statuses.items() if status in Case.OPEN)
    labels = dict(Case.Status.choices)
    statuses = "、".join(
        f"{labels.get(status, status)} {n}"
        for status, n in sorted(result.statuses.items(), key=lambda x: -x[1])
    )
    if not result.built:
        lines = [
            _("The demo demands are there already: %(cases)d cases (%(open)d open); nothing was added.")
            % {"cases": cases, "open": open_cases}
        ]
    else:
        lines = [
            _(
                "Built the demo demands in %(seconds).1f s: %(cases)d cases (%(open)d open), %(history)d "
                "of them written by the bulk path, %(played)d through the services."
            )
            % {
                "seconds": result.seconds,
                "cases": cases,
                "open": open_cases,
                "history": result.history,
                "played": result.played,
            }
        ]
    lines.append(_("Case statuses: %(statuses)s") % {"statuses": statuses})
    if result.failures:
        lines.append(
            _("%(n)d steps of the demo could not be played, the first: %(first)s")
            % {"n": len(result.failures), "first": result.failures[0]}
        )
    return "\n".join(lines)


def delete_demo_demands() -> int:
    """Delete the demo city's demands with their cases and everything hanging off them (before
    `doorstep demo --reset` deletes the city, whose regions the demands protect)."""
    city = Region.objects.filter(code=DEMO_CITY).first()
    if city is None:
        return 0
    demands = Demand.objects.filter(
        region__in=Region.objects.descendants(city, include_self=True).values("pk")
    )
    with transaction.atomic():
        Demand.objects.filter(repeat_of__in=demands).update(repeat_of=None)
        Demand.objects.filter(duplicate_of__in=demands).update(duplicate_of=None)
        count, _ = demands.delete()
    return count


def demo_demands_exist(city: Region) -> bool:
    return Demand.objects.filter(
        region__in=Region.objects.descendants(city, include_self=True).values("pk")
    ).exists()


def build_demo_demands(
    *, history: int = 400, played: int = 20, now: datetime | None = None, seed: int = SEED
) -> DemoDemands:
    """Demands and cases for the demo city, once (a city that has demands is left as it is).

    `history` demands received over the last two years (up to a fortnight ago) go in by the
    bulk path, so that this year has a year before it to compare with; `played` more over the
    last year and the SCRIPTS of the last days go through `intake.submit_demand` and the case
    services, with the demo logins acting (the first whose role allows each step). About ten
    seconds: the services notify, route and check roles at every step.
    """
    from doorstep.core.models import User

    city = Region.objects.filter(code=DEMO_CITY).first()
    if city is None:
        return DemoDemands(False, message="no demo city")
    if demo_demands_exist(city):
        return DemoDemands(False, statuses=_statuses(city), message="already there")
    users = {u.username: u for u in User.objects.filter(username__in=LOGIN_NAMES, is_active=True)}
    if "demo-admin" not in users:
        return DemoDemands(False, message="no demo logins")
    if not Category.objects.filter(parent__isnull=False).exists():
        from .categories import seed_categories

        seed_categories()
    now = now or timezone.now()
    started = time_module.monotonic()
    quiet = logging.getLogger("doorstep.notify")
    level = quiet.level
    quiet.setLevel(logging.ERROR)  # hundreds of "SMS not sent: no gateway" lines otherwise
    try:
        with transaction.atomic():
            result = _build(city, users, history, played, now, seed)
    finally:
        quiet.setLevel(level)
    result.statuses = _statuses(city)
    result.seconds = time_module.monotonic() - started
    return result


def _statuses(city: Region) -> dict[str, int]:
    from django.db.models import Count

    rows = (
        Case.objects.filter(region__in=Region.objects.descendants(city, include_self=True).values("pk"))
        .values_list("status")
        .annotate(n=Count("pk"))
        .order_by()
    )
    return dict(rows)


def _build(city, users, history, played, now, seed) -> DemoDemands:
    ids = {name: user.pk for name, user in users.items()}
    today = now.astimezone(ZoneInfo(settings.TIME_ZONE)).date()
    bulk = CaseGenerator(
        city,
        now=now,
        seed=seed,
        actors=Actors(
            desk=ids.get("demo-community"),
            field=ids.get("demo-grid"),
            verifier=ids.get("demo-grid"),
            reporter=ids.get(RESIDENT),
            requester=ids.get("demo-grid") or ids["demo-admin"],
            regions=_role_subtree(users.get("demo-community")),
        ),
    )
    if history:
        bulk.generate(history, first=today - timedelta(days=730), last=today - timedelta(days=15))
    player = Player(city, users, now=now, seed=seed + 7)
    player.play_year(played)
    player.play_scripts()
    player.settle_notifications()
    return DemoDemands(True, history=history, played=player.played, failures=player.failures)


def _role_subtree(user) -> frozenset[int]:
    """The regions under the user's first role (where the demo logins act in the history)."""
    from doorstep.territory.models import Role

    role = Role.objects.filter(user=user).order_by("pk").first() if user else None
    if role is None:
        return frozenset()
    return frozenset(
        Region.objects.descendants(role.region_id, include_self=True).values_list("pk", flat=True)
    )


class Player:
    """Plays simulated lives through the real services (see the module docstring)."""

    def __init__(self, city: Region, users: dict, *, now: datetime, seed: int):
        self.users = users
        self.now = now
        self.tz = ZoneInfo(settings.TIME_ZONE)
        self.sim = CaseGenerator(
            city,
            now=now,
            seed=seed,
            actors=Actors(requester=users["demo-admin"].pk),
        )
        self.rng = self.sim.rng
        self.places = self.sim.places
        self.weights = self._weights(city)
        self.open: dict[tuple[int, int], Case] = {}  # (compound, category) → an open case
        self.phones: dict[tuple[int, int], tuple[str, datetime]] = {}
        self.played = 0
        self.failures: list[str] = []
        self._last = None  # (place, kind, contact phone) of the demand played last
        self._note_mark = self._last_note()

    def _weights(self, city) -> list[float]:
        """Where the demo's demands are: many in the demo logins' community and subdistrict."""
        community = self._role_region("demo-community")
        subdistrict = self._role_region("demo-subdistrict")
        inside = {
            c: set(Region.objects.descendants(c, include_self=True).values_list("pk", flat=True))
            for c in (community, subdistrict)
            if c is not None
        }
        weights = []
        for p in self.places:
            if community is not None and p.region_id in inside[community]:
                weights.append(25.0)
            elif subdistrict is not None and p.region_id in inside[subdistrict]:
                weights.append(6.0)
            else:
                weights.append(1.0)
        return weights

    def _role_region(self, username):
        from doorstep.territory.models import Role

        user = self.users.get(username)
        role = Role.objects.filter(user=user).select_related("region").first() if user else None
        return role.region_id if role else None

    # -- choosing what happens -------------------------------------------------------------

    def play_year(self, n: int) -> None:
        """`n` demands received over the last year (but the last fortnight), lived to now."""
        start = self.now - timedelta(days=360)
        span = (timedelta(days=346)).total_seconds()
        moments = sorted(start + timedelta(seconds=self.rng.random() * span) for _ in range(n))
        for received in moments:
            local = received.astimezone(self.tz)
            hour = self.sim.hours[bisect(self.sim.hour_cum, self.rng.random() * self.sim.hour_cum[-1])]
            self._one(local.replace(hour=hour), force=None, stop=None)

    def play_scripts(self) -> None:
        for days, force, stop in SCRIPTS:
            self._one(self.now - timedelta(days=days), force=frozenset(force), stop=stop)

    def _one(self, received: datetime, *, force, stop) -> None:
        rng = self.rng
        place = rng.choices(self.places, weights=self.weights)[0]
        kind = self.sim.kinds[rng.randrange(len(self.sim.kinds))]
        same = bool(force) and "same" in force and self._last is not None
        if same:  # the same matter at the same place as the demand before (repeat, duplicate)
            place, kind = self._last[0], self._last[1]
        key = (place.region_id, kind.id)
        original = self.open.get(key)
        if force and "merge" in force and original is None:
            force = force - {"merge"}
        self.sim.force = force
        life = self.sim._life(received, kind, place, original=original.pk if original else None)
        self.sim.force = None
        events = life.events
        if stop == "overdue":  # received early enough for the handling deadline to have passed
            late = life.dues[2] - (self.now - timedelta(days=2))
            if late > timedelta(0):
                events = [(e[0] - late, *e[1:]) for e in events]
        elif stop is not None:
            cut = next((i for i, e in enumerate(events) if e[1] == stop), len(events) - 1)
            events = events[: cut + 1]
            late = events[-1][0] - self.now
            if late > timedelta(0):  # the script's state lies ahead: receive it earlier
                shift = late + timedelta(minutes=30)
                events = [(e[0] - shift, *e[1:]) for e in events]
        events = [e for e in events if e[0] <= self.now]
        if not events:
            return
        try:
            case = self._submit(events[0][0], place, kind, rng, phone=self._last[2] if same else None)
        except Exception as exc:  # noqa: BLE001 - a demo step that fails is reported, not fatal
            self.failures.append(f"submit {kind.name} at {place.name}: {_message(exc)}")
            return
        self.played += 1
        self._last = (place, kind, case.demand.contact_phone)
        self._stamp(events[0][0], case=case, first=True)
        for at, action, note, data, _actor in events[1:]:
            try:
                self._step(case, action, at, note, data, original)
            except Exception as exc:  # noqa: BLE001
                self.failures.append(f"{case.number} {action}: {_message(exc)}")
                break
            self._stamp(at)
            case.refresh_from_db()
        if case.status in Case.OPEN:
            self.open[key] = case
        elif self.open.get(key) is case:
            del self.open[key]
        if original is not None:
            original.refresh_from_db()
            if original.status not in Case.OPEN and self.open.get(key) is original:
                del self.open[key]

    # -- through the services --------------------------------------------------------------

    def _submit(
        self, received: datetime, place: Place, kind: Kind, rng: random.Random, *, phone=None
    ) -> Case:
        from .intake import is_staff_in_scope, submit_demand

        key = (place.region_id, kind.id)
        text = (
            rng.choice(self.sim.texts[kind.id])
            .replace("{place}", place.name)
            .replace("{category}", kind.name)
        )
        channel = self.sim.channels[bisect(self.sim.channel_cum, rng.random() * self.sim.channel_cum[-1])]
        fields: dict = {}
        if phone:
            channel = Demand.Channel.HOTLINE  # the same caller again
        elif channel in (Demand.Channel.PHONE, Demand.Channel.RIDER):
            if RESIDENT in self.users and rng.random() < 0.3:
                channel, by = Demand.Channel.PHONE, self.users[RESIDENT]
            else:
                channel = Demand.Channel.HOTLINE
        if channel != Demand.Channel.PHONE:
            by = next(
                self.users[name]
                for name in ENTRY
                if name in self.users and is_staff_in_scope(self.users[name], place.region_id)
            )
            earlier = self.phones.get(key)
            if phone:
                pass
            elif earlier and received - earlier[1] < timedelta(days=30) and rng.random() < 0.4:
                phone = earlier[0]  # the same person again: a repeat (重复诉求)
            else:
                phone = f"1{rng.choice('3578')}{rng.randrange(10**9):09d}"
            self.phones[key] = (phone, received)
            fields["contact_phone"] = phone
            if channel == Demand.Channel.HOTLINE:
                fields["external_ticket"] = (
                    f"YC{received.astimezone(self.tz):%Y%m%d}{rng.randrange(10**5):05d}"
                )
        demand = submit_demand(
            channel=channel,
            text=text,
            by=by,
            lng=place.lng,
            lat=place.lat,
            region=place.region_id,
            address=f"{place.name}{rng.randint(1, 12)}栋附近",
            category=kind.id,
            received_at=received,
            **fields,
        )
        return Case.objects.get(demand=demand)

    def _who(self, case: Case, names, *, action: str | None = None, kinds=None, exclude=None):
        from .actors import actor_kinds

        wanted = kinds if kinds is not None else TABLE[action].actors
        for name in names:
            user = self.users.get(name)
            if user is None or (exclude is not None and user.pk == exclude):
                continue
            if actor_kinds(user, case) & wanted:
                return user
        return self.users["demo-admin"]

    def _step(self, case: Case, action: str, at: datetime, note: str, data: dict, original: Case | None):
        from . import services as s
        from .actors import approver_kinds

        if action == "accept":
            s.accept(case, self._who(case, DESK, action=action), at=at)
        elif action == "reject":
            s.reject(case, self._who(case, DESK, action=action), reason=note, at=at)
        elif action == "merge":
            s.merge(case, original, self._who(case, DESK, action=action), at=at)
        elif action == "dispatch":
            s.dispatch(case, self._who(case, DESK, action=action), at=at)
        elif action == "return":
            s.return_case(case, self._who(case, FIELD, action=action), reason=note, at=at)
        elif action == "sign":
            s.sign(case, self._who(case, FIELD, action=action), at=at)
        elif action == "request_postpone":
            by = self._who(case, FIELD, action=action)
            event = s.request_postponement(case, by, working_days=data["working_days"], reason=note, at=at)
            self._pending = event.postponement
        elif action in ("approve_postpone", "deny_postpone"):
            request = self._pending
            by = self._who(case, APPROVERS, kinds=approver_kinds(case), exclude=request.requested_by_id)
            s.decide_postponement(request, by, approve=action == "approve_postpone", note=note, at=at)
        elif action == "whistle":
            departments = list(Organization.objects.filter(pk__in=data["departments"]).order_by("pk"))
            s.whistle(case, self._who(case, DESK, action=action), departments=departments, task=note, at=at)
        elif action in ("report_in", "part_done"):
            part = case.whistle_parts.select_related("department").get(department_id=data["department"])
            by = self._liaison(part)
            if action == "report_in":
                s.report_in(part, by, at=at)
            else:
                s.finish_part(part, by, result=note, at=at)
        elif action == "whistle_done":
            pass  # the services move the case on when the last part is done
        elif action == "escalate":
            s.escalate(case, None, reason=note, auto=True, at=at)
        elif action == "feedback":
            s.feedback(case, self._who(case, FIELD, action=action), text=note, at=at)
        elif action in ("verify", "verify_fail"):
            by = self._who(case, VERIFIERS, action=action)
            s.verify(case, by, solved=action == "verify", note=note, at=at)
        elif action in ("rate", "reopen"):
            names = ((RESIDENT,) if case.demand.reporter_user_id else ()) + RETURN_VISIT
            by = self._who(case, names, action=action)
            if action == "rate":
                s.rate(case, by, score=data["score"], solved=data["solved"], comment=note, at=at)
            else:
                s.reopen(case, by, reason=note, at=at)
        else:
            raise ValueError(f"no service for {action}")

    def _liaison(self, part):
        from doorstep.territory.models import Role

        role = (
            Role.objects.filter(kind=Role.Kind.DEPARTMENT_LIAISON, organization=part.department, active=True)
            .select_related("user")
            .first()
        )
        return role.user if role else self.users["demo-admin"]

    # -- times of what the services wrote "now" ---------------------------------------------

    def _last_note(self) -> int:
        from doorstep.core.models import Notification

        return Notification.objects.aggregate(m=Max("pk"))["m"] or 0

    def _stamp(self, at: datetime, *, case: Case | None = None, first: bool = False) -> None:
        """Date what the last step wrote at build time: its notifications, and the case's
        "received" record (submit_demand opens the case at the moment it is entered)."""
        from doorstep.core.models import Notification

        mark = self._last_note()
        if mark > self._note_mark:
            Notification.objects.filter(pk__gt=self._note_mark, pk__lte=mark).update(created_at=at)
            self._note_mark = mark
        if first and case is not None:
            CaseEvent.objects.filter(case=case, action="submit").update(at=at)

    def settle_notifications(self) -> None:
        """What happened more than three days ago has been read."""
        from doorstep.core.models import Notification

        cutoff = self.now - timedelta(days=3)
        Notification.objects.filter(
            case__region__in=[p.region_id for p in self.places], created_at__lt=cutoff, read_at__isnull=True
        ).update(read_at=F("created_at") + timedelta(hours=2))


def _message(exc: Exception) -> str:
    messages = getattr(exc, "messages", None)
    return "; ".join(str(m) for m in messages) if messages else str(exc)

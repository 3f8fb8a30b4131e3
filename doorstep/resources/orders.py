"""Service orders (群众点单): every write (order, dispatch, claim, done, rate, cancel, return,
escalate) and the scoped reads and figures.

One transition table, one transition function: each move locks the order row, checks the table
and who acts, writes the new status and one OrderEvent row, then tells the people concerned.
Two volunteers claiming at once: the second waits for the row lock, then finds the order taken
and gets a clear message (code "conflict"). Completing credits the volunteer's points and hours
once (the ledger entry's source key is the order).

Deadlines count working days with the city's work calendar: an order is to be taken within
DOORSTEP_ORDER_CLAIM_WORKING_DAYS (default 1) working days, ending when the office closes that
day, and done within DOORSTEP_ORDER_DONE_WORKING_DAYS (default 3) of being taken. An order not
taken by its deadline is escalated once per deadline by the background worker
(`escalate_orders`), with an event row and a notice to the community's staff.
"""

from __future__ import annotations

import logging
import secrets
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal, InvalidOperation

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import ContentFile
from django.db import transaction
from django.db.models import Avg, Count, F, Q, QuerySet
from django.http import Http404
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django_tasks import task

from doorstep.core.notify import notify, notify_many
from doorstep.core.phones import normalize_phone
from doorstep.core.pii import mask_phone
from doorstep.territory.models import Dwelling, Person, Region, Role
from doorstep.territory.people.selectors import scope_for_kinds
from doorstep.territory.selectors import subtree_ids

from . import points
from .models import OrderEvent, OrderPhoto, PointEntry, Service, ServiceOrder, TeamMember, VolunteerTeam
from .selectors import current_services_q, open_places_q

log = logging.getLogger("doorstep.resources.orders")
S = ServiceOrder.Status
# Who dispatches orders and follows them: staff of the community upwards (and grid workers).
STAFF_KINDS = frozenset({"grid_worker", "community_staff", "subdistrict_staff", "admin"})
READ_KINDS = STAFF_KINDS | {"leader"}
OPEN = (S.ORDERED, S.DISPATCHED, S.CLAIMED)
TAKEN = (S.DISPATCHED, S.CLAIMED)
MAX_NEED = 1000
MAX_PHOTOS = 6


class OrderError(ValidationError):
    """A move refused: code "conflict" (not in this state / taken by someone else), "forbidden"
    (not yours to make), "invalid" (bad input)."""

    def __init__(self, message, code=None, params=None):
        super().__init__(message, code, params)
        self.reason = code or "invalid"


# --- settings ------------------------------------------------------------------------------------


def claim_working_days() -> int:
    return int(getattr(settings, "DOORSTEP_ORDER_CLAIM_WORKING_DAYS", 1))


def done_working_days() -> int:
    return int(getattr(settings, "DOORSTEP_ORDER_DONE_WORKING_DAYS", 3))


def order_points() -> int:
    return int(getattr(settings, "DOORSTEP_POINTS_ORDER", 5))


def _due(start: datetime, days: int) -> datetime:
    from doorstep.demands.deadlines import compute_due

    return compute_due(start, days, "working_days")


# --- the table -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Transition:
    action: str
    sources: frozenset[str]
    target: str
    who: str  # resident | staff | volunteer | taker
    label: object


TABLE: dict[str, Transition] = {
    t.action: t
    for t in [
        Transition("dispatch", frozenset({S.ORDERED}), S.DISPATCHED, "staff", gettext_lazy("dispatch")),
        Transition(
            "claim", frozenset({S.ORDERED, S.DISPATCHED}), S.CLAIMED, "volunteer", gettext_lazy("claim")
        ),
        Transition("done", frozenset(TAKEN), S.DONE, "taker", gettext_lazy("mark done")),
        Transition("rate", frozenset({S.DONE}), S.RATED, "resident", gettext_lazy("rate")),
        Transition("cancel", frozenset(OPEN), S.CANCELLED, "resident", gettext_lazy("cancel")),
        Transition("return", frozenset(TAKEN), S.ORDERED, "taker", gettext_lazy("give back")),
    ]
}

ACTION_LABELS = {
    "order": gettext_lazy("Ordered"),
    "dispatch": gettext_lazy("Dispatched"),
    "claim": gettext_lazy("Claimed"),
    "done": gettext_lazy("Done"),
    "rate": gettext_lazy("Rated"),
    "cancel": gettext_lazy("Cancelled"),
    "return": gettext_lazy("Given back"),
    "escalate": gettext_lazy("Not taken in time: escalated"),
}


def action_label(action: str) -> str:
    return str(ACTION_LABELS.get(action, action))


# --- who is who ----------------------------------------------------------------------------------


def own_person(user) -> Person | None:
    if user is None or not user.is_authenticated:
        return None
    return Person.objects.filter(user=user, anonymised_at__isnull=True).first()


def community_of(region: Region) -> Region:
    """The community a place's region belongs to (a compound's parent)."""
    if region.level == Region.Level.COMPOUND and region.parent_id:
        return Region.objects.defer("boundary").get(pk=region.parent_id)
    return region


def _teams_q(community_id: int, on: date | None = None) -> Q:
    on = on or timezone.localdate()
    return (
        (Q(team__region_id=community_id) | Q(team__region__parent_id=community_id))
        & Q(left_on__isnull=True, team__founded_on__lte=on)
        & (Q(team__dissolved_on__isnull=True) | Q(team__dissolved_on__gt=on))
    )


def memberships(person: Person | None, community_id: int | None = None) -> QuerySet[TeamMember]:
    """The person's current team memberships (in teams of that community, when given)."""
    if person is None:
        return TeamMember.objects.none()
    on = timezone.localdate()
    qs = TeamMember.objects.filter(
        Q(person=person, left_on__isnull=True, team__founded_on__lte=on)
        & (Q(team__dissolved_on__isnull=True) | Q(team__dissolved_on__gt=on))
    )
    if community_id is not None:
        qs = qs.filter(_teams_q(community_id))
    return qs.select_related("team")


def volunteer_communities(person: Person | None) -> set[int]:
    """The communities whose open orders the person may claim (through their teams)."""
    out = set()
    for m in memberships(person).select_related("team__region"):
        r = m.team.region
        out.add(r.parent_id if r.level == Region.Level.COMPOUND and r.parent_id else r.pk)
    return out


def is_staff(user, order: ServiceOrder) -> bool:
    return scope_for_kinds(user, STAFF_KINDS).covers_region(order.region_id)


def can_read(user, order: ServiceOrder) -> bool:
    return scope_for_kinds(user, READ_KINDS).covers_region(order.region_id)


def is_resident(user, order: ServiceOrder) -> bool:
    return user is not None and user.is_authenticated and order.user_id == user.pk


def is_taker(user, order: ServiceOrder, person: Person | None = None) -> bool:
    """The volunteer holding the order (or, for an order dispatched to a team, one of its members)."""
    person = person or own_person(user)
    if person is None:
        return False
    if order.assignee_id:
        return order.assignee_id == person.pk
    if order.team_id:
        return memberships(person).filter(team_id=order.team_id).exists()
    return False


def may_see_phone(user, order: ServiceOrder) -> bool:
    """The contact phone in full: the resident, the volunteer holding it, staff of its area."""
    return is_resident(user, order) or is_staff(user, order) or (order.is_open and is_taker(user, order))


def shown_phone(user, order: ServiceOrder) -> str:
    return order.phone if may_see_phone(user, order) else mask_phone(order.phone)


# --- ordering ------------------------------------------------------------------------------------


def orderable_service(pk) -> Service:
    """A current service of an open place, or a ValidationError."""
    try:
        pk = int(pk)
        if not 0 < pk < 2**31:
            raise ValueError
    except (TypeError, ValueError):
        raise OrderError({"service": [_("Choose a service from the menu.")]}, code="invalid") from None
    service = (
        Service.objects.filter(current_services_q(), open_places_q(prefix="place__"), pk=pk)
        .select_related("place", "place__region")
        .defer("place__region__boundary")
        .first()
    )
    if service is None:
        raise OrderError({"service": [_("This service is not on any menu now.")]}, code="invalid")
    return service


def _parse_when(value) -> datetime | None:
    if value in (None, ""):
        return None
    if isinstance(value, datetime):
        moment = value
    else:
        from django.utils.dateparse import parse_datetime

        try:
            moment = parse_datetime(str(value).strip())
        except ValueError:
            moment = None
        if moment is None:
            raise OrderError({"preferred_at": [_("Enter the time as date and hour.")]}, code="invalid")
    if timezone.is_naive(moment):
        moment = timezone.make_aware(moment)
    return moment


def own_dwellings(person: Person | None) -> QuerySet[Dwelling]:
    """The dwellings the person lives in or owns now (for "where")."""
    if person is None:
        return Dwelling.objects.none()
    return (
        Dwelling.objects.filter(
            Q(households__members__person=person, households__moved_out_on__isnull=True)
            | Q(ownerships__person=person, ownerships__ended_on__isnull=True)
        )
        .select_related("building", "building__compound")
        .defer("building__compound__boundary")
        .distinct()
    )


def _notify_staff(order: ServiceOrder, text: str, kind: str, at=None) -> list:
    """Community staff of the order's community (else the subdistrict's)."""
    ids = [order.region_id]
    staff = list(
        Role.objects.filter(kind="community_staff", region_id=order.region_id, active=True).select_related(
            "user"
        )
    )
    if not staff:
        parent = Region.objects.filter(pk=order.region_id).values_list("parent_id", flat=True).first()
        ids = [parent] if parent else []
        staff = list(
            Role.objects.filter(kind="subdistrict_staff", region_id__in=ids, active=True).select_related(
                "user"
            )
        )
    return notify_many(
        [r.user for r in staff], text, kind=kind, url=reverse("resources:staff_order", args=[order.pk]), at=at
    )


def place_order(
    by,
    *,
    service,
    need: str,
    phone: str = "",
    preferred_at=None,
    dwelling=None,
    address: str = "",
    at: datetime | None = None,
) -> ServiceOrder:
    """A resident orders a service. Bad input raises OrderError by field and writes nothing."""
    person = own_person(by)
    if person is None:
        raise PermissionDenied(_("Your login is not linked to a person: ask your community."))
    errors: dict[str, list] = {}
    try:
        svc = orderable_service(service.pk if isinstance(service, Service) else service)
    except ValidationError as exc:
        errors.update(exc.message_dict)
        svc = None
    need = (need or "").strip()
    if not need:
        errors["need"] = [_("Say what you need.")]
    elif len(need) > MAX_NEED:
        errors["need"] = [_("At most %(n)d characters.") % {"n": MAX_NEED}]
    clean_phone = ""
    try:
        clean_phone = normalize_phone(phone or person.phone)
    except ValidationError as exc:
        errors["phone"] = exc.messages
    when = None
    try:
        when = _parse_when(preferred_at)
    except ValidationError as exc:
        errors.update(exc.message_dict)
    now = at or timezone.now()
    if when is not None and when < now - timedelta(minutes=5):
        errors["preferred_at"] = [_("The preferred time has passed.")]
    home = None
    if dwelling not in (None, ""):
        pk = dwelling.pk if isinstance(dwelling, Dwelling) else dwelling
        home = own_dwellings(person).filter(pk=pk if str(pk).isdigit() else 0).first()
        if home is None:
            errors["dwelling"] = [_("Choose one of your own dwellings.")]
    address = (address or "").strip()[:200]
    if home is None and not address and "dwelling" not in errors:
        errors["address"] = [_("Say where the service is needed.")]
    if errors:
        raise OrderError(errors, code="invalid")
    community = community_of(svc.place.region)
    with transaction.atomic():
        order = ServiceOrder.objects.create(
            service=svc,
            place=svc.place,
            region=community,
            resident=person,
            user=by,
            need=need,
            preferred_at=when,
            dwelling=home,
            address=address,
            phone=clean_phone,
            claim_due=_due(now, claim_working_days()),
        )
        if at is not None:
            ServiceOrder.objects.filter(pk=order.pk).update(created_at=at)
            order.created_at = at
        _event(order, "order", by, to_status=order.status, at=at)
        _notify_staff(
            order,
            _("New service order %(number)s: %(service)s.") % {"number": order.number, "service": svc.name},
            "order_new",
            at=at,
        )
    return order


# --- the one transition function ------------------------------------------------------------------


def _event(order, action, by, *, from_status="", to_status="", note="", at=None, **data) -> OrderEvent:
    ev = OrderEvent.objects.create(
        order=order,
        action=action,
        from_status=from_status,
        to_status=to_status,
        by=by if by is not None and getattr(by, "pk", None) else None,
        note=note,
        data=data,
    )
    if at is not None:
        OrderEvent.objects.filter(pk=ev.pk).update(at=at)
        ev.at = at
    return ev


def _check_who(rule: Transition, order: ServiceOrder, by, person: Person | None) -> None:
    if rule.who == "resident":
        ok = is_resident(by, order)
    elif rule.who == "staff":
        ok = is_staff(by, order)
    elif rule.who == "volunteer":
        ok = person is not None and (
            (order.team_id and memberships(person).filter(team_id=order.team_id).exists())
            or (not order.team_id and memberships(person, order.region_id).exists())
        )
        if order.status == S.DISPATCHED and order.assignee_id:
            ok = False
    else:
        ok = is_taker(by, order, person)
    if not ok:
        raise OrderError(_("You may not %(action)s this order.") % {"action": rule.label}, code="forbidden")


def transition(
    order: ServiceOrder | int,
    action: str,
    *,
    by,
    note: str = "",
    at: datetime | None = None,
    **extra,
) -> ServiceOrder:
    """Make one move of the table. `extra`: dispatch (team, member), done (hours, photos),
    rate (stars, comment)."""
    rule = TABLE.get(action)
    if rule is None:
        raise OrderError(_("Unknown action."), code="invalid")
    pk = order.pk if isinstance(order, ServiceOrder) else int(order)
    now = at or timezone.now()
    note = (note or "").strip()
    photos = list(extra.pop("photos", None) or ())
    infos = _accept_photos(photos) if photos else []  # checked before the lock: nothing written
    written: list[str] = []
    try:
        with transaction.atomic():
            locked = ServiceOrder.objects.select_for_update().filter(pk=pk).first()
            if locked is None:
                raise Http404
            person = own_person(by)
            taken = action == "claim" and locked.status == S.DISPATCHED and locked.assignee_id
            if locked.status not in rule.sources or taken:
                if action == "claim" and locked.status in TAKEN:
                    message = _("Someone else has already taken this order.")
                else:
                    message = _("The order is %(status)s; it cannot be %(action)s now.") % {
                        "status": locked.get_status_display(),
                        "action": rule.label,
                    }
                # who may not even see it learns nothing more
                if not (can_read(by, locked) or is_resident(by, locked) or _may_see_open(person, locked)):
                    raise Http404
                raise OrderError(message, code="conflict")
            _check_who(rule, locked, by, person)
            source = locked.status
            data: dict = {}
            fields = ["status", "updated_at"]
            if action == "dispatch":
                team, member = _dispatch_target(locked, extra.get("team"), extra.get("member"))
                locked.team, locked.assignee = team, (member.person if member else None)
                locked.taken_at = now if member else None
                locked.done_due = _due(now, done_working_days()) if member else None
                fields += ["team", "assignee", "taken_at", "done_due"]
                data = {"team": team.pk, "member": member.pk if member else None}
            elif action == "claim":
                member = (
                    memberships(person).filter(team_id=locked.team_id).first()
                    if locked.team_id
                    else memberships(person, locked.region_id).order_by("pk").first()
                )
                locked.team_id, locked.assignee = member.team_id, person
                locked.taken_at, locked.done_due = now, _due(now, done_working_days())
                fields += ["team", "assignee", "taken_at", "done_due"]
                data = {"team": member.team_id}
            elif action == "done":
                if not note:
                    raise OrderError({"note": [_("Say what was done.")]}, code="invalid")
                hours = _hours(extra.get("hours"))
                if locked.assignee_id is None:
                    locked.assignee = person
                locked.done_at, locked.done_note, locked.hours = now, note[:2000], hours
                fields += ["assignee", "done_at", "done_note", "hours"]
                _store_photos(locked, infos, written)
                data = {"hours": str(hours), "photos": len(infos)}
            elif action == "rate":
                stars = _stars(extra.get("stars"))
                locked.rating, locked.rating_comment, locked.rated_at = stars, note[:500], now
                fields += ["rating", "rating_comment", "rated_at"]
                data = {"stars": stars}
            elif action == "cancel":
                locked.closed_at = now
                fields += ["closed_at"]
            elif action == "return":
                if not note:
                    raise OrderError({"note": [_("Say why you give the order back.")]}, code="invalid")
                data = {"team": locked.team_id, "assignee": locked.assignee_id}
                locked.team = locked.assignee = None
                locked.taken_at = locked.done_due = locked.escalated_at = None
                locked.claim_due = _due(now, claim_working_days())
                fields += ["team", "assignee", "taken_at", "done_due", "escalated_at", "claim_due"]
            locked.status = rule.target
            locked.save(update_fields=fields)
            _event(locked, action, by, from_status=source, to_status=locked.status, note=note, at=at, **data)
            if action == "done":
                credit(locked, at=now)
            _tell(locked, action, by, at=at)
    except BaseException:
        _delete_files(written)
        raise
    return locked


def _may_see_open(person, order) -> bool:
    return order.region_id in volunteer_communities(person) if person is not None else False


def _dispatch_target(order: ServiceOrder, team, member):
    """The team and (optionally) the member an order is dispatched to: of the order's community."""
    found_member = None
    if member not in (None, ""):
        mpk = member.pk if isinstance(member, TeamMember) else member
        found_member = (
            TeamMember.objects.filter(_teams_q(order.region_id), pk=mpk if str(mpk).isdigit() else 0)
            .select_related("team", "person")
            .first()
        )
        if found_member is None:
            raise OrderError({"member": [_("Choose a member of a team of this community.")]}, code="invalid")
        return found_member.team, found_member
    if team in (None, ""):
        raise OrderError({"team": [_("Choose a team or one of its members.")]}, code="invalid")
    tpk = team.pk if isinstance(team, VolunteerTeam) else team
    on = timezone.localdate()
    found = (
        VolunteerTeam.objects.filter(
            Q(region_id=order.region_id) | Q(region__parent_id=order.region_id),
            Q(dissolved_on__isnull=True) | Q(dissolved_on__gt=on),
            pk=tpk if str(tpk).isdigit() else 0,
            founded_on__lte=on,
        )
        .defer("region__boundary")
        .first()
    )
    if found is None:
        raise OrderError({"team": [_("Choose a team of this community.")]}, code="invalid")
    return found, None


def _hours(value) -> Decimal:
    if value in (None, ""):
        return Decimal("1")
    try:
        number = Decimal(str(value).strip())
    except InvalidOperation:
        number = Decimal("-1")
    if not number.is_finite() or number <= 0 or number > 24 or number != number.quantize(Decimal("0.1")):
        raise OrderError({"hours": [_("Hours must lie between 0.1 and 24.")]}, code="invalid")
    return number


def _stars(value) -> int:
    try:
        stars = int(str(value).strip())
    except (TypeError, ValueError):
        stars = 0
    if not 1 <= stars <= 5:
        raise OrderError({"stars": [_("Give 1 to 5 stars.")]}, code="invalid")
    return stars


def credit(order: ServiceOrder, at: datetime | None = None) -> PointEntry | None:
    """The volunteer's points and hours for a done order: once (the source key is the order)."""
    if order.assignee_id is None or (order_points() <= 0 and not order.hours):
        return None
    return points.earn(
        None,
        order.assignee,
        region=order.region_id,
        points=order_points(),
        hours=order.hours,
        reason=_("Service order %(number)s") % {"number": order.number},
        team=order.team.name if order.team_id else "",
        source=PointEntry.Source.SERVICE,
        source_key=f"order:{order.pk}",
        check_scope=False,
        on=timezone.localdate(at),
    )


def _tell(order: ServiceOrder, action: str, by, at=None) -> None:
    number = order.number
    mine = reverse("resources:my_order", args=[order.pk])
    if action in ("dispatch", "claim"):
        notify(
            order.user,
            _("Your order %(number)s has been taken by a volunteer.") % {"number": number},
            kind="order_taken",
            url=mine,
            at=at,
        )
        if action == "dispatch" and order.assignee_id and order.assignee.user_id:
            notify(
                order.assignee.user,
                _("Service order %(number)s was dispatched to you.") % {"number": number},
                kind="order_dispatched",
                url=reverse("resources:volunteer_order", args=[order.pk]),
                at=at,
            )
    elif action == "done":
        notify(
            order.user,
            _("Your order %(number)s is done: please rate it.") % {"number": number},
            kind="order_done",
            url=mine,
            at=at,
        )
    elif action in ("return", "cancel"):
        text = (
            _("Service order %(number)s was given back and waits for a volunteer.")
            if action == "return"
            else _("Service order %(number)s was cancelled by the resident.")
        ) % {"number": number}
        _notify_staff(order, text, f"order_{action}", at=at)


def order_new(by, **kwargs) -> ServiceOrder:
    return place_order(by, **kwargs)


def dispatch(order, *, by, team=None, member=None, note="", at=None):
    return transition(order, "dispatch", by=by, team=team, member=member, note=note, at=at)


def claim(order, *, by, at=None):
    return transition(order, "claim", by=by, at=at)


def done(order, *, by, note, hours=None, photos=(), at=None):
    return transition(order, "done", by=by, note=note, hours=hours, photos=photos, at=at)


def rate(order, *, by, stars, comment="", at=None):
    return transition(order, "rate", by=by, stars=stars, note=comment, at=at)


def cancel(order, *, by, note="", at=None):
    return transition(order, "cancel", by=by, note=note, at=at)


def give_back(order, *, by, reason, at=None):
    return transition(order, "return", by=by, note=reason, at=at)


def allowed(order: ServiceOrder, user) -> list[str]:
    """The moves the user may make on the order now."""
    person = own_person(user)
    out = []
    for rule in TABLE.values():
        if order.status not in rule.sources:
            continue
        try:
            _check_who(rule, order, user, person)
        except ValidationError:
            continue
        out.append(rule.action)
    return out


# --- photos (the demands' checks: proven images, re-encoded without metadata) -----------------------


def _accept_photos(files) -> list:
    from doorstep.demands.photos import accept_image

    if len(files) > MAX_PHOTOS:
        raise OrderError({"photos": [_("At most %(n)d photos.") % {"n": MAX_PHOTOS}]}, code="invalid")
    infos, problems = [], []
    for n, upload in enumerate(files, start=1):
        try:
            infos.append(accept_image(upload))
        except ValidationError as exc:
            problems += [_("Photo %(n)d: %(problem)s") % {"n": n, "problem": m} for m in exc.messages]
    if problems:
        raise OrderError({"photos": problems}, code="invalid")
    return infos


def _storage():
    return OrderPhoto._meta.get_field("image").storage


def _store_photos(order: ServiceOrder, infos, written: list[str]) -> None:
    for info in infos:
        month = f"{timezone.localdate():%Y/%m}"
        image = _storage().save(
            f"orders/photos/{month}/{secrets.token_hex(16)}.jpg", ContentFile(info.public)
        )
        written.append(image)
        thumb = _storage().save(
            f"orders/thumbs/{month}/{secrets.token_hex(16)}.jpg", ContentFile(info.thumbnail)
        )
        written.append(thumb)
        OrderPhoto.objects.create(
            order=order,
            token=secrets.token_hex(16),
            image=image,
            thumbnail=thumb,
            width=info.width,
            height=info.height,
        )


def _delete_files(names) -> None:
    for name in names:
        try:
            _storage().delete(name)
        except Exception:  # never hide the error that brought us here
            log.warning("could not delete order photo %s", name, exc_info=True)


def can_view_photo(user, photo: OrderPhoto) -> bool:
    order = photo.order
    return is_resident(user, order) or can_read(user, order) or is_taker(user, order)


# --- escalation (the background worker) ---------------------------------------------------------


def run_escalations(now=None) -> dict:
    """Mark every order still waiting past its deadline escalated (once per deadline), with an
    event row and a notice to the community's staff."""
    from doorstep.demands.tasks import parse_now

    now = parse_now(now)
    escalated = 0
    candidates = list(
        ServiceOrder.objects.filter(status=S.ORDERED, escalated_at__isnull=True, claim_due__lt=now)
        .order_by()
        .values_list("pk", flat=True)
    )
    with translation.override(settings.LANGUAGE_CODE):
        for pk in sorted(candidates):
            with transaction.atomic():
                order = (
                    ServiceOrder.objects.select_for_update(of=("self",))
                    .select_related("service")
                    .filter(pk=pk, status=S.ORDERED, escalated_at__isnull=True, claim_due__lt=now)
                    .first()
                )
                if order is None:
                    continue  # taken, cancelled or escalated meanwhile
                order.escalated_at = now
                order.save(update_fields=["escalated_at", "updated_at"])
                due = timezone.localtime(order.claim_due).strftime("%Y-%m-%d %H:%M")
                note = _("Not taken by %(due)s: escalated automatically.") % {"due": due}
                _event(order, "escalate", None, from_status=S.ORDERED, to_status=S.ORDERED, note=note, at=now)
                _notify_staff(
                    order,
                    _("Service order %(number)s (%(service)s) was not taken by %(due)s: please dispatch it.")
                    % {"number": order.number, "service": order.service.name, "due": due},
                    "order_overdue",
                    at=now,
                )
                escalated += 1
    return {"escalated": escalated}


@task()
def escalate_orders(now: str | None = None) -> dict:
    """Task: escalate service orders not taken in time (see run_escalations)."""
    return run_escalations(now)


# --- reads ---------------------------------------------------------------------------------------


def _rows(qs: QuerySet[ServiceOrder]) -> QuerySet[ServiceOrder]:
    return qs.select_related("service", "place", "region", "assignee", "team").defer(
        "region__boundary", "place__hours", "place__facilities"
    )


def my_orders(user) -> QuerySet[ServiceOrder]:
    if user is None or not user.is_authenticated:
        return ServiceOrder.objects.none()
    return _rows(ServiceOrder.objects.filter(user=user))


def my_order(user, pk: int) -> ServiceOrder:
    order = my_orders(user).select_related("dwelling__building__compound").filter(pk=pk).first()
    if order is None:
        raise Http404
    return order


def open_orders(user) -> QuerySet[ServiceOrder]:
    """Orders waiting in the communities of the user's teams (and those dispatched to their teams
    with no member named)."""
    person = own_person(user)
    if person is None:
        return ServiceOrder.objects.none()
    communities = sorted(volunteer_communities(person))
    team_ids = list(memberships(person).values_list("team_id", flat=True))
    return _rows(
        ServiceOrder.objects.filter(
            Q(status=S.ORDERED, region_id__in=communities)
            | Q(status=S.DISPATCHED, assignee__isnull=True, team_id__in=team_ids)
        )
    ).order_by("claim_due", "pk")


def taken_orders(user) -> QuerySet[ServiceOrder]:
    person = own_person(user)
    if person is None:
        return ServiceOrder.objects.none()
    return _rows(ServiceOrder.objects.filter(assignee=person))


def volunteer_order(user, pk: int) -> ServiceOrder:
    """An order the volunteer holds, held, or may claim; Http404 otherwise."""
    person = own_person(user)
    order = _rows(ServiceOrder.objects.filter(pk=pk)).select_related("dwelling__building__compound").first()
    if order is None or person is None:
        raise Http404
    if order.assignee_id == person.pk:
        return order
    if order.status in (S.ORDERED, S.DISPATCHED) and (
        order.region_id in volunteer_communities(person) or is_taker(user, order, person)
    ):
        return order
    raise Http404


def staff_orders(user) -> QuerySet[ServiceOrder]:
    return _rows(scope_for_kinds(user, READ_KINDS).filter(ServiceOrder.objects.all()))


def staff_order(user, pk: int) -> ServiceOrder:
    order = (
        staff_orders(user).select_related("dwelling__building__compound", "resident").filter(pk=pk).first()
    )
    if order is None:
        raise Http404
    return order


def timeline(order: ServiceOrder) -> list[OrderEvent]:
    events = list(order.events.select_related("by").order_by("at", "pk"))
    for e in events:
        e.label = action_label(e.action)
    return events


def dispatch_choices(order: ServiceOrder) -> tuple[list[VolunteerTeam], list[TeamMember]]:
    """Teams of the order's community and their current members (two queries)."""
    on = timezone.localdate()
    teams = list(
        VolunteerTeam.objects.filter(
            Q(region_id=order.region_id) | Q(region__parent_id=order.region_id),
            Q(dissolved_on__isnull=True) | Q(dissolved_on__gt=on),
            founded_on__lte=on,
        ).only("name", "kind")
    )
    members = list(
        TeamMember.objects.filter(_teams_q(order.region_id))
        .select_related("person", "team")
        .only("person__name", "team__name")
        .order_by("team__name", "person__name")
    )
    return teams, members


def is_overdue(order: ServiceOrder, now=None) -> bool:
    now = now or timezone.now()
    if order.status == S.ORDERED:
        return order.claim_due < now
    if order.status in TAKEN and order.done_due:
        return order.done_due < now
    return False


# --- figures -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class OrderFigures:
    start: date
    end: date
    placed: int
    completed: int
    rated: int
    average_rating: float | None
    on_time: int

    @property
    def on_time_share(self) -> float | None:
        return round(self.on_time / self.completed, 4) if self.completed else None


def order_figures(region: Region | int, start: date, end: date) -> OrderFigures:
    """Orders placed, completed (done in the period), rated, the average of those ratings, and the
    share of completed orders done by their deadline — for a region's subtree (two queries)."""
    from .figures import SHANGHAI

    begin = datetime.combine(start, datetime.min.time(), tzinfo=SHANGHAI)
    finish = datetime.combine(end, datetime.max.time(), tzinfo=SHANGHAI)
    ids = sorted(subtree_ids(region))
    row = (
        ServiceOrder.objects.filter(region_id__in=ids)
        .order_by()
        .aggregate(
            placed=Count("pk", filter=Q(created_at__gte=begin, created_at__lte=finish)),
            completed=Count("pk", filter=Q(done_at__gte=begin, done_at__lte=finish)),
            on_time=Count(
                "pk",
                filter=Q(done_at__gte=begin, done_at__lte=finish, done_due__isnull=False)
                & Q(done_at__lte=F("done_due")),
            ),
            rated=Count("pk", filter=Q(rated_at__gte=begin, rated_at__lte=finish)),
            average=Avg("rating", filter=Q(rated_at__gte=begin, rated_at__lte=finish)),
        )
    )
    avg = row["average"]
    return OrderFigures(
        start=start,
        end=end,
        placed=row["placed"],
        completed=row["completed"],
        rated=row["rated"],
        average_rating=round(float(avg), 2) if avg is not None else None,
        on_time=row["on_time"],
    )


# --- the demo city -------------------------------------------------------------------------------


def build_demo_orders(community: Region | None) -> int:
    """`doorstep demo`: a few service orders in 宜阳社区 from the demo resident — one waiting, one
    dispatched to the errands team, one to a member of it — if there are none yet. Returns how
    many were made."""
    from django.contrib.auth import get_user_model

    if community is None or ServiceOrder.objects.filter(region=community).exists():
        return 0
    User = get_user_model()
    resident = User.objects.filter(username="demo-resident").first()
    staff = User.objects.filter(username="demo-community").first()
    person = own_person(resident)
    services = list(
        Service.objects.filter(
            Q(place__region=community) | Q(place__region__parent=community), current_services_q()
        ).order_by("pk")[:3]
    )
    if person is None or staff is None or not services:
        return 0
    with translation.override(settings.LANGUAGE_CODE):
        team = VolunteerTeam.objects.filter(region=community, kind=VolunteerTeam.Kind.ERRANDS).first()
        if team is None:
            from .teams import team_create

            team = team_create(staff, name="宜阳跑腿办", kind=VolunteerTeam.Kind.ERRANDS, region=community)
        # The demo volunteer's login joins the team, so the demo can take an order to its end.
        volunteer = own_person(User.objects.filter(username="demo-volunteer").first())
        member = TeamMember.objects.filter(team=team, left_on__isnull=True, person=volunteer).first()
        if member is None and volunteer is not None:
            from .teams import team_join

            member = team_join(staff, team, person=volunteer)
        member = member or TeamMember.objects.filter(team=team, left_on__isnull=True).first()
        if member is None:
            helper = (
                Person.objects.filter(
                    home_region__parent=community, anonymised_at__isnull=True, user__isnull=True
                )
                .exclude(pk=person.pk)
                .order_by("pk")
                .first()
            )
            if helper is None:
                return 0
            from .teams import team_join

            member = team_join(staff, team, person=helper)
        where = {"address": "都市春天小区 3栋 1单元"}
        needs = ("帮忙取一下药店的药，送到家里", "家里水龙头漏水，想请人看看", "帮老人代缴本月电费")
        made = [
            place_order(resident, service=s, need=n, phone=person.phone or "13800000000", **where)
            for s, n in zip(services * 3, needs, strict=False)
        ]
        if len(made) >= 3:
            dispatch(made[1], by=staff, team=team.pk)
            dispatch(made[2], by=staff, member=member.pk)
    return len(made)
